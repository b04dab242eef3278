import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, json, problem, renderWithUi } from '../testing/render.js';
import { SessionProvider, useSessionState } from './session.js';
import { SignIn } from './SignIn.js';

function SignedInAs() {
  const { session } = useSessionState();
  return session ? <p>signed in as {session.role}</p> : <SignIn />;
}

describe('signing in', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    sessionStorage.clear();
  });

  const api = fakeApi({
    'GET /api/v1/session': (request) =>
      request.headers.get('authorization') === 'Bearer good-viewer'
        ? json({ role: 'viewer' })
        : problem(401, 'Unauthorized', 'the bearer token is neither the viewer nor the admin token'),
  });

  it('accepts a valid token, learns its role and remembers it for the tab', async () => {
    vi.stubGlobal('fetch', vi.fn(api));
    renderWithUi(<SessionProvider><SignedInAs /></SessionProvider>);
    fireEvent.change(await screen.findByLabelText(/token/i), { target: { value: ' good-viewer ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('signed in as viewer')).toBeTruthy();
    expect(sessionStorage.getItem('portico.token')).toBe('good-viewer');
  });

  it('says in words why a wrong token is refused, and stays on the form', async () => {
    vi.stubGlobal('fetch', vi.fn(api));
    renderWithUi(<SessionProvider><SignedInAs /></SessionProvider>);
    fireEvent.change(await screen.findByLabelText(/token/i), { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText(/no longer accepted|Check the token/)).toBeTruthy();
    await waitFor(() => expect(sessionStorage.getItem('portico.token')).toBeNull());
  });
});
