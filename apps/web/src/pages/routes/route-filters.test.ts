import { describe, expect, it } from 'vitest';
import { hostSummary } from './fixtures.js';
import { hasFilters, matchesFilters, readFilters, writeFilters } from './route-filters.js';

describe('route map filters in the URL', () => {
  it('round-trips every filter through the query string', () => {
    const filters = { q: 'hi', namespace: 'shop', host: 'a.example', mode: 'mtls' as const, view: 'table' as const };
    expect(readFilters(new URLSearchParams(writeFilters(filters).toString()))).toEqual(filters);
  });

  it('keeps a default view out of the URL, and ignores an unknown mode from a hand-edited link', () => {
    expect(writeFilters(readFilters(new URLSearchParams(''))).toString()).toBe('');
    expect(readFilters(new URLSearchParams('mode=bogus&view=weird'))).toEqual({ q: '', namespace: null, host: null, mode: null, view: 'graph' });
    expect(hasFilters(readFilters(new URLSearchParams('view=table')))).toBe(false);
    expect(hasFilters(readFilters(new URLSearchParams('q=%20x')))).toBe(true);
  });
});

describe('matchesFilters', () => {
  const shop = { summary: hostSummary('shop.example', { mode: 'terminated', ingresses: [{ kind: 'Ingress', namespace: 'shop', name: 'web' }] }), paths: ['/cart'], services: ['shop/web'] };
  const demo = { summary: hostSummary('demo.localhost'), paths: ['/', '/hi'], services: ['default/demo'] };
  const none = readFilters(new URLSearchParams());

  it('filters by namespace, host and TLS mode', () => {
    expect([shop, demo].filter((e) => matchesFilters(e, { ...none, namespace: 'shop' }))).toEqual([shop]);
    expect([shop, demo].filter((e) => matchesFilters(e, { ...none, host: 'demo.localhost' }))).toEqual([demo]);
    expect([shop, demo].filter((e) => matchesFilters(e, { ...none, mode: 'terminated' }))).toEqual([shop]);
    expect([shop, demo].filter((e) => matchesFilters(e, { ...none, mode: 'passthrough' }))).toEqual([]);
  });

  it('searches host names, paths and services, ignoring case', () => {
    expect([shop, demo].filter((e) => matchesFilters(e, { ...none, q: 'CART' }))).toEqual([shop]);
    expect([shop, demo].filter((e) => matchesFilters(e, { ...none, q: 'default/demo' }))).toEqual([demo]);
    expect([shop, demo].filter((e) => matchesFilters(e, { ...none, q: 'example' }))).toEqual([shop]);
  });
});
