import { useQueryClient } from '@tanstack/react-query';
import { LIVE_EVENT_TYPES, type LiveEvent } from '@portico/model/live-events';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

export type { LiveEvent, LiveEventType } from '@portico/model/live-events';

type Listener = (event: LiveEvent) => void;
export type LiveConnection = 'connecting' | 'open' | 'reconnecting';

interface LiveState {
  connection: LiveConnection;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<LiveState | null>(null);

/** Queries are refetched this long after the last event of a burst, so one change costs one refetch. */
const REFRESH_DELAY_MS = 80;

/**
 * One EventSource per signed-in tab. Every event marks the cached API data stale, so whatever page is open shows a
 * change made with kubectl, a manifest edit or the API without a reload. EventSource reconnects by itself and sends
 * Last-Event-ID, so nothing in the API's replay window is missed.
 */
export function LiveEventsProvider({ token, children }: { token: string; children: ReactNode }) {
  const queryClient = useQueryClient();
  const [connection, setConnection] = useState<LiveConnection>('connecting');
  const listeners = useRef(new Set<Listener>());
  const [state] = useState<Omit<LiveState, 'connection'>>(() => ({
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  }));

  useEffect(() => {
    const source = new EventSource(`/api/v1/events?access_token=${encodeURIComponent(token)}`);
    let refresh: ReturnType<typeof setTimeout> | undefined;
    const onEvent = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as LiveEvent;
      for (const listener of listeners.current) listener(event);
      clearTimeout(refresh);
      refresh = setTimeout(() => void queryClient.invalidateQueries(), REFRESH_DELAY_MS);
    };
    for (const type of LIVE_EVENT_TYPES) source.addEventListener(type, onEvent);
    source.onopen = () => setConnection('open');
    source.onerror = () => setConnection('reconnecting');
    return () => {
      clearTimeout(refresh);
      source.close();
    };
  }, [token, queryClient]);

  return <LiveContext.Provider value={{ ...state, connection }}>{children}</LiveContext.Provider>;
}

export function useLiveConnection(): LiveConnection {
  return useLiveState().connection;
}

/** Calls `listener` for every live event while the component is mounted. */
export function useLiveEvents(listener: Listener): void {
  const { subscribe } = useLiveState();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => subscribe((event) => latest.current(event)), [subscribe]);
}

function useLiveState(): LiveState {
  const state = useContext(LiveContext);
  if (!state) throw new Error('live events used outside LiveEventsProvider');
  return state;
}
