import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The few Express additions this app uses. `@types/express` is not installed, and these Node types plus the
 * members below are all the code needs (Express 5 request/response objects extend Node's).
 */
export interface HttpRequest extends IncomingMessage {
  path: string;
}

export interface HttpResponse extends ServerResponse {
  status(code: number): this;
  type(contentType: string): this;
  send(body: string): this;
  sendFile(path: string, callback: (error?: Error) => void): void;
}

export type NextFunction = (error?: unknown) => void;
