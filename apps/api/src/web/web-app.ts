import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, HttpRequest as Request, HttpResponse as Response } from '../shared/express-types.js';

/** `apps/web/dist`, from this file in `apps/api/src/web` (tests) or `apps/api/dist/web` (built). */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/** Paths the API answers itself; the web app's client-side routes must not shadow them. */
const isApiPath = (urlPath: string): boolean =>
  urlPath === '/api' || urlPath.startsWith('/api/') || urlPath === '/readyz' || urlPath === '/healthz';

const acceptsHtml = (request: Request): boolean => /\btext\/html\b/.test(request.headers.accept ?? '');

/**
 * Serves the built web app at `/`, and its `index.html` for client-side routes, so a deep link like
 * `/routes/example.com` loads the app. A client-side route is a GET that a browser navigates to (it accepts HTML) or
 * a path without a file extension; a missing `/assets/x.js` stays a 404. Returns false when there is nothing to serve.
 */
export function serveWebApp(app: NestExpressApplication, webDir: string): boolean {
  const index = path.join(webDir, 'index.html');
  if (!existsSync(index)) return false;
  app.useStaticAssets(webDir, { index: 'index.html', fallthrough: true });
  app.use((request: Request, response: Response, next: NextFunction) => {
    const isPageRequest =
      (request.method === 'GET' || request.method === 'HEAD') &&
      (acceptsHtml(request) || !path.posix.extname(request.path));
    if (!isPageRequest || isApiPath(request.path)) return next();
    response.sendFile(index, (error?: Error) => (error ? next(error) : undefined));
  });
  return true;
}
