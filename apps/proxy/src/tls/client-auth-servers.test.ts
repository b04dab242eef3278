import { certificateAuthority } from '@portico/testing';
import { EventEmitter } from 'node:events';
import type http2 from 'node:http2';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ClientAuth } from '@portico/model';
import type { ActiveConfig } from '../config/active-config.js';
import type { Logger } from '../observability/logger.js';
import { clientPolicy } from './client-auth-policy.js';
import { ClientAuthServers } from './client-auth-servers.js';
import type { BuiltContext } from './secure-contexts.js';

const silent = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;

/** Just enough of an ActiveConfig for the pool: the hosts' client auth. */
function configWith(...auths: ClientAuth[]): ActiveConfig {
  const virtualHosts = auths.map((clientAuth, i) => ({
    host: `h${i}.example.com`,
    match: 'exact',
    routes: [],
    tls: { mode: 'terminate', certificateId: null, httpPolicy: 'reject', clientAuth },
  }));
  return { table: { virtualHosts } } as unknown as ActiveConfig;
}

function pool(current: () => ActiveConfig | null) {
  const closed: string[] = [];
  const servers = new ClientAuthServers(
    (policy) => ({ close: () => void closed.push(policy.key) }) as unknown as http2.Http2SecureServer,
    () => ({}) as BuiltContext,
    current,
    silent,
  );
  return { servers, closed };
}

const socket = () => new EventEmitter() as unknown as net.Socket;

describe('ClientAuthServers', () => {
  it('shares one server per policy value, and closes it after its last connection once no table uses it', async () => {
    const ca = await certificateAuthority();
    const auth = { caPem: ca.certPem, verifyDepth: 1 };
    let config: ActiveConfig | null = configWith(auth);
    const { servers, closed } = pool(() => config);
    const [a, b] = [socket(), socket()];
    const server = servers.take(clientPolicy(auth), a);
    expect(servers.take(clientPolicy({ caPem: `${ca.certPem}\n`, verifyDepth: 1 }), b)).toBe(server);
    expect(servers.size).toBe(1);

    config = configWith(); // the policy is gone from the table; its connections are not
    servers.prune();
    a.emit('close');
    expect(closed).toEqual([]);
    b.emit('close');
    expect(closed).toEqual([clientPolicy(auth).key]);
    expect(servers.size).toBe(0);
  });

  it('keeps an idle server while the table uses its policy, and closes it on prune once the table drops it', async () => {
    const ca = await certificateAuthority();
    const auth = { caPem: ca.certPem, verifyDepth: 2 };
    let config: ActiveConfig | null = configWith(auth);
    const { servers, closed } = pool(() => config);
    const a = socket();
    servers.take(clientPolicy(auth), a);
    a.emit('close');
    expect(servers.size).toBe(1);
    config = configWith();
    servers.prune();
    expect(closed).toEqual([clientPolicy(auth).key]);
  });

  it('has no server for a policy whose CAs do not read', () => {
    const { servers } = pool(() => null);
    expect(servers.take(clientPolicy({ caPem: 'garbage', verifyDepth: 1 }), socket())).toBeNull();
  });
});
