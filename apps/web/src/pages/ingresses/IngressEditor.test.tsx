import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider, useSessionState } from '../../session/session.js';
import { fakeApi, json, problem, renderWithUi } from '../../testing/render.js';
import { IngressEditor } from './IngressEditor.js';
import { newIngress } from './ingress-form.js';

const CATALOG = {
  annotations: [{ key: 'pipy.ingress.kubernetes.io/lb-type', type: 'enum', values: ['round-robin', 'hashing', 'least-work'], default: 'round-robin', security: false, description: 'how an endpoint is chosen' }],
};
const route = { host: 'shop.example', id: 'r', path: '/api', pathType: 'Prefix', declaredPathType: 'Prefix', clusterId: 'default/web:80', source: { ingress: { kind: 'Ingress', namespace: 'default', name: 'web' }, field: 'spec.rules[0].http.paths[0]' } };

function Editor() {
  const { session } = useSessionState();
  return session ? <IngressEditor initial={newIngress()} create /> : <p>signing in</p>;
}

/** The editor with an admin session against a fake API that records what it was sent. */
function renderEditor(write: (request: Request, body: any) => Response) {
  const sent: Array<{ url: string; body: any }> = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(
      fakeApi({
        'GET /api/v1/session': () => json({ role: 'admin' }),
        'GET /api/v1/ingresses/annotations': () => json(CATALOG),
        'POST /api/v1/ingresses': async (request) => {
          const body = await request.json();
          sent.push({ url: request.url, body });
          return write(request, body);
        },
      }),
    ),
  );
  sessionStorage.setItem('portico.token', 'admin-token');
  renderWithUi(
    <SessionProvider>
      <QueryClientProvider client={new QueryClient()}>
        <MemoryRouter>
          <Editor />
        </MemoryRouter>
      </QueryClientProvider>
    </SessionProvider>,
  );
  return sent;
}

const fill = (label: string, value: string) => fireEvent.change(screen.getByRole('textbox', { name: label }), { target: { value } });

describe('the Ingress editor', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    sessionStorage.clear();
  });

  it('shows a 422 field error at the input it names, and keeps Save disabled', async () => {
    const sent = renderEditor(() =>
      problem(422, 'Unprocessable Entity', 'Ingress default/web would not be served as written', [{ field: 'spec.rules[0].http.paths[0].path', message: 'must be an absolute path starting with "/"' }]),
    );
    await screen.findByRole('textbox', { name: 'Host' });
    fill('Name', 'web');
    fill('Path', 'api');
    fireEvent.click(screen.getByRole('button', { name: 'Preview changes' }));
    const path = screen.getByRole('textbox', { name: 'Path' });
    await waitFor(() => expect(path.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText('must be an absolute path starting with "/"')).toBeTruthy();
    expect(screen.getByText('Fix the fields marked above.')).toBeTruthy();
    expect(sent).toHaveLength(1);
    expect(new URL(sent[0]!.url).searchParams.get('dryRun')).toBe('All');
    expect(sent[0]!.body.spec.rules[0].http.paths[0].path).toBe('api');
    expect((screen.getByRole('button', { name: 'Create Ingress' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('previews the routes a write adds, then saves the same object without dryRun', async () => {
    const sent = renderEditor((request, body) => {
      const dryRun = new URL(request.url).searchParams.get('dryRun') === 'All';
      const view = { object: body, routes: [route], diagnostics: [], applied: { generation: 3, proxies: 1, appliedBy: 1 }, pending: true };
      return json(dryRun ? { ...view, dryRun: true, changes: { added: [route], removed: [], changed: [] } } : view, 201);
    });
    await screen.findByRole('textbox', { name: 'Host' });
    fill('Name', 'web');
    fill('Host', 'shop.example');
    fill('Path', '/api');
    fireEvent.change(screen.getAllByRole('textbox', { name: 'Service' })[0]!, { target: { value: 'web' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview changes' }));
    expect(await screen.findByText('1 route added')).toBeTruthy();
    const create = screen.getByRole('button', { name: 'Create Ingress' }) as HTMLButtonElement;
    await waitFor(() => expect(create.disabled).toBe(false));
    fireEvent.click(create);
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(new URL(sent[1]!.url).searchParams.has('dryRun')).toBe(false);
    expect(sent[1]!.body).toEqual(sent[0]!.body);
    expect(sent[1]!.body.spec.rules[0]).toEqual({ host: 'shop.example', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } });
  });

  it('an edit after the preview needs a new preview before saving', async () => {
    renderEditor((request, body) => {
      const view = { object: body, routes: [route], diagnostics: [], applied: { generation: 3, proxies: 1, appliedBy: 1 }, pending: true };
      return json({ ...view, dryRun: true, changes: { added: [route], removed: [], changed: [] } }, 201);
    });
    await screen.findByRole('textbox', { name: 'Host' });
    fill('Name', 'web');
    fireEvent.click(screen.getByRole('button', { name: 'Preview changes' }));
    await screen.findByText('1 route added');
    fill('Host', 'other.example');
    expect(screen.queryByText('1 route added')).toBeNull();
    expect((screen.getByRole('button', { name: 'Create Ingress' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
