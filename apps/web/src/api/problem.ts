import type { components } from './schema.gen.js';

export type Problem = components['schemas']['Problem'];

/** A failed API call: the HTTP status and, when the API sent one, its RFC 9457 problem body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem ? `${problem.title}: ${problem.detail}` : `the API answered ${status}`);
    this.name = 'ApiError';
  }

  /** The problem's field errors by field path (`spec.rules[0].host` → message), for forms to show at the field. */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries((this.problem?.errors ?? []).map((e) => [e.field, e.message]));
  }
}

const isProblem = (body: unknown): body is Problem =>
  typeof body === 'object' && body !== null && typeof (body as Problem).title === 'string' && typeof (body as Problem).status === 'number';

/** Resolves an openapi-fetch call to its data, or throws an ApiError carrying the problem body. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(response.status, isProblem(error) ? error : undefined);
  return data as T;
}

/** One sentence a person can act on, for any error a page shows. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'Your token is no longer accepted. Sign in again.';
    if (error.status === 403) return 'This needs the admin token; you are signed in as a viewer.';
    if (error.problem) return error.problem.detail || error.problem.title;
    return `The API answered ${error.status}.`;
  }
  if (error instanceof TypeError) return 'The API cannot be reached. Is Portico running?';
  return error instanceof Error ? error.message : String(error);
}
