import { describe, expect, it } from 'vitest';
import { defaultCompileOptions } from '@portico/compiler';
import type { IngressObject } from '@portico/model';
import { defaultElectionNamespace, publishTarget } from '../src/cluster/cluster-runtime.js';
import { microTime } from '../src/leader/leader-elector.js';
import { referencedSecrets, secretStub } from '../src/sources/kubernetes/secret-references.js';
import { normalizeAddresses, parsePublishAddresses, serviceAddresses } from '../src/status/publish-address.js';

describe('the published address', () => {
  it('parses IPs and host names, and names what is not one', () => {
    expect(parsePublishAddresses(' 203.0.113.7, 2001:db8::1 ,LB.Example.com,,')).toEqual({
      addresses: [{ hostname: 'lb.example.com' }, { ip: '2001:db8::1' }, { ip: '203.0.113.7' }],
      invalid: [],
    });
    expect(parsePublishAddresses('1.2.3.4,under_score,-bad').invalid).toEqual(['under_score', '-bad']);
    expect(() => publishTarget('a/b', '1.2.3.4')).toThrow(/not both/);
    expect(() => publishTarget('a/b/c', undefined)).toThrow(/publishService/);
    expect(publishTarget('portico', undefined)).toEqual({ kind: 'service', namespace: 'default', name: 'portico' });
  });

  it("takes a Service's load balancer, else its external IPs, else its cluster IP — never a pending load balancer's", () => {
    const svc = (spec: object, status?: object) => ({ metadata: { name: 's' }, spec, ...(status ? { status } : {}) });
    expect(serviceAddresses(undefined)).toBeUndefined();
    expect(serviceAddresses(svc({ type: 'LoadBalancer', clusterIP: '10.0.0.1' }, { loadBalancer: { ingress: [{ ip: '198.51.100.1', ports: [] }, { hostname: 'a.elb.example' }] } }))).toEqual([
      { hostname: 'a.elb.example' },
      { ip: '198.51.100.1' },
    ]);
    expect(serviceAddresses(svc({ type: 'LoadBalancer', clusterIP: '10.0.0.1' }, { loadBalancer: {} }))).toBeUndefined();
    expect(serviceAddresses(svc({ type: 'ClusterIP', clusterIP: '10.0.0.1', externalIPs: ['192.0.2.9'] }))).toEqual([{ ip: '192.0.2.9' }]);
    expect(serviceAddresses(svc({ type: 'NodePort', clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', 'fd00::1'] }))).toEqual([{ ip: '10.0.0.1' }, { ip: 'fd00::1' }]);
    expect(serviceAddresses(svc({ type: 'ClusterIP', clusterIP: 'None' }))).toBeUndefined();
    expect(serviceAddresses(svc({ type: 'ExternalName', externalName: 'edge.example' }))).toEqual([{ hostname: 'edge.example' }]);
  });

  it('compares address lists by value', () => {
    expect(normalizeAddresses([{ ip: 'b' }, { hostname: 'a' }, { ip: 'b' }, {}, null])).toEqual([{ hostname: 'a' }, { ip: 'b' }]);
  });
});

describe('Secrets the compiler may read', () => {
  const ing = (name: string, spec: object, annotations: Record<string, string> = {}, namespace = 'apps'): IngressObject => ({ metadata: { name, namespace, annotations }, spec });

  it('are those of owned Ingresses (TLS, upstream and client CA) and the default certificate', () => {
    const options = { ...defaultCompileOptions(), tls: { ...defaultCompileOptions().tls, defaultCertificate: 'infra/fallback' } };
    const keys = referencedSecrets(
      [
        ing('a', { ingressClassName: 'portico', tls: [{ secretName: 'a-tls' }, {}] }, { 'pipy.ingress.kubernetes.io/upstream-ssl-secret': 'other/upstream', 'pipy.ingress.kubernetes.io/tls-trusted-ca-secret': 'client-ca' }),
        ing('b', { ingressClassName: 'nginx', tls: [{ secretName: 'b-tls' }] }),
        ing('c', { ingressClassName: 'portico', tls: 'not a list' }),
      ],
      [],
      options,
      { metadata: { name: 'portico-settings', namespace: 'infra' }, data: { 'tls.defaultCertificate': 'settings-cert' } },
    );
    expect([...keys].sort()).toEqual(['apps/a-tls', 'apps/client-ca', 'infra/fallback', 'infra/settings-cert', 'other/upstream']);
  });

  it('and nothing of the others is kept, not even annotations', () => {
    const stub = secretStub({
      metadata: { name: 's', namespace: 'n', uid: 'u', resourceVersion: '7', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"k":"v"}}' }, labels: { a: 'b' } },
      type: 'Opaque',
      data: { k: 'dg==' },
    });
    expect(stub).toEqual({ metadata: { name: 's', namespace: 'n', uid: 'u', resourceVersion: '7' }, type: 'Opaque' });
  });

  it('but a TLS Secret keeps its certificates and that it has a key, never the key', () => {
    const stub = secretStub({
      metadata: { name: 't', namespace: 'n', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"tls.key":"a2V5"}}' } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5', 'ca.crt': 'Y2E=', extra: 'eA==' },
    });
    expect(stub).toEqual({ metadata: { name: 't', namespace: 'n' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==', 'ca.crt': 'Y2E=', 'tls.key': '' } });
  });
});

describe('leader election details', () => {
  it('writes MicroTime with six fractional digits', () => {
    expect(microTime(new Date('2026-11-27T12:00:00.123Z'))).toBe('2026-11-27T12:00:00.123000Z');
  });

  it("defaults the election namespace to the pod's, then the context's, then default", () => {
    expect(defaultElectionNamespace('ctx', '/nonexistent/namespace')).toBe('ctx');
    expect(defaultElectionNamespace(undefined, '/nonexistent/namespace')).toBe('default');
  });
});
