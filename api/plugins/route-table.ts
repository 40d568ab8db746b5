import type { FastifyInstance } from 'fastify';

/**
 * The routes the app serves, recorded as they are added, so an unknown method on a known path answers
 * `405` with `Allow` (what HTTP clients and contract testers expect) instead of a misleading `404`.
 * Catch-all routes (the web UI's static files, `/*`) do not make every path "known".
 */
export interface RouteTable {
  /** The methods served on `path` (a concrete URL path, no query), empty for an unknown path. */
  methodsFor(path: string): string[];
}

const patternOf = (url: string): RegExp =>
  new RegExp(
    `^${url
      .split('/')
      .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/')}/?$`,
  );

export function recordRoutes(app: FastifyInstance): RouteTable {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String);
    routes.push({ pattern: patternOf(route.url), methods });
  });
  return {
    methodsFor: (path) =>
      [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))].sort(),
  };
}
