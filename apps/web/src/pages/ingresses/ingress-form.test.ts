import { describe, expect, it } from 'vitest';
import { formToIngress, fromYaml, ingressToForm, newIngress, toRequestBody, toYaml, type IngressObject } from './ingress-form.js';
import { formFieldPaths, placeFieldErrors } from './field-errors.js';

const stored: IngressObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'shop', resourceVersion: '42', labels: { team: 'a' }, annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'hashing', 'example.com/other': 'kept' } },
  spec: {
    ingressClassName: 'portico',
    tls: [{ hosts: ['shop.example', 'www.shop.example'], secretName: 'shop-tls' }],
    rules: [
      {
        host: 'shop.example',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            { path: '/api', pathType: 'Exact', backend: { service: { name: 'api', port: { name: 'http' } } } },
          ],
        },
      },
    ],
  },
  status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
};

describe('form ↔ Ingress object', () => {
  it('reads every field the form shows, port numbers and names alike', () => {
    const form = ingressToForm(stored);
    expect(form).toMatchObject({ name: 'web', namespace: 'shop', ingressClassName: 'portico', defaultBackend: { service: '', port: '' } });
    expect(form.rules[0]!.paths.map((p) => [p.path, p.pathType, p.backend.service, p.backend.port])).toEqual([
      ['/', 'Prefix', 'web', '80'],
      ['/api', 'Exact', 'api', 'http'],
    ]);
    expect(form.tls).toEqual([{ hosts: 'shop.example, www.shop.example', secretName: 'shop-tls' }]);
  });

  it('writes an unchanged form back to the same object, keeping what the form does not show', () => {
    expect(formToIngress(ingressToForm(stored), stored)).toEqual(stored);
  });

  it('writes edits: a number port as number, a named port as name, empty fields left out', () => {
    const form = ingressToForm(stored);
    form.rules[0]!.paths[1]!.backend.port = '8080';
    form.rules[0]!.paths[0]!.backend.port = 'grpc';
    form.tls = [];
    form.ingressClassName = '';
    form.annotations['pipy.ingress.kubernetes.io/lb-type'] = '';
    form.defaultBackend = { service: 'fallback', port: '80' };
    const object = formToIngress(form, stored);
    expect(object.spec?.rules?.[0]?.http?.paths?.map((p) => p.backend?.service?.port)).toEqual([{ name: 'grpc' }, { number: 8080 }]);
    expect(object.spec).not.toHaveProperty('tls');
    expect(object.spec).not.toHaveProperty('ingressClassName');
    expect(object.spec?.defaultBackend).toEqual({ service: { name: 'fallback', port: { number: 80 } } });
    expect(object.metadata?.annotations).toEqual({ 'example.com/other': 'kept' });
    expect(object.metadata).toMatchObject({ resourceVersion: '42', labels: { team: 'a' } });
  });

  it('a create body has no status and no server-set metadata; a replace keeps the resourceVersion', () => {
    const create = toRequestBody(stored, true);
    expect(create).not.toHaveProperty('status');
    expect(create.metadata).not.toHaveProperty('resourceVersion');
    expect(toRequestBody(stored, false).metadata?.resourceVersion).toBe('42');
  });
});

describe('YAML ↔ Ingress object', () => {
  it('round-trips an object through its YAML', () => {
    const text = toYaml(stored);
    expect(text).toContain('pipy.ingress.kubernetes.io/lb-type: hashing');
    expect(fromYaml(text)).toEqual({ object: stored });
  });

  it('edits made in YAML show in the form', () => {
    const edited = toYaml(newIngress()).replace("host: \"\"", 'host: yaml.example');
    const parsed = fromYaml(edited);
    expect('object' in parsed && ingressToForm(parsed.object).rules[0]!.host).toBe('yaml.example');
  });

  it('says why text is not an Ingress, with the line of a syntax error', () => {
    expect(fromYaml('metadata:\n  name: [unclosed\n')).toEqual({ error: expect.stringMatching(/^line \d+: /) });
    expect(fromYaml('- a\n- b\n')).toEqual({ error: expect.stringContaining('mapping') });
    expect(fromYaml('just text')).toEqual({ error: expect.stringContaining('mapping') });
  });
});

describe('field errors at the field', () => {
  const form = ingressToForm(stored);
  const inputs = formFieldPaths(form, ['pipy.ingress.kubernetes.io/lb-type']);

  it('puts each error at the input of its path, or of its nearest parent input', () => {
    const placed = placeFieldErrors(
      {
        'spec.rules[0].http.paths[1].path': 'must be an absolute path',
        'spec.rules[0].http.paths[0].backend.service.port.number': 'must be 1-65535',
        'metadata.annotations["pipy.ingress.kubernetes.io/lb-type"]': 'invalid value "fastest"',
        'metadata.name': 'is required',
      },
      inputs,
    );
    expect(placed.at).toEqual({
      'spec.rules[0].http.paths[1].path': 'must be an absolute path',
      'spec.rules[0].http.paths[0].backend.service.port': 'must be 1-65535',
      'metadata.annotations["pipy.ingress.kubernetes.io/lb-type"]': 'invalid value "fastest"',
      'metadata.name': 'is required',
    });
    expect(placed.elsewhere).toEqual([]);
  });

  it('does not confuse path with pathType, and keeps errors no input owns apart', () => {
    const placed = placeFieldErrors({ 'spec.rules[0].http.paths[0].pathType': 'is required', 'spec.rules[0].http.paths[0]': 'shadowed', '(body)': 'bad' }, inputs);
    expect(placed.at).toEqual({ 'spec.rules[0].http.paths[0].pathType': 'is required' });
    expect(placed.elsewhere.map((e) => e.field)).toEqual(['spec.rules[0].http.paths[0]', '(body)']);
  });
});
