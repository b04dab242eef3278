// The demo's TLS material, made on this machine the first time the demo runs (never committed): Portico's
// certificate for the terminated hosts, the TLS backend's own (a different one, so a client can tell who answered:
// Portico, or the backend through passthrough) and a client CA for the mTLS host. Keys stay in the data directory,
// readable by the owner only.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const DAYS = 90;
/** The names the TLS backend answers for: the host that can be toggled, and the one already passed through. */
export const BACKEND_NAMES = ['tls.demo.localhost', 'passthrough.demo.localhost'];
const PORTICO_NAMES = ['secure.demo.localhost', 'tls.demo.localhost', 'mtls.demo.localhost'];

/**
 * Reads the demo's certificates from `dir`, making any that are missing, and (when `manifests` is given) writes the
 * Secrets the demo Ingresses name into it. Returns the backend's certificate and key for its echo server, and the files
 * of the demo client certificate.
 */
export async function demoTls(dir, manifests) {
  const { generateSelfSigned, generateClientAuthority, issueClientCertificate } = await import('@portico/api/certificates');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = async (name, hosts, make = () => generateSelfSigned(hosts, DAYS)) => {
    const certFile = resolve(dir, `${name}.crt`);
    const keyFile = resolve(dir, `${name}.key`);
    if (!existsSync(certFile) || !existsSync(keyFile)) {
      const made = await make();
      writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
      writeFileSync(certFile, made.certPem);
      return { ...made, fresh: true };
    }
    return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8'), fresh: false };
  };
  const portico = await pair('portico', PORTICO_NAMES);
  const backend = await pair('backend', BACKEND_NAMES);
  // A CA for mtls.demo.localhost, and one client certificate it signed, so `curl --cert` gets through.
  const clientCa = await pair('client-authority', [], () => generateClientAuthority('Portico demo client CA', DAYS));
  const client = { cert: resolve(dir, 'client.crt'), key: resolve(dir, 'client.key') };
  if (clientCa.fresh) for (const file of Object.values(client)) rmSync(file, { force: true });
  await pair('client', [], () => issueClientCertificate(clientCa, 'demo-client', DAYS));
  // A certificate made now must reach the store too, or the upstream CA and the backend would disagree.
  const secretsFile = manifests && resolve(manifests, 'demo-certificates.yaml');
  if (secretsFile && (!existsSync(secretsFile) || portico.fresh || backend.fresh || clientCa.fresh)) {
    writeFileSync(secretsFile, secretsYaml(portico, backend, clientCa), { mode: 0o600 });
  }
  return { backend, client };
}

function secretsYaml(portico, backend, clientCa) {
  const b64 = (text) => Buffer.from(text).toString('base64');
  const secret = (name, type, data, why) =>
    [`# ${why}`, 'apiVersion: v1', 'kind: Secret', `type: ${type}`, 'metadata:', `  name: ${name}`, '  namespace: default', 'data:',
      ...Object.entries(data).map(([k, v]) => `  ${k}: ${b64(v)}`)].join('\n');
  return [
    '# Made by `npm start` for the demo (tools/demo-tls.mjs); this file holds a private key: keep it to yourself.',
    secret('demo-certificate', 'kubernetes.io/tls', { 'tls.crt': portico.certPem, 'tls.key': portico.keyPem }, "Portico's certificate for secure., tls. and mtls.demo.localhost"),
    secret('demo-backend-ca', 'Opaque', { 'ca.crt': backend.certPem }, "The TLS backend's own certificate: what Portico verifies it against (HTTPS upstream)"),
    secret('demo-client-ca', 'Opaque', { 'ca.crt': clientCa.certPem }, 'The CA clients of mtls.demo.localhost must present a certificate from'),
  ].join('\n---\n') + '\n';
}
