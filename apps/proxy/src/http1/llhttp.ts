import { createRequire } from 'node:module';
import type net from 'node:net';

/**
 * Node's own llhttp binding, as node:http's server drives it (lib/_http_common.js). Using the very parser node:http
 * uses, with the same options, is what keeps the proxy's HTTP/1.1 exactly as strict as node:http: framing, header
 * syntax and smuggling are refused by the same code. The module is internal but stable; Node 24 is pinned.
 */
export interface HttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(data: Buffer): number | ParserError;
  finish(): undefined | ParserError;
  close(): void;
  /** Reads straight from a stream handle (no JS Buffer or 'data' event per read); results come to kOnExecute. */
  consume(handle: object): void;
  unconsume(): void;
  /** What the last read handed the parser (the bytes after an Upgrade's headers are in it). */
  getCurrentBuffer(): Buffer;
  /** Header lines × 2 the binding accepts before HPE_HEADER_OVERFLOW (node:http sets it from maxHeadersCount). */
  maxHeaderPairs: number;
  [callback: number]: unknown;
}

/**
 * kOnHeadersComplete, as the binding calls it (request or response fields, the other kind's left empty). Its return
 * tells llhttp what follows: 0 the body, SKIP_BODY or UPGRADE.
 */
export type HeadersComplete = (
  versionMajor: number,
  versionMinor: number,
  headers: string[] | undefined,
  method: number,
  url: string | undefined,
  statusCode: number,
  statusMessage: string | undefined,
  upgrade: boolean,
  shouldKeepAlive: boolean,
) => number;

/** kOnHeadersComplete's answer for a message without a body though it may declare one (HEAD, 304, 1xx). */
export const SKIP_BODY = 1;
/** kOnHeadersComplete's answer for an upgrade: no body, and stop after this message (node:http's for one it takes). */
export const UPGRADE = 2;

export interface ParserError extends Error {
  code: string;
  bytesParsed: number;
  reason?: string;
}

interface HttpCommon {
  HTTPParser: {
    new (): HttpParser;
    REQUEST: number;
    RESPONSE: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
    kLenientNone: number;
  };
  methods: readonly string[];
  continueExpression: RegExp;
  _checkInvalidHeaderChar: (value: string) => boolean;
  _checkIsHttpToken: (name: string) => boolean;
}

const common = createRequire(import.meta.url)('_http_common') as HttpCommon;

export const HTTPParser = common.HTTPParser;

/**
 * Method names by llhttp's method number. node:http's exported `methods` lists the names in another order (QUERY is
 * 34th there, number 46 in llhttp), so the numbers are learnt from the parser itself, one request per method.
 */
export const METHODS: readonly string[] = learnMethodNumbers(common.methods);

function learnMethodNumbers(names: readonly string[]): string[] {
  const byNumber: string[] = [];
  for (const name of names) {
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone);
    parser[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, _headers: unknown, method: number) => {
      byNumber[method] = name;
      return 0;
    };
    parser.execute(Buffer.from(`${name} / HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'));
    parser.close();
  }
  const missing = names.filter((name) => !byNumber.includes(name));
  if (missing.length > 0) throw new Error(`llhttp did not parse requests with method(s) ${missing.join(', ')}`);
  return byNumber;
}
/** What node:http takes an `Expect` header to ask for 100 Continue. */
export const CONTINUE_EXPECTATION = common.continueExpression;
export const hasInvalidHeaderChar = common._checkInvalidHeaderChar;
export const isHttpToken = common._checkIsHttpToken;

/** A libuv stream handle (TCP, or TLS) the parser can read from directly. */
interface ConsumableHandle {
  isStreamBase?: boolean;
  _consumed?: boolean;
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}

/**
 * `parser` reading `socket`'s handle itself, as node:http's server does: no JS Buffer is made and no 'data' event
 * emitted per read (and no 64 KiB read buffer allocated and shrunk each time); each read's result comes to the
 * parser's kOnExecute. An end of stream or a read error still reaches the socket ('end', 'error').
 */
export class ConsumedSocket {
  private handle: ConsumableHandle | null;

  /** Whether `socket`'s handle could be consumed: if not, the socket's 'data' events must feed the parser. */
  get consumed(): boolean {
    return this.handle !== null;
  }

  constructor(
    private readonly parser: HttpParser,
    private readonly socket: net.Socket,
  ) {
    const handle = (socket as unknown as { _handle?: ConsumableHandle | null })._handle;
    this.handle = handle?.isStreamBase && !handle._consumed ? handle : null;
    if (this.handle === null) return;
    this.handle._consumed = true;
    parser.consume(this.handle);
  }

  /** Stops or restarts reading: net.Socket's pause() acts only through its own reads, which a consumed handle no longer makes. */
  setReading(reading: boolean): void {
    const { handle } = this;
    if (!handle) {
      if (reading) this.socket.resume();
      else this.socket.pause();
      return;
    }
    if (this.socket.destroyed || handle.reading === reading) return;
    handle.reading = reading;
    if (reading) handle.readStart();
    else handle.readStop();
  }

  /** Gives the socket's reading back to net.Socket (an upgrade, or the end). */
  release(): void {
    if (!this.handle) return;
    this.parser.unconsume();
    this.handle._consumed = false;
    this.handle = null;
  }
}
