import type { Logger } from '../observability/logger.js';
import { INVALID_UPSTREAM_REQUEST } from './http1/request-head.js';
import { UPSTREAM_BAD_RESPONSE } from './http1/upstream-connection.js';

/**
 * Why an upstream could not be reached, broke off, or gave no usable response: a closed set of metric label values.
 * invalid_response: a response llhttp refuses, or one the client's protocol cannot carry; invalid_request: a request
 * HTTP/1.1 cannot carry upstream (a value with a control character).
 */
export type UpstreamFailureReason = 'refused' | 'reset' | 'timeout' | 'tls_verify' | 'tls' | 'invalid_response' | 'invalid_request';

/**
 * OpenSSL's certificate verification results (X509_V_ERR_* as Node names them) and Node's own name check: the
 * upstream's certificate was refused (wrong CA, wrong name, expired...), as opposed to TLS failing some other way.
 */
const VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The error code that explains a failure. HTTP/2 streams opened while their session was still connecting fail with
 * a generic "pending stream canceled" error whose `cause` is the connection's real error.
 */
export function failureCode(err: NodeJS.ErrnoException): string | undefined {
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  if (err.code === 'ERR_HTTP2_STREAM_CANCEL' && cause && typeof cause.code === 'string') return cause.code;
  return err.code;
}

export function classifyUpstreamError(err: NodeJS.ErrnoException): UpstreamFailureReason {
  const code = failureCode(err);
  if (code === undefined) return 'reset';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code.startsWith('HPE_') || code === UPSTREAM_BAD_RESPONSE) return 'invalid_response';
  if (code === INVALID_UPSTREAM_REQUEST) return 'invalid_request';
  if (VERIFY_CODES.has(code)) return 'tls_verify';
  // ERR_SSL_* are OpenSSL failures (handshake alerts such as "certificate required", a peer that is not speaking
  // TLS); ERR_TLS_* are Node's (handshake timeout, renegotiation...).
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_')) return 'tls';
  return 'reset';
}

/** For a cluster whose TLS settings do not load (see UpstreamTlsTarget.error). */
export const UPSTREAM_TLS_UNUSABLE_MESSAGE = 'Bad Gateway: the TLS settings for this upstream do not load';

export function upstreamFailureStatus(reason: UpstreamFailureReason): 502 | 504 {
  return reason === 'timeout' ? 504 : 502;
}

export function upstreamFailureMessage(reason: UpstreamFailureReason): string {
  switch (reason) {
    case 'refused':
      return 'Bad Gateway: upstream refused the connection';
    case 'timeout':
      return 'Gateway Timeout: could not connect to the upstream in time';
    case 'tls_verify':
      return 'Bad Gateway: the upstream certificate failed verification';
    case 'tls':
      return 'Bad Gateway: TLS with the upstream failed';
    case 'invalid_response':
      return 'Bad Gateway: the upstream response was invalid';
    case 'invalid_request':
      return 'Bad Gateway: the request cannot be sent to the upstream (a value HTTP/1.1 cannot carry)';
    default:
      return 'Bad Gateway: upstream closed the connection';
  }
}

const FAILURE_LOG_INTERVAL_MS = 10_000;
const lastFailureLog = new WeakMap<Logger, Map<string, { at: number; suppressed: number }>>();

/**
 * The failures an operator must be told the cause of, since the client's 502 does not say it: TLS, and a response or
 * request the proxy refused (the message names the header or the parser's reason). Refused connections, resets and
 * timeouts are counted only, as before.
 */
const LOGGED_FAILURES: Partial<Record<UpstreamFailureReason, string>> = {
  tls_verify: 'TLS to the upstream failed',
  tls: 'TLS to the upstream failed',
  invalid_response: 'the upstream response was refused',
  invalid_request: 'the request could not be sent to the upstream',
};

/**
 * Says why a request to an upstream failed, for the reasons in LOGGED_FAILURES: the error code and its message, which
 * name certificates, routines, headers or the parser's reason but never key material or header values. A
 * misconfigured CA or a broken upstream fails every request, so each cluster and code is logged at most once per
 * interval, with the number of failures left out since.
 */
export function logUpstreamFailure(logger: Logger, reason: UpstreamFailureReason, clusterId: string, upstream: string, err: NodeJS.ErrnoException): void {
  const message = LOGGED_FAILURES[reason];
  if (message === undefined) return;
  const code = failureCode(err) ?? 'unknown';
  let byKey = lastFailureLog.get(logger);
  if (!byKey) lastFailureLog.set(logger, (byKey = new Map()));
  if (byKey.size > 1_000) byKey.clear(); // cluster ids come and go with tables; keep this bounded
  const key = `${clusterId}\u0000${code}`;
  const now = Date.now();
  const last = byKey.get(key);
  if (last && now - last.at < FAILURE_LOG_INTERVAL_MS) {
    last.suppressed++;
    return;
  }
  byKey.set(key, { at: now, suppressed: 0 });
  const cause = err.code === 'ERR_HTTP2_STREAM_CANCEL' ? (err.cause as Error | undefined) : undefined;
  logger.warn(
    { clusterId, upstream, code, err: (cause ?? err).message, suppressedSinceLast: last?.suppressed ?? 0 },
    message,
  );
}
