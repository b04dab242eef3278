import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientHelloParser, DEFAULT_MAX_CLIENT_HELLO_BYTES, parseClientHello, type ClientHello, type ClientHelloResult } from './client-hello.js';
import { readClientHello, type ReadClientHelloResult } from './read-client-hello.js';

const OPENSSL = '/usr/bin/openssl';
const HAS_OPENSSL = existsSync(OPENSSL);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// Helpers: sockets

function listenOn(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Records what a real client sends to a plain TCP server that never answers. A TLS client sends its ClientHello and
 * then waits for the ServerHello, so everything received until the line goes quiet is exactly the ClientHello.
 */
async function capture(startClient: (port: number) => () => void): Promise<Buffer> {
  const sockets = new Set<net.Socket>();
  const chunks: Buffer[] = [];
  let gotData!: () => void;
  const first = new Promise<void>((r) => (gotData = r));
  let last = 0;
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      last = Date.now();
      gotData();
    });
  });
  const port = await listenOn(server);
  const stop = startClient(port);
  try {
    await Promise.race([first, sleep(10_000).then(() => Promise.reject(new Error('client sent nothing')))]);
    for (let i = 0; i < 100 && Date.now() - last < 150; i++) await sleep(50);
  } finally {
    stop();
    for (const s of sockets) s.destroy();
    await close(server);
  }
  return Buffer.concat(chunks);
}

function nodeClient(options: tls.ConnectionOptions): (port: number) => () => void {
  return (port) => {
    const client = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
    client.on('error', () => {});
    return () => client.destroy();
  };
}

function opensslClient(args: string[]): (port: number) => () => void {
  return (port) => {
    const child = spawn(OPENSSL, ['s_client', '-connect', `127.0.0.1:${port}`, ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', () => {});
    return () => child.kill('SIGKILL');
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers: building and re-framing ClientHellos (independent of the parser under test)

/** Concatenates the payloads of the records in `wire` (assumes well-formed records). */
function unframe(wire: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let p = 0; p + 5 <= wire.length; ) {
    const len = wire.readUInt16BE(p + 3);
    parts.push(wire.subarray(p + 5, p + 5 + len));
    p += 5 + len;
  }
  return Buffer.concat(parts);
}

/** Wraps a handshake stream in handshake records whose payload sizes cycle through `sizes`. */
function frame(handshake: Buffer, sizes: number[] = [16384], version = 0x0301): Buffer {
  const out: Buffer[] = [];
  for (let p = 0, i = 0; p < handshake.length; i++) {
    const n = Math.min(sizes[i % sizes.length], handshake.length - p);
    out.push(record(22, handshake.subarray(p, p + n), version));
    p += n;
  }
  return Buffer.concat(out);
}

function record(type: number, payload: Buffer, version = 0x0301): Buffer {
  const h = Buffer.alloc(5);
  h[0] = type;
  h.writeUInt16BE(version, 1);
  h.writeUInt16BE(payload.length, 3);
  return Buffer.concat([h, payload]);
}

const u8 = (n: number): Buffer => Buffer.from([n]);
const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const vec8 = (b: Buffer): Buffer => Buffer.concat([u8(b.length), b]);

function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
}

function ext(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

const sniExt = (...names: string[]): Buffer =>
  ext(0, vec16(Buffer.concat(names.map((n) => Buffer.concat([u8(0), vec16(Buffer.from(n, 'latin1'))])))));
const alpnExt = (...protocols: string[]): Buffer => ext(16, vec16(Buffer.concat(protocols.map((p) => vec8(Buffer.from(p, 'latin1'))))));

/** A ClientHello handshake message; `extensions` null omits the block entirely. */
function buildHello(extensions: Buffer[] | null, opts: { sessionId?: Buffer; suites?: Buffer; legacyVersion?: number } = {}): Buffer {
  const body = [
    u16(opts.legacyVersion ?? 0x0303),
    Buffer.alloc(32, 7),
    vec8(opts.sessionId ?? Buffer.alloc(32, 1)),
    vec16(opts.suites ?? Buffer.from([0x13, 0x01, 0x13, 0x02])),
    vec8(Buffer.from([0])),
  ];
  if (extensions !== null) body.push(vec16(Buffer.concat(extensions)));
  return handshake(1, Buffer.concat(body));
}

function expectDone(result: ClientHelloResult): ClientHello {
  if (result.state !== 'done') throw new Error(`expected done, got ${JSON.stringify(result)}`);
  return result.hello;
}

function expectError(result: ClientHelloResult, reason: RegExp): void {
  expect(result.state).toBe('error');
  if (result.state === 'error') expect(result.reason).toMatch(reason);
}

/** A host name as the parser may report it: nothing outside printable ASCII, ever. */
const SANE_NAME = /^[a-z0-9_.-]{1,255}$/;

// ---------------------------------------------------------------------------------------------------------------
// Real ClientHellos, captured once

let nodeSni: Buffer; // servername foo.example.com, ALPN h2, http/1.1
let nodeNoSniEmpty: Buffer; // servername ''
let nodeNoSniIp: Buffer; // connecting to an IP without servername
let opensslSni: Buffer | null = null; // openssl s_client -servername bar.example.com -alpn h2
let opensslTls12: Buffer | null = null; // openssl s_client -tls1_2 (no supported_versions)

beforeAll(async () => {
  nodeSni = await capture(nodeClient({ servername: 'foo.example.com', ALPNProtocols: ['h2', 'http/1.1'] }));
  nodeNoSniEmpty = await capture(nodeClient({ servername: '' }));
  nodeNoSniIp = await capture(nodeClient({}));
  if (HAS_OPENSSL) {
    opensslSni = await capture(opensslClient(['-servername', 'bar.example.com', '-alpn', 'h2']));
    opensslTls12 = await capture(opensslClient(['-servername', 'Legacy.Example.COM', '-tls1_2']));
  }
}, 30_000);

function realHellos(): Buffer[] {
  return [nodeSni, nodeNoSniEmpty, nodeNoSniIp, opensslSni, opensslTls12].filter((b): b is Buffer => b !== null);
}

describe('parseClientHello on real ClientHellos', () => {
  it('reads SNI and ALPN from a Node tls.connect ClientHello', () => {
    const hello = expectDone(parseClientHello(nodeSni));
    expect(hello.serverName).toBe('foo.example.com');
    expect(hello.alpn).toEqual(['h2', 'http/1.1']);
    expect(hello.legacyVersion).toBe(0x0303);
    expect(hello.supportedVersions).toContain(0x0304);
    expect(hello.length).toBe(nodeSni.length);
  });

  it('reports no SNI for a client with servername "" and for a client connecting to an IP', () => {
    for (const wire of [nodeNoSniEmpty, nodeNoSniIp]) {
      const hello = expectDone(parseClientHello(wire));
      expect(hello.serverName).toBeNull();
      expect(hello.alpn).toEqual([]);
      expect(hello.length).toBe(wire.length);
    }
  });

  it.skipIf(!HAS_OPENSSL)('reads an openssl s_client ClientHello (TLS 1.3 and TLS 1.2-only)', () => {
    const hello = expectDone(parseClientHello(opensslSni!));
    expect(hello.serverName).toBe('bar.example.com');
    expect(hello.alpn).toEqual(['h2']);
    expect(hello.supportedVersions).toContain(0x0304);
    expect(hello.length).toBe(opensslSni!.length);

    const legacy = expectDone(parseClientHello(opensslTls12!));
    expect(legacy.serverName).toBe('legacy.example.com'); // lower-cased
    expect(legacy.supportedVersions).toBeUndefined();
    expect(legacy.length).toBe(opensslTls12!.length);
  });

  it('ignores bytes after the ClientHello records and reports where the ClientHello ends', () => {
    const wire = Buffer.concat([nodeSni, record(20, Buffer.from([1])), record(23, Buffer.alloc(40, 9))]);
    const hello = expectDone(parseClientHello(wire));
    expect(hello.serverName).toBe('foo.example.com');
    expect(hello.length).toBe(nodeSni.length);
  });

  it('gives the same result fed one byte at a time: need-more until the last byte', () => {
    for (const wire of realHellos()) {
      const expected = expectDone(parseClientHello(wire));
      const parser = new ClientHelloParser();
      for (let i = 0; i < wire.length - 1; i++) expect(parser.push(wire.subarray(i, i + 1))).toEqual({ state: 'need-more' });
      expect(expectDone(parser.push(wire.subarray(wire.length - 1)))).toEqual(expected);
      expect(parser.buffered.equals(wire)).toBe(true);
    }
  });

  it('every strict prefix of a real ClientHello is need-more', () => {
    for (const wire of realHellos()) {
      for (let n = 0; n < wire.length; n++) expect(parseClientHello(wire.subarray(0, n))).toEqual({ state: 'need-more' });
    }
  });

  it('gives the same result when the handshake message is re-framed into records of random sizes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...realHellos()),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom(0x0300, 0x0301, 0x0303),
        (wire, sizes, version) => {
          const expected = expectDone(parseClientHello(wire));
          const reframed = frame(unframe(wire), sizes, version);
          const hello = expectDone(parseClientHello(reframed));
          expect(hello).toEqual({ ...expected, length: reframed.length });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every strict prefix of a re-framed ClientHello is need-more, in one piece or in random chunks', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...realHellos()),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }),
        (wire, sizes, at, chunkSizes) => {
          const reframed = frame(unframe(wire), sizes);
          const cut = Math.floor(at * reframed.length);
          expect(parseClientHello(reframed.subarray(0, cut))).toEqual({ state: 'need-more' });
          // The same prefix pushed in arbitrary chunks, then the rest: need-more throughout, then done.
          const parser = new ClientHelloParser();
          let p = 0;
          for (let i = 0; p < cut; i++) {
            const n = Math.min(chunkSizes[i % chunkSizes.length], cut - p);
            expect(parser.push(reframed.subarray(p, p + n)).state).toBe('need-more');
            p += n;
          }
          expect(expectDone(parser.push(reframed.subarray(cut))).length).toBe(reframed.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated real ClientHellos, and never reports an insane name', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...realHellos()),
        fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 8 }),
        (wire, flips) => {
          const mutated = Buffer.from(wire);
          for (const { at, xor } of flips) mutated[at % mutated.length] ^= xor;
          const result = parseClientHello(mutated);
          expect(['need-more', 'done', 'error']).toContain(result.state);
          if (result.state === 'done' && result.hello.serverName !== null) expect(result.hello.serverName).toMatch(SANE_NAME);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('parseClientHello on random input', () => {
  it('random bytes: never throws, never a done with a non-printable name', () => {
    const randomWire = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      // Valid record + handshake headers around a random body, so the body parser is exercised too.
      fc.uint8Array({ maxLength: 600 }).map((body) => frame(handshake(1, Buffer.from(body)))),
      // A well-formed ClientHello whose extensions (server_name among them) carry random bytes.
      fc
        .array(fc.tuple(fc.constantFrom(0, 16, 43, 0, 10, 0xff01), fc.uint8Array({ maxLength: 40 })), { maxLength: 4 })
        .map((exts) => frame(buildHello(exts.map(([t, d]) => ext(t, Buffer.from(d)))))),
      // A well-formed server_name list whose one host name is random bytes.
      fc.uint8Array({ minLength: 0, maxLength: 300 }).map((name) => frame(buildHello([sniExt(Buffer.from(name).toString('latin1'))]))),
    );
    fc.assert(
      fc.property(randomWire, (bytes) => {
        let result: ClientHelloResult | undefined;
        expect(() => (result = parseClientHello(Buffer.from(bytes)))).not.toThrow();
        if (result?.state === 'done' && result.hello.serverName !== null) expect(result.hello.serverName).toMatch(SANE_NAME);
      }),
      { numRuns: 4000 },
    );
  });

  it('a valid random host name round-trips lower-cased', () => {
    const label = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 8 }), (labels) => {
        const name = labels.join('.');
        expect(expectDone(parseClientHello(frame(buildHello([sniExt(name)])))).serverName).toBe(name.toLowerCase());
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseClientHello errors', () => {
  const good = (): Buffer => buildHello([sniExt('a.example'), alpnExt('h2')]);

  it('accepts the synthetic baseline (so the error cases below differ in one thing only)', () => {
    const hello = expectDone(parseClientHello(frame(good())));
    expect(hello).toEqual({ serverName: 'a.example', alpn: ['h2'], legacyVersion: 0x0303, length: good().length + 5 });
    expect(expectDone(parseClientHello(frame(buildHello(null)))).serverName).toBeNull(); // no extensions block at all
  });

  it('refuses a record that is not a handshake, on its first byte', () => {
    expectError(parseClientHello(Buffer.from([21])), /content type 21 \(alert\)/);
    expectError(parseClientHello(record(23, Buffer.alloc(10))), /content type 23/);
    expectError(parseClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), /not a TLS handshake record/);
  });

  it('refuses an SSLv2-style hello', () => {
    // SSLv2 CLIENT-HELLO: 2-byte header with the high bit set, msg type 1, version 3.1.
    expectError(parseClientHello(Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15])), /SSLv2/);
  });

  it('refuses a non-handshake record between the records of a split ClientHello', () => {
    const hs = good();
    const wire = Buffer.concat([record(22, hs.subarray(0, 10)), record(20, Buffer.from([1])), record(22, hs.subarray(10))]);
    expectError(parseClientHello(wire), /unexpected content type 20 \(change_cipher_spec\) before the ClientHello was complete/);
  });

  it('refuses unknown record versions and accepts 0x0300-0x0304', () => {
    for (const v of [0x0300, 0x0301, 0x0302, 0x0303, 0x0304]) expect(parseClientHello(frame(good(), [16384], v)).state).toBe('done');
    expectError(parseClientHello(frame(good(), [16384], 0x0305)), /record version 0x0305/);
    expectError(parseClientHello(frame(good(), [16384], 0x0201)), /record version major 2/);
  });

  it('refuses an oversized or empty record', () => {
    expectError(parseClientHello(Buffer.from([22, 3, 1, 0x40, 0x01])), /record length 16385 exceeds 2\^14/);
    expectError(parseClientHello(Buffer.from([22, 3, 1, 0, 0])), /zero-length/);
  });

  it('enforces the total bound, on the wire size, as soon as a length announces it', () => {
    const wire = frame(good());
    expect(parseClientHello(wire, wire.length).state).toBe('done');
    expectError(parseClientHello(wire, wire.length - 1), /exceed.*bound/);
    // A single record header announcing more than the bound fails before its payload arrives.
    expectError(parseClientHello(Buffer.from([22, 3, 1, 0x40, 0x00]), 1000), /exceed the 1000-byte bound/);
    // A handshake header announcing a huge ClientHello fails on its 4th byte, even split over 1-byte records.
    const huge = Buffer.from([1, 0x01, 0x00, 0x00]);
    expectError(parseClientHello(frame(huge, [1])), /ClientHello length 65536 exceeds the 65536-byte bound/);
    expect(DEFAULT_MAX_CLIENT_HELLO_BYTES).toBe(65536);
    // Many tiny records: the record headers count towards the bound too.
    const tiny = frame(good(), [1]);
    expect(parseClientHello(tiny, tiny.length).state).toBe('done');
    expectError(parseClientHello(tiny, tiny.length - 1), /bound/);
  });

  it('refuses duplicate extensions, duplicate host names and unknown name types', () => {
    expectError(parseClientHello(frame(buildHello([sniExt('a.example'), sniExt('b.example')]))), /duplicate extension 0/);
    expectError(parseClientHello(frame(buildHello([alpnExt('h2'), sniExt('a.example'), alpnExt('h2')]))), /duplicate extension 16/);
    expectError(parseClientHello(frame(buildHello([sniExt('a.example', 'b.example')]))), /more than one host_name/);
    const otherType = ext(0, vec16(Buffer.concat([u8(1), vec16(Buffer.from('a.example'))])));
    expectError(parseClientHello(frame(buildHello([otherType]))), /name_type 1/);
  });

  it('refuses extension lengths that overrun', () => {
    const hs = buildHello([sniExt('a.example')]);
    // The server_name extension claims 200 bytes of data: patch its length field (right after its type).
    const extStart = hs.length - sniExt('a.example').length;
    const overrun = Buffer.from(hs);
    overrun.writeUInt16BE(200, extStart + 2);
    expectError(parseClientHello(frame(overrun)), /extension 0 length 200 overruns/);
    // The extensions block length disagrees with the bytes left.
    const blockLen = Buffer.from(hs);
    blockLen.writeUInt16BE(blockLen.readUInt16BE(extStart - 2) + 1, extStart - 2);
    expectError(parseClientHello(frame(blockLen)), /extensions length \d+ does not match/);
    // The host name claims more bytes than its list holds.
    const nameLen = Buffer.from(hs);
    nameLen.writeUInt16BE(50, extStart + 4 + 2 + 1);
    expectError(parseClientHello(frame(nameLen)), /server_name entry overruns/);
    // ALPN name overruns its list.
    expectError(parseClientHello(frame(buildHello([ext(16, vec16(Buffer.from([5, 0x68, 0x32])))]))), /ALPN protocol name overruns/);
  });

  it('refuses bad host names', () => {
    const cases: Array<[string, RegExp]> = [
      ['a\0b', /byte 0x00/],
      ['a b', /byte 0x20/],
      ['*.example.com', /byte 0x2a/],
      ['caf\u00e9.example', /byte 0xe9/],
      ['example.com.', /empty label/],
      ['.example.com', /empty label/],
      ['a..b', /empty label/],
      ['', /length 0/],
      ['a'.repeat(256), /length 256/],
    ];
    for (const [name, reason] of cases) expectError(parseClientHello(frame(buildHello([sniExt(name)]))), reason);
    expect(expectDone(parseClientHello(frame(buildHello([sniExt('a'.repeat(255))])))).serverName).toHaveLength(255);
  });

  it('refuses a handshake message other than ClientHello, on its type byte', () => {
    expectError(parseClientHello(frame(handshake(2, Buffer.alloc(40)))), /got handshake type 2/);
    expectError(parseClientHello(Buffer.from([22, 3, 3, 0, 100, 11])), /got handshake type 11/);
  });

  it('refuses bytes after the ClientHello inside its last record', () => {
    expectError(parseClientHello(frame(Buffer.concat([good(), Buffer.from([0])]))), /past the end of the ClientHello/);
    // Detected from the record header when the handshake length is already known.
    const hs = good();
    const wire = Buffer.concat([record(22, hs.subarray(0, 4)), Buffer.from([22, 3, 1]), u16(hs.length)]);
    expectError(parseClientHello(wire), /past the end of the ClientHello/);
  });

  it('refuses malformed fixed fields', () => {
    expectError(parseClientHello(frame(buildHello(null, { sessionId: Buffer.alloc(33) }))), /session_id length 33/);
    expectError(parseClientHello(frame(buildHello(null, { suites: Buffer.from([0x13]) }))), /cipher_suites length 1/);
    expectError(parseClientHello(frame(buildHello(null, { suites: Buffer.alloc(0) }))), /cipher_suites length 0/);
    expectError(parseClientHello(frame(buildHello(null, { legacyVersion: 0x0200 }))), /legacy_version 0x0200/);
    expectError(parseClientHello(frame(handshake(1, Buffer.concat([u16(0x0303), Buffer.alloc(20)])))), /truncated random/);
    const noCompression = handshake(1, Buffer.concat([u16(0x0303), Buffer.alloc(32), u8(0), vec16(Buffer.alloc(2)), u8(0)]));
    expectError(parseClientHello(frame(noCompression)), /empty compression_methods/);
    expectError(parseClientHello(frame(buildHello([ext(43, Buffer.from([3, 3, 4, 3]))]))), /supported_versions length 3/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// readClientHello over real sockets

/** A server whose connections are handed to readClientHello; resolves with the result and the server-side socket. */
async function readerServer(options: { timeoutMs: number; maxBytes?: number }) {
  const results: Array<Promise<{ result: ReadClientHelloResult; socket: net.Socket; ms: number; before: Record<string, number> }>> = [];
  let notify!: () => void;
  let accepted = new Promise<void>((r) => (notify = r));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {}); // the caller's own error listener, as the proxy will have
    const before = listenerCounts(socket);
    const started = Date.now();
    results.push(
      readClientHello(socket, { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes ?? DEFAULT_MAX_CLIENT_HELLO_BYTES }).then(
        (result) => ({ result, socket, ms: Date.now() - started, before }),
      ),
    );
    notify();
  });
  const port = await listenOn(server);
  return {
    port,
    async next() {
      await accepted;
      accepted = new Promise<void>((r) => (notify = r));
      return results.shift()!;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await close(server);
    },
  };
}

const EVENTS = ['data', 'end', 'close', 'error', 'readable', 'timeout'] as const;
function listenerCounts(socket: net.Socket): Record<string, number> {
  return Object.fromEntries(EVENTS.map((e) => [e, socket.listenerCount(e)]));
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

describe('readClientHello', () => {
  it('reads a ClientHello written one byte per write; buffered is exactly what was sent; socket left paused and clean', async () => {
    const srv = await readerServer({ timeoutMs: 10_000 });
    const client = await connect(srv.port);
    try {
      client.setNoDelay(true);
      for (let i = 0; i < nodeSni.length; i++) {
        client.write(nodeSni.subarray(i, i + 1));
        // Mostly yield to the event loop, sometimes wait for real so segments arrive separately.
        await (i % 8 === 0 ? sleep(2) : new Promise((r) => setImmediate(r)));
      }
      const { result, socket, before } = await srv.next();
      if (!('hello' in result)) throw new Error(`expected a ClientHello, got ${result.error}`);
      expect(result.hello.serverName).toBe('foo.example.com');
      expect(result.hello.alpn).toEqual(['h2', 'http/1.1']);
      expect(result.buffered.equals(nodeSni)).toBe(true);
      expect(socket.isPaused()).toBe(true);
      expect(socket.listenerCount('data')).toBe(0);
      expect(listenerCounts(socket)).toEqual(before);
      // Paused means paused: bytes sent now stay buffered in the socket instead of being emitted to nobody.
      client.write('more');
      await sleep(50);
      expect(socket.readableLength).toBe(4);
    } finally {
      client.destroy();
      await srv.close();
    }
  });

  it('returns the bytes that followed the ClientHello in the same read', async () => {
    const srv = await readerServer({ timeoutMs: 10_000 });
    const client = await connect(srv.port);
    try {
      const sent = Buffer.concat([nodeSni, record(23, Buffer.alloc(30, 1))]);
      client.write(sent);
      const { result } = await srv.next();
      if (!('hello' in result)) throw new Error(result.error);
      expect(result.hello.length).toBe(nodeSni.length);
      expect(result.buffered.equals(sent)).toBe(true);
    } finally {
      client.destroy();
      await srv.close();
    }
  });

  it('times out on half a ClientHello', async () => {
    const srv = await readerServer({ timeoutMs: 200 });
    const client = await connect(srv.port);
    try {
      client.write(nodeSni.subarray(0, nodeSni.length >> 1));
      const { result, socket, ms, before } = await srv.next();
      expect(result).toEqual({ error: 'ClientHello timeout' });
      expect(ms).toBeGreaterThanOrEqual(190);
      expect(ms).toBeLessThan(2000);
      expect(socket.destroyed).toBe(false); // the caller decides
      expect(socket.isPaused()).toBe(true);
      expect(listenerCounts(socket)).toEqual(before);
    } finally {
      client.destroy();
      await srv.close();
    }
  });

  it('times out each of several staggered reads after its own timeout, while others complete in between', async () => {
    const srv = await readerServer({ timeoutMs: 300 });
    const clients: net.Socket[] = [];
    try {
      const pending: Array<Promise<{ result: ReadClientHelloResult; ms: number }>> = [];
      for (let i = 0; i < 3; i++) {
        const half = await connect(srv.port);
        clients.push(half);
        half.write(nodeSni.subarray(0, 10));
        pending.push(srv.next());
        // A complete ClientHello between two stalled ones settles at once and leaves their deadlines alone.
        const whole = await connect(srv.port);
        clients.push(whole);
        whole.write(nodeSni);
        const done = await srv.next();
        expect('hello' in done.result).toBe(true);
        expect(done.ms).toBeLessThan(250);
        await sleep(100);
      }
      for (const { result, ms } of await Promise.all(pending)) {
        expect(result).toEqual({ error: 'ClientHello timeout' });
        expect(ms).toBeGreaterThanOrEqual(290);
        expect(ms).toBeLessThan(1500);
      }
    } finally {
      for (const c of clients) c.destroy();
      await srv.close();
    }
  });

  it('fails fast on garbage, long before the timeout', async () => {
    const srv = await readerServer({ timeoutMs: 10_000 });
    const client = await connect(srv.port);
    try {
      client.write('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
      const { result, socket, ms, before } = await srv.next();
      expect('error' in result && result.error).toMatch(/invalid ClientHello: not a TLS handshake record/);
      expect(ms).toBeLessThan(2000);
      expect(listenerCounts(socket)).toEqual(before);
    } finally {
      client.destroy();
      await srv.close();
    }
  });

  it('fails when the client ends before the ClientHello is complete', async () => {
    const srv = await readerServer({ timeoutMs: 10_000 });
    const client = await connect(srv.port);
    try {
      client.end(nodeSni.subarray(0, 20));
      const { result, ms, socket, before } = await srv.next();
      expect('error' in result && result.error).toMatch(/ended before the ClientHello was complete/);
      expect(ms).toBeLessThan(2000);
      expect(listenerCounts(socket)).toEqual(before);
    } finally {
      client.destroy();
      await srv.close();
    }
  });

  it('enforces maxBytes', async () => {
    const srv = await readerServer({ timeoutMs: 10_000, maxBytes: 100 });
    const client = await connect(srv.port);
    try {
      client.write(nodeSni);
      const { result } = await srv.next();
      expect('error' in result && result.error).toMatch(/100-byte bound/);
    } finally {
      client.destroy();
      await srv.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The hand-off: exactly how the proxy uses it

describe.skipIf(!HAS_OPENSSL)('hand-off after readClientHello', () => {
  let dir: string;
  let key: Buffer;
  let cert: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-tls-'));
    const k = join(dir, 'key.pem');
    const c = join(dir, 'cert.pem');
    await promisify(execFile)(OPENSSL, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=test', '-keyout', k, '-out', c,
    ]);
    [key, cert] = await Promise.all([readFile(k), readFile(c)]);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A TLS client that sends `ping` after the handshake and resolves with what the server answered. */
  function tlsExchange(port: number): Promise<{ reply: string; cn: unknown; alpn: string | false | null }> {
    return new Promise((resolve, reject) => {
      const client = tls.connect({ host: '127.0.0.1', port, servername: 'foo.example.com', ALPNProtocols: ['h2', 'http/1.1'], ca: cert, checkServerIdentity: () => undefined });
      let reply = '';
      client.on('secureConnect', () => client.write('ping'));
      client.on('data', (d: Buffer) => {
        reply += d.toString();
        if (reply.includes('\n')) {
          resolve({ reply, cn: client.getPeerCertificate().subject?.CN, alpn: client.alpnProtocol });
          client.destroy();
        }
      });
      client.on('error', reject);
      setTimeout(() => (client.destroy(), reject(new Error('TLS exchange timed out'))), 10_000).unref();
    });
  }

  function echoTlsServer(): tls.Server {
    return tls.createServer({ key, cert, ALPNProtocols: ['h2'] }, (s) => {
      s.on('error', () => {});
      s.on('data', (d: Buffer) => s.end(`pong:${d.toString()}:${s.servername}:${s.alpnProtocol}\n`));
    });
  }

  it('terminates: unshift(buffered) and emit("connection") on a tls.Server', async () => {
    const tlsServer = echoTlsServer();
    const seen: Array<string | null> = [];
    const front = net.createServer(async (socket) => {
      socket.on('error', () => {});
      const result = await readClientHello(socket, { timeoutMs: 10_000, maxBytes: DEFAULT_MAX_CLIENT_HELLO_BYTES });
      if (!('hello' in result)) return void socket.destroy();
      seen.push(result.hello.serverName);
      socket.unshift(result.buffered);
      tlsServer.emit('connection', socket);
    });
    const port = await listenOn(front);
    try {
      const { reply, cn, alpn } = await tlsExchange(port);
      expect(reply).toBe('pong:ping:foo.example.com:h2\n');
      expect(cn).toBe('test');
      expect(alpn).toBe('h2');
      expect(seen).toEqual(['foo.example.com']);
    } finally {
      await close(front);
      tlsServer.close();
    }
  });

  it('passes through: write buffered to the backend, then splice', async () => {
    const backend = echoTlsServer();
    const backendPort = await listenOn(backend);
    const upstreams = new Set<net.Socket>();
    const front = net.createServer(async (socket) => {
      socket.on('error', () => {});
      const result = await readClientHello(socket, { timeoutMs: 10_000, maxBytes: DEFAULT_MAX_CLIENT_HELLO_BYTES });
      if (!('hello' in result)) return void socket.destroy();
      const upstream = net.connect({ host: '127.0.0.1', port: backendPort });
      upstreams.add(upstream);
      upstream.on('error', () => socket.destroy());
      upstream.write(result.buffered);
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    const port = await listenOn(front);
    try {
      const { reply, cn } = await tlsExchange(port);
      expect(reply).toBe('pong:ping:foo.example.com:h2\n');
      expect(cn).toBe('test');
    } finally {
      for (const u of upstreams) u.destroy();
      await close(front);
      await close(backend);
    }
  });
});
