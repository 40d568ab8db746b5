import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps';
import { conflict, invalid, notFound, type ErrorDetail } from '../../policy/errors';
import { errorResponses, Nullable, Timestamp, Uuid } from '../schemas/common.schema';
import { normalisePhone } from '../../policy/phone';
import { isValidTimezone } from '../../policy/campaign-config';
import { CONTACT_TIMEZONE_KEY, contactTimezones, timezonesToStore } from '../../policy/contact-timezone';
import { numberTimezones } from '../../telephony/number-timezones';
import { dialGate, isCalendarBlock, type DialRunState } from '../../policy/dial-gate';
import { admitContactNow } from '../../db/repositories/admission.repository';
import {
  loadTriggerCampaign,
  upsertTriggeredContact,
  type TriggerCampaign,
  type TriggeredContact,
} from '../../db/repositories/contacts.repository';
import {
  awaitIdempotentResponse,
  releaseIdempotencyKey,
  storeIdempotentResponse,
  takeOverStaleKey,
} from '../../db/repositories/idempotency.repository';
import { excludeContacts } from '../../db/repositories/exclusions.repository';
import { recordAttemptResult, type StoredResult } from '../../db/repositories/results.repository';
import { answerWithoutAdmission, type TriggerAnswer, type TriggerStatus } from '../../policy/trigger-answer';
import { forgetLiveAggregates } from '../../db/repositories/live.repository';

/**
 * The integration surface (docs/api.md, docs/rules.md "The integration surface"): CRMs add
 * contacts (trigger) and suppress them (exclude); the bot platform reports post-call results. The trigger
 * is the hot path (≥ 2,000 req/s): a campaign read (with seat usage and the idempotency key's answer),
 * one upsert statement that also stores the key's answer (one commit), and admission only when a seat is
 * free (then a second commit stores the answer admission gave).
 */

const TriggerBodySchema = Type.Object({
  campaign_id: Uuid,
  mobile: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Number()]),
  metadata: Type.Optional(Nullable(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown()))),
  /** The contact's IANA timezone for recipient hours; blank: the campaign's. */
  timezone: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  idempotency_key: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 255 }))),
});

const TriggerAnswerSchema = Type.Object({
  status: Type.Union([Type.Literal('dialled'), Type.Literal('queued'), Type.Literal('suppressed')]),
  contact_id: Uuid,
  /** Why a `suppressed` contact will not be dialled. */
  reason: Type.Optional(Type.String()),
});

const ExcludeBodySchema = Type.Object({
  campaign_id: Uuid,
  mobile: Type.Optional(Nullable(Type.Union([Type.String({ maxLength: 64 }), Type.Number()]))),
  match: Type.Optional(
    Nullable(
      Type.Record(
        Type.String({ maxLength: 200 }),
        Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]),
      ),
    ),
  ),
  reason: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
});

const ResultParamsSchema = Type.Object({ attempt_id: Uuid });
const ResultBodySchema = Type.Object({
  disposition: Type.String({ minLength: 1, maxLength: 200 }),
  callback_at: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  turns: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 2_147_483_647 }))),
  summary: Type.Optional(Nullable(Type.String({ maxLength: 100_000 }))),
});
const ResultAnswerSchema = Type.Object({
  attempt_id: Uuid,
  disposition: Type.String(),
  callback_at: Nullable(Timestamp),
  turns: Nullable(Type.Integer()),
  summary: Nullable(Type.String()),
  result_at: Timestamp,
});

/** How long a concurrent duplicate waits for the first request's answer before answering 409. */
const IDEMPOTENCY_WAIT_MS = 10_000;
/** A claimed key with no answer this old belongs to a request that died: it may be taken over. */
const IDEMPOTENCY_STALE_MS = 30_000;

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

/** ISO-8601 date-time; one without an offset is UTC (docs/api.md: timestamps are UTC). */
export function parseIsoDateTime(value: string): Date | null {
  const v = value.trim();
  if (!ISO_DATE_TIME.test(v)) return null;
  const hasOffset = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(v.slice(10));
  const d = new Date(hasOffset ? v : `${v}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Metadata values reach prompts as text: scalars become strings, objects JSON; NULs are dropped. */
function toMetadata(raw: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!raw) return out;
  for (const [k, v] of Object.entries(raw)) {
    const key = k.replace(/\0/g, '').trim();
    if (key === '' || v === null || v === undefined) continue;
    const text = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    out[key] = text.replace(/\0/g, '');
  }
  return out;
}

function phoneOrThrow(raw: string | number, region: string, field: string): string {
  const r = normalisePhone(String(raw), region);
  if (!r.ok) throw invalid([{ field, message: r.reason }]);
  return r.e164;
}

async function trigger(
  deps: AppDeps,
  log: FastifyBaseLogger,
  body: {
    campaign_id: string;
    mobile: string | number;
    metadata?: Record<string, unknown> | null;
    timezone?: string | null;
    idempotency_key?: string | null;
  },
): Promise<TriggerAnswer> {
  const now = (deps.now ?? (() => new Date()))();
  const campaignId = body.campaign_id;
  const phone = phoneOrThrow(body.mobile, deps.settings.defaultPhoneRegion, 'mobile');
  const metadata = toMetadata(body.metadata);
  const timezone = (body.timezone ?? '').trim();
  if (timezone !== '') {
    if (!isValidTimezone(timezone)) {
      throw invalid([{ field: 'timezone', message: `unknown IANA timezone "${timezone}"` }]);
    }
    // Kept with the contact's variables, as a `timezone` CSV column is.
    metadata[CONTACT_TIMEZONE_KEY] = timezone;
  }
  const key = body.idempotency_key ?? null;

  for (let round = 0; round < 5; round++) {
    const campaign = await loadTriggerCampaign(deps.db, campaignId, key, now);
    if (!campaign) throw notFound('campaign', campaignId);
    let claimKey = key !== null;
    if (key !== null && campaign.stored_response) return campaign.stored_response as unknown as TriggerAnswer;
    if (key !== null && campaign.key_exists) {
      // Another request with this key is in the middle of it: its answer is ours.
      const waited = await awaitIdempotentResponse(deps.db, campaignId, key, IDEMPOTENCY_WAIT_MS);
      if (waited.kind === 'answered') return waited.response as unknown as TriggerAnswer;
      if (waited.kind === 'released') continue;
      const stale = new Date(Date.now() - IDEMPOTENCY_STALE_MS);
      if (!(await takeOverStaleKey(deps.db, campaignId, key, stale, new Date()))) {
        throw conflict(
          'idempotency_in_progress',
          `A request with idempotency_key "${key}" is still being processed`,
        );
      }
      claimKey = false; // taken over: the key row is ours already
    }

    const { status, config } = campaign;
    if (status === 'completed' || status === 'failed') {
      throw conflict(
        'invalid_state',
        `Campaign ${campaignId} is ${status}: it takes no new contacts. Restart it first.`,
      );
    }
    const live = status === 'running' || status === 'paused';
    // Only a live single-day run's window matters here (a draft queues whatever the hour); the maths is not
    // free at 2,000/s.
    if (live && config.mode === 'single_day' && isCalendarBlock(dialGate({ campaign: config, now }))) {
      throw conflict(
        'outside_window',
        'This single-day campaign is outside its calling window: a trigger now could not survive the window-close sweep. Use a multi-day campaign to queue out-of-hours triggers.',
      );
    }

    // A seat may be leased now only on a running run with one free: otherwise the answer is known without
    // admission and is stored with the key by the upsert itself.
    const mayAdmitNow = status === 'running' && campaign.seats_in_use < config.concurrency;
    const zones = timezonesToStore(metadata, numberTimezones(phone));
    const contact = await upsertTriggeredContact(deps.db, {
      campaignId,
      phone,
      metadata,
      runNo: campaign.run_no,
      sticky: config.sticky_exclusion,
      readyAt: live ? now : null,
      now,
      idempotencyKey: key,
      claimKey,
      mayAdmitNow,
      timezones: zones,
    });
    if (!contact) continue; // lost the key to a concurrent request: wait for its answer
    const wake = (answer: TriggerAnswer): TriggerAnswer => {
      if (status === 'running' && answer.status !== 'suppressed') {
        deps.engine.wake({ campaignId, runNo: campaign.run_no }).catch((err: unknown) => {
          log.warn({ err, campaignId }, 'engine wake after trigger failed');
        });
      }
      return answer;
    };
    if (contact.stored_response) return wake(contact.stored_response);
    try {
      const known = answerWithoutAdmission(contact, {
        stickyExclusion: config.sticky_exclusion,
        mayAdmitNow,
      });
      const decided = known ?? {
        status: await dialOrQueue(deps, campaignId, campaign, contact, zones, now),
      };
      const answer: TriggerAnswer = {
        status: decided.status,
        contact_id: contact.id,
        ...(decided.reason ? { reason: decided.reason } : {}),
      };
      if (key !== null) await storeIdempotentResponse(deps.db, campaignId, key, contact.id, { ...answer });
      return wake(answer);
    } catch (err) {
      if (key !== null) await releaseIdempotencyKey(deps.db, campaignId, key).catch(() => undefined);
      throw err;
    }
  }
  throw conflict(
    'idempotency_in_progress',
    `A request with idempotency_key "${key}" is still being processed`,
  );
}

/** Asked only when the contact is neither suppressed nor in a call: `dialled` when admission leased it a seat just now. */
async function dialOrQueue(
  deps: AppDeps,
  campaignId: string,
  campaign: TriggerCampaign,
  contact: TriggeredContact,
  zones: readonly string[],
  now: Date,
): Promise<TriggerStatus> {
  const thisRun = contact.run_no === campaign.run_no;
  const run: DialRunState =
    thisRun && campaign.status === 'running'
      ? 'running'
      : thisRun && campaign.status === 'paused'
        ? 'paused'
        : 'not_running';
  const gate = dialGate({
    campaign: campaign.config,
    run: { state: run },
    // Suppression was answered (with its reason) before this.
    // A contact outside its own hours answers queued (the claim holds it until they open).
    contact: {
      suppressed: false,
      dueAt: contact.ready ? now : null,
      timezones: contactTimezones(zones, null, campaign.config.window.timezone),
    },
    now,
  });
  const dialNow =
    gate.allowed && contact.state === 'pending' && campaign.seats_in_use < campaign.config.concurrency;
  if (!dialNow) return 'queued';
  const lease = await admitContactNow(deps.db, { campaignId, contactId: contact.id, now });
  return lease ? 'dialled' : 'queued';
}

function presentResult(r: StoredResult) {
  return {
    attempt_id: r.attempt_id,
    disposition: r.disposition,
    callback_at: r.callback_at ? r.callback_at.toISOString() : null,
    turns: r.turns,
    summary: r.summary,
    result_at: r.result_at.toISOString(),
  };
}

export async function integrationRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const now = deps.now ?? (() => new Date());
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/campaigns/trigger',
    {
      schema: {
        summary: 'Add one contact and dial it now, or queue it (idempotent with idempotency_key)',
        body: TriggerBodySchema,
        response: { 200: TriggerAnswerSchema, ...errorResponses(401, 404, 409, 422) },
      },
    },
    async (request) => trigger(deps, request.log, request.body),
  );

  r.post(
    '/contacts/exclude',
    {
      schema: {
        summary: 'Exclude contacts by number or by one or two metadata keys',
        body: ExcludeBodySchema,
        response: { 200: Type.Object({ matched: Type.Integer() }), ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      const hasMobile =
        body.mobile !== undefined && body.mobile !== null && String(body.mobile).trim() !== '';
      const hasMatch = body.match !== undefined && body.match !== null;
      const problems: ErrorDetail[] = [];
      if (hasMobile === hasMatch) {
        problems.push({
          field: hasMobile ? 'match' : 'mobile',
          message: 'send exactly one of mobile and match',
        });
      }
      let match: Record<string, string> | undefined;
      if (hasMatch && body.match) {
        const entries = Object.entries(body.match).map(([k, v]) => [k.trim(), String(v).trim()] as const);
        if (entries.length < 1 || entries.length > 2) {
          problems.push({ field: 'match', message: 'must name one or two metadata keys' });
        } else if (entries.some(([k, v]) => k === '' || v === '')) {
          problems.push({ field: 'match', message: 'keys and values must not be empty' });
        }
        match = Object.fromEntries(entries);
      }
      if (problems.length > 0) throw invalid(problems);
      const mobile = hasMobile
        ? phoneOrThrow(body.mobile as string | number, deps.settings.defaultPhoneRegion, 'mobile')
        : undefined;
      const result = await excludeContacts(deps.db, {
        campaignId: body.campaign_id,
        ...(mobile !== undefined ? { mobile } : {}),
        ...(match !== undefined ? { match } : {}),
        reason: body.reason?.trim() || null,
        actor: request.actor || 'api',
        now: now(),
      });
      forgetLiveAggregates(body.campaign_id);
      const { status, run_no: runNo } = result.campaign;
      if (status === 'running' || status === 'paused') {
        deps.engine.wake({ campaignId: body.campaign_id, runNo }).catch((err: unknown) => {
          request.log.warn({ err, campaignId: body.campaign_id }, 'engine wake after exclusion failed');
        });
      }
      return { matched: result.matched };
    },
  );

  r.post(
    '/attempts/:attempt_id/result',
    {
      schema: {
        summary:
          "The bot platform's post-call result for an attempt (idempotent; a different second result is 409)",
        params: ResultParamsSchema,
        body: ResultBodySchema,
        response: { 200: ResultAnswerSchema, ...errorResponses(401, 404, 409, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      let callbackAt: Date | null = null;
      if (body.callback_at !== undefined && body.callback_at !== null && body.callback_at !== '') {
        callbackAt = parseIsoDateTime(body.callback_at);
        if (!callbackAt) throw invalid([{ field: 'callback_at', message: 'must be an ISO-8601 date-time' }]);
      }
      const { result, awaitedByDial } = await recordAttemptResult(
        deps.db,
        request.params.attempt_id,
        {
          disposition: body.disposition.trim(),
          callbackAt,
          turns: body.turns ?? null,
          summary: body.summary ?? null,
          raw: body as Record<string, unknown>,
        },
        now(),
      );
      // The call's dial activity waits for the result itself (and heard it at commit), or still follows
      // the call and reads it with its end: no signal, which would cost the contact's history an event and
      // a workflow task.
      if (awaitedByDial) return presentResult(result);
      try {
        // Also on an identical repeat: the platform retries when it did not hear back, maybe because
        // telling the engine failed the first time. The contact workflow ignores a second delivery.
        await deps.engine.deliverResult({
          campaignId: result.campaign_id,
          runNo: result.run_no,
          contactId: result.contact_id,
          attemptId: result.attempt_id,
          // Named in the signal, so the contact's history shows what arrived.
          disposition: body.disposition.trim(),
          callbackAt: callbackAt?.toISOString() ?? null,
        });
      } catch (err) {
        // Stored in Postgres, which the contact workflow reads when the call ends; the signal only hurries it.
        request.log.warn({ err, attemptId: result.attempt_id }, 'deliverResult failed; the result is stored');
      }
      return presentResult(result);
    },
  );
}
