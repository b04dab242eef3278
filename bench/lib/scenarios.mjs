// The data-plane scenarios of issue 7. A scenario is measured either with wrk (keep-alive load) or with the
// new-connection client (one full TLS handshake per request).

// `node-http` and `node-undici` (bench/reference-*.mjs) proxy plain HTTP only, without routing: they take part in the plain scenarios.
const PLAIN = ['nginx', 'haproxy', 'portico', 'portico-base', 'node-http', 'node-undici'];

const wrk = (id, what, { port = 'http', scheme = 'http', host = 'bench.local', path = '/small', connections = 50, only } = {}) => ({
  id,
  what,
  tool: 'wrk',
  url: (c) => `${scheme}://127.0.0.1:${c.ports[port]}${path}`,
  host,
  connections,
  only,
});

const perConnection = (id, what, { port, servername, host }) => ({ id, what, tool: 'conn', port, servername, host, path: '/small', connections: 8 });

export const SCENARIOS = [
  wrk('small-50', '100-byte responses, 50 keep-alive connections', { only: PLAIN }),
  wrk('small-200', '100-byte responses, 200 keep-alive connections', { connections: 200, only: PLAIN }),
  wrk('16k-50', '16 KiB responses, 50 keep-alive connections', { path: '/16k', only: PLAIN }),
  wrk('16k-200', '16 KiB responses, 200 keep-alive connections', { path: '/16k', connections: 200, only: PLAIN }),
  wrk('tls-keepalive', 'TLS termination, 100-byte responses, 50 keep-alive connections', { port: 'tls', scheme: 'https' }),
  perConnection('tls-handshake', 'TLS termination, a new full handshake per request (8 concurrent)', { port: 'tls', servername: 'tls.bench', host: 'bench.local' }),
  perConnection('passthrough', 'TLS passthrough by SNI, a new connection per request (8 concurrent)', { port: 'passthrough', servername: 'pt.bench', host: 'pt.bench' }),
  wrk('https-upstream', 'plain HTTP in, HTTPS (verified) to the upstream, 50 connections', { host: 'tlsup.bench' }),
  wrk('10k-ingresses', 'small-50 against a proxy whose table holds 10,000 Ingresses', { only: ['nginx', 'portico', 'portico-10k'] }),
];

/** Which contestants take part in a scenario: by default all but the two special ones. */
export const contestantsFor = (scenario, all) => all.filter((c) => (scenario.only ? scenario.only.includes(c.name) : !['portico-10k', 'node-http', 'node-undici'].includes(c.name)));

export function selectScenarios(only) {
  if (!only) return SCENARIOS;
  const wanted = only.split(',');
  const unknown = wanted.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  return SCENARIOS.filter((s) => wanted.includes(s.id));
}
