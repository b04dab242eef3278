import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createApiClient, type ApiClient } from '../api/client.js';
import { unwrap } from '../api/problem.js';

export type Role = 'viewer' | 'admin';

export interface Session {
  token: string;
  role: Role;
  api: ApiClient;
}

interface SessionState {
  session: Session | null;
  /** True until a remembered token has been checked. */
  restoring: boolean;
  signIn(token: string): Promise<Session>;
  signOut(): void;
}

const STORAGE_KEY = 'portico.token';
const SessionContext = createContext<SessionState | null>(null);

/** Checks the token against the API and learns its role; throws ApiError (401) for a wrong one. */
export async function openSession(token: string, baseUrl?: string): Promise<Session> {
  const api = createApiClient(token, baseUrl);
  const { role } = await unwrap(api.GET('/api/v1/session'));
  return { token, role, api };
}

/**
 * Holds the signed-in token for this browser tab (sessionStorage: it ends with the tab). `npm start` prints a URL
 * with `#token=…`; the fragment never reaches a server, and it is removed from the address bar once read.
 */
export function SessionProvider({ children, baseUrl }: { children: ReactNode; baseUrl?: string }) {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(true);

  const signIn = useCallback(
    async (token: string) => {
      const opened = await openSession(token.trim(), baseUrl);
      sessionStorage.setItem(STORAGE_KEY, opened.token);
      setSession(opened);
      return opened;
    },
    [baseUrl],
  );

  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    setSession(null);
  }, []);

  useEffect(() => {
    const fromUrl = new URLSearchParams(window.location.hash.slice(1)).get('token');
    if (fromUrl) history.replaceState(null, '', window.location.pathname + window.location.search);
    const remembered = fromUrl ?? sessionStorage.getItem(STORAGE_KEY);
    if (!remembered) return setRestoring(false);
    signIn(remembered)
      .catch(() => sessionStorage.removeItem(STORAGE_KEY))
      .finally(() => setRestoring(false));
  }, [signIn]);

  const value = useMemo(() => ({ session, restoring, signIn, signOut }), [session, restoring, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSessionState outside SessionProvider');
  return state;
}

/** The signed-in session; pages under the shell are only rendered with one. */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession without a signed-in session');
  return session;
}

/** Whether the signed-in token may change things, and the reason shown on disabled controls when not. */
export function useWriteAccess(): { canWrite: boolean; reason: string | undefined } {
  const { role } = useSession();
  return role === 'admin' ? { canWrite: true, reason: undefined } : { canWrite: false, reason: 'Signed in as a viewer: changes need the admin token.' };
}
