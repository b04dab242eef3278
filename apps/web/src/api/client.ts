import createClient from 'openapi-fetch';
import type { paths } from './schema.gen.js';

/** The admin API, typed by the OpenAPI document (schema.gen.ts is generated from it at build time). */
export type ApiClient = ReturnType<typeof createClient<paths>>;

export function createApiClient(token: string, baseUrl: string = globalThis.location?.origin ?? ''): ApiClient {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  });
  return client;
}
