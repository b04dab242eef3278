import { describe, expect, it } from 'vitest';
import { changesNothing, previewSections, type PassthroughResult } from './passthrough-preview.js';

const ingress = { kind: 'Ingress', namespace: 'default', name: 'demo-tls-backend' };

const enablePreview: PassthroughResult = {
  host: 'tls.demo.localhost',
  enabled: true,
  dryRun: true,
  written: false,
  ingresses: [{ ingress, before: null, after: 'true', changed: true, resourceVersion: '7' }],
  effects: {
    routesStopApplying: [{ id: 'r2', path: '/api', pathType: 'Prefix' }],
    forwardedTo: [{ ingress, clusterId: 'default/demo-tls:https', service: 'default/demo-tls:https' }],
    rewritesStopApplying: [{ routeId: 'r2', from: '^/api', to: '/' }],
    clientVerificationStopsApplying: { caSubjects: ['CN=clients.demo.localhost'], verifyDepth: 1 },
    forwardedHeadersStopApplying: ['X-Forwarded-For', 'X-Real-IP'],
    certificateNoLongerServed: 'default/demo-certificate',
    alsoAffectedHosts: [],
  },
  warnings: ['spec.tls is ignored while passthrough is on (PassthroughIgnoresTls)'],
  generation: null,
};

describe('previewSections', () => {
  it('turning passthrough on: the backend requirement first, then everything that stops applying, then what is written', () => {
    const sections = previewSections(enablePreview);
    expect(sections.map((s) => s.title)).toEqual([
      'The backend must speak TLS',
      'Path rules that stop applying',
      'Rewrites that stop applying',
      'Client verification that stops applying',
      'Forwarded headers the backend no longer gets',
      'Certificate no longer served',
      'Notes',
      'Ingresses written',
    ]);
    expect(sections[0]!.items).toEqual([
      "It must present a certificate valid for tls.demo.localhost: clients see the backend's certificate, not Portico's.",
      'TLS connections go to default/demo-tls:https (the first path of default/demo-tls-backend).',
    ]);
    expect(sections[1]!.items).toEqual(['/api (Prefix)']);
    expect(sections[3]!.items[0]).toContain('CN=clients.demo.localhost (depth 1)');
    expect(sections[4]!.items).toEqual(['X-Forwarded-For, X-Real-IP']);
    expect(sections.at(-1)!.items).toEqual(['default/demo-tls-backend: portico.dev/ssl-passthrough = "true"']);
  });

  it('leaves out what does not change', () => {
    const sections = previewSections({ ...enablePreview, effects: { ...enablePreview.effects!, routesStopApplying: [], rewritesStopApplying: [], clientVerificationStopsApplying: null, certificateNoLongerServed: null }, warnings: [] });
    expect(sections.map((s) => s.title)).toEqual(['The backend must speak TLS', 'Forwarded headers the backend no longer gets', 'Ingresses written']);
  });

  it('turning it off: no effects list, the API\'s notes and the annotation removed', () => {
    const off: PassthroughResult = {
      ...enablePreview,
      enabled: false,
      effects: null,
      ingresses: [{ ingress, before: 'true', after: null, changed: true, resourceVersion: '8' }],
      warnings: ['the proxy terminates TLS for tls.demo.localhost with the certificate of spec.tls again'],
    };
    expect(previewSections(off)).toEqual([
      { title: 'Notes', items: ['the proxy terminates TLS for tls.demo.localhost with the certificate of spec.tls again'] },
      { title: 'Ingresses written', items: ['default/demo-tls-backend: portico.dev/ssl-passthrough removed'] },
    ]);
    expect(changesNothing(off)).toBe(false);
    expect(changesNothing({ ...off, ingresses: [{ ...off.ingresses[0]!, changed: false }] })).toBe(true);
  });
});
