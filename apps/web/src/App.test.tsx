import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { App } from './App.js';
import { propagationSummary } from './readiness.js';

describe('propagationSummary', () => {
  it('counts connected proxies that applied the current generation', () => {
    expect(
      propagationSummary({
        ready: false,
        generation: 4,
        proxies: [
          { id: 'a', appliedGeneration: 4, connected: true },
          { id: 'b', appliedGeneration: 3, connected: true },
          { id: 'c', appliedGeneration: 4, connected: false },
        ],
      }),
    ).toBe('applied to 1/2 proxies');
    expect(propagationSummary({ ready: true, generation: 1, proxies: [] })).toBe('no proxy connected');
  });
});

describe('App', () => {
  afterEach(cleanup);

  it('shows the generation once loaded', async () => {
    render(<App fetchReadiness={async () => ({ ready: true, generation: 7, proxies: [{ id: 'p', appliedGeneration: 7, connected: true }] })} />);
    expect((await screen.findByTestId('generation')).textContent).toBe('7');
    expect(screen.getByTestId('propagation').textContent).toBe('applied to 1/1 proxy');
  });

  it('says in words when the API cannot be reached', async () => {
    render(<App fetchReadiness={async () => Promise.reject(new Error('connection refused'))} />);
    expect((await screen.findByRole('alert')).textContent).toContain('connection refused');
  });
});
