import { X509Certificate } from 'node:crypto';
import type { ObjectRef, SecretObject } from '@portico/model';
import { ingressRef, secretReferences, type TableView } from '../hosts/table-view.js';
import { certificateBlocks, checkChain, covers, factsOf, parseCertificates, type CertificateFacts, type ChainCheck } from './pem.js';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';
/** Fewer days left than this is a warning. */
export const EXPIRY_WARNING_DAYS = 30;

export interface CertificateUse {
  ingress: ObjectRef;
  field: string;
  /** `tls`: serves the hosts; `client-ca`: trusted for client certificates; `upstream`: upstream CA / client certificate. */
  role: 'tls' | 'client-ca' | 'upstream';
  hosts: string[];
}

export interface CertificateEntry {
  id: string;
  namespace: string;
  name: string;
  /** `tls`: a serving certificate (tls.crt); `ca-bundle`: the trust anchors in ca.crt. */
  kind: 'tls' | 'ca-bundle';
  secretType: string | null;
  /** False when the source holds no data for the Secret (the Kubernetes source keeps only referenced Secrets). */
  loaded: boolean;
  /** Why the certificate could not be read; never contains key material. */
  problem: string | null;
  /** The leaf (tls) or the first CA (ca-bundle). */
  certificate: CertificateFacts | null;
  /** Every certificate in the PEM, in order. */
  certificates: CertificateFacts[];
  chain: ChainCheck | null;
  hasPrivateKey: boolean;
  usedBy: { hosts: string[]; ingresses: CertificateUse[]; defaultCertificate: boolean; servedFor: string[] };
  /** Hosts that use this certificate (spec.tls) but are not covered by its names. */
  notCovered: string[];
  warnings: string[];
}

/** `stringData` wins over base64 `data`, as on the API server (the compiler's `secretValue`). */
function secretValue(secret: SecretObject, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (typeof plain === 'string') return plain;
  const encoded = secret.data?.[key];
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
}

const hasKey = (secret: SecretObject, key: string) => typeof secret.stringData?.[key] === 'string' || typeof secret.data?.[key] === 'string';

/** Every TLS Secret and CA bundle the snapshot or the table holds, with its facts and uses. Never a private key. */
export function certificateInventory(view: TableView, now = Date.now()): CertificateEntry[] {
  const secrets = new Map<string, SecretObject>();
  for (const secret of view.snapshot?.secrets ?? []) secrets.set(`${secret.metadata?.namespace ?? 'default'}/${secret.metadata?.name ?? ''}`, secret);
  // Certificates only the table has (a source that dropped the Secret's data after compiling): read from the table.
  for (const cert of view.table.certificates) {
    if (!secrets.has(cert.id) || !hasKey(secrets.get(cert.id)!, 'tls.crt')) {
      const [namespace, name] = cert.id.split('/');
      secrets.set(cert.id, { metadata: { namespace, name }, type: TLS_SECRET_TYPE, stringData: { 'tls.crt': cert.certPem } });
    }
  }
  const uses = new Map<string, CertificateUse[]>();
  for (const ingress of view.snapshot?.ingresses ?? []) {
    for (const ref of secretReferences(ingress)) {
      const list = uses.get(ref.secret) ?? [];
      list.push({ ingress: ingressRef(ingress), field: ref.field, role: ref.role, hosts: ref.hosts });
      uses.set(ref.secret, list);
    }
  }
  const entries: CertificateEntry[] = [];
  for (const [id, secret] of [...secrets].sort(([a], [b]) => a.localeCompare(b))) {
    const tlsPem = secretValue(secret, 'tls.crt');
    const caPem = secretValue(secret, 'ca.crt');
    const secretUses = uses.get(id) ?? [];
    const stub = !secret.data && !secret.stringData;
    if (tlsPem !== undefined || (stub && secret.type === TLS_SECRET_TYPE)) {
      entries.push(tlsEntry(view, id, secret, tlsPem, secretUses, now));
    }
    if (caPem !== undefined) entries.push(caEntry(id, secret, caPem, secretUses, now));
  }
  return entries;
}

function base(id: string, secret: SecretObject, kind: CertificateEntry['kind']) {
  const [namespace = 'default', name = ''] = id.split('/');
  return { id, namespace, name, kind, secretType: secret.type ?? null };
}

function tlsEntry(view: TableView, id: string, secret: SecretObject, pem: string | undefined, uses: CertificateUse[], now: number): CertificateEntry {
  const servedFor = view.table.virtualHosts.filter((v) => v.tls?.mode === 'terminate' && v.tls.certificateId === id).map((v) => v.host);
  const defaultCertificate = view.table.tlsSettings.defaultCertificateId === id;
  const serving = uses.filter((u) => u.role === 'tls' || u.role === 'upstream');
  const hosts = [...new Set([...serving.filter((u) => u.role === 'tls').flatMap((u) => u.hosts), ...servedFor])].sort();
  const usedBy = { hosts, ingresses: serving, defaultCertificate, servedFor };
  const entry = { ...base(id, secret, 'tls'), usedBy, hasPrivateKey: hasKey(secret, 'tls.key') };
  if (pem === undefined) {
    return { ...entry, loaded: false, problem: 'the source holds no data for this Secret (no owned Ingress references it)', certificate: null, certificates: [], chain: null, notCovered: [], warnings: [] };
  }
  const parsed = parseAll(pem);
  if (!parsed.length) return { ...entry, loaded: true, problem: 'tls.crt holds no readable PEM certificate', certificate: null, certificates: [], chain: null, notCovered: [], warnings: ['tls.crt holds no readable PEM certificate'] };
  const facts = parsed.map((c) => factsOf(c, now));
  const leaf = facts[0]!;
  const chain = checkChain(parsed, now);
  const notCovered = hosts.filter((h) => h !== '*' && !covers(leaf.dnsNames, h));
  const warnings = [...chain.problems];
  if (parsed.length !== certificateBlocks(pem).length) warnings.push('some blocks of tls.crt are not readable certificates');
  if (!chain.expired && leaf.daysLeft < EXPIRY_WARNING_DAYS) warnings.push(`expires in ${leaf.daysLeft} day(s), on ${leaf.notAfter}`);
  if (chain.selfSigned) warnings.push('self-signed: clients will not trust it unless told to');
  for (const host of notCovered) warnings.push(`does not cover ${host} (it covers ${leaf.dnsNames.join(', ') || 'no DNS name'})`);
  if (!entry.hasPrivateKey) warnings.push('the Secret has no tls.key');
  return { ...entry, loaded: true, problem: null, certificate: leaf, certificates: facts, chain, notCovered, warnings };
}

function caEntry(id: string, secret: SecretObject, pem: string, uses: CertificateUse[], now: number): CertificateEntry {
  const trusting = uses.filter((u) => u.role === 'client-ca' || u.role === 'upstream' || u.role === 'tls');
  const hosts = [...new Set(trusting.flatMap((u) => u.hosts))].sort();
  const parsed = parseAll(pem);
  const facts = parsed.map((c) => factsOf(c, now));
  const warnings: string[] = [];
  for (const f of facts) {
    if (f.daysLeft < 0) warnings.push(`CA ${f.subject} expired on ${f.notAfter}`);
    else if (f.daysLeft < EXPIRY_WARNING_DAYS) warnings.push(`CA ${f.subject} expires in ${f.daysLeft} day(s)`);
  }
  if (!parsed.length) warnings.push('ca.crt holds no readable PEM certificate');
  return {
    ...base(id, secret, 'ca-bundle'),
    loaded: true,
    problem: parsed.length ? null : 'ca.crt holds no readable PEM certificate',
    certificate: facts[0] ?? null,
    certificates: facts,
    chain: null,
    hasPrivateKey: false,
    usedBy: { hosts, ingresses: trusting, defaultCertificate: false, servedFor: [] },
    notCovered: [],
    warnings,
  };
}

function parseAll(pem: string): X509Certificate[] {
  return parseCertificates(pem);
}

/** Whether anything refers to the Secret: an Ingress (spec.tls, CA or upstream annotation) or the default certificate. */
export function usesOf(view: TableView, id: string): string[] {
  const out: string[] = [];
  for (const ingress of view.snapshot?.ingresses ?? []) {
    for (const ref of secretReferences(ingress)) if (ref.secret === id) out.push(`Ingress ${ingressRef(ingress).namespace}/${ingressRef(ingress).name} (${ref.field})`);
  }
  if (view.table.tlsSettings.defaultCertificateId === id) out.push('the settings (tls.defaultCertificate)');
  return out;
}
