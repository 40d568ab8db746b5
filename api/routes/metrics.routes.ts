import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps';
import { seatUsage } from '../../db/repositories/seat-usage.repository';
import { collectProcessMetrics, observeSeats, registry } from '../../observability/metrics';

/**
 * `GET /metrics` in Prometheus text, as Prometheus scrapes it: no `/api/v1` prefix and no key (it names
 * campaign ids and counts, nothing about contacts). The per-campaign seat gauges are read from Postgres on
 * each scrape; the dial counters live in the worker's own `/metrics`.
 */
export async function metricsRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  collectProcessMetrics();
  observeSeats(() => seatUsage(opts.deps.db));
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
