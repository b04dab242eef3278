import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveEventsProvider } from '../../live/live-events.js';
import { SessionProvider, useSessionState } from '../../session/session.js';
import { fakeApi, json, renderWithUi } from '../../testing/render.js';
import { hostSummary } from '../routes/fixtures.js';
import { PassthroughSwitch } from './PassthroughSwitch.js';

/** EventSource is not in happy-dom; the switch only needs it to exist (the proxies are also polled). */
class SilentEventSource {
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  addEventListener() {}
  close() {}
}

function SignedIn({ children }: { children: ReactNode }) {
  const { session } = useSessionState();
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return session ? (
    <QueryClientProvider client={client}>
      <LiveEventsProvider token={session.token}>{children}</LiveEventsProvider>
    </QueryClientProvider>
  ) : null;
}

const host = hostSummary('tls.demo.localhost', { mode: 'terminated', ingresses: [{ kind: 'Ingress', namespace: 'default', name: 'demo-tls-backend' }] });
const ingress = { kind: 'Ingress', namespace: 'default', name: 'demo-tls-backend' };

function stack(role: 'admin' | 'viewer') {
  const patches: unknown[] = [];
  let generation = 4;
  const proxies = () => json({ generation, proxies: [{ id: 'standalone', connected: true, connectedAt: '', remoteAddress: null, appliedGeneration: generation, appliedAt: null, propagationMs: 9, applyMs: 1, lastError: null }] });
  const api = fakeApi({
    'GET /api/v1/session': () => json({ role }),
    'GET /api/v1/proxies': proxies,
    'PATCH /api/v1/hosts/tls.demo.localhost/passthrough': async (request) => {
      const body = (await request.json()) as { enabled: boolean; dryRun: boolean };
      patches.push(body);
      if (!body.dryRun) generation = 5;
      return json({
        host: 'tls.demo.localhost',
        enabled: body.enabled,
        dryRun: body.dryRun,
        written: !body.dryRun,
        ingresses: [{ ingress, before: null, after: 'true', changed: true, resourceVersion: '7' }],
        effects: {
          routesStopApplying: [],
          forwardedTo: [{ ingress, clusterId: 'c', service: 'default/demo-tls:https' }],
          rewritesStopApplying: [],
          clientVerificationStopsApplying: null,
          forwardedHeadersStopApplying: ['X-Forwarded-For'],
          certificateNoLongerServed: 'default/demo-certificate',
          alsoAffectedHosts: [],
        },
        warnings: [],
        generation: body.dryRun ? null : 5,
      });
    },
  });
  vi.stubGlobal('fetch', vi.fn(api));
  return { patches };
}

describe('the passthrough switch', () => {
  beforeEach(() => {
    vi.stubGlobal('EventSource', SilentEventSource);
    sessionStorage.setItem('portico.token', 'token');
  });
  afterEach(() => {
    cleanup(); // vitest runs without globals, so Testing Library does not unmount by itself
    vi.unstubAllGlobals();
    sessionStorage.clear();
  });

  it('previews with a dry run, writes only after confirming, at the version previewed, then shows the proxies applying it', async () => {
    const { patches } = stack('admin');
    renderWithUi(<SessionProvider><SignedIn><PassthroughSwitch host={host} /></SignedIn></SessionProvider>);
    fireEvent.click(await screen.findByRole('button', { name: 'Turn passthrough on…' }));
    const preview = await screen.findByTestId('passthrough-preview');
    expect(within(preview).getByText('The backend must speak TLS')).toBeTruthy();
    expect(within(preview).getByText('default/demo-certificate')).toBeTruthy();
    expect(patches).toEqual([{ enabled: true, dryRun: true }]);

    fireEvent.click(within(preview).getByRole('button', { name: 'Confirm: pass through' }));
    const applied = await screen.findByTestId('passthrough-applied');
    await waitFor(() => expect(applied.textContent).toContain('generation 5 applied by 1/1 proxy in 9.0 ms'));
    expect(patches[1]).toEqual({ enabled: true, dryRun: false, resourceVersion: '7' });
  });

  it('cancelling the preview writes nothing', async () => {
    const { patches } = stack('admin');
    renderWithUi(<SessionProvider><SignedIn><PassthroughSwitch host={host} /></SignedIn></SessionProvider>);
    fireEvent.click(await screen.findByRole('button', { name: 'Turn passthrough on…' }));
    fireEvent.click(within(await screen.findByTestId('passthrough-preview')).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByTestId('passthrough-preview')).toBeNull());
    expect(patches).toEqual([{ enabled: true, dryRun: true }]);
  });

  it('is disabled for a viewer, with the reason in words', async () => {
    const { patches } = stack('viewer');
    renderWithUi(<SessionProvider><SignedIn><PassthroughSwitch host={host} /></SignedIn></SessionProvider>);
    const button = await screen.findByRole('button', { name: 'Turn passthrough on…' });
    // Disabled but focusable, so keyboard users reach the reason too.
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByTestId('passthrough-disabled-reason').textContent).toMatch(/viewer/);
    fireEvent.click(button);
    expect(patches).toEqual([]);
  });
});
