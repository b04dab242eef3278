import { describe, expect, it } from 'vitest';
import { hostSummary } from '../pages/routes/fixtures.js';
import { hostModes, hostNamespaces } from './host-modes.js';

const upstreamTls = { verify: true, serverName: 'tls.demo.localhost', caSubjects: ['CN=tls.demo.localhost'], clientCertificateId: null };
const mtls = { required: true, caSubjects: ['CN=clients'], verifyDepth: 1 };

describe('hostModes', () => {
  it('is the main mode alone for a plain or simply terminated host', () => {
    expect(hostModes(hostSummary('demo.localhost'))).toEqual(['plain']);
    expect(hostModes(hostSummary('secure.demo.localhost', { mode: 'terminated' }))).toEqual(['terminated']);
  });

  it('adds HTTPS upstream when any backend is reached over TLS, and mTLS when clients need a certificate', () => {
    const host = hostSummary('tls.demo.localhost', {
      mode: 'terminated',
      upstreams: [
        { clusterId: 'a', service: 'default/a:80', upstreamTls: null },
        { clusterId: 'b', service: 'default/b:443', upstreamTls },
      ],
      clientVerification: mtls,
    });
    expect(hostModes(host)).toEqual(['terminated', 'https-upstream', 'mtls']);
  });

  it('shows passthrough alone: Portico sees nothing inside the connection', () => {
    const host = hostSummary('p.demo.localhost', { mode: 'passthrough', upstreams: [{ clusterId: 'b', service: 'b', upstreamTls }], clientVerification: mtls });
    expect(hostModes(host)).toEqual(['passthrough']);
  });
});

describe('hostNamespaces', () => {
  it('lists each namespace of the Ingresses behind a host once, sorted; a missing namespace is default', () => {
    const host = hostSummary('x', {
      ingresses: [
        { kind: 'Ingress', namespace: 'shop', name: 'a' },
        { kind: 'Ingress', name: 'b' },
        { kind: 'Ingress', namespace: 'shop', name: 'c' },
      ],
    });
    expect(hostNamespaces(host)).toEqual(['default', 'shop']);
  });
});
