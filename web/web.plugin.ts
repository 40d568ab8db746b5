/**
 * The operator web UI: static ES modules and one stylesheet from `web/public/`, no build step.
 *
 * Registered by the API core (`await app.register(webPlugin)` or `await webPlugin(app)`). Everything lives
 * in its own encapsulated scope, with one route per file found at start-up (`wildcard: false`) plus the
 * client-side routes under `/dashboard`, so `/api/*`, `/health` and `/docs` keep their own handlers and
 * their own JSON 404s.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const WEB_PUBLIC_DIR = path.join(__dirname, 'public');

/** Client routes the browser router handles; a reload or deep link on any of them gets index.html. */
export const CLIENT_ROUTES = ['/dashboard', '/dashboard/*'] as const;

/** Same-origin only: no inline script, no third-party anything. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function pageHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'same-origin');
}

export async function webPlugin(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: WEB_PUBLIC_DIR,
      prefix: '/',
      wildcard: false,
      // Serving index.html for client routes reads the file itself, so no reply decorator is needed and
      // another @fastify/static elsewhere in the app (swagger-ui) cannot collide with ours.
      decorateReply: false,
      index: ['index.html'],
      cacheControl: true,
      maxAge: 0,
      setHeaders: (reply, filePath) => {
        reply.header('x-content-type-options', 'nosniff');
        if (filePath.endsWith('.html')) pageHeaders(reply);
      },
    });

    const indexFile = path.join(WEB_PUBLIC_DIR, 'index.html');
    for (const url of CLIENT_ROUTES) {
      scope.get(url, async (_req, reply) => {
        const html = await readFile(indexFile);
        pageHeaders(reply);
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
      });
    }
  });
}
