import { cleanup, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithUi } from '../../testing/render.js';
import { emptyInputs, inputsFromParams, inputsToParams, parseHeaders, toExplainRequest } from './explain-query.js';
import { ExplainResult, type Explanation } from './ExplainResult.js';

const terminated: Explanation = {
  generation: 7,
  request: { method: 'GET', scheme: 'https', host: 'shop.example.com', port: 443, rawPath: '/old/orders', query: '?id=7', clientIp: null },
  listener: 'tls',
  tls: {
    serverName: 'shop.example.com',
    serverNameFrom: 'url-host',
    governingHost: 'shop.example.com',
    mode: 'terminate',
    detail: 'shop.example.com terminates TLS',
    certificate: {
      source: 'host',
      certificateId: 'shop/shop-tls',
      reason: 'exact-host',
      detail: 'the host lists it in spec.tls',
      dnsNames: ['shop.example.com'],
      notAfter: '2027-01-01T00:00:00.000Z',
      coversName: true,
      diagnostics: [],
    },
    clientCertificate: { required: true, caSubjects: ['CN=Shop CA'], verifyDepth: 2 },
    misdirected: null,
  },
  httpPolicy: null,
  path: { raw: '/old/orders', ok: true, normalized: '/old/orders', reason: null },
  match: {
    kind: 'route',
    routeId: 'r1',
    virtualHost: 'shop.example.com',
    hostMatch: 'exact',
    path: '/old',
    pathType: 'Prefix',
    declaredPathType: 'ImplementationSpecific',
    source: { ingress: { kind: 'Ingress', namespace: 'shop', name: 'web' }, field: 'spec.rules[0].http.paths[1]' },
    hostChain: ['shop.example.com'],
    fellThrough: [],
  },
  candidates: [
    { routeId: 'r1', virtualHost: 'shop.example.com', path: '/old', pathType: 'Prefix', matched: true, reason: 'prefix /old matches', verdict: 'chosen', why: 'the longest matching path' },
    { routeId: 'r0', virtualHost: 'shop.example.com', path: '/', pathType: 'Prefix', matched: true, reason: 'prefix / matches', verdict: 'beaten', why: 'a longer path matched' },
  ],
  rewrite: { from: '^/old(.*)', to: '/new$1', input: '/old/orders', result: '/new/orders' },
  upstreamPath: '/new/orders',
  cluster: {
    id: 'shop/api:80',
    service: { namespace: 'shop', name: 'api', port: 80 },
    lb: 'hashing',
    sessionSticky: false,
    protocol: 'http1',
    upstreamTls: null,
    endpoints: { total: 2, ready: 1, addresses: [{ address: '10.0.1.1', port: 8080, ready: true, targetRef: null }, { address: '10.0.1.2', port: 8080, ready: false, targetRef: null }] },
    endpointChoice: 'hashing on the client IP over the 1 ready endpoint',
  },
  outcome: { action: 'proxied', status: null, detail: 'proxied to 10.0.1.1:8080' },
  notes: [],
};

const render = (explanation: Explanation) =>
  renderWithUi(
    <MemoryRouter>
      <ExplainResult explanation={explanation} />
    </MemoryRouter>,
  );

afterEach(cleanup);

describe('an explanation, laid out for a person', () => {
  it('shows the outcome, certificate and why, client-certificate need, matched route, candidates, rewrite and endpoint policy', () => {
    render(terminated);
    expect(screen.getByText('Proxied')).toBeTruthy();
    expect(screen.getByText('proxied to 10.0.1.1:8080')).toBeTruthy();
    const tls = screen.getByRole('region', { name: 'TLS' });
    expect(within(tls).getByRole('link', { name: 'shop/shop-tls' }).getAttribute('href')).toBe('/certificates/shop/shop-tls');
    expect(tls.textContent).toContain('the host lists it in spec.tls');
    expect(tls.textContent).toContain('required, issued by CN=Shop CA (depth 2)');
    expect(tls.textContent).toContain('Portico terminates TLS');
    const route = screen.getByTestId('matched-route');
    expect(route.textContent).toContain('declared ImplementationSpecific');
    expect(within(route).getByRole('link', { name: 'Ingress shop/web' }).getAttribute('href')).toBe('/ingresses/shop/web');
    const rows = screen.getAllByRole('row').filter((row) => row.getAttribute('data-verdict'));
    expect(rows.map((row) => [row.getAttribute('data-verdict'), row.textContent?.includes('a longer path matched')])).toEqual([
      ['chosen', false],
      ['beaten', true],
    ]);
    expect(screen.getByRole('region', { name: 'Upstream path' }).textContent).toContain('turns /old/orders into /new/orders');
    const backend = screen.getByRole('region', { name: 'Backend and endpoint policy' }).textContent;
    expect(backend).toContain('hashing on the client IP');
    expect(backend).toContain('1 of 2 ready');
    expect(backend).toContain('10.0.1.2:8080 (not ready)');
  });

  it('says when nothing matches and what passthrough means, without a route section of candidates', () => {
    render({
      ...terminated,
      tls: { ...terminated.tls!, mode: 'passthrough', certificate: null, clientCertificate: { required: false, caSubjects: [], verifyDepth: null } },
      match: { ...terminated.match, kind: 'none', routeId: null, virtualHost: null, hostMatch: null, path: null, pathType: null, declaredPathType: null, source: null, hostChain: [] },
      candidates: [],
      rewrite: null,
      upstreamPath: null,
      cluster: null,
      outcome: { action: 'not-found', status: 404, detail: 'no route for this host' },
    });
    expect(screen.getByText('Not found: 404')).toBeTruthy();
    expect(screen.getByRole('region', { name: 'TLS' }).textContent).toContain("the backend's own");
    expect(screen.getByRole('region', { name: 'TLS' }).textContent).toContain('not required');
    expect(screen.getByRole('region', { name: 'Route' }).textContent).toContain('No route matches (no host claims this name)');
    expect(screen.queryByRole('region', { name: 'Backend and endpoint policy' })).toBeNull();
  });
});

describe('explain inputs in the URL', () => {
  it('round-trip through the query, leaving defaults out', () => {
    const inputs = { ...emptyInputs(), url: 'https://a.example/x', sni: 'b.example', method: 'POST', headers: 'Host: c.example\nX-Test: 1', clientIp: '203.0.113.7' };
    const params = inputsToParams(inputs);
    expect(inputsFromParams(params)).toEqual(inputs);
    expect(inputsToParams({ ...emptyInputs(), url: 'http://a.example/' }).toString()).toBe('url=http%3A%2F%2Fa.example%2F');
  });

  it('build the API request: no SNI as null, headers lower-cased, nothing without a URL', () => {
    expect(toExplainRequest(emptyInputs())).toBeNull();
    expect(toExplainRequest({ ...emptyInputs(), url: 'https://a.example/', noSni: true, sni: 'ignored', headers: 'Host: b.example' })).toEqual({
      request: { url: 'https://a.example/', method: 'GET', sni: null, headers: { host: 'b.example' } },
    });
    expect(parseHeaders('no colon here')).toEqual({ error: expect.stringContaining('Name: value') });
  });
});
