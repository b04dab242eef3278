import { MantineProvider } from '@mantine/core';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';

/** Renders a component the way the app does (Mantine's theme and portals), for component tests. */
export function renderWithUi(ui: ReactElement): RenderResult {
  return render(<MantineProvider>{ui}</MantineProvider>);
}

/** A fetch that answers each request from `routes` by method and path, as the real API would; anything else is 404. */
export function fakeApi(routes: Record<string, (request: Request) => Response | Promise<Response>>): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const { pathname } = new URL(request.url);
    const handler = routes[`${request.method} ${pathname}`];
    return handler ? handler(request) : problem(404, 'Not Found', `no route ${request.method} ${pathname}`);
  };
}

export const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
export const problem = (status: number, title: string, detail: string, errors?: Array<{ field: string; message: string }>) =>
  new Response(JSON.stringify({ type: 'about:blank', title, status, detail, ...(errors ? { errors } : {}) }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });
