import { HTTP_POLICIES, LB_POLICIES, type Diagnostic, type HttpPolicy, type LbPolicy, type ObjectRef, type Rewrite } from '@portico/model';
import safeRegex from 'safe-regex2';
import { parseBoolean } from './booleans.js';
import { isDnsName, parseObjectRef } from './references.js';
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

const KNOWN = new Set<string>(Object.values(A));

/** The largest regex or replacement accepted: rewrite rules are compiled once per table, never per request. */
export const MAX_REWRITE_LENGTH = 1024;

export interface SecretRef {
  namespace: string;
  name: string;
}

/** The most issuers a client chain may have between its leaf and a trusted CA. */
export const MAX_VERIFY_DEPTH = 10;

export interface IngressPolicy {
  lb: LbPolicy;
  sessionSticky: boolean;
  rewrite?: Rewrite;
  /** What plain HTTP requests for this Ingress's TLS hosts get; unset: the controller's default. */
  httpPolicy?: HttpPolicy;
  /** Pass the TLS bytes of this Ingress's hosts through to the backend instead of terminating. */
  passthrough: boolean;
  /** HTTP/2 to the upstream (`upstream-protocol: GRPC`). */
  protocol: 'http1' | 'h2';
  /** TLS to the upstream, from the `upstream-ssl-*` annotations. */
  upstreamTls?: { secret: SecretRef; serverName?: string; verify: boolean };
  /** Client-certificate verification, from the `tls-verify-client`, `-trusted-ca-secret`, `-verify-depth` annotations. */
  clientVerification: { required: boolean; caSecret?: SecretRef; depth: number };
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

  const policy: IngressPolicy = {
    lb: 'round-robin',
    sessionSticky: false,
    passthrough: false,
    protocol: 'http1',
    clientVerification: { required: false, depth: 1 },
    failClosed: false,
  };
  /** A security annotation that cannot be read: the Ingress is not served until it is fixed. */
  const refuse = (key: string, message: string) => {
    policy.failClosed = true;
    problem(key, `${message}; the Ingress is not served until this is fixed (fail closed)`, 'error');
  };
  const namespace = object.namespace ?? 'default';

  for (const key of Object.keys(a).sort()) {
    if (!key.startsWith(FSM_PREFIX) && !key.startsWith(PORTICO_PREFIX)) continue;
    if (!KNOWN.has(key)) problem(key, `unknown annotation ${key}; it has no effect`);
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
    else problem(A.httpPolicy, `invalid value ${JSON.stringify(truncate(httpPolicy))}: must be one of ${HTTP_POLICIES.join(', ')}; using the controller's default`);
  }

  // Guessing either way could expose a host that was meant to be passed through (or the reverse): fail closed.
  const passthrough = readBoolean(a, A.sslPassthrough, refuse);
  if (passthrough !== undefined) policy.passthrough = passthrough;

  parseUpstreamTls(a, namespace, policy, refuse);
  parseClientVerification(a, namespace, policy, refuse);

  const from = a[A.rewriteFrom];
  const to = a[A.rewriteTo];
  if (from !== undefined || to !== undefined) {
    const rewrite = parseRewrite(from, to, problem);
    if (rewrite) policy.rewrite = rewrite;
  }

  const protocol = a[A.upstreamProtocol];
  if (protocol !== undefined) {
    const value = protocol.trim().toUpperCase();
    if (value === 'GRPC') policy.protocol = 'h2';
    else if (value !== 'HTTP') problem(A.upstreamProtocol, `invalid value ${JSON.stringify(truncate(protocol))}: must be HTTP or GRPC; using HTTP`);
  }

  return { policy, diagnostics };
}

type Refuse = (key: string, message: string) => void;

function readBoolean(a: Record<string, string>, key: string, refuse: Refuse): boolean | undefined {
  const raw = a[key];
  if (raw === undefined) return undefined;
  const value = parseBoolean(raw);
  if (value === undefined) refuse(key, `invalid boolean ${JSON.stringify(truncate(raw))}: use true or false`);
  return value;
}

function readSecretRef(a: Record<string, string>, key: string, namespace: string, refuse: Refuse): SecretRef | undefined {
  const raw = a[key];
  if (raw === undefined) return undefined;
  const ref = parseObjectRef(raw, namespace);
  if (!ref) refuse(key, `invalid Secret reference ${JSON.stringify(truncate(raw))}: use name or namespace/name`);
  return ref;
}

/** `upstream-ssl-secret` turns TLS to the upstream on; `-name` sets SNI and the verified name; `-verify` verifies. */
function parseUpstreamTls(a: Record<string, string>, namespace: string, policy: IngressPolicy, refuse: Refuse): void {
  const secret = readSecretRef(a, A.upstreamSslSecret, namespace, refuse);
  const verify = readBoolean(a, A.upstreamSslVerify, refuse);
  const rawName = a[A.upstreamSslName];
  let serverName: string | undefined;
  if (rawName !== undefined) {
    serverName = rawName.trim().toLowerCase();
    if (!isDnsName(serverName)) return refuse(A.upstreamSslName, `invalid host name ${JSON.stringify(truncate(rawName))}`);
  }
  if (!secret) {
    if (a[A.upstreamSslSecret] === undefined && (verify === true || serverName !== undefined)) {
      refuse(verify === true ? A.upstreamSslVerify : A.upstreamSslName, `needs ${A.upstreamSslSecret} (the Secret whose ca.crt the upstream is verified against)`);
    }
    return;
  }
  policy.upstreamTls = { secret, verify: verify ?? false, ...(serverName ? { serverName } : {}) };
}

/** Client verification asked for by annotations; the CA is resolved later, against the Secrets. */
function parseClientVerification(a: Record<string, string>, namespace: string, policy: IngressPolicy, refuse: Refuse): void {
  const required = readBoolean(a, A.tlsVerifyClient, refuse);
  const caSecret = readSecretRef(a, A.tlsTrustedCaSecret, namespace, refuse);
  const rawDepth = a[A.tlsVerifyDepth];
  let depth = 1;
  if (rawDepth !== undefined) {
    const n = Number(rawDepth.trim());
    if (Number.isInteger(n) && n >= 1 && n <= MAX_VERIFY_DEPTH) depth = n;
    else refuse(A.tlsVerifyDepth, `invalid depth ${JSON.stringify(truncate(rawDepth))}: must be a whole number from 1 to ${MAX_VERIFY_DEPTH}`);
  }
  policy.clientVerification = { required: required ?? false, depth, ...(caSecret ? { caSecret } : {}) };
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
