import { describe, expect, it } from 'vitest';
import { filterDiagnostics, groupDiagnostics, objectLink, type Diagnostic } from './diagnostic-groups.js';

const diagnostics: Diagnostic[] = [
  { severity: 'warning', code: 'ServiceNotFound', message: 'Service shop/api does not exist', object: { kind: 'Ingress', namespace: 'shop', name: 'web' }, field: 'spec.rules[0].http.paths[0].backend' },
  { severity: 'error', code: 'SecretNotFound', message: 'Secret shop/tls does not exist', object: { kind: 'Ingress', namespace: 'shop', name: 'web' } },
  { severity: 'info', code: 'CertificateExpiring', message: 'expires in 3 days', object: { kind: 'Secret', namespace: 'default', name: 'demo-tls' } },
  { severity: 'error', code: 'InvalidSetting', message: 'tls.mTLS is not a boolean' },
];

describe('diagnostics filters and groups', () => {
  it('filters by severity, kind and text together', () => {
    expect(filterDiagnostics(diagnostics, { severities: ['error'], kind: null, text: '' }).map((d) => d.code)).toEqual(['SecretNotFound', 'InvalidSetting']);
    expect(filterDiagnostics(diagnostics, { severities: [], kind: 'Secret', text: '' }).map((d) => d.code)).toEqual(['CertificateExpiring']);
    expect(filterDiagnostics(diagnostics, { severities: [], kind: null, text: 'SHOP/web' }).map((d) => d.code)).toEqual(['ServiceNotFound', 'SecretNotFound']);
    expect(filterDiagnostics(diagnostics, { severities: ['info'], kind: 'Ingress', text: '' })).toEqual([]);
  });

  it('groups worst severity first, and by object with each group worst first', () => {
    expect(groupDiagnostics(diagnostics, 'severity').map((g) => [g.key, g.items.length])).toEqual([
      ['error', 2],
      ['warning', 1],
      ['info', 1],
    ]);
    const byObject = groupDiagnostics(diagnostics, 'object');
    expect(byObject.map((g) => g.key)).toEqual(['Ingress shop/web', 'Secret default/demo-tls', 'the controller']);
    expect(byObject[0]!.items.map((d) => d.severity)).toEqual(['error', 'warning']);
  });

  it('links Ingresses and Secrets to their pages', () => {
    expect(diagnostics.map(objectLink)).toEqual(['/ingresses/shop/web', '/ingresses/shop/web', '/certificates/default/demo-tls', null]);
  });
});
