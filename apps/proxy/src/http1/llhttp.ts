import { createRequire } from 'node:module';

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
  [callback: number]: unknown;
}

export interface ParserError extends Error {
  code: string;
  bytesParsed: number;
  reason?: string;
}

interface HttpCommon {
  HTTPParser: {
    new (): HttpParser;
    REQUEST: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kLenientNone: number;
  };
  methods: readonly string[];
  continueExpression: RegExp;
  _checkInvalidHeaderChar: (value: string) => boolean;
  _checkIsHttpToken: (name: string) => boolean;
}

const common = createRequire(import.meta.url)('_http_common') as HttpCommon;

export const HTTPParser = common.HTTPParser;
/** Method names by llhttp's method index. */
export const METHODS = common.methods;
/** What node:http takes an `Expect` header to ask for 100 Continue. */
export const CONTINUE_EXPECTATION = common.continueExpression;
export const hasInvalidHeaderChar = common._checkInvalidHeaderChar;
export const isHttpToken = common._checkIsHttpToken;
