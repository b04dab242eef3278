import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from '../shared/express-types.js';
import type { Logger } from '../logging/logger.js';
import { ForbiddenError, SourceRequestError } from '../sources/write-errors.js';
import { PROBLEM_CONTENT_TYPE, ValidationProblem, type ProblemDetails } from './problem.js';

/** Renders every error as `application/problem+json`; unexpected ones are logged and answered without internals. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const problem = this.toProblem(exception, request);
    if (response.headersSent) {
      // A streaming response already started; the only honest thing left is to cut it.
      response.destroy();
      return;
    }
    if (problem.status === HttpStatus.UNAUTHORIZED) response.setHeader('WWW-Authenticate', 'Bearer');
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, request: Request): ProblemDetails {
    if (exception instanceof ValidationProblem) {
      return {
        type: exception.type,
        title: exception.getStatus() === HttpStatus.BAD_REQUEST ? 'Invalid request' : (STATUS_CODES[exception.getStatus()] ?? 'Invalid request'),
        status: exception.getStatus(),
        detail: exception.message,
        errors: exception.errors,
      };
    }
    // Checked before HttpException: Nest may wrap the body parser's error, whose message quotes the raw body.
    const parserProblem = bodyParserProblem(exception) ?? (exception instanceof HttpException ? bodyParserProblem(exception.cause) : undefined);
    if (parserProblem) return parserProblem;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail: detailOf(exception) };
    }
    if (exception instanceof SourceRequestError) return sourceProblem(exception, this.logger);
    this.logger.error({ err: exception, method: request.method, path: request.path }, 'unhandled error');
    return {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'an unexpected error occurred; see the API log',
    };
  }
}

function detailOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/**
 * A source's typed failure (a write refused by the store or the API server). The client's own mistakes keep their
 * status (404, 409, 422 …); the controller's missing RBAC is a 502 (not the caller's 403), an unreachable source 503.
 */
function sourceProblem(error: SourceRequestError, logger: Logger): ProblemDetails {
  let status = error.status;
  if (error instanceof ForbiddenError) status = HttpStatus.BAD_GATEWAY;
  else if (status >= 500 || status === 429 || status < 400) status = HttpStatus.SERVICE_UNAVAILABLE;
  if (status >= 500) logger.warn({ err: error }, 'the source refused or failed a request');
  return { type: `urn:portico:problem:source-${error.reason.toLowerCase()}`, title: STATUS_CODES[status] ?? 'Error', status, detail: error.message };
}

/** Express's body parser failures (malformed JSON, a body over the limit) arrive as errors with a status and a type. */
export function bodyParserProblem(error: unknown): ProblemDetails | undefined {
  const candidate = error as { status?: unknown; type?: unknown; message?: unknown; limit?: unknown } | null;
  if (!candidate || typeof candidate.type !== 'string' || typeof candidate.status !== 'number') return undefined;
  switch (candidate.type) {
    case 'entity.parse.failed':
      // The parser's message quotes the body around the error, which may be part of a private key: never echo it.
      return { type: 'urn:portico:problem:malformed-body', title: 'Bad Request', status: 400, detail: 'the request body is not valid JSON' };
    case 'entity.too.large':
      return { type: 'about:blank', title: 'Payload Too Large', status: 413, detail: `the request body is larger than the limit of ${String(candidate.limit)} bytes` };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { type: 'about:blank', title: 'Unsupported Media Type', status: 415, detail: String(candidate.message) };
    default:
      return candidate.status >= 400 && candidate.status < 500
        ? { type: 'about:blank', title: STATUS_CODES[candidate.status] ?? 'Bad Request', status: candidate.status, detail: String(candidate.message) }
        : undefined;
  }
}
