import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * A request id per request, so a caller's report ("it answered 500") and our log line meet: the caller's
 * own `X-Request-Id` when it sent a sensible one, else a new UUID. Every answer echoes it in
 * `X-Request-Id`, every error body carries it as `error.request_id` (the error handler), and every log line
 * of the request carries it as `request_id` — including the one line written when the request ends.
 */

export const REQUEST_ID_HEADER = 'x-request-id';

/** Ids a person can paste back: no control characters or spaces, bounded length. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Fastify's `genReqId`: the caller's id when acceptable, else a new one. */
export function requestIdOf(request: IncomingMessage): string {
  const sent = request.headers[REQUEST_ID_HEADER];
  const id = Array.isArray(sent) ? sent[0] : sent;
  return id && ACCEPTABLE_ID.test(id) ? id : randomUUID();
}

/** Routes scraped or probed every few seconds: logged at debug so they do not drown the requests. */
const QUIET_ROUTES = new Set(['/health', '/metrics']);

export function installRequestIds(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    const fields = {
      method: request.method,
      url: request.url,
      route,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    const quiet = route !== undefined && QUIET_ROUTES.has(route) && reply.statusCode < 400;
    if (quiet) request.log.debug(fields, 'request completed');
    else if (reply.statusCode >= 500) request.log.error(fields, 'request completed');
    else request.log.info(fields, 'request completed');
  });
}
