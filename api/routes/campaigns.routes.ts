import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { resolveCampaignConfig } from '../../policy/campaign-config';
import { workflowLinks, type WorkflowLinks } from '../../engine/workflow-links';
import { completionReasonLabel } from '../../policy/completion';
import {
  cloneCampaign,
  createCampaign,
  deleteCampaign,
  listCampaignViews,
  loadCampaignView,
  toConfigInput,
  updateCampaign,
  type CampaignView,
} from '../../db/repositories/campaigns.repository';
import {
  cancelRestart,
  pauseCampaignRun,
  prepareRestart,
  resumeCampaignRun,
  revertStart,
  startCampaignRun,
  stopCampaignRun,
} from '../../db/repositories/runs.repository';
import { errorResponses, IdParamsSchema, iso, isoOrNull } from '../schemas/common.schema';
import {
  CampaignSchema,
  CONFIG_FIELDS,
  CreateCampaignBodySchema,
  ListCampaignsQuerySchema,
  UpdateCampaignBodySchema,
  type CampaignResponse,
} from '../schemas/campaign.schema';

/**
 * Campaign CRUD and the lifecycle actions (docs/api.md). Postgres is written first, in one
 * transaction per action; the engine is told afterwards so the run reacts at once rather than on its
 * next tick. Only a start depends on the engine's answer: a run the engine refused is rolled back.
 */

export function presentCampaign(view: CampaignView, links: WorkflowLinks): CampaignResponse {
  const c = view.campaign;
  // A draft's run (first or prepared) has no workflow until Start.
  const run = c.status === 'draft' ? null : links.run(c.id, c.run_no);
  // Normalised through the policy so a row written by older code still answers every field.
  const config = resolveCampaignConfig({}, c.config).config;
  return {
    id: c.id,
    short_id: c.id.slice(0, 8),
    name: c.name,
    bot_id: c.bot_id,
    number_ids: view.numberIds,
    status: c.status,
    run_no: c.run_no,
    always_on: config.always_on,
    config,
    warnings: view.warnings,
    completion_reason: c.completion_reason,
    completion_message: completionReasonLabel(c.completion_reason),
    ever_started: c.ever_started,
    prepared_restart: view.preparedRestart && {
      run_no: view.preparedRestart.run_no,
      created_by: view.preparedRestart.created_by,
      created_at: iso(view.preparedRestart.created_at),
    },
    stopped_by: view.stoppedBy,
    stopped_at: isoOrNull(view.stoppedAt),
    counts: view.counts,
    workflow_id: run?.workflow_id ?? null,
    ...(run?.workflow_url ? { workflow_url: run.workflow_url } : {}),
    created_by: c.created_by,
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
  };
}

function pickConfig(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(CONFIG_FIELDS.filter((k) => k in body).map((k) => [k, body[k]]));
}

/** How long an operator waits for the engine to acknowledge a control before the answer goes out anyway. */
export const ENGINE_CONTROL_TIMEOUT_MS = 5_000;

/**
 * Pause, resume, stop and config changes are recorded in Postgres before the engine hears of them, and
 * the run re-reads its status there on every tick: an engine that cannot be reached, or a run whose worker
 * is down (a Temporal Update then waits for one), delays the effect by a tick; it does not lose it. So the
 * operator's action stands, the wait is bounded, and a failure is logged.
 */
async function tellEngine(
  log: FastifyBaseLogger,
  what: string,
  call: () => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = call().then(
    () => 'done' as const,
    (err: unknown) => {
      log.warn({ err }, `engine ${what} failed; the run picks the change up from Postgres on its next tick`);
      return 'failed' as const;
    },
  );
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([attempt, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    log.warn(
      `engine ${what} not acknowledged within ${timeoutMs} ms; the run picks the change up from Postgres`,
    );
  }
}

const CampaignAnswer = { 200: CampaignSchema, ...errorResponses(401, 404, 409) };
const tags = ['campaigns'];

export interface CampaignsRoutesOptions {
  deps: AppDeps;
  /** Default ENGINE_CONTROL_TIMEOUT_MS; tests shorten it. */
  engineControlTimeoutMs?: number;
}

export const campaignsRoutes: FastifyPluginAsyncTypebox<CampaignsRoutesOptions> = async (app, options) => {
  const { deps } = options;
  const { db, engine } = deps;
  const controlTimeoutMs = options.engineControlTimeoutMs ?? ENGINE_CONTROL_TIMEOUT_MS;
  const tell = (log: FastifyBaseLogger, what: string, call: () => Promise<void>) =>
    tellEngine(log, what, call, controlTimeoutMs);
  const now = deps.now ?? (() => new Date());
  const links = workflowLinks(deps.settings);
  const answer = async (id: string) => presentCampaign(await loadCampaignView(db, id), links);

  app.post(
    '/campaigns',
    {
      schema: {
        tags,
        summary: 'Create a draft campaign (defaults as in docs/rules.md)',
        body: CreateCampaignBodySchema,
        response: { 201: CampaignSchema, ...errorResponses(401, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const id = await createCampaign(
        db,
        {
          name: body.name,
          botId: body.bot_id,
          numberIds: body.number_ids ?? [],
          config: toConfigInput(pickConfig(body)),
        },
        request.actor,
        now(),
      );
      return reply.status(201).send(await answer(id));
    },
  );

  app.get(
    '/campaigns',
    {
      schema: {
        tags,
        summary: 'List campaigns with status, counts and always_on',
        querystring: ListCampaignsQuerySchema,
        response: { 200: Type.Array(CampaignSchema), ...errorResponses(401, 422) },
      },
    },
    async (request) =>
      (await listCampaignViews(db, { status: request.query.status })).map((v) => presentCampaign(v, links)),
  );

  app.get(
    '/campaigns/:id',
    { schema: { tags, summary: 'One campaign', params: IdParamsSchema, response: CampaignAnswer } },
    async (request) => answer(request.params.id),
  );

  app.patch(
    '/campaigns/:id',
    {
      schema: {
        tags,
        summary: 'Edit a draft or paused campaign (name and bot lock after the first run)',
        params: IdParamsSchema,
        body: UpdateCampaignBodySchema,
        response: { ...CampaignAnswer, ...errorResponses(422) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const body = request.body;
      const result = await updateCampaign(
        db,
        id,
        {
          name: body.name,
          botId: body.bot_id,
          numberIds: body.number_ids,
          config: toConfigInput(pickConfig(body)),
        },
        request.actor,
        now(),
      );
      if (result.status === 'paused' && result.changed.length > 0) {
        await tell(request.log, 'configChanged', () =>
          engine.configChanged({ campaignId: id, runNo: result.runNo }),
        );
      }
      return answer(id);
    },
  );

  app.delete(
    '/campaigns/:id',
    {
      schema: {
        tags,
        summary: 'Delete a draft that never ran (and its contacts)',
        params: IdParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 404, 409) },
      },
    },
    async (request, reply) => {
      const deleted = await deleteCampaign(db, request.params.id);
      // The activity log goes with the campaign (FK cascade), so the deletion is recorded in the app log.
      request.log.info(
        {
          campaign_id: request.params.id,
          name: deleted.name,
          contacts: deleted.contacts,
          actor: request.actor,
        },
        'campaign deleted',
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/campaigns/:id/start',
    {
      schema: {
        tags,
        summary: 'draft → running',
        params: IdParamsSchema,
        response: { ...CampaignAnswer, ...errorResponses(422, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const started = await startCampaignRun(db, id, request.actor, now());
      try {
        await engine.startRun({ campaignId: id, runNo: started.runNo });
      } catch (err) {
        request.log.error(
          { err, campaign_id: id, run_no: started.runNo },
          'engine refused the run; start rolled back',
        );
        await revertStart(
          db,
          id,
          started.revert,
          request.actor,
          err instanceof Error ? err.message : String(err),
          now(),
        );
        throw new ApiError(
          503,
          'engine_unavailable',
          'The dialling engine is not reachable, so the campaign was not started and is still a draft. Try again shortly.',
        );
      }
      return answer(id);
    },
  );

  app.post(
    '/campaigns/:id/pause',
    {
      schema: {
        tags,
        summary: 'running → paused (calls in flight finish)',
        params: IdParamsSchema,
        response: CampaignAnswer,
      },
    },
    async (request) => {
      const { id } = request.params;
      const runNo = await pauseCampaignRun(db, id, request.actor, now());
      await tell(request.log, 'pause', () => engine.pause({ campaignId: id, runNo }, request.actor));
      return answer(id);
    },
  );

  app.post(
    '/campaigns/:id/resume',
    { schema: { tags, summary: 'paused → running', params: IdParamsSchema, response: CampaignAnswer } },
    async (request) => {
      const { id } = request.params;
      const runNo = await resumeCampaignRun(db, id, request.actor, now());
      await tell(request.log, 'resume', () => engine.resume({ campaignId: id, runNo }, request.actor));
      return answer(id);
    },
  );

  app.post(
    '/campaigns/:id/stop',
    {
      schema: {
        tags,
        summary: 'running/paused → completed (manually_stopped)',
        params: IdParamsSchema,
        response: CampaignAnswer,
      },
    },
    async (request) => {
      const { id } = request.params;
      const runNo = await stopCampaignRun(db, id, request.actor, now());
      await tell(request.log, 'stop', () => engine.stop({ campaignId: id, runNo }, request.actor));
      return answer(id);
    },
  );

  app.post(
    '/campaigns/:id/restart',
    {
      schema: {
        tags,
        summary: 'completed/failed → draft with run_no + 1 (a prepared run; Start begins it)',
        params: IdParamsSchema,
        response: CampaignAnswer,
      },
    },
    async (request) => {
      await prepareRestart(db, request.params.id, request.actor, now());
      return answer(request.params.id);
    },
  );

  app.post(
    '/campaigns/:id/cancel-restart',
    {
      schema: {
        tags,
        summary: 'Discard the prepared run and restore the previous completed run',
        params: IdParamsSchema,
        response: CampaignAnswer,
      },
    },
    async (request) => {
      await cancelRestart(db, request.params.id, request.actor, now());
      return answer(request.params.id);
    },
  );

  app.post(
    '/campaigns/:id/clone',
    {
      schema: {
        tags,
        summary: 'A new draft with the same settings, number pool and contacts',
        params: IdParamsSchema,
        response: { 201: CampaignSchema, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const id = await cloneCampaign(db, request.params.id, request.actor, now());
      return reply.status(201).send(await answer(id));
    },
  );
};
