import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli-options.js';
import { makeTempDir, waitFor } from './helpers.js';

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
