import { z } from 'zod';
import { ObjectRefSchema } from '@portico/model';
import type { CertificateEntry, CertificateUse } from './certificate-inventory.js';
import type { WrittenCertificate } from './certificate-writes.js';
import type { CertificateFacts, ChainCheck, ChainLink, KeyInfo } from './pem.js';

/**
 * Response shapes of `/api/v1/certificates`, published in the OpenAPI document (see openapi/api-schemas.ts). They are
 * strict (no additional properties) and have no key field: a private key cannot be part of a documented answer.
 */
export const KeyInfoSchema = z.strictObject({
  type: z.string().describe('the public key algorithm: rsa, rsa-pss, ec, ed25519, ed448'),
  size: z.number().int().nullable().describe('bits: the RSA modulus, or the EC curve\'s size'),
  curve: z.string().nullable(),
}) satisfies z.ZodType<KeyInfo>;

export const CertificateFactsSchema = z
  .strictObject({
    subject: z.string(),
    issuer: z.string(),
    serialNumber: z.string(),
    sans: z.array(z.string()).describe('subjectAltName entries as printed, e.g. "DNS:shop.example.com"'),
    dnsNames: z.array(z.string()).describe('the DNS names the certificate covers (SANs, or the CN without SANs), lower-case'),
    notBefore: z.string(),
    notAfter: z.string(),
    daysLeft: z.number().int().describe('whole days until notAfter; negative once expired'),
    key: KeyInfoSchema,
    fingerprintSha256: z.string().describe('colon-separated hex'),
    isCa: z.boolean(),
  })
  .describe('the public facts of one certificate: nothing from which a key could be recovered') satisfies z.ZodType<CertificateFacts>;

const ChainLinkSchema = z.strictObject({
  subject: z.string(),
  issuer: z.string(),
  notAfter: z.string(),
  expired: z.boolean(),
  selfSigned: z.boolean(),
  signedByNext: z.boolean().nullable().describe('signed by the next certificate of the chain (null for the last one)'),
}) satisfies z.ZodType<ChainLink>;

export const ChainCheckSchema = z.strictObject({
  valid: z.boolean().describe('every certificate is signed by the next one, and none has expired (or is not yet valid)'),
  selfSigned: z.boolean().describe('the last certificate of the chain signed itself'),
  expired: z.boolean(),
  links: z.array(ChainLinkSchema),
  problems: z.array(z.string()),
}) satisfies z.ZodType<ChainCheck>;

const CertificateUseSchema = z.strictObject({
  ingress: ObjectRefSchema,
  field: z.string().describe('where the Ingress refers to the Secret'),
  role: z.enum(['tls', 'client-ca', 'upstream']).describe('tls: serves the hosts; client-ca: trusted for client certificates; upstream: upstream CA / client certificate'),
  hosts: z.array(z.string()),
}) satisfies z.ZodType<CertificateUse>;

export const CertificateEntrySchema = z.strictObject({
  id: z.string().describe('namespace/name of the Secret'),
  namespace: z.string(),
  name: z.string(),
  kind: z.enum(['tls', 'ca-bundle']).describe("tls: a serving certificate (tls.crt); ca-bundle: the trust anchors in the Secret's ca.crt"),
  secretType: z.string().nullable(),
  loaded: z.boolean().describe('false when the source holds no data for the Secret (the Kubernetes source keeps only referenced Secrets)'),
  problem: z.string().nullable().describe('why the certificate could not be read; never contains key material'),
  certificate: CertificateFactsSchema.nullable().describe('the leaf (tls) or the first CA (ca-bundle)'),
  certificates: z.array(CertificateFactsSchema).describe('every certificate in the PEM, in order'),
  chain: ChainCheckSchema.nullable(),
  hasPrivateKey: z.boolean().describe('whether the Secret has a tls.key (the key itself is never returned)'),
  usedBy: z.strictObject({
    hosts: z.array(z.string()),
    ingresses: z.array(CertificateUseSchema),
    defaultCertificate: z.boolean().describe("the settings' tls.defaultCertificate names it"),
    servedFor: z.array(z.string()).describe('hosts the current table serves it for'),
  }),
  notCovered: z.array(z.string()).describe('hosts that use this certificate (spec.tls) but are not covered by its names'),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<CertificateEntry>;

export const CertificateListSchema = z.strictObject({
  generation: z.number().int(),
  expiryWarningDays: z.number().int().describe('a certificate with fewer days left is a CertificateExpiring diagnostic (--cert-expiry-warning-days)'),
  certificates: z.array(CertificateEntrySchema),
}) satisfies z.ZodType<{ generation: number; expiryWarningDays: number; certificates: CertificateEntry[] }>;

export const CertificateDetailSchema = z.strictObject({
  generation: z.number().int(),
  expiryWarningDays: z.number().int().describe('a certificate with fewer days left is a CertificateExpiring diagnostic (--cert-expiry-warning-days)'),
  id: z.string(),
  entries: z.array(CertificateEntrySchema).describe('its tls and/or ca-bundle entry'),
}) satisfies z.ZodType<{ generation: number; expiryWarningDays: number; id: string; entries: CertificateEntry[] }>;

export const WrittenCertificateSchema = z.strictObject({
  id: z.string(),
  namespace: z.string(),
  name: z.string(),
  resourceVersion: z.string().nullable().describe("the Secret's version after the write"),
  certificate: CertificateFactsSchema,
  chain: ChainCheckSchema,
}) satisfies z.ZodType<WrittenCertificate>;

export const CertificateDeletedSchema = z.strictObject({
  deleted: z.string().describe('namespace/name of the deleted Secret'),
  wasUsedBy: z.array(z.string()).describe('what referred to it (only non-empty with force)'),
}) satisfies z.ZodType<{ deleted: string; wasUsedBy: string[] }>;

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUG…\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49…\n-----END PRIVATE KEY-----\n';

export const CERTIFICATE_UPLOAD_EXAMPLES = {
  upload: { summary: 'a leaf and its key', value: { namespace: 'shop', name: 'shop-tls', certificatePem: PEM_CERTIFICATE, privateKeyPem: PEM_KEY } },
};
export const CERTIFICATE_REPLACE_EXAMPLES = {
  replace: { summary: 'a renewed certificate, at the version read', value: { certificatePem: PEM_CERTIFICATE, privateKeyPem: PEM_KEY, resourceVersion: '3f2a9c0d1b7e4a55' } },
};
export const SELF_SIGNED_EXAMPLES = {
  selfSigned: { summary: 'a 30-day certificate for a host and its wildcard', value: { namespace: 'shop', name: 'shop-tls', hosts: ['shop.example.com', '*.shop.example.com'], days: 30 } },
};

const FACTS_EXAMPLE = {
  subject: 'CN=shop.example.com',
  issuer: 'CN=shop.example.com',
  serialNumber: '1F3A…',
  sans: ['DNS:shop.example.com', 'DNS:*.shop.example.com'],
  dnsNames: ['shop.example.com', '*.shop.example.com'],
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2026-01-31T00:00:00.000Z',
  daysLeft: 30,
  key: { type: 'ec', size: 256, curve: 'prime256v1' },
  fingerprintSha256: 'AB:CD:…',
  isCa: false,
};
const CHAIN_EXAMPLE = {
  valid: true,
  selfSigned: true,
  expired: false,
  links: [{ subject: 'CN=shop.example.com', issuer: 'CN=shop.example.com', notAfter: '2026-01-31T00:00:00.000Z', expired: false, selfSigned: true, signedByNext: null }],
  problems: [],
};
export const WRITTEN_CERTIFICATE_EXAMPLE = { id: 'shop/shop-tls', namespace: 'shop', name: 'shop-tls', resourceVersion: '3f2a9c0d1b7e4a56', certificate: FACTS_EXAMPLE, chain: CHAIN_EXAMPLE };
export const CERTIFICATE_ENTRY_EXAMPLE = {
  id: 'shop/shop-tls',
  namespace: 'shop',
  name: 'shop-tls',
  kind: 'tls',
  secretType: 'kubernetes.io/tls',
  loaded: true,
  problem: null,
  certificate: FACTS_EXAMPLE,
  certificates: [FACTS_EXAMPLE],
  chain: CHAIN_EXAMPLE,
  hasPrivateKey: true,
  usedBy: {
    hosts: ['shop.example.com'],
    ingresses: [{ ingress: { kind: 'Ingress', namespace: 'shop', name: 'web' }, field: 'spec.tls[0].secretName', role: 'tls', hosts: ['shop.example.com'] }],
    defaultCertificate: false,
    servedFor: ['shop.example.com'],
  },
  notCovered: [],
  warnings: ['self-signed: clients will not trust it without its certificate'],
};
