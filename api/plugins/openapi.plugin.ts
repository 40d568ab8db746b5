import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { contractSchema, type RouteSchema } from './openapi-contract';
import { API_PREFIX } from './auth.plugin';

/**
 * The OpenAPI document, generated from the route schemas: JSON at `/docs/json`, the UI at `/docs`.
 * Registered before any route so every route (the colleagues' plugins too) is collected; only the public
 * contract (`/api/v1/*` and `/health`) is listed, not the web UI's files.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Ori dialler API',
        description:
          'Outbound voice dialler: campaigns, contacts, live monitoring and reports. Every `/api/v1` route ' +
          'needs `Authorization: Bearer <api key>`. Errors are `{"error": {"code", "message", "details"}}`.',
        version: '1.0.0',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (`npm run keys -- create <name>`)',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: ({ schema, url, route }) => {
      const listed = url === '/health' || url.startsWith(`${API_PREFIX}/`) || url === API_PREFIX;
      if (!listed) return { schema: { ...schema, hide: true }, url };
      const method = [route.method].flat().find((m) => m !== 'HEAD') ?? 'GET';
      return { schema: contractSchema(schema as RouteSchema, method, url) as FastifySchema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
