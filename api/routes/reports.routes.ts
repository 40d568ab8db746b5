import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps';
import { errorResponses, IdParamsSchema, Nullable, Timestamp } from '../schemas/common.schema';
import { CampaignStatusSchema } from '../schemas/campaign.schema';
import { findCampaignBasics } from '../../db/repositories/contacts.repository';
import { listActivity } from '../../db/repositories/activity-log.repository';
import { runConfig, streamAttemptReport } from '../../db/repositories/reports.repository';
import { liveView } from '../../db/repositories/live.repository';
import { listConfigVersions } from '../../db/repositories/config-versions.repository';
import { campaignResults } from '../../db/repositories/campaign-results.repository';
import { runCharts } from '../../db/repositories/run-charts.repository';
import { activeAlerts } from '../../db/repositories/alerts.repository';

/**
 * Monitoring and reports (docs/api.md): the live panel, the attempt report (streamed
 * CSV), the activity log and the run's config snapshot. All read from Postgres.
 */

const ActivityEntrySchema = Type.Object({
  action: Type.String(),
  actor: Type.String(),
  at: Timestamp,
  run_no: Type.Integer(),
  details: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

const ConfigVersionSchema = Type.Object({
  version: Type.Integer(),
  config: Type.Record(Type.String(), Type.Unknown()),
  number_pool: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  changes: Type.Array(Type.Object({ field: Type.String(), from: Type.Unknown(), to: Type.Unknown() })),
  changed_by: Nullable(Type.String()),
  changed_at: Nullable(Timestamp),
});

const ConfigAnswerSchema = Type.Object({
  run_no: Type.Integer(),
  status: Type.String(),
  config: Type.Record(Type.String(), Type.Unknown()),
  setup: Type.Record(Type.String(), Type.Unknown()),
  /** The config version in force (null before the run starts); `versions` counts them. */
  version: Nullable(ConfigVersionSchema),
  versions: Type.Integer(),
});

const CountsSchema = Type.Record(Type.String(), Type.Integer());
const ResultsSchema = Type.Object({
  run_no: Type.Integer(),
  kpis: Type.Object({
    calls_made: Type.Integer(),
    reached: Type.Integer(),
    interested: Type.Integer(),
    opted_out: Type.Integer(),
  }),
  dispositions: Type.Array(Type.Object({ disposition: Type.String(), count: Type.Integer() })),
  numbers: Type.Array(
    Type.Object({
      from_number: Type.String(),
      dials: Type.Integer(),
      answered: Type.Integer(),
      outcomes: CountsSchema,
      sip_codes: CountsSchema,
    }),
  ),
  timezone: Type.String({
    description: "The timezone whose days talk_by_day counts (the campaign window's)",
  }),
  talk_by_day: Type.Array(
    Type.Object({
      day: Type.String({ format: 'date' }),
      minutes: Type.Number(),
      /** At each carrier's cost_per_minute; null when none of the day's talk went through a carrier with one. */
      cost: Nullable(Type.Number()),
      /** Minutes on carriers without a rate, which `cost` leaves out. */
      unpriced_minutes: Type.Number(),
    }),
  ),
  /** The whole run's talk minutes and cost, summed from the seconds (not from the rounded days). */
  talk: Type.Object({
    minutes: Type.Number(),
    cost: Nullable(Type.Number()),
    unpriced_minutes: Type.Number(),
  }),
});

const ChartsSchema = Type.Object({
  run_no: Type.Integer(),
  /** The timezone of `answer_by_hour`'s hours (the campaign window's). */
  timezone: Type.String({ examples: ['Asia/Kolkata'] }),
  /** Width of one timeline bucket in seconds, chosen from the run's span; null before the first dial. */
  bucket_s: Nullable(Type.Integer({ minimum: 1, examples: [15] })),
  /** The run cut into buckets, oldest first: dials placed, dials per second, average seats in use. */
  timeline: Type.Array(
    Type.Object({
      at: Timestamp,
      dials: Type.Integer({ minimum: 0 }),
      dials_per_sec: Type.Number({ minimum: 0 }),
      seats_in_use: Type.Number({ minimum: 0 }),
    }),
  ),
  /** Per pass: contacts dialled in it by the end of each timeline bucket (one entry per bucket). */
  passes: Type.Array(
    Type.Object({ pass: Type.Integer({ minimum: 1 }), dialled: Type.Array(Type.Integer({ minimum: 0 })) }),
  ),
  /** Finished dials by hour of the day in `timezone` (hours without dials left out). */
  answer_by_hour: Type.Array(
    Type.Object({
      hour: Type.Integer({ minimum: 0, maximum: 23 }),
      dials: Type.Integer({ minimum: 0 }),
      answered: Type.Integer({ minimum: 0 }),
      answer_rate: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    }),
  ),
});

const ConfigVersionsSchema = Type.Object({
  run_no: Type.Integer(),
  versions: Type.Array(ConfigVersionSchema),
});

const PassSchema = Type.Object({
  pass: Type.Integer(),
  attempted: Type.Integer(),
  eligible: Type.Integer(),
  connected_pct: Nullable(Type.Number()),
  started_at: Nullable(Timestamp),
  ended_at: Nullable(Timestamp),
});

const LiveSchema = Type.Object({
  status: CampaignStatusSchema,
  activity: Type.String(),
  activity_reason: Nullable(Type.Literal('switch_unreachable')),
  run_no: Type.Integer(),
  ringing: Type.Integer(),
  in_progress: Type.Integer(),
  dials_per_sec: Type.Number(),
  connected_per_hr: Type.Number(),
  avg_ring_s: Nullable(Type.Number()),
  last_dial_at: Nullable(Timestamp),
  pending: Type.Integer(),
  retries_left: Type.Integer(),
  held: Type.Object({ frequency_cap: Type.Integer(), recipient_hours: Type.Integer() }),
  passes: Type.Array(PassSchema),
  progress: Type.Object({ processed: Type.Integer(), total: Type.Integer() }),
  eta_s: Nullable(Type.Number()),
  metrics: Type.Object({
    answer_rate: Nullable(Type.Number()),
    completion_rate: Nullable(Type.Number()),
    abandon_rate: Nullable(Type.Number()),
    aht_s: Nullable(Type.Number()),
  }),
  callbacks: Type.Object({
    requested: Type.Integer(),
    pending: Type.Integer(),
    completed: Type.Integer(),
    cancelled: Type.Integer(),
    avg_delay_s: Nullable(Type.Number()),
  }),
  run: Type.Object({
    dials: Type.Integer(),
    connected: Type.Integer(),
    started_at: Nullable(Timestamp),
    ended_at: Nullable(Timestamp),
    dials_per_sec: Nullable(Type.Number()),
    connected_per_hr: Nullable(Type.Number()),
    calls_per_min: Nullable(Type.Number()),
  }),
  /** The stall detector's active alerts: failing troubleshooting checks, each while it lasts. */
  alerts: Type.Array(
    Type.Object({
      check: Type.String(),
      status: Type.Union([Type.Literal('warn'), Type.Literal('escalate')]),
      since: Timestamp,
      evidence: Type.String(),
      next_step: Type.String(),
    }),
  ),
});

export async function reportsRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const now = deps.now ?? (() => new Date());
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/campaigns/:id/attempts.csv',
    {
      schema: {
        summary: 'Attempt report: one CSV row per finished attempt of every run, streamed',
        params: IdParamsSchema,
        // A stream: Fastify pipes it as is (no serialiser runs).
        response: { 200: Type.Unknown({ description: 'text/csv' }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const campaignId = request.params.id;
      await findCampaignBasics(deps.db, campaignId);
      const out = new PassThrough();
      streamAttemptReport(deps.db, campaignId, out).catch((err: unknown) => {
        request.log.error({ err, campaignId }, 'attempt report failed mid-stream');
        out.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="campaign-${campaignId.slice(0, 8)}-attempts.csv"`,
        )
        .header('cache-control', 'no-store')
        .send(out);
    },
  );

  r.get(
    '/campaigns/:id/activity',
    {
      schema: {
        summary: 'The activity log, newest first',
        params: IdParamsSchema,
        response: { 200: Type.Array(ActivityEntrySchema), ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      await findCampaignBasics(deps.db, request.params.id);
      const rows = await listActivity(deps.db, request.params.id);
      return rows.map((a) => ({
        action: a.action,
        actor: a.actor,
        at: a.at.toISOString(),
        run_no: a.run_no,
        details: a.details,
      }));
    },
  );

  r.get(
    '/campaigns/:id/config',
    {
      schema: {
        summary: "The current run's settings and raw setup snapshot",
        params: IdParamsSchema,
        response: { 200: ConfigAnswerSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const view = await runConfig(deps.db, request.params.id);
      const versions = await listConfigVersions(deps.db, request.params.id, view.run_no);
      return {
        run_no: view.run_no,
        status: view.status,
        config: view.config as unknown as Record<string, unknown>,
        setup: view.setup as unknown as Record<string, unknown>,
        version: (versions.at(-1) ?? null) as never,
        versions: versions.length,
      };
    },
  );

  r.get(
    '/campaigns/:id/results',
    {
      schema: {
        summary:
          "Results at a glance: KPIs, dispositions, each pool number's outcomes and SIP codes, talk minutes and their cost per day",
        params: IdParamsSchema,
        response: { 200: ResultsSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const campaign = await findCampaignBasics(deps.db, request.params.id);
      return campaignResults(deps.db, campaign.id, campaign.run_no, campaign.config.window.timezone);
    },
  );

  r.get(
    '/campaigns/:id/charts',
    {
      schema: {
        summary:
          'Chart series of the current run: dials per second and seats in use over the run, answer rate by hour, pass progression',
        params: IdParamsSchema,
        response: { 200: ChartsSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const campaign = await findCampaignBasics(deps.db, request.params.id);
      return runCharts(deps.db, campaign.id, campaign.run_no, campaign.config.window.timezone, now());
    },
  );

  r.get(
    '/campaigns/:id/config/versions',
    {
      schema: {
        summary:
          'Every config version of the current run, oldest first: the start snapshot, then each mid-run edit',
        params: IdParamsSchema,
        response: { 200: ConfigVersionsSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const campaign = await findCampaignBasics(deps.db, request.params.id);
      const versions = await listConfigVersions(deps.db, campaign.id, campaign.run_no);
      return { run_no: campaign.run_no, versions: versions as never };
    },
  );

  r.get(
    '/campaigns/:id/live',
    {
      schema: {
        summary: 'Live activity, counters, passes, progress, metrics and callbacks',
        params: IdParamsSchema,
        response: { 200: LiveSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const [view, alerts] = await Promise.all([
        liveView(deps.db, request.params.id, now()),
        activeAlerts(deps.db, request.params.id),
      ]);
      return {
        ...view,
        alerts: alerts.map((a) => ({
          check: a.check,
          status: a.status,
          since: a.since.toISOString(),
          evidence: a.evidence,
          next_step: a.next_step,
        })),
      };
    },
  );
}
