import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { caSecret, certificateAuthority, tlsSecret, type TestCertificate } from '@portico/testing';
import { eventually } from '../support/http-client.js';
import { ingress, ingressClass, serviceWithPods, settingsConfigMap } from '../support/manifests.js';
import { SOURCES, Stack } from '../support/stack.js';
import { curlHttps, opensslSubject } from '../support/tls-clients.js';

const P = 'pipy.ingress.kubernetes.io/';
describe.each(SOURCES)('with the %s source', (source) => {
  let stack: Stack;
  let dir: string;
  let caFile: string;
  let client: { certFile: string; keyFile: string };
  let strangerClient: { certFile: string; keyFile: string };
  let tlsBackendPort: number;

  async function writePair(name: string, cert: TestCertificate) {
    const pair = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
    await writeFile(pair.certFile, cert.certPem);
    await writeFile(pair.keyFile, cert.keyPem);
    return pair;
  }

  /**
   * FSM's four client → ingress → upstream combinations and client verification, through the whole stack: manifests
   * on disk, the API compiling them, the proxy serving them, real curl and openssl clients.
   */
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-tls-policies-'));
    const ca = await certificateAuthority('Edge CA');
    const clientsCa = await certificateAuthority('Clients CA');
    const strangersCa = await certificateAuthority('Strangers CA');
    caFile = join(dir, 'ca.crt');
    await writeFile(caFile, ca.certPem);
    client = await writePair('alice', await clientsCa.issue(['alice.example'], 'alice'));
    strangerClient = await writePair('mallory', await strangersCa.issue(['mallory.example'], 'mallory'));

    stack = await Stack.start({ 'class.yaml': ingressClass() }, {}, { source });
    const plain = await stack.echo('plain', 1);
    // The HTTPS upstream presents a certificate for its Service DNS name, issued by the edge CA.
    const secureBackend = await stack.echo('secure', 1, await ca.issue(['secure.default.svc']));
    tlsBackendPort = secureBackend[0].port;
    await stack.write('services.yaml', [serviceWithPods('plain', plain), serviceWithPods('secure', secureBackend)].join('---\n'));
    await stack.write(
      'secrets.yaml',
      [
        stringify(tlsSecret('edge-tls', await ca.issue(['https-http.example', 'https-https.example', 'mtls.example', 'open.example']))),
        stringify(caSecret('upstream-ca', ca.certPem)),
        stringify(caSecret('wrong-ca', clientsCa.certPem)),
        stringify(caSecret('clients-ca', clientsCa.certPem)),
      ].join('---\n'),
    );
    const verifyUpstream = { [`${P}upstream-ssl-secret`]: 'upstream-ca', [`${P}upstream-ssl-verify`]: 'true' };
    const tlsFor = (host: string) => ({ tls: [{ hosts: [host], secretName: 'edge-tls' }] });
    await stack.write(
      'ingresses.yaml',
      [
        ingress('http-http', [{ host: 'http-http.example', paths: [{ path: '/', service: 'plain' }] }]),
        ingress('https-http', [{ host: 'https-http.example', paths: [{ path: '/', service: 'plain' }] }], tlsFor('https-http.example')),
        ingress('http-https', [{ host: 'http-https.example', paths: [{ path: '/', service: 'secure' }] }], { annotations: verifyUpstream }),
        ingress('https-https', [{ host: 'https-https.example', paths: [{ path: '/', service: 'secure' }] }], { annotations: verifyUpstream, ...tlsFor('https-https.example') }),
        ingress('wrong-ca', [{ host: 'wrong-ca.example', paths: [{ path: '/', service: 'secure' }] }], { annotations: { ...verifyUpstream, [`${P}upstream-ssl-secret`]: 'wrong-ca' } }),
        ingress('wrong-name', [{ host: 'wrong-name.example', paths: [{ path: '/', service: 'secure' }] }], { annotations: { ...verifyUpstream, [`${P}upstream-ssl-name`]: 'someone-else.default.svc' } }),
        ingress('no-verify', [{ host: 'no-verify.example', paths: [{ path: '/', service: 'secure' }] }], { annotations: { [`${P}upstream-ssl-secret`]: 'wrong-ca', [`${P}upstream-ssl-verify`]: 'false' } }),
        ingress('mtls', [{ host: 'mtls.example', paths: [{ path: '/', service: 'plain' }] }], {
          annotations: { [`${P}tls-verify-client`]: 'true', [`${P}tls-trusted-ca-secret`]: 'clients-ca' },
          ...tlsFor('mtls.example'),
        }),
        ingress('open', [{ host: 'open.example', paths: [{ path: '/', service: 'plain' }] }], tlsFor('open.example')),
      ].join('---\n'),
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const https = (host: string, path = '/', options = {}) => curlHttps(stack.proxy.httpsPort, host, path, caFile, options);
  const echoed = (body: string) => JSON.parse(body) as { service: string; headers: Record<string, string> };

  describe('FSM’s four combinations', () => {
    it('HTTP → HTTP', async () => {
      expect((await stack.request('http-http.example', '/')).service).toBe('plain');
    });
    it('HTTPS → HTTP', async () => {
      const res = await https('https-http.example');
      expect(res.status).toBe(200);
      expect(echoed(res.body).service).toBe('plain');
    });
    it('HTTP → HTTPS, the upstream verified against the Secret’s CA and the Service DNS name', async () => {
      const res = await stack.request('http-https.example', '/');
      expect(res.status).toBe(200);
      expect(res.service).toBe('secure');
    });
    it('HTTPS → HTTPS', async () => {
      const res = await https('https-https.example');
      expect(res.status).toBe(200);
      expect(echoed(res.body).service).toBe('secure');
    });
  });

  describe('HTTPS upstream verification', () => {
    it('the wrong CA answers 502', async () => {
      expect((await stack.request('wrong-ca.example', '/')).status).toBe(502);
    });
    it('the wrong name answers 502', async () => {
      expect((await stack.request('wrong-name.example', '/')).status).toBe(502);
    });
    it('verification off accepts whatever the upstream presents', async () => {
      expect((await stack.request('no-verify.example', '/')).service).toBe('secure');
    });
  });

  describe('client certificates (mTLS) per host', () => {
    it('a trusted client certificate is served, and its subject reaches the upstream (a forged copy never does)', async () => {
      const res = await https('mtls.example', '/', { client, headers: { 'X-Client-Cert-Subject': 'CN=forged' } });
      expect(res.status).toBe(200);
      expect(echoed(res.body).headers['x-client-cert-subject']).toBe('CN=alice');
    });
    it('no client certificate, or one from another CA, is refused — for that host only', async () => {
      await expect(https('mtls.example')).rejects.toThrow();
      await expect(https('mtls.example', '/', { client: strangerClient })).rejects.toThrow();
      expect((await https('open.example')).status).toBe(200);
    });
    it('a request for the mTLS host on a connection made for another host answers 421', async () => {
      const res = await curlHttps(stack.proxy.httpsPort, 'open.example', '/', caFile, { headers: { Host: 'mtls.example' } });
      expect(res.status).toBe(421);
    });
    it('plain HTTP to the mTLS host is redirected to https, never served', async () => {
      expect((await stack.request('mtls.example', '/')).status).toBe(308);
    });
  });

  describe('controller settings applied live from the settings ConfigMap', () => {
    it('FSM’s global passthrough relays an allowed, unclaimed SNI to <SNI>:<upstreamPort> and refuses others', async () => {
      await stack.write(
        'settings.yaml',
        settingsConfigMap({ 'tls.sslPassthrough.enabled': 'true', 'tls.sslPassthrough.upstreamPort': String(tlsBackendPort), 'tls.sslPassthrough.allowedNames': 'localhost' }),
      );
      await eventually(async () => expect(await opensslSubject(stack.proxy.httpsPort, 'localhost')).toMatch(/CN ?= ?secure\.default\.svc/), 5000);
      await expect(opensslSubject(stack.proxy.httpsPort, 'not-allowed.example')).rejects.toThrow();
      expect((await https('https-http.example')).status).toBe(200);
    });

    it('tls.enabled=false turns the TLS port off and plain HTTP serves every host; true turns it back on', async () => {
      await stack.write('settings.yaml', settingsConfigMap({ 'tls.enabled': 'false' }));
      await eventually(async () => expect(https('https-http.example')).rejects.toThrow(), 5000);
      expect((await stack.request('https-http.example', '/')).service).toBe('plain');
      // The mTLS Ingress cannot be honoured without TLS: it is not served at all.
      expect((await stack.request('mtls.example', '/')).status).toBe(404);
      await stack.write('settings.yaml', settingsConfigMap({ 'tls.enabled': 'true' }));
      expect((await https('https-http.example')).status).toBe(200);
    });
  });
});
