import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '@portico/model';
import { eventually } from '../support/http-client.js';
import { ingress, ingressClass, serviceWithPods } from '../support/manifests.js';
import { Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ 'class.yaml': ingressClass() });
  const a = await stack.echo('alpha', 1);
  const b = await stack.echo('beta', 1);
  await stack.write('services.yaml', [serviceWithPods('alpha', a), serviceWithPods('beta', b)].join('---\n'));
  await stack.write('good.yaml', ingress('good', [{ host: 'good.example.com', paths: [{ path: '/', service: 'alpha' }] }]));
});

afterAll(() => stack?.stop());

/** Waits until the admin API reports a diagnostic that `matches`. */
const diagnosticWhere = (what: string, matches: (d: Diagnostic) => boolean) =>
  eventually(async () => {
    const { diagnostics } = await stack.admin<{ diagnostics: Diagnostic[] }>('/api/v1/diagnostics');
    const found = diagnostics.find(matches);
    if (!found) throw new Error(`no diagnostic for ${what} yet`);
    return found;
  });

describe('the standalone manifest store drives the proxy', () => {
  it('a new file adds routes, an edit changes them, a deletion removes them', async () => {
    await stack.write('app.yaml', ingress('app', [{ host: 'app.example.com', paths: [{ path: '/', service: 'alpha' }] }]));
    expect((await stack.request('app.example.com', '/')).service).toBe('alpha');
    await stack.write('app.yaml', ingress('app', [{ host: 'app.example.com', paths: [{ path: '/', service: 'beta' }] }]));
    expect((await stack.request('app.example.com', '/')).service).toBe('beta');
    await stack.remove('app.yaml');
    expect((await stack.request('app.example.com', '/')).status).toBe(404);
  });

  it('a malformed YAML file is a diagnostic naming the file and line; every other route keeps serving', async () => {
    await stack.write('broken.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n');
    const found = await diagnosticWhere('broken.yaml', (x) => x.file?.endsWith('broken.yaml') === true);
    expect(found.severity).toBe('error');
    expect(found.line).toBeGreaterThan(0);
    expect((await stack.request('good.example.com', '/')).service).toBe('alpha');
    await stack.remove('broken.yaml');
  });

  it('an invalid Ingress is a diagnostic naming file, object and field; the others keep serving', async () => {
    const bad = ingress('bad', [{ host: 'bad.example.com', paths: [{ path: '/', service: 'alpha' }] }]).replace('pathType: Prefix', 'pathType: Prefixx');
    await stack.write('bad.yaml', bad);
    const found = await diagnosticWhere('Ingress bad', (x) => x.object?.name === 'bad');
    expect(found).toMatchObject({
      severity: 'error',
      file: expect.stringMatching(/bad\.yaml$/),
      object: { kind: 'Ingress', namespace: 'default', name: 'bad' },
      field: 'spec.rules[0].http.paths[0].pathType',
    });
    expect((await stack.request('bad.example.com', '/')).status).toBe(404);
    expect((await stack.request('good.example.com', '/')).service).toBe('alpha');
    await stack.remove('bad.yaml');
  });

  it('an invalid annotation is a diagnostic naming file, object and field; the Ingress serves with the default', async () => {
    await stack.write(
      'typo.yaml',
      ingress('typo', [{ host: 'typo.example.com', paths: [{ path: '/', service: 'beta' }] }], { annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'fastest' } }),
    );
    const found = await diagnosticWhere('Ingress typo', (x) => x.object?.name === 'typo');
    expect(found).toMatchObject({
      code: 'InvalidAnnotation',
      file: expect.stringMatching(/typo\.yaml$/),
      field: 'metadata.annotations["pipy.ingress.kubernetes.io/lb-type"]',
    });
    expect((await stack.request('typo.example.com', '/')).service).toBe('beta');
    await stack.remove('typo.yaml');
  });

  it('the API reports each proxy with the generation it applied and how long the change took to reach it', async () => {
    await stack.write('timed.yaml', ingress('timed', [{ host: 'timed.example.com', paths: [{ path: '/', service: 'beta' }] }]));
    const { generation, proxies } = await stack.admin<{ generation: number; proxies: Array<{ appliedGeneration: number; propagationMs: number | null }> }>('/api/v1/proxies');
    expect(generation).toBe(stack.api.generation());
    expect(proxies).toHaveLength(1);
    expect(proxies[0].appliedGeneration).toBe(generation);
    expect(proxies[0].propagationMs).toBeGreaterThan(0);
    expect(proxies[0].propagationMs).toBeLessThan(1000);
  });
});
