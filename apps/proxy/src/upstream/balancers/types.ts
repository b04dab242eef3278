/** What a balancer needs to know about an endpoint: a stable identity and how busy it is right now. */
export interface Pickable {
  /** `address:port`, stable across configuration generations. */
  readonly key: string;
  /** Requests currently being served by this endpoint (maintained by the caller). */
  inFlight: number;
}

/**
 * Chooses one endpoint of a cluster for a request. Balancers are long-lived: they survive configuration
 * generations (so round-robin positions, hash rings and sticky pins carry over) and are told about endpoint changes
 * through `setEndpoints`.
 */
export interface Balancer<T extends Pickable> {
  setEndpoints(endpoints: readonly T[]): void;
  /** `clientKey` is the client IP; policies that do not need it ignore it. */
  pick(clientKey: string): T | undefined;
}
