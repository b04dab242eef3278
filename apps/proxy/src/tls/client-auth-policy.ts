import { createHash, X509Certificate } from 'node:crypto';
import type { ClientAuth, VirtualHost } from '@portico/model';

/** The client policy of a host without client-certificate verification. */
export const NO_CLIENT_AUTH = 'none';

/** A `clientAuth` as the proxy uses it: trusted CAs by fingerprint, its depth, and a key equal for equal policies. */
export interface ClientPolicy {
  readonly key: string;
  readonly caPem: string;
  readonly verifyDepth: number;
  /** SHA-256 fingerprints (`AB:CD:…`, as Node prints them) of the CAs in `caPem`; empty when it does not parse. */
  readonly trusted: ReadonlySet<string>;
  /** False when `caPem` holds no certificate Node can read: such a policy refuses every connection. */
  readonly valid: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

// Tables are immutable once applied, so a policy is worked out once per `clientAuth` object, not per connection or
// request; the WeakMap lets it go with the table.
const policies = new WeakMap<ClientAuth, ClientPolicy>();

/**
 * The policy of a `clientAuth`. Its key compares policies by value: the set of trusted CA certificates (by
 * fingerprint, so the same CAs in another order or with other whitespace are the same policy) and the depth.
 */
export function clientPolicy(auth: ClientAuth): ClientPolicy {
  let policy = policies.get(auth);
  if (!policy) {
    const trusted = parseTrusted(auth.caPem);
    const identity = trusted.size > 0 ? [...trusted].sort().join(',') : `unreadable:${createHash('sha256').update(auth.caPem).digest('hex')}`;
    const key = `${createHash('sha256').update(identity).digest('hex').slice(0, 32)}/${auth.verifyDepth}`;
    policy = { key, caPem: auth.caPem, verifyDepth: auth.verifyDepth, trusted, valid: trusted.size > 0 };
    policies.set(auth, policy);
  }
  return policy;
}

/** The client policy a virtual host's TLS settings ask for: its key, or NO_CLIENT_AUTH. */
export function clientPolicyKeyOf(vhost: VirtualHost | undefined): string {
  const tls = vhost?.tls;
  return tls?.mode === 'terminate' && tls.clientAuth ? clientPolicy(tls.clientAuth).key : NO_CLIENT_AUTH;
}

function parseTrusted(caPem: string): Set<string> {
  const out = new Set<string>();
  for (const block of caPem.match(PEM_BLOCK) ?? []) {
    try {
      out.add(new X509Certificate(block).fingerprint256);
    } catch {
      // One unreadable block: the others still count. With none readable, the policy is invalid (see `valid`).
    }
  }
  return out;
}
