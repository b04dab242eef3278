/** Limits that keep a hostile or broken client from holding resources. */
export interface ListenerLimits {
  maxHeaderSize: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeadersCount: number;
  /** A connection with no traffic for this long is closed. */
  socketIdleTimeoutMs: number;
}

export const DEFAULT_LIMITS: ListenerLimits = {
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxHeadersCount: 100,
  socketIdleTimeoutMs: 120_000,
};
