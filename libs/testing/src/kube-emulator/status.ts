/** Kubernetes `Status` objects and the error the emulator throws (HTTP handlers turn it into a Status response). */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: Array<{ reason: string; message: string; field: string }> };
  code: number;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function reasonFor(code: number): string {
  return REASONS[code] ?? (code >= 500 ? 'InternalError' : 'Unknown');
}

/** The error thrown by the emulator's direct API and turned into a `Status` by its HTTP API. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: KubeStatus['details'];
  constructor(code: number, message: string, reason = reasonFor(code), details?: KubeStatus['details']) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
  get status(): KubeStatus {
    return failureStatus(this.code, this.message, this.reason, this.details);
  }
}

export function failureStatus(code: number, message: string, reason = reasonFor(code), details?: KubeStatus['details']): KubeStatus {
  const status: KubeStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return status;
}
