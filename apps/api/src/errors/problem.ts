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

/** A 400 that names the fields at fault. */
export class ValidationProblem extends HttpException {
  constructor(
    detail: string,
    readonly errors: FieldError[],
  ) {
    super(detail, HttpStatus.BAD_REQUEST);
  }
}

export function fieldErrorsFrom(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter((part) => part !== undefined && part !== '').join('.') || '(body)',
    message: issue.message,
  }));
}

/** Parses input with a zod schema or throws a {@link ValidationProblem} naming each bad field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, what: string, prefix?: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = fieldErrorsFrom(result.error, prefix);
  throw new ValidationProblem(`the ${what} is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
}
