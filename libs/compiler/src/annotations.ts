import { HTTP_POLICIES, LB_POLICIES, type Diagnostic, type HttpPolicy, type LbPolicy, type ObjectRef, type Rewrite } from '@portico/model';
import safeRegex from 'safe-regex2';
import { parseBoolean } from './booleans.js';
import { annotationField } from './field-path.js';

export const FSM_PREFIX = 'pipy.ingress.kubernetes.io/';
export const PORTICO_PREFIX = 'portico.dev/';

export const A = {
  rewriteFrom: `${FSM_PREFIX}rewrite-target-from`,
  rewriteTo: `${FSM_PREFIX}rewrite-target-to`,
  lbType: `${FSM_PREFIX}lb-type`,
  sessionSticky: `${FSM_PREFIX}session-sticky`,
  upstreamProtocol: `${FSM_PREFIX}upstream-protocol`,
  upstreamSslName: `${FSM_PREFIX}upstream-ssl-name`,
  upstreamSslSecret: `${FSM_PREFIX}upstream-ssl-secret`,
  upstreamSslVerify: `${FSM_PREFIX}upstream-ssl-verify`,
  tlsTrustedCaSecret: `${FSM_PREFIX}tls-trusted-ca-secret`,
  tlsVerifyClient: `${FSM_PREFIX}tls-verify-client`,
  tlsVerifyDepth: `${FSM_PREFIX}tls-verify-depth`,
  sslPassthrough: `${PORTICO_PREFIX}ssl-passthrough`,
  httpPolicy: `${PORTICO_PREFIX}http-policy`,
} as const;

/**
 * Annotations whose meaning is security (TLS to the upstream, client verification, passthrough). Until the data
 * plane enforces them, an Ingress carrying one is not served at all: silently serving it without the protection
 * it asked for would be worse than not serving it (fail closed).
 */
const NOT_YET_ENFORCED = new Set<string>([
  A.upstreamSslName,
  A.upstreamSslSecret,
  A.upstreamSslVerify,
  A.tlsTrustedCaSecret,
  A.tlsVerifyClient,
  A.tlsVerifyDepth,
]);

const KNOWN = new Set<string>(Object.values(A));

/** The largest regex or replacement accepted: rewrite rules are compiled once per table, never per request. */
export const MAX_REWRITE_LENGTH = 1024;

export interface IngressPolicy {
  lb: LbPolicy;
  sessionSticky: boolean;
  rewrite?: Rewrite;
  /** What plain HTTP requests for this Ingress's TLS hosts get. */
  httpPolicy: HttpPolicy;
  /** Pass the TLS bytes of this Ingress's hosts through to the backend instead of terminating. */
  passthrough: boolean;
  /** Set when a security annotation cannot be honoured: the Ingress must not be served. */
  failClosed: boolean;
}

/** Parses the traffic annotations of one Ingress into typed, bounded values, with a diagnostic for each problem. */
export function parseIngressAnnotations(
  annotations: Record<string, string> | undefined,
  object: ObjectRef,
): { policy: IngressPolicy; diagnostics: Diagnostic[] } {
  const a = annotations ?? {};
  const diagnostics: Diagnostic[] = [];
  const problem = (key: string, message: string, severity: Diagnostic['severity'] = 'warning') =>
    diagnostics.push({ severity, code: 'InvalidAnnotation', message, object, field: annotationField(key) });

  const policy: IngressPolicy = { lb: 'round-robin', sessionSticky: false, httpPolicy: 'redirect', passthrough: false, failClosed: false };

  for (const key of Object.keys(a).sort()) {
    if (!key.startsWith(FSM_PREFIX) && !key.startsWith(PORTICO_PREFIX)) continue;
    if (!KNOWN.has(key)) problem(key, `unknown annotation ${key}; it has no effect`);
    else if (NOT_YET_ENFORCED.has(key)) {
      policy.failClosed = true;
      problem(key, `${key} is not enforced by this version of Portico; the Ingress is not served (fail closed)`, 'error');
    }
  }

  const lb = a[A.lbType];
  if (lb !== undefined) {
    const value = lb.trim().toLowerCase();
    if ((LB_POLICIES as readonly string[]).includes(value)) policy.lb = value as LbPolicy;
    else problem(A.lbType, `invalid value ${JSON.stringify(truncate(lb))}: must be one of ${LB_POLICIES.join(', ')}; using round-robin`);
  }

  const sticky = a[A.sessionSticky];
  if (sticky !== undefined) {
    const value = parseBoolean(sticky);
    if (value === undefined) problem(A.sessionSticky, `invalid boolean ${JSON.stringify(truncate(sticky))}: use true/false (or yes/no, on/off, 1/0); using false`);
    else policy.sessionSticky = value;
  }

  const httpPolicy = a[A.httpPolicy];
  if (httpPolicy !== undefined) {
    const value = httpPolicy.trim().toLowerCase();
    if ((HTTP_POLICIES as readonly string[]).includes(value)) policy.httpPolicy = value as HttpPolicy;
    else problem(A.httpPolicy, `invalid value ${JSON.stringify(truncate(httpPolicy))}: must be one of ${HTTP_POLICIES.join(', ')}; using redirect`);
  }

  const passthrough = a[A.sslPassthrough];
  if (passthrough !== undefined) {
    const value = parseBoolean(passthrough);
    if (value === undefined) {
      // Guessing either way could expose a host that was meant to be passed through (or the reverse): fail closed.
      policy.failClosed = true;
      problem(A.sslPassthrough, `invalid boolean ${JSON.stringify(truncate(passthrough))}: use true or false; the Ingress is not served until this is fixed (fail closed)`, 'error');
    } else policy.passthrough = value;
  }

  const from = a[A.rewriteFrom];
  const to = a[A.rewriteTo];
  if (from !== undefined || to !== undefined) {
    const rewrite = parseRewrite(from, to, problem);
    if (rewrite) policy.rewrite = rewrite;
  }

  const protocol = a[A.upstreamProtocol];
  if (protocol !== undefined) {
    const value = protocol.trim().toUpperCase();
    if (value === 'GRPC') problem(A.upstreamProtocol, 'GRPC upstreams are not supported yet; the upstream is spoken to over HTTP/1.1');
    else if (value !== 'HTTP') problem(A.upstreamProtocol, `invalid value ${JSON.stringify(truncate(protocol))}: must be HTTP or GRPC`);
  }

  return { policy, diagnostics };
}

function parseRewrite(
  from: string | undefined,
  to: string | undefined,
  problem: (key: string, message: string) => void,
): Rewrite | undefined {
  if (from === undefined) {
    problem(A.rewriteTo, `${A.rewriteTo} needs ${A.rewriteFrom}; no rewrite is applied`);
    return undefined;
  }
  if (to === undefined) {
    problem(A.rewriteFrom, `${A.rewriteFrom} needs ${A.rewriteTo}; no rewrite is applied`);
    return undefined;
  }
  if (from.length === 0 || from.length > MAX_REWRITE_LENGTH) {
    problem(A.rewriteFrom, `must be a regular expression of 1 to ${MAX_REWRITE_LENGTH} characters; no rewrite is applied`);
    return undefined;
  }
  if (to.length > MAX_REWRITE_LENGTH) {
    problem(A.rewriteTo, `must be at most ${MAX_REWRITE_LENGTH} characters; no rewrite is applied`);
    return undefined;
  }
  try {
    new RegExp(from);
  } catch (err) {
    problem(A.rewriteFrom, `invalid regular expression: ${(err as Error).message}; no rewrite is applied`);
    return undefined;
  }
  // The proxy runs this pattern on every request path: one that can backtrack catastrophically (nested
  // quantifiers, star height > 1) would let a single request stall the proxy.
  if (!safeRegex(from)) {
    problem(A.rewriteFrom, 'regular expression may backtrack catastrophically (nested quantifiers); no rewrite is applied');
    return undefined;
  }
  return { from, to };
}

const truncate = (s: string): string => (s.length > 64 ? `${s.slice(0, 64)}…` : s);
