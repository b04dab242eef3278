import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Certificate, UpstreamTls } from '@portico/model';
import { certificateAuthority, type TestCertificate } from '@portico/testing';
import { resolveUpstreamTls, type UpstreamTlsTarget } from './tls-options.js';
import { INVALID_UPSTREAM_REQUEST } from './http1/request-head.js';
import { UPSTREAM_BAD_RESPONSE, UPSTREAM_CLOSED } from './http1/upstream-connection.js';
import { classifyUpstreamError } from './upstream-errors.js';

const logger = pino({ level: 'silent' });
let caPem: string;
let otherCaPem: string;
let client: TestCertificate;
let rotatedClient: TestCertificate;

beforeAll(async () => {
  const [ca, other] = await Promise.all([certificateAuthority('A'), certificateAuthority('B')]);
  caPem = ca.certPem;
  otherCaPem = other.certPem;
  client = await ca.issue(['client.test']);
  rotatedClient = await ca.issue(['client.test']);
});

const certs = (pem: TestCertificate): Map<string, Certificate> =>
  new Map([['ns/client', { id: 'ns/client', certPem: pem.certPem, keyPem: pem.keyPem, dnsNames: [], notAfter: '' }]]);
const none = new Map<string, UpstreamTlsTarget>();
const resolve = (spec: UpstreamTls, certificates = new Map<string, Certificate>(), previous = none) =>
  resolveUpstreamTls('c', spec, certificates, previous, logger);

describe('resolveUpstreamTls', () => {
  it('reuses the target for unchanged parameters and fingerprints every change (CA, name, client key)', () => {
    const spec: UpstreamTls = { caPem, verify: true, serverName: 'svc.ns', clientCertificateId: 'ns/client' };
    const first = resolve(spec, certs(client));
    expect(resolve(spec, certs(client), new Map([[first.fingerprint, first]]))).toBe(first);
    const fingerprints = new Set([
      first.fingerprint,
      resolve({ ...spec, caPem: otherCaPem }, certs(client)).fingerprint,
      resolve({ ...spec, serverName: 'other.ns' }, certs(client)).fingerprint,
      resolve({ ...spec, verify: false }, certs(client)).fingerprint,
      resolve(spec, certs(rotatedClient)).fingerprint,
    ]);
    expect(fingerprints.size).toBe(5);
    expect(first.fingerprint).not.toContain(client.keyPem.slice(40, 60));
  });

  it('sends serverName as SNI and checks the certificate against it; never an IP address as SNI', () => {
    const named = resolve({ caPem, verify: true, serverName: 'svc.ns' });
    expect(named.connect).toMatchObject({ servername: 'svc.ns', rejectUnauthorized: true });
    expect(typeof named.connect.checkServerIdentity).toBe('function');
    expect(resolve({ verify: true, serverName: '10.0.0.7' }).connect.servername).toBe('');
    const unverified = resolve({ verify: false, serverName: 'svc.ns' });
    expect(unverified.connect.rejectUnauthorized).toBe(false);
    expect(unverified.connect.checkServerIdentity).toBeUndefined();
  });

  it('marks settings that cannot be used, instead of connecting without the client certificate', () => {
    expect(resolve({ verify: true, serverName: 'svc.ns', clientCertificateId: 'ns/missing' }).error).toMatch(/not in the table/);
    const broken = new Map([['ns/client', { id: 'ns/client', certPem: 'x', keyPem: 'y', dnsNames: [], notAfter: '' }]]);
    expect(resolve({ verify: true, serverName: 'svc.ns', clientCertificateId: 'ns/client' }, broken).error).toMatch(/do not load/);
    expect(resolve({ caPem, verify: true, serverName: 'svc.ns', clientCertificateId: 'ns/client' }, certs(client)).error).toBeNull();
  });
});

describe('classifyUpstreamError', () => {
  const err = (code: string, cause?: object) => Object.assign(new Error(code), { code, cause }) as NodeJS.ErrnoException;
  it('tells verification failures from other TLS failures and from connection failures', () => {
    expect(classifyUpstreamError(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toBe('tls_verify');
    expect(classifyUpstreamError(err('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe('tls_verify');
    expect(classifyUpstreamError(err('CERT_HAS_EXPIRED'))).toBe('tls_verify');
    expect(classifyUpstreamError(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))).toBe('tls');
    expect(classifyUpstreamError(err('ERR_SSL_WRONG_VERSION_NUMBER'))).toBe('tls');
    expect(classifyUpstreamError(err('ECONNREFUSED'))).toBe('refused');
    expect(classifyUpstreamError(err('ECONNRESET'))).toBe('reset');
    expect(classifyUpstreamError(err('ETIMEDOUT'))).toBe('timeout');
    // HTTP/2 streams waiting for their session carry the session's error as the cause.
    expect(classifyUpstreamError(err('ERR_HTTP2_STREAM_CANCEL', err('DEPTH_ZERO_SELF_SIGNED_CERT')))).toBe('tls_verify');
    expect(classifyUpstreamError(err('ERR_HTTP2_STREAM_ERROR'))).toBe('reset');
  });

  it('tells a response the proxy refuses and a request it cannot send from a broken connection', () => {
    expect(classifyUpstreamError(err('HPE_INVALID_TRANSFER_ENCODING'))).toBe('invalid_response');
    expect(classifyUpstreamError(err(UPSTREAM_BAD_RESPONSE))).toBe('invalid_response');
    expect(classifyUpstreamError(err(INVALID_UPSTREAM_REQUEST))).toBe('invalid_request');
    expect(classifyUpstreamError(err(UPSTREAM_CLOSED))).toBe('reset');
  });
});
