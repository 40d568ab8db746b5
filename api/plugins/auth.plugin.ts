import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connection';
import {
  authenticateApiKey,
  hashApiKey,
  refreshLastUsed,
  type ApiKeyRow,
} from '../../db/repositories/api-keys.repository';
import type { ApiKeyCache } from './api-key-cache';
import { ApiError } from '../errors';
import { FailedAuthLimiter } from './failed-auth-limiter';

/**
 * Bearer-key authentication for every `/api/v1/*` route (docs/api.md). The key's name becomes
 * `request.actor`, which the activity log records. Installed on the root instance, so it also covers
 * unknown `/api/v1/*` paths: without a key they answer 401, not a 404 that would map the API for a guest.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the API key that authenticated the request ('' outside `/api/v1`). */
    actor: string;
  }
}

export const API_PREFIX = '/api/v1';

export interface AuthOptions {
  db: Db;
  now: () => Date;
  limiter: FailedAuthLimiter;
  /** Keys already authenticated, while revocations are heard (api-key-cache.ts); none: every request reads. */
  cache?: ApiKeyCache;
}

function needsAuth(request: FastifyRequest): boolean {
  const path = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
  return path === API_PREFIX || path.startsWith(`${API_PREFIX}/`);
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

async function authenticate(options: AuthOptions, key: string, now: Date): Promise<ApiKeyRow | null> {
  const { cache, db } = options;
  if (!cache) return authenticateApiKey(db, key, now);
  const hash = hashApiKey(key);
  const cached = cache.get(hash);
  if (cached) {
    await refreshLastUsed(db, cached, now);
    return cached;
  }
  const ticket = cache.ticket();
  const row = await authenticateApiKey(db, key, now);
  if (row) cache.put(hash, row, ticket);
  return row;
}

export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  app.decorateRequest('actor', '');
  app.addHook('onRequest', async (request, reply) => {
    if (!needsAuth(request)) return;
    const key = bearerToken(request.headers.authorization);
    const now = options.now();
    const row = key ? await authenticate(options, key, now) : null;
    if (row) {
      request.actor = row.name;
      return;
    }
    const retryAfterS = options.limiter.fail(request.ip, now.getTime());
    if (retryAfterS !== null) {
      reply.header('retry-after', String(retryAfterS));
      throw new ApiError(
        429,
        'rate_limited',
        `Too many failed authentication attempts from this address; retry in ${retryAfterS} s`,
      );
    }
    throw new ApiError(
      401,
      'unauthorized',
      key
        ? 'The API key is not valid or has been revoked'
        : 'Missing "Authorization: Bearer <api key>" header',
    );
  });
}
