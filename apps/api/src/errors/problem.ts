import { HttpException, HttpStatus } from '@nestjs/common';
import type { z } from 'zod';

/** One invalid input field, by its path (`generation`, `items[0].name`, `query.proxyId`). */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details, the body of every error this API returns. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const VALIDATION_PROBLEM_TYPE = 'urn:portico:problem:invalid-request';
/** 422: the request was well-formed, but the object it carries would not be served (the compiler's findings). */
export const INVALID_OBJECT_PROBLEM_TYPE = 'urn:portico:problem:invalid-object';

/** A 400 (or, with `status`, another 4xx such as 422) that names the fields at fault. */
export class ValidationProblem extends HttpException {
  constructor(
    detail: string,
    readonly errors: FieldError[],
    status: number = HttpStatus.BAD_REQUEST,
    readonly type: string = status === HttpStatus.UNPROCESSABLE_ENTITY ? INVALID_OBJECT_PROBLEM_TYPE : VALIDATION_PROBLEM_TYPE,
  ) {
    super(detail, status);
  }
}

export function fieldErrorsFrom(error: z.ZodError, prefix?: string): FieldError[] {
  const fieldOf = (path: readonly PropertyKey[]) => [prefix, ...path.map(String)].filter((part) => part !== undefined && part !== '').join('.') || '(body)';
  return error.issues.flatMap((issue) =>
    // An unknown key is named by its own path, so the problem says which field to remove.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), message: 'is not a known field' }))
      : [{ field: fieldOf(issue.path), message: issue.message }],
  );
}

/** Parses input with a zod schema or throws a {@link ValidationProblem} naming each bad field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, what: string, prefix?: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = fieldErrorsFrom(result.error, prefix);
  throw new ValidationProblem(`the ${what} is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
}
