import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { certificateAuthority, tlsSecret, type TestCertificate } from '@portico/testing';
import { eventually } from '../support/http-client.js';
import { ingress, ingressClass, serviceWithPods } from '../support/manifests.js';
import { SOURCES, Stack } from '../support/stack.js';
import { curlHttps, opensslSubject, presentedCertificate } from '../support/tls-clients.js';

describe.each(SOURCES)('with the %s source', (source) => {
  let stack: Stack;
  let files: string;
  let caFile: string;
  let ca: Awaited<ReturnType<typeof certificateAuthority>>;
  let site: TestCertificate;

  beforeAll(async () => {
    ca = await certificateAuthority();
    site = await ca.issue(['secure.example.com']);
    const backendCert = await ca.issue(['pass.example.com']);
    files = await mkdtemp(join(tmpdir(), 'portico-tls-'));
    caFile = join(files, 'ca.crt');
    await writeFile(caFile, ca.certPem);

    stack = await Stack.start({ 'class.yaml': ingressClass() }, {}, { source });
    const web = await stack.echo('web', 1);
    const tlsWeb = await stack.echo('tlsweb', 1, backendCert);
    await stack.write('services.yaml', [serviceWithPods('web', web), serviceWithPods('tlsweb', tlsWeb)].join('---\n'));
    await stack.write('secret.yaml', stringify(tlsSecret('site-tls', site)));
    await stack.write('secure.yaml', ingress('secure', [{ host: 'secure.example.com', paths: [{ path: '/', service: 'web' }] }], { tls: [{ hosts: ['secure.example.com'], secretName: 'site-tls' }] }));
    await stack.write(
      'pass.yaml',
      ingress('pass', [{ host: 'pass.example.com', paths: [{ path: '/', service: 'tlsweb' }] }], { annotations: { 'portico.dev/ssl-passthrough': 'true' } }),
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(files, { recursive: true, force: true });
  });

  describe('TLS on the shared port', () => {
    it('HTTPS → HTTP: curl --cacert reaches the backend through the terminated host, marked https', async () => {
      const res = await curlHttps(stack.proxy.httpsPort, 'secure.example.com', '/check?x=1', caFile);
      expect(res.status).toBe(200);
      const seen = JSON.parse(res.body);
      expect(seen.service).toBe('web');
      expect(seen.headers['x-forwarded-proto']).toBe('https');
      expect(seen.url).toBe('/check?x=1');
    });

    it('openssl s_client sees the Secret’s certificate for the terminated host and the backend’s own for the passthrough host', async () => {
      const [terminated, passed] = await Promise.all([opensslSubject(stack.proxy.httpsPort, 'secure.example.com'), opensslSubject(stack.proxy.httpsPort, 'pass.example.com')]);
      expect(terminated).toMatch(/CN ?= ?secure\.example\.com/);
      expect(passed).toMatch(/CN ?= ?pass\.example\.com/);
    });

    it('passthrough: curl talks TLS end to end with the backend', async () => {
      const res = await curlHttps(stack.proxy.httpsPort, 'pass.example.com', '/hi', caFile);
      expect(res).toEqual({ status: 200, body: 'Hi, there!' });
    });

    it('a client without SNI, or with a name nobody claims, gets the default certificate', async () => {
      const none = await presentedCertificate(stack.proxy.httpsPort);
      const unknown = await presentedCertificate(stack.proxy.httpsPort, 'unknown.example.com');
      expect(none.subjectCN).not.toBe('secure.example.com');
      expect(unknown.fingerprint256).toBe(none.fingerprint256);
    });

    it('plain HTTP to a TLS host is redirected to https with path and query kept', async () => {
      const res = await stack.request('secure.example.com', '/a/b?c=d');
      expect(res.status).toBe(308);
      expect(res.headers.location).toBe(`https://secure.example.com:${stack.proxy.httpsPort}/a/b?c=d`);
    });

    it('the admin API never returns the private key', async () => {
      const table = JSON.stringify(await stack.admin('/api/v1/routes'));
      expect(table).toContain('secure.example.com');
      expect(table).not.toContain('PRIVATE KEY');
    });

    it('toggling passthrough off changes new connections within a second and leaves an open passthrough connection working', async () => {
      // An HTTP/1.1 keep-alive conversation straight with the backend, through the passthrough relay.
      const open = connect({ host: '127.0.0.1', port: stack.proxy.httpsPort, servername: 'pass.example.com', ca: ca.certPem });
      await new Promise<void>((resolve, reject) => open.once('secureConnect', () => resolve()).once('error', reject));
      const ask = () =>
        new Promise<string>((resolve) => {
          open.once('data', (d) => resolve(String(d)));
          open.write('GET /hi HTTP/1.1\r\nHost: pass.example.com\r\n\r\n');
        });
      expect(await ask()).toContain('Hi, there!');
      const started = Date.now();
      await stack.write('pass.yaml', ingress('pass', [{ host: 'pass.example.com', paths: [{ path: '/', service: 'web' }] }], { annotations: { 'portico.dev/ssl-passthrough': 'false' } }));
      await eventually(async () => expect((await presentedCertificate(stack.proxy.httpsPort, 'pass.example.com')).subjectCN).not.toBe('pass.example.com'));
      expect(Date.now() - started).toBeLessThan(1000);
      expect(open.getPeerCertificate().subject.CN).toBe('pass.example.com');
      expect(await ask()).toContain('Hi, there!');
      open.destroy();
      await stack.write('pass.yaml', ingress('pass', [{ host: 'pass.example.com', paths: [{ path: '/', service: 'tlsweb' }] }], { annotations: { 'portico.dev/ssl-passthrough': 'true' } }));
      expect((await presentedCertificate(stack.proxy.httpsPort, 'pass.example.com')).subjectCN).toBe('pass.example.com');
    });

    it('a rotated Secret is served on the next handshake, with no restart', async () => {
      const before = await presentedCertificate(stack.proxy.httpsPort, 'secure.example.com');
      const rotated = await ca.issue(['secure.example.com']);
      await stack.write('secret.yaml', stringify(tlsSecret('site-tls', rotated)));
      await eventually(async () => {
        const after = await presentedCertificate(stack.proxy.httpsPort, 'secure.example.com');
        expect(after.fingerprint256).not.toBe(before.fingerprint256);
      });
      expect((await curlHttps(stack.proxy.httpsPort, 'secure.example.com', '/', caFile)).status).toBe(200);
    });
  });
});
