import type { components } from '../../api/schema.gen.js';

export type CertificateEntry = components['schemas']['CertificateEntry'];
export type CertificateFacts = NonNullable<CertificateEntry['certificate']>;

export const certificatePath = (entry: { namespace: string; name: string }) => `/certificates/${encodeURIComponent(entry.namespace)}/${encodeURIComponent(entry.name)}`;
