import { execFile } from 'node:child_process';
import { connect } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * `curl` over HTTPS to the proxy, resolving `host` to loopback; returns status and body. With `client`, it presents
 * that certificate and key (files). A failed handshake rejects with curl's error.
 */
export async function curlHttps(
  port: number,
  host: string,
  path: string,
  caFile: string,
  options: { client?: { certFile: string; keyFile: string }; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  const extra = [
    ...(options.client ? ['--cert', options.client.certFile, '--key', options.client.keyFile] : []),
    ...Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
  ];
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', '--cacert', caFile, ...extra, '--resolve', `${host}:${port}:127.0.0.1`, '-w', '\n%{http_code}', `https://${host}:${port}${path}`]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

/** The subject line `openssl s_client` prints for the certificate the server presents to `serverName`. */
export async function opensslSubject(port: number, serverName: string): Promise<string> {
  const child = run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', serverName], { timeout: 10_000 });
  child.child.stdin?.end();
  const { stdout } = await child;
  const subject = /^subject=(.*)$/m.exec(stdout);
  if (!subject) throw new Error(`no subject in openssl output:\n${stdout}`);
  return subject[1].trim();
}

/** The certificate a Node TLS client is shown for `serverName` (undefined: no SNI), without verifying it. */
export function presentedCertificate(port: number, serverName?: string): Promise<{ subjectCN: string; fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: serverName, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve({ subjectCN: String(cert.subject?.CN ?? ''), fingerprint256: cert.fingerprint256 });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}
