import { useEffect, useState } from 'react';
import { propagationSummary, type Readiness } from './readiness.js';

/** The dashboard's first page: the generation the API serves and how far it has propagated. */
export function App({ fetchReadiness = defaultFetch }: { fetchReadiness?: () => Promise<Readiness> }) {
  const [state, setState] = useState<{ readiness?: Readiness; error?: string }>({});

  useEffect(() => {
    let stopped = false;
    const load = () =>
      fetchReadiness()
        .then((readiness) => !stopped && setState({ readiness }))
        .catch((err: Error) => !stopped && setState({ error: err.message }));
    void load();
    const timer = setInterval(load, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [fetchReadiness]);

  return (
    <main>
      <h1>Portico</h1>
      {state.error && <p role="alert">The API cannot be reached: {state.error}</p>}
      {!state.readiness && !state.error && <p>Loading…</p>}
      {state.readiness && (
        <section aria-label="Configuration">
          <p>
            Generation <strong data-testid="generation">{state.readiness.generation}</strong>,{' '}
            <span data-testid="propagation">{propagationSummary(state.readiness)}</span>
          </p>
        </section>
      )}
    </main>
  );
}

async function defaultFetch(): Promise<Readiness> {
  const res = await fetch('/readyz');
  // 503 still carries the body: not ready is a state to show, not an error.
  return (await res.json()) as Readiness;
}
