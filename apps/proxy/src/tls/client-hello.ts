/**
 * An I/O-free, incremental reader of the TLS ClientHello that opens every connection on the shared TLS port.
 *
 * The proxy decides per connection, before any TLS library sees a byte, whether to terminate TLS or pass the raw
 * bytes through; it decides from the SNI host name. Whatever this module accepts is routed, so it is deliberately
 * strict: any ambiguity (a duplicate extension, an odd host name, bytes that do not fit their length fields) is an
 * error rather than a guess, because a router and the TLS endpoint that disagree about the name route traffic to the
 * wrong place.
 *
 * Decisions, documented because they are policy rather than protocol facts:
 * - Record versions 0x0300-0x0304 are accepted. RFC 5246 (E.1) lets a client put any {03,xx} on the records of its
 *   first flight and some old stacks use {03,00}; the record version means nothing for routing and the terminating
 *   library negotiates the real version. {03,05}+ or a major other than 3 is not TLS as we know it: error.
 * - The bound (`maxBytes`, default 64 KiB) counts bytes on the wire: every record header and payload that carries the
 *   ClientHello, i.e. the `length` reported on success can never exceed it. Real ClientHellos are 0.2-2 KiB (up to
 *   a few KiB with post-quantum key shares), so 64 KiB is generous without letting a client make us buffer freely.
 * - A host name must be 1-255 bytes of letters, digits, '-', '_' and '.', with no empty label (hence no leading or
 *   trailing dot, as RFC 6066 forbids). RFC 6066 only says "ASCII", but a name with spaces, '*', ':' or control
 *   characters cannot be a legitimate SNI and must never reach the route matcher. The name is lower-cased.
 * - The server_name extension must hold exactly one entry, of type host_name (what OpenSSL and BoringSSL accept).
 * - ALPN protocol names are opaque bytes; they are returned decoded as latin1 so every byte maps to one character.
 */

/** Default bound on the wire size of the ClientHello records. */
export const DEFAULT_MAX_CLIENT_HELLO_BYTES = 64 * 1024;

export interface ClientHello {
  /** The SNI host name, lower-cased; null when the client sent no server_name extension. */
  serverName: string | null;
  /** ALPN protocol names in the client's order; empty when the client sent no ALPN extension. */
  alpn: string[];
  /** The ClientHello's legacy_version field (0x0303 for TLS 1.2 and 1.3 clients). */
  legacyVersion: number;
  /** The supported_versions extension (TLS 1.3 clients), when present. */
  supportedVersions?: number[];
  /** Total bytes of the TLS records (headers included) that carried the ClientHello. */
  length: number;
}

export type ClientHelloResult =
  | { state: 'need-more' }
  | { state: 'done'; hello: ClientHello }
  | { state: 'error'; reason: string };

const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;
/** RFC 8446 5.1: a TLSPlaintext fragment is at most 2^14 bytes. */
const MAX_RECORD_PAYLOAD = 1 << 14;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;

const NEED_MORE: ClientHelloResult = Object.freeze({ state: 'need-more' });
const CONTENT_TYPE_NAMES: Record<number, string> = { 20: 'change_cipher_spec', 21: 'alert', 23: 'application_data', 24: 'heartbeat' };

function fail(reason: string): ClientHelloResult {
  return { state: 'error', reason };
}

/**
 * Stateful, incremental form: feed chunks as they arrive; each call resumes where the previous one stopped, so a
 * client that dribbles bytes costs O(1) per byte instead of re-walking everything it sent.
 *
 * Why reassemble across records: TLS allows a handshake message to be split over any number of records (and the
 * handshake header itself may be split), and clients and middleboxes do it, e.g. with large post-quantum key shares
 * or deliberately to evade SNI filters. A router that only looks at the first record then sees no SNI, or a
 * truncated one, and routes the connection wrongly.
 */
export class ClientHelloParser {
  private readonly maxBytes: number;
  /** The bytes received so far are `buf[0, len)`; `buf` may be the caller's first chunk (not copied) until we must grow. */
  private buf: Buffer = Buffer.alloc(0);
  private len = 0;
  private owned = false;
  /** Wire offset of the record being read (its header start). */
  private recordStart = 0;
  /** Payload length of the record at `recordStart`, or -1 while its header is incomplete. */
  private recordLen = -1;
  /** Payload [start, end) wire offsets of the complete records read so far: the handshake stream, in order. */
  private readonly fragments: Array<[number, number]> = [];
  /** Handshake bytes in `fragments`. */
  private handshakeHave = 0;
  /** The handshake message body length from its 24-bit header, or -1 while the header is incomplete. */
  private handshakeLen = -1;
  private current: ClientHelloResult = NEED_MORE;

  constructor(maxBytes: number = DEFAULT_MAX_CLIENT_HELLO_BYTES) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < RECORD_HEADER + HANDSHAKE_HEADER) {
      throw new RangeError(`maxBytes must be an integer >= ${RECORD_HEADER + HANDSHAKE_HEADER}, got ${maxBytes}`);
    }
    this.maxBytes = maxBytes;
  }

  /** The latest result; once `done` or `error` it never changes. */
  get result(): ClientHelloResult {
    return this.current;
  }

  /** Every byte pushed so far, including any that followed the ClientHello. */
  get buffered(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** Appends a chunk and reports progress. Never throws on any input. */
  push(chunk: Buffer): ClientHelloResult {
    this.append(chunk);
    if (this.current.state === 'need-more') this.current = this.advance();
    return this.current;
  }

  private append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.len === 0) {
      // The common case is a whole ClientHello in one chunk: keep a reference, copy nothing.
      this.buf = chunk;
      this.len = chunk.length;
      this.owned = false;
      return;
    }
    const needed = this.len + chunk.length;
    if (!this.owned || needed > this.buf.length) {
      // Grow geometrically so that many small chunks cost amortised O(1) per byte.
      const grown = Buffer.allocUnsafe(Math.max(needed, this.len * 2, 1024));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
      this.owned = true;
    }
    chunk.copy(this.buf, this.len);
    this.len = needed;
  }

  /** Byte `i` of the handshake stream: the complete fragments, then the received part of the current record. */
  private handshakeByte(i: number): number {
    for (const [start, end] of this.fragments) {
      if (i < end - start) return this.buf[start + i];
      i -= end - start;
    }
    return this.buf[this.recordStart + RECORD_HEADER + i];
  }

  private advance(): ClientHelloResult {
    // Each iteration consumes one complete record or returns, so this is bounded by the records received.
    for (;;) {
      const first = this.fragments.length === 0;
      if (this.recordLen < 0) {
        const avail = this.len - this.recordStart;
        // Check the header byte by byte so that garbage (an HTTP request on the TLS port) fails on its first byte.
        const headerError = checkRecordHeader(this.buf, this.recordStart, Math.min(avail, RECORD_HEADER), first);
        if (headerError) return fail(headerError);
        if (avail < RECORD_HEADER) return NEED_MORE;
        const recordLen = this.buf.readUInt16BE(this.recordStart + 3);
        if (recordLen === 0) return fail('zero-length handshake record'); // RFC 8446 5.1 forbids them
        if (recordLen > MAX_RECORD_PAYLOAD) return fail(`record length ${recordLen} exceeds 2^14`);
        if (this.recordStart + RECORD_HEADER + recordLen > this.maxBytes) {
          return fail(`ClientHello records exceed the ${this.maxBytes}-byte bound`);
        }
        if (this.handshakeLen >= 0 && this.handshakeHave + recordLen > HANDSHAKE_HEADER + this.handshakeLen) {
          return fail('record carries bytes past the end of the ClientHello');
        }
        this.recordLen = recordLen;
      }
      const payloadStart = this.recordStart + RECORD_HEADER;
      const payloadAvail = Math.min(this.len - payloadStart, this.recordLen);

      if (this.handshakeLen < 0) {
        const have = this.handshakeHave + payloadAvail;
        if (have >= 1) {
          const type = this.handshakeByte(0);
          if (type !== HANDSHAKE_CLIENT_HELLO) return fail(`expected a ClientHello (handshake type 1), got handshake type ${type}`);
        }
        if (have >= HANDSHAKE_HEADER) {
          const bodyLen = (this.handshakeByte(1) << 16) | (this.handshakeByte(2) << 8) | this.handshakeByte(3);
          // At least one record header precedes the message, so this is a lower bound on the wire size.
          if (RECORD_HEADER + HANDSHAKE_HEADER + bodyLen > this.maxBytes) {
            return fail(`ClientHello length ${bodyLen} exceeds the ${this.maxBytes}-byte bound`);
          }
          this.handshakeLen = bodyLen;
          if (this.handshakeHave + this.recordLen > HANDSHAKE_HEADER + bodyLen) {
            return fail('record carries bytes past the end of the ClientHello');
          }
        }
      }
      if (payloadAvail < this.recordLen) return NEED_MORE;

      this.fragments.push([payloadStart, payloadStart + this.recordLen]);
      this.handshakeHave += this.recordLen;
      this.recordStart = payloadStart + this.recordLen;
      this.recordLen = -1;
      if (this.handshakeLen >= 0 && this.handshakeHave === HANDSHAKE_HEADER + this.handshakeLen) return this.finish();
    }
  }

  private finish(): ClientHelloResult {
    const parts = this.fragments.map(([start, end]) => this.buf.subarray(start, end));
    // Concatenate only when the message really spans records; a one-record ClientHello is parsed in place.
    const message = parts.length === 1 ? parts[0] : Buffer.concat(parts, this.handshakeHave);
    return parseClientHelloBody(message.subarray(HANDSHAKE_HEADER), this.recordStart);
  }
}

/**
 * Pure form: parses the bytes received so far on a connection (from its first byte). `need-more` means every byte
 * is consistent with a ClientHello that has not fully arrived; bytes after the ClientHello's records are ignored.
 */
export function parseClientHello(data: Buffer, maxBytes: number = DEFAULT_MAX_CLIENT_HELLO_BYTES): ClientHelloResult {
  return new ClientHelloParser(maxBytes).push(data);
}

/** Validates the first `n` (<= 5) bytes of the record header at `at`; returns an error reason or null. */
function checkRecordHeader(buf: Buffer, at: number, n: number, first: boolean): string | null {
  if (n >= 1) {
    const type = buf[at];
    if (type !== CONTENT_HANDSHAKE) {
      if (first && type & 0x80) return 'SSLv2-style ClientHello (high bit set in first byte) is not supported';
      const name = CONTENT_TYPE_NAMES[type];
      return first
        ? `not a TLS handshake record: content type ${type}${name ? ` (${name})` : ''}`
        : `unexpected content type ${type}${name ? ` (${name})` : ''} before the ClientHello was complete`;
    }
  }
  if (n >= 2 && buf[at + 1] !== 3) return `unsupported record version major ${buf[at + 1]}`;
  if (n >= 3 && buf[at + 2] > 4) return `unsupported record version 0x03${buf[at + 2].toString(16).padStart(2, '0')}`;
  return null;
}

/** Parses the ClientHello body (after the 4-byte handshake header). `length` is the wire size of its records. */
function parseClientHelloBody(body: Buffer, length: number): ClientHelloResult {
  const end = body.length;
  let p = 0;
  if (end - p < 2) return fail('truncated legacy_version');
  const legacyVersion = body.readUInt16BE(p);
  if (legacyVersion >> 8 !== 3) return fail(`unsupported legacy_version 0x${legacyVersion.toString(16).padStart(4, '0')}`);
  p += 2;
  if (end - p < 32) return fail('truncated random');
  p += 32;

  if (end - p < 1) return fail('truncated session_id length');
  const sessionIdLen = body[p++];
  if (sessionIdLen > 32) return fail(`session_id length ${sessionIdLen} exceeds 32`);
  if (end - p < sessionIdLen) return fail('session_id overruns the ClientHello');
  p += sessionIdLen;

  if (end - p < 2) return fail('truncated cipher_suites length');
  const suitesLen = body.readUInt16BE(p);
  p += 2;
  if (suitesLen < 2 || suitesLen % 2 !== 0) return fail(`invalid cipher_suites length ${suitesLen}`);
  if (end - p < suitesLen) return fail('cipher_suites overrun the ClientHello');
  p += suitesLen;

  if (end - p < 1) return fail('truncated compression_methods length');
  const compressionLen = body[p++];
  if (compressionLen < 1) return fail('empty compression_methods');
  if (end - p < compressionLen) return fail('compression_methods overrun the ClientHello');
  p += compressionLen;

  const hello: ClientHello = { serverName: null, alpn: [], legacyVersion, length };
  if (p === end) return { state: 'done', hello }; // no extensions (pre-TLS 1.2 clients)

  if (end - p < 2) return fail('truncated extensions length');
  const extensionsLen = body.readUInt16BE(p);
  p += 2;
  if (extensionsLen !== end - p) {
    return fail(`extensions length ${extensionsLen} does not match the ${end - p} bytes left in the ClientHello`);
  }
  const seen = new Set<number>();
  while (p < end) {
    if (end - p < 4) return fail('truncated extension header');
    const type = body.readUInt16BE(p);
    const len = body.readUInt16BE(p + 2);
    p += 4;
    if (end - p < len) return fail(`extension ${type} length ${len} overruns the extensions block`);
    // RFC 8446 4.2: no two extensions of the same type. For server_name this is what stops a router and a TLS
    // library from picking different names.
    if (seen.has(type)) return fail(`duplicate extension ${type}`);
    seen.add(type);
    const data = body.subarray(p, p + len);
    p += len;
    let error: string | null = null;
    if (type === EXT_SERVER_NAME) {
      const parsed = parseServerName(data);
      if (typeof parsed === 'object') error = parsed.error;
      else hello.serverName = parsed;
    } else if (type === EXT_ALPN) {
      const parsed = parseAlpn(data);
      if (Array.isArray(parsed)) hello.alpn = parsed;
      else error = parsed.error;
    } else if (type === EXT_SUPPORTED_VERSIONS) {
      const parsed = parseSupportedVersions(data);
      if (Array.isArray(parsed)) hello.supportedVersions = parsed;
      else error = parsed.error;
    }
    if (error !== null) return fail(error);
  }
  return { state: 'done', hello };
}

/** RFC 6066 3: ServerNameList server_name_list<1..2^16-1>; each entry is name_type (1) + HostName<1..2^16-1>. */
function parseServerName(data: Buffer): string | { error: string } {
  if (data.length < 2) return { error: 'truncated server_name list length' };
  const listLen = data.readUInt16BE(0);
  if (listLen !== data.length - 2) return { error: `server_name list length ${listLen} does not match the extension length` };
  if (listLen === 0) return { error: 'empty server_name list' };
  let p = 2;
  let name: string | null = null;
  while (p < data.length) {
    if (data.length - p < 3) return { error: 'truncated server_name entry' };
    const nameType = data[p];
    const len = data.readUInt16BE(p + 1);
    p += 3;
    if (data.length - p < len) return { error: 'server_name entry overruns the list' };
    if (nameType !== 0) return { error: `unsupported server_name name_type ${nameType}` };
    if (name !== null) return { error: 'more than one host_name in server_name' };
    const checked = checkHostName(data, p, len);
    if (typeof checked === 'object') return checked;
    name = checked;
    p += len;
  }
  return name as string; // the list is non-empty and every entry is a host_name, so one name was read
}

/** See the module comment for the accepted character set. Returns the lower-cased name. */
function checkHostName(data: Buffer, start: number, len: number): string | { error: string } {
  if (len < 1 || len > 255) return { error: `host_name length ${len} is not within 1..255` };
  let labelLen = 0;
  for (let i = start; i < start + len; i++) {
    const c = data[i];
    if (c === 0x2e) {
      if (labelLen === 0) return { error: 'host_name has an empty label' };
      labelLen = 0;
      continue;
    }
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
    if (!ok) return { error: `host_name contains byte 0x${c.toString(16).padStart(2, '0')}` };
    labelLen++;
  }
  if (labelLen === 0) return { error: 'host_name has an empty label' }; // trailing dot
  return data.toString('latin1', start, start + len).toLowerCase();
}

/** RFC 7301 3.1: ProtocolName protocol_name_list<2..2^16-1>; ProtocolName is opaque<1..2^8-1>. */
function parseAlpn(data: Buffer): string[] | { error: string } {
  if (data.length < 2) return { error: 'truncated ALPN list length' };
  const listLen = data.readUInt16BE(0);
  if (listLen !== data.length - 2) return { error: `ALPN list length ${listLen} does not match the extension length` };
  if (listLen === 0) return { error: 'empty ALPN list' };
  const names: string[] = [];
  let p = 2;
  while (p < data.length) {
    const len = data[p++];
    if (len === 0) return { error: 'empty ALPN protocol name' };
    if (data.length - p < len) return { error: 'ALPN protocol name overruns the list' };
    names.push(data.toString('latin1', p, p + len));
    p += len;
  }
  return names;
}

/** RFC 8446 4.2.1: ProtocolVersion versions<2..254> in a ClientHello. */
function parseSupportedVersions(data: Buffer): number[] | { error: string } {
  if (data.length < 1) return { error: 'truncated supported_versions length' };
  const len = data[0];
  if (len !== data.length - 1) return { error: `supported_versions length ${len} does not match the extension length` };
  if (len < 2 || len % 2 !== 0) return { error: `invalid supported_versions length ${len}` };
  const versions: number[] = [];
  for (let p = 1; p < data.length; p += 2) versions.push(data.readUInt16BE(p));
  return versions;
}
