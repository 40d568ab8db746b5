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

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/**
 * A route's URL as a regular expression over concrete paths. A parameter the route's schema declares as
 * a UUID matches only a UUID, so `/campaigns/trigger` is not taken for `/campaigns/:id`.
 */
function patternOf(url: string, params: unknown): RegExp {
  const props = (params as { properties?: Record<string, { format?: string }> } | undefined)?.properties;
  const segment = (seg: string): string => {
    if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return props?.[seg.slice(1)]?.format === 'uuid' ? UUID : '[^/]+';
  };
  return new RegExp(`^${url.split('/').map(segment).join('/')}/?$`);
}

export function recordRoutes(app: FastifyInstance): RouteTable {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String);
    routes.push({ pattern: patternOf(route.url, route.schema?.params), methods });
  });
  return {
    methodsFor: (path) =>
      [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))].sort(),
  };
}
