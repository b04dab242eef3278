import { ConflictException, Injectable } from '@nestjs/common';
import type { SecretObject } from '@portico/model';
import { z } from 'zod';
import { AuditLog } from '../audit/audit-log.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { tableView } from '../hosts/table-view.js';
import { httpErrorOf, WritableSourceAccess } from '../hosts/writable-source-access.js';
import { TLS_SECRET_TYPE, usesOf } from './certificate-inventory.js';
import { checkKeyPair, generateSelfSigned, type CheckedPair } from './certificate-material.js';
import type { CertificateFacts, ChainCheck } from './pem.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOST = /^(\*\.)?(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export const SecretNameSchema = z.object({
  namespace: z.string().regex(DNS_LABEL, 'a DNS label (lower-case letters, digits, -)'),
  name: z.string().regex(DNS_SUBDOMAIN, 'a DNS subdomain name (lower-case)'),
});

// Messages of these schemas never quote the value: a key must not come back in a 400.
export const KeyPairSchema = z.object({
  certificatePem: z.string({ error: 'a PEM string is required' }).min(1, 'must not be empty').max(65_536, 'at most 64 KiB'),
  privateKeyPem: z.string({ error: 'a PEM string is required' }).min(1, 'must not be empty').max(16_384, 'at most 16 KiB'),
});

export const UploadCertificateSchema = SecretNameSchema.extend(KeyPairSchema.shape);
export const ReplaceCertificateSchema = KeyPairSchema.extend({
  resourceVersion: z.string().min(1).optional().describe('the version read; a stale one is a 409 (default: the version the API last saw)'),
});
export const SelfSignedSchema = SecretNameSchema.extend({
  hosts: z.array(z.string().toLowerCase().regex(HOST, 'a DNS name or *.wildcard')).min(1).max(100),
  days: z.number().int().min(1).max(825).optional().describe('validity in days; default 90'),
});

export interface WrittenCertificate {
  id: string;
  namespace: string;
  name: string;
  resourceVersion: string | null;
  certificate: CertificateFacts;
  chain: ChainCheck;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Creates, replaces and deletes TLS Secrets through the writable source. The key goes to the source and nowhere else. */
@Injectable()
export class CertificateWrites {
  constructor(
    private readonly access: WritableSourceAccess,
    private readonly pipeline: ConfigPipeline,
    private readonly audit: AuditLog,
  ) {}

  async upload(actor: string, body: z.infer<typeof UploadCertificateSchema>): Promise<WrittenCertificate> {
    const checked = checkKeyPair(body.certificatePem, body.privateKeyPem);
    return this.create(actor, 'certificate.create', body.namespace, body.name, body.certificatePem, body.privateKeyPem, checked);
  }

  async selfSigned(actor: string, body: z.infer<typeof SelfSignedSchema>): Promise<WrittenCertificate> {
    const { certPem, keyPem } = await generateSelfSigned(body.hosts, body.days ?? 90);
    return this.create(actor, 'certificate.self-signed', body.namespace, body.name, certPem, keyPem, checkKeyPair(certPem, keyPem));
  }

  async replace(actor: string, namespace: string, name: string, body: z.infer<typeof ReplaceCertificateSchema>): Promise<WrittenCertificate> {
    const checked = checkKeyPair(body.certificatePem, body.privateKeyPem);
    const id = `${namespace}/${name}`;
    const known = this.knownSecret(id);
    const resourceVersion = body.resourceVersion ?? known?.metadata?.resourceVersion;
    let written: SecretObject;
    try {
      written = await this.access.writer().patch('Secret', { namespace, name }, { data: { 'tls.crt': b64(body.certificatePem), 'tls.key': b64(body.privateKeyPem) } }, resourceVersion ? { resourceVersion } : {});
    } catch (error) {
      throw httpErrorOf(error);
    }
    this.audit.record({ actor, action: 'certificate.replace', target: { kind: 'Secret', namespace, name }, before: summary(known, null), after: summary(written, checked) });
    return result(id, namespace, name, written, checked);
  }

  async delete(actor: string, namespace: string, name: string, force: boolean): Promise<{ deleted: string; wasUsedBy: string[] }> {
    const id = `${namespace}/${name}`;
    const uses = usesOf(tableView(this.pipeline), id);
    if (uses.length && !force) throw new ConflictException(`Secret ${id} is in use by ${uses.join(', ')}; delete with ?force=true to remove it anyway`);
    const known = this.knownSecret(id);
    try {
      await this.access.writer().delete('Secret', { namespace, name });
    } catch (error) {
      throw httpErrorOf(error);
    }
    this.audit.record({ actor, action: 'certificate.delete', target: { kind: 'Secret', namespace, name }, before: summary(known, null), after: null });
    return { deleted: id, wasUsedBy: uses };
  }

  private async create(actor: string, action: string, namespace: string, name: string, certPem: string, keyPem: string, checked: CheckedPair): Promise<WrittenCertificate> {
    const secret: SecretObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: TLS_SECRET_TYPE,
      metadata: { namespace, name, labels: { 'app.kubernetes.io/managed-by': 'portico' } },
      data: { 'tls.crt': b64(certPem), 'tls.key': b64(keyPem) },
    };
    let written: SecretObject;
    try {
      written = await this.access.writer().create('Secret', secret);
    } catch (error) {
      throw httpErrorOf(error);
    }
    this.audit.record({ actor, action, target: { kind: 'Secret', namespace, name }, before: null, after: summary(written, checked) });
    return result(`${namespace}/${name}`, namespace, name, written, checked);
  }

  private knownSecret(id: string): SecretObject | undefined {
    return this.pipeline.lastCompiled()?.snapshot.secrets.find((s) => `${s.metadata?.namespace ?? 'default'}/${s.metadata?.name ?? ''}` === id);
  }
}

/** What the audit log keeps of a TLS Secret: its identity and the certificate's fingerprint, never its data. */
function summary(secret: SecretObject | undefined, checked: CheckedPair | null): unknown {
  if (!secret) return null;
  return {
    metadata: { namespace: secret.metadata?.namespace, name: secret.metadata?.name, resourceVersion: secret.metadata?.resourceVersion },
    type: secret.type,
    ...(checked ? { certificate: { subject: checked.facts.subject, notAfter: checked.facts.notAfter, fingerprintSha256: checked.facts.fingerprintSha256 } } : {}),
  };
}

function result(id: string, namespace: string, name: string, written: SecretObject, checked: CheckedPair): WrittenCertificate {
  return { id, namespace, name, resourceVersion: written.metadata?.resourceVersion ?? null, certificate: checked.facts, chain: checked.chain };
}
