// One CA and one RSA-2048 leaf (the common cert-manager default) for every name the bench uses, made with the
// openssl CLI so every proxy serves byte-identical certificates.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NAMES = ['bench.local', 'tls.bench', 'pt.bench', 'upstream.bench'];

export function makeCertificates(dir) {
  const f = (name) => join(dir, name);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=Portico Bench CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', `/CN=${NAMES[0]}`);
  writeFileSync(f('leaf.ext'), `subjectAltName=${NAMES.map((n) => `DNS:${n}`).join(',')},IP:127.0.0.1\n`);
  ssl('x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('leaf.crt'), '-days', '2', '-extfile', f('leaf.ext'));
  // HAProxy wants certificate and key in one file.
  writeFileSync(f('leaf.pem'), readFileSync(f('leaf.crt'), 'utf8') + readFileSync(f('leaf.key'), 'utf8'));
  return {
    caFile: f('ca.crt'),
    certFile: f('leaf.crt'),
    keyFile: f('leaf.key'),
    pemFile: f('leaf.pem'),
    caPem: readFileSync(f('ca.crt'), 'utf8'),
    certPem: readFileSync(f('leaf.crt'), 'utf8'),
    keyPem: readFileSync(f('leaf.key'), 'utf8'),
  };
}
