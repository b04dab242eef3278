/**
 * The settings the HTTP layer needs, as an injectable value. A class (not an interface) so Nest can inject it by
 * type; it must be imported as a value wherever it is injected.
 */
export class ApiSettings {
  constructor(
    readonly adminToken: string,
    readonly proxyToken: string,
    readonly pingIntervalMs: number,
    /** Read-only token (`--viewer-token`); null when none is configured. */
    readonly viewerToken: string | null = null,
  ) {}
}

/** Injection token for the pino logger (an interface, so it needs a token). */
export const LOGGER = Symbol('LOGGER');
