import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from '../shared/express-types.js';
import type { Logger } from '../logging/logger.js';
import { PROBLEM_CONTENT_TYPE, ValidationProblem, VALIDATION_PROBLEM_TYPE, type ProblemDetails } from './problem.js';

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
        type: VALIDATION_PROBLEM_TYPE,
        title: 'Invalid request',
        status: exception.getStatus(),
        detail: exception.message,
        errors: exception.errors,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail: detailOf(exception) };
    }
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
