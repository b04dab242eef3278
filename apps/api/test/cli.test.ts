import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli-options.js';
import { makeTempDir, waitFor } from './helpers.js';
import { ingress, startKubeEmulator } from './kube-fixtures.js';

describe('parseCli', () => {
  it('reads flags, with repeatable --class-name', () => {
    const result = parseCli(
      ['--manifests', 'm', '--admin-port', '0', '--bind', '127.0.0.1', '--admin-token', 'a', '--proxy-token', 'p', '--class-name', 'portico', '--class-name', 'pipy', '--watch-ingress-without-class'],
      {},
    );
    expect(result).toEqual({
      kind: 'run',
      options: expect.objectContaining({ manifests: 'm', port: 0, bind: '127.0.0.1', adminToken: 'a', proxyToken: 'p', classNames: ['portico', 'pipy'], watchIngressWithoutClass: true }),
    });
  });

  it('takes tokens and port from the environment, with defaults for the rest', () => {
    const result = parseCli(['--manifests', 'm'], { PORTICO_ADMIN_TOKEN: 'a', PORTICO_PROXY_TOKEN: 'p', PORTICO_ADMIN_PORT: '9999' });
    expect(result).toEqual({
      kind: 'run',
      options: expect.objectContaining({ port: 9999, bind: '0.0.0.0', adminToken: 'a', proxyToken: 'p', classNames: ['portico'], watchIngressWithoutClass: false }),
    });
  });

  it('reads the controller TLS switches from flags and environment; flags win', () => {
    const result = parseCli(
      ['--manifests', 'm', '--mtls', 'true', '--ssl-passthrough', 'yes', '--ssl-passthrough-allow', 'a.example,*.b.example', '--default-certificate', 'infra/fallback', '--settings-configmap', ''],
      { PORTICO_ADMIN_TOKEN: 'a', PORTICO_PROXY_TOKEN: 'p', PORTICO_SSL_PASSTHROUGH_UPSTREAM_PORT: '8443', PORTICO_MTLS: 'false' },
    );
    expect(result).toMatchObject({
      kind: 'run',
      options: {
        tls: { enabled: true, mtls: true, sslPassthrough: { enabled: true, upstreamPort: 8443, allowedNames: ['a.example', '*.b.example'] }, defaultCertificate: 'infra/fallback' },
        settingsConfigMap: null,
      },
    });
  });

  it('names the TLS flag and the reason when a value is wrong', () => {
    const result = parseCli(['--manifests', 'm', '--mtls', 'perhaps', '--ssl-passthrough-upstream-port', '0', '--ssl-passthrough-allow', 'ok.example,bad name'], { PORTICO_ADMIN_TOKEN: 'a', PORTICO_PROXY_TOKEN: 'p' });
    expect(result.kind).toBe('error');
    if (result.kind !== 'error') return;
    expect(result.message).toMatch(/--mtls must be true or false/);
    expect(result.message).toMatch(/--ssl-passthrough-upstream-port must be a port number/);
    expect(result.message).toMatch(/not valid: bad name/);
  });

  it('refuses to run without tokens or manifests, and never echoes a token', () => {
    const result = parseCli(['--admin-token', 'top-secret-value'], {});
    expect(result.kind).toBe('error');
    if (result.kind !== 'error') return;
    expect(result.message).toMatch(/--manifests/);
    expect(result.message).toMatch(/PORTICO_PROXY_TOKEN/);
    expect(result.message).not.toMatch(/PORTICO_ADMIN_TOKEN/);
    expect(result.message).not.toContain('top-secret-value');
    expect(parseCli(['--manifests', 'm', '--admin-port', 'eighty'], { PORTICO_ADMIN_TOKEN: 'a', PORTICO_PROXY_TOKEN: 'p' })).toMatchObject({ kind: 'error', message: expect.stringMatching(/admin-port/) });
    expect(parseCli(['--bogus'], {})).toMatchObject({ kind: 'error' });
  });
});

describe('parseCli: the cluster source', () => {
  const tokens = { PORTICO_ADMIN_TOKEN: 'a', PORTICO_PROXY_TOKEN: 'p' };

  it('reads --kubeconfig and the cluster flags', () => {
    const result = parseCli(
      ['--kubeconfig', 'kc', '--watch-namespace', 'team-a', '--watch-namespace', 'team-b', '--publish-service', 'infra/portico', '--election-namespace', 'infra', '--lease-duration-ms', '5000'],
      tokens,
    );
    expect(result).toMatchObject({
      kind: 'run',
      options: { kubeconfig: 'kc', watchNamespaces: ['team-a', 'team-b'], publishService: 'infra/portico', electionNamespace: 'infra', leaseDurationMs: 5000 },
    });
    expect(result.kind === 'run' && result.options.manifests).toBeUndefined();
    expect(parseCli(['--kubeconfig', 'kc', '--publish-address', '203.0.113.7,lb.example.com'], tokens)).toMatchObject({ kind: 'run', options: { publishAddress: '203.0.113.7,lb.example.com' } });
  });

  it('uses the pod service account in a cluster when no source is given; --manifests still wins', () => {
    expect(parseCli([], { ...tokens, KUBERNETES_SERVICE_HOST: '10.96.0.1' })).toMatchObject({ kind: 'run', options: { inCluster: true } });
    const files = parseCli(['--manifests', 'm'], { ...tokens, KUBERNETES_SERVICE_HOST: '10.96.0.1' });
    expect(files).toMatchObject({ kind: 'run', options: { manifests: 'm' } });
    expect(files.kind === 'run' && files.options.inCluster).toBeUndefined();
  });

  it('refuses two sources, and cluster flags without a cluster, with clear messages', () => {
    expect(parseCli(['--kubeconfig', 'kc', '--manifests', 'm'], tokens)).toEqual({ kind: 'error', message: expect.stringMatching(/--kubeconfig and --manifests are two different sources; give only one/) });
    expect(parseCli(['--manifests', 'm', '--publish-address', '203.0.113.7'], tokens)).toMatchObject({ kind: 'error', message: expect.stringMatching(/--publish-address only apply to a cluster/) });
    expect(parseCli(['--kubeconfig', 'kc', '--publish-address', '1.2.3.4', '--publish-service', 'a/b'], tokens)).toMatchObject({ kind: 'error', message: expect.stringMatching(/give only one of them/) });
    expect(parseCli(['--kubeconfig', 'kc', '--publish-address', 'not an address!'], tokens)).toMatchObject({ kind: 'error', message: expect.stringMatching(/--publish-address .*not valid: not an address!/) });
    expect(parseCli(['--kubeconfig', 'kc', '--watch-namespace', 'Bad_NS'], tokens)).toMatchObject({ kind: 'error', message: expect.stringMatching(/not a namespace name/) });
    expect(parseCli(['--kubeconfig', 'kc', '--lease-duration-ms', '10'], tokens)).toMatchObject({ kind: 'error', message: expect.stringMatching(/--lease-duration-ms/) });
  });
});

/** The built CLI (`dist/main.js`; the Nx test target builds first). */
describe('portico-api process', () => {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [main, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, out: () => stdout, err: () => stderr };
  };

  it('refuses --kubeconfig together with --manifests (exit 2), saying why', async () => {
    const { exited, err } = run(['--kubeconfig', 'kc', '--manifests', '.'], { PORTICO_ADMIN_TOKEN: 'a', PORTICO_PROXY_TOKEN: 'p' });
    expect(await exited).toBe(2);
    expect(err()).toMatch(/portico-api: --kubeconfig and --manifests are two different sources; give only one of them/);
  });

  it('serves a cluster through --kubeconfig and exits 0 on SIGTERM', async () => {
    const emulator = await startKubeEmulator();
    try {
      emulator.upsert(ingress('cli'));
      const proc = run(['--kubeconfig', emulator.kubeconfigPath, '--admin-port', '0', '--bind', '127.0.0.1', '--settings-configmap', '', '--web-dir', '/nonexistent'], {
        PORTICO_ADMIN_TOKEN: 'a',
        PORTICO_PROXY_TOKEN: 'p',
      });
      const url = await waitFor(() => /"url":"(http:[^"]+)"/.exec(proc.out())?.[1], 'the listening log line', 10_000);
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 'readiness', 10_000);
      const table: any = await (await fetch(`${url}/api/v1/routes`, { headers: { authorization: 'Bearer a' } })).json();
      expect(table.virtualHosts.map((host: { host: string }) => host.host)).toEqual(['cli.example']);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      expect(proc.out()).toMatch(/released the Lease/);
    } finally {
      await emulator.close();
    }
  });

  it('refuses to start without tokens, saying what is missing', async () => {
    const { exited, err } = run(['--manifests', '.']);
    expect(await exited).toBe(2);
    expect(err()).toMatch(/admin token is required/);
  });

  it('serves, logs JSON without the tokens, and exits 0 on SIGTERM', async () => {
    const { dir, remove } = await makeTempDir();
    try {
      await writeFile(path.join(dir, 'svc.yaml'), 'kind: Service\nmetadata: {name: web}\n');
      const proc = run(['--manifests', dir, '--admin-port', '0', '--bind', '127.0.0.1', '--web-dir', path.join(dir, 'no-web')], {
        PORTICO_ADMIN_TOKEN: 'admin-token-value',
        PORTICO_PROXY_TOKEN: 'proxy-token-value',
      });
      const url = await waitFor(() => /"url":"(http:[^"]+)"/.exec(proc.out())?.[1], 'the listening log line', 10_000);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      const lines = proc.out().trim().split('\n');
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      expect(lines.some((line) => JSON.parse(line).msg === 'compiled a new routing table')).toBe(true);
      expect(proc.out()).not.toMatch(/token-value/);
    } finally {
      await remove();
    }
  });
});
