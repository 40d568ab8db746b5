import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { AppDeps } from '../deps';

/** `GET /health` (no auth): 200 once Postgres and Temporal both answer, 503 with which one does not. */

const HealthSchema = Type.Object({ ok: Type.Boolean(), postgres: Type.Boolean(), temporal: Type.Boolean() });

/** A dependency that hangs must not hang the probe: past this it counts as down. */
const PROBE_TIMEOUT_MS = 3_000;

async function probe(check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: Postgres and Temporal reachable',
        security: [],
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (_request, reply) => {
      const [postgres, temporal] = await Promise.all([
        probe(async () => {
          await sql`select 1`.execute(deps.db);
          return true;
        }),
        probe(() => deps.engine.healthy()),
      ]);
      const ok = postgres && temporal;
      return reply.status(ok ? 200 : 503).send({ ok, postgres, temporal });
    },
  );
};
