import { sql } from 'kysely';
import type { Db } from '../connection';
import type { CampaignEngine, TaskQueuePollers } from '../../engine/campaign-engine';
import { resolveCampaignConfig } from '../../policy/campaign-config';
import { isDialAllowed, localDateOf, nextOpening, weekdayOf } from '../../policy/calendar';
import {
  diagnose,
  OVERDUE_SLACK_MS,
  POLLER_FRESH_MS,
  SIP_404_RANG_S,
  type CheckResult,
  type DiagnosisEvidence,
  type PollerFacts,
  type RunWorkflowFacts,
  type SwitchFacts,
} from '../../policy/diagnosis';
import { explainContact, type ContactDiagnosisFacts, type Gate } from '../../policy/contact-diagnosis';
import { contactTimezones } from '../../policy/contact-timezone';
import { capWindowMs } from '../../policy/frequency-cap';
import { getSettings, placedDialsSince } from './settings.repository';
import { planAfterAttempt } from '../../policy/after-attempt';
import { notFound } from '../../policy/errors';
import { startGaps } from './runs.repository';
import { loadAttemptFacts } from './attempts.repository';
import { switchStatus } from './worker-presence.repository';

/**
 * Gathers the evidence the troubleshooting checks judge (policy/diagnosis.ts) from live state: Postgres
 * (campaign, contacts, attempts, carriers, the workers' presence) and Temporal's description of the task
 * queues. Cheap enough to run every few seconds per running campaign: each query reads through an index
 * on the campaign (attempts_open_campaign_idx for calls in flight, attempts_report_idx for the recent ends).
 */

/** How many of the run's latest ended attempts the SIP pattern looks at, and how far back. */
export const SIP_SAMPLE_SIZE = 50;
const SIP_LOOKBACK_MS = 15 * 60_000;
/** Stale-state recoveries this recent count as "recovered lately". */
const RECOVERED_LOOKBACK_MS = 15 * 60_000;
/** A contact final for this long while its attempt is still open has a finished call missing from the report. */
const FINAL_WITH_OPEN_ATTEMPT_MS = 60_000;
/** An on-deck contact whose carrier slot is this late is held by the carrier's rate. */
const RATE_HELD_MS = 5_000;

export interface DiagnosisDeps {
  db: Db;
  engine: Pick<CampaignEngine, 'taskQueuePollers' | 'runState'>;
  /** The dialler's timings: a call older than ring timeout + longest call should have ended. */
  timings: { ringTimeoutS: number; maxCallS: number };
}

export interface Diagnosis {
  campaign_id: string;
  run_no: number;
  campaign_status: string;
  checked_at: string;
  checks: CheckResult[];
}

/** Who polls the task queues, judged fresh against `now`; asked once per detector round for all campaigns. */
export async function gatherPollers(
  engine: Pick<CampaignEngine, 'taskQueuePollers'>,
  now: Date,
): Promise<PollerFacts> {
  let queues: TaskQueuePollers[];
  try {
    queues = await engine.taskQueuePollers();
  } catch (err) {
    return { reachable: false, error: err instanceof Error ? err.message : String(err), queues: [] };
  }
  return {
    reachable: true,
    error: null,
    queues: queues.map((q) => {
      const times = q.pollers.map((p) => p.lastAccessAt?.getTime() ?? 0);
      const latest = times.length > 0 ? Math.max(...times) : 0;
      return {
        taskQueue: q.taskQueue,
        kind: q.kind,
        pollers: times.filter((t) => now.getTime() - t <= POLLER_FRESH_MS).length,
        lastPollAt: latest > 0 ? new Date(latest) : null,
      };
    }),
  };
}

/** The workers' switch connection, from their presence rows (worker-presence.repository). */
export async function gatherSwitch(db: Db, now: Date): Promise<SwitchFacts> {
  const status = await switchStatus(db, now);
  return {
    known: status.workers > 0,
    connected: status.connected,
    workers: status.workers,
    since: status.since ? new Date(status.since) : null,
  };
}

/**
 * What the run's workflow says of itself (asked only while the campaign has a run open), and when Postgres
 * last changed the campaign's status: its latest start, pause or resume.
 */
async function gatherRunWorkflow(
  db: Db,
  engine: Pick<CampaignEngine, 'runState'>,
  campaign: { id: string; run_no: number; status: string },
  pollers: PollerFacts,
): Promise<RunWorkflowFacts> {
  // Without a run open the check has nothing to compare: neither side is asked.
  if (campaign.status !== 'running' && campaign.status !== 'paused') {
    return { asked: false, error: null, report: null, statusSince: null };
  }
  const latest = await db
    .selectFrom('activity_log')
    .select('at')
    .where('campaign_id', '=', campaign.id)
    .where('run_no', '=', campaign.run_no)
    .where('action', 'in', ['start', 'pause', 'resume'])
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const statusSince = latest?.at ?? null;
  // A query needs a worker: without one it only waits out its deadline, for every campaign of a detector
  // round. worker_polling already names what is missing.
  const unanswerable = !pollers.reachable
    ? (pollers.error ?? 'Temporal did not answer')
    : pollers.queues.some((q) => q.kind === 'workflow' && q.pollers === 0)
      ? 'a workflow task queue has no worker to answer the query'
      : null;
  if (unanswerable) return { asked: false, error: unanswerable, report: null, statusSince };
  try {
    const report = await engine.runState({ campaignId: campaign.id, runNo: campaign.run_no });
    return { asked: true, error: null, report, statusSince };
  } catch (err) {
    return {
      asked: false,
      error: err instanceof Error ? err.message : String(err),
      report: null,
      statusSince,
    };
  }
}

/**
 * Everything but the pollers and the switch, which are the same for every campaign: the detector asks for
 * them once per round.
 */
export async function gatherCampaignEvidence(
  db: Db,
  campaignId: string,
  now: Date,
  timings: DiagnosisDeps['timings'],
  shared: { pollers: PollerFacts; switch: SwitchFacts },
  engine: Pick<CampaignEngine, 'runState'>,
): Promise<DiagnosisEvidence> {
  const campaign = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (!campaign) throw notFound('campaign', campaignId);
  const runNo = campaign.run_no;
  const config = resolveCampaignConfig({}, campaign.config).config;
  const stallThresholdS = timings.ringTimeoutS + timings.maxCallS;

  const [runWorkflow, gaps, lastStart, run, contactsQ, attemptsQ, sipQ, carriersQ, overdueQ] =
    await Promise.all([
      gatherRunWorkflow(db, engine, campaign, shared.pollers),
      campaign.status === 'draft' ? startGaps(db, campaign) : Promise.resolve([]),
      db
        .selectFrom('activity_log')
        .select(['action', 'at', 'details'])
        .where('campaign_id', '=', campaignId)
        .where('action', 'in', ['start', 'start_failed'])
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),
      db
        .selectFrom('campaign_runs')
        .select(['started_at'])
        .where('campaign_id', '=', campaignId)
        .where('run_no', '=', runNo)
        .executeTakeFirst(),
      // Contacts of an earlier run (a prepared restart) count as what the start makes of them: pending.
      sql<{
        state: string;
        n: number;
        ready: number;
        ready_long: number;
      }>`
      select case when run_no >= ${runNo} then state else 'pending' end as state, count(*)::int as n,
        count(*) filter (where run_no >= ${runNo} and final_at is null and ready_at <= ${now})::int as ready,
        count(*) filter (where run_no >= ${runNo} and final_at is null
          and ready_at <= ${new Date(now.getTime() - OVERDUE_SLACK_MS)})::int as ready_long
      from contacts where campaign_id = ${campaignId} group by 1`.execute(db),
      // Open attempts (attempts_open_campaign_idx) and the run's end anomalies in one pass.
      sql<{
        calls_up: number;
        on_deck: number;
        last_dial_at: Date | null;
        stalled: number;
        oldest_stalled: Date | null;
        expired_in_call: number;
        oldest_expired: Date | null;
        held_by_rate: number;
        open_of_final: number;
      }>`
      select
        count(*) filter (where a.status <> 'leased')::int as calls_up,
        count(*) filter (where a.status = 'leased')::int as on_deck,
        (select max(created_at) from attempts where campaign_id = ${campaignId} and originate_sent_at is not null)
          as last_dial_at,
        count(*) filter (where a.originate_sent_at < ${new Date(now.getTime() - stallThresholdS * 1000)})::int
          as stalled,
        min(a.originate_sent_at) filter (where a.originate_sent_at < ${new Date(now.getTime() - stallThresholdS * 1000)})
          as oldest_stalled,
        count(*) filter (where a.originate_sent_at is not null and a.lease_expires_at < ${now})::int
          as expired_in_call,
        min(a.lease_expires_at) filter (where a.originate_sent_at is not null and a.lease_expires_at < ${now})
          as oldest_expired,
        count(*) filter (where a.status = 'leased' and a.dial_not_before < ${new Date(now.getTime() - RATE_HELD_MS)}
          and exists (select 1 from carriers k where k.id = a.carrier_id and k.cps_limit > 0))::int as held_by_rate,
        count(*) filter (where a.originate_sent_at is not null and exists (
          select 1 from contacts c where c.id = a.contact_id
            and c.final_at < ${new Date(now.getTime() - FINAL_WITH_OPEN_ATTEMPT_MS)})) ::int as open_of_final
      from attempts a where a.campaign_id = ${campaignId} and a.ended_at is null`.execute(db),
      sql<{
        sample: number;
        s429: number;
        s5xx: number;
        nf_fast: number;
        nf_rang: number;
        recovered: number;
        incomplete: number;
      }>`
      with recent as (
        select sip_code, ring_s from attempts
        where campaign_id = ${campaignId} and run_no = ${runNo} and ended_at > ${new Date(now.getTime() - SIP_LOOKBACK_MS)}
        order by ended_at desc limit ${SIP_SAMPLE_SIZE})
      select count(*)::int as sample,
        count(*) filter (where sip_code = 429)::int as s429,
        count(*) filter (where sip_code between 500 and 599)::int as s5xx,
        count(*) filter (where sip_code = 404 and coalesce(ring_s, 0) < ${SIP_404_RANG_S})::int as nf_fast,
        count(*) filter (where sip_code = 404 and ring_s >= ${SIP_404_RANG_S})::int as nf_rang,
        (select count(*)::int from attempts where campaign_id = ${campaignId} and run_no = ${runNo}
           and hangup_cause = 'ORI_STALE_RECOVERY'
           and ended_at > ${new Date(now.getTime() - RECOVERED_LOOKBACK_MS)}) as recovered,
        (select count(*)::int from attempts where campaign_id = ${campaignId} and run_no = ${runNo}
           and ((status = 'ended' and ended_at is null) or (ended_at is not null and outcome is null))) as incomplete
      from recent`.execute(db),
      sql<{ name: string; gateway: string; cps_limit: number | null; dials_10s: number }>`
      select k.name, k.gateway, k.cps_limit,
        (select count(*)::int from attempts a where a.carrier_id = k.id
           and a.originate_sent_at > ${new Date(now.getTime() - 10_000)}) as dials_10s
      from carriers k
      where k.id in (select n.carrier_id from campaign_numbers cn join numbers n on n.id = cn.number_id
                     where cn.campaign_id = ${campaignId} and not n.inbound_only)
      order by k.name`.execute(db),
      // Waiting for a due time that passed, never made ready, and not on deck (a leased contact keeps its
      // waiting state until its claim).
      sql<{ n: number; oldest: Date | null }>`
      select count(*)::int as n, min(c.next_due_at) as oldest from contacts c
      where c.campaign_id = ${campaignId} and c.run_no = ${runNo} and c.final_at is null
        and c.state in ('retry_scheduled', 'callback_scheduled') and c.ready_at is null
        and c.next_due_at < ${new Date(now.getTime() - OVERDUE_SLACK_MS)}
        and not exists (select 1 from attempts a where a.contact_id = c.id and a.ended_at is null)`.execute(
        db,
      ),
    ]);

  const count = (states: readonly string[]): number =>
    contactsQ.rows.filter((r) => states.includes(r.state)).reduce((n, r) => n + r.n, 0);
  const a = attemptsQ.rows[0];
  const s = sipQ.rows[0];
  const o = overdueQ.rows[0];
  const insideWindow = isDialAllowed(config.window, config.working_days, now);
  let opening: Date | null = null;
  if (!insideWindow) {
    try {
      opening = nextOpening(config.window, config.working_days, now);
    } catch {
      opening = null;
    }
  }
  const startFailure =
    lastStart?.action === 'start_failed'
      ? { at: lastStart.at, reason: String(lastStart.details?.reason ?? 'no reason recorded') }
      : null;

  return {
    now,
    campaign: {
      status: campaign.status,
      runNo,
      alwaysOn: config.always_on,
      startGaps: gaps,
      lastStartFailure: startFailure,
      runStartedAt: run?.started_at ?? null,
    },
    window: {
      insideWindow,
      workingDay: config.working_days.includes(weekdayOf(localDateOf(now, config.window.timezone))),
      window: config.window,
      workingDays: config.working_days,
      nextOpening: opening,
    },
    contacts: {
      total: contactsQ.rows.reduce((n, r) => n + r.n, 0),
      pending: count(['pending']),
      retryScheduled: count(['retry_scheduled']),
      callbackScheduled: count(['callback_scheduled']),
      ready: contactsQ.rows.reduce((n, r) => n + r.ready, 0),
      readyLongerThanSlack: contactsQ.rows.reduce((n, r) => n + r.ready_long, 0),
      inFlight: count(['dialling', 'ringing', 'in_progress']),
      final: count([
        'completed',
        'failed',
        'abandoned',
        'machine',
        'window_closed',
        'manually_stopped',
        'excluded',
      ]),
    },
    dials: { lastDialAt: a?.last_dial_at ?? null },
    seats: { concurrency: config.concurrency, callsUp: a?.calls_up ?? 0, onDeck: a?.on_deck ?? 0 },
    carriers: {
      carriers: carriersQ.rows.map((k) => ({
        name: k.name,
        gateway: k.gateway,
        cpsLimit: k.cps_limit,
        dialsLast10s: k.dials_10s,
      })),
      heldByRate: a?.held_by_rate ?? 0,
    },
    pollers: shared.pollers,
    run: runWorkflow,
    switch: shared.switch,
    sip: {
      sample: s?.sample ?? 0,
      status429: s?.s429 ?? 0,
      status5xx: s?.s5xx ?? 0,
      notFoundFast: s?.nf_fast ?? 0,
      notFoundAfterRing: s?.nf_rang ?? 0,
    },
    stall: {
      thresholdS: stallThresholdS,
      stalled: a?.stalled ?? 0,
      oldestStartedAt: a?.oldest_stalled ?? null,
      recoveredRecently: s?.recovered ?? 0,
    },
    overdue: { notReady: o?.n ?? 0, oldestDueAt: o?.oldest ?? null },
    leases: { expiredInCall: a?.expired_in_call ?? 0, oldestExpiredAt: a?.oldest_expired ?? null },
    report: { endedButIncomplete: s?.incomplete ?? 0, openOfFinalContacts: a?.open_of_final ?? 0 },
  };
}

/** Run every check against live state for one campaign (GET …/diagnose). */
export async function diagnoseCampaign(
  deps: DiagnosisDeps,
  campaignId: string,
  now: Date,
): Promise<Diagnosis> {
  const [pollers, switchFacts] = await Promise.all([
    gatherPollers(deps.engine, now),
    gatherSwitch(deps.db, now),
  ]);
  const evidence = await gatherCampaignEvidence(
    deps.db,
    campaignId,
    now,
    deps.timings,
    { pollers, switch: switchFacts },
    deps.engine,
  );
  return {
    campaign_id: campaignId,
    run_no: evidence.campaign.runNo,
    campaign_status: evidence.campaign.status,
    checked_at: now.toISOString(),
    checks: diagnose(evidence),
  };
}

export interface ContactDiagnosis {
  campaign_id: string;
  contact_id: string;
  run_no: number;
  state: string;
  reason: string;
  explanation: string;
  next_due_at: string | null;
  attempts: number;
  max_attempts: number;
  pass: number;
  last_outcome: string | null;
  last_sip_code: number | null;
  last_disposition: string | null;
  gates: Gate[];
  attempt_trail: {
    attempt_no: number;
    attempt_id: string;
    status: string;
    outcome: string | null;
    sip_code: number | null;
    disposition: string | null;
    started_at: string | null;
    ended_at: string | null;
  }[];
  /** Whether its workflow exists in the current run (it was admitted at least once). */
  has_workflow: boolean;
  checked_at: string;
}

/** Why one contact is where it is (GET …/contacts/:contact_id/diagnose). */
export async function diagnoseContact(
  db: Db,
  campaignId: string,
  contactId: string,
  now: Date,
): Promise<ContactDiagnosis> {
  const campaign = await db
    .selectFrom('campaigns')
    .leftJoin('bots', 'bots.id', 'campaigns.bot_id')
    .select([
      'campaigns.status',
      'campaigns.run_no',
      'campaigns.config',
      'campaigns.completion_reason',
      'bots.callback_enabled',
    ])
    .where('campaigns.id', '=', campaignId)
    .executeTakeFirst();
  if (!campaign) throw notFound('campaign', campaignId);
  const contact = await db
    .selectFrom('contacts')
    .selectAll()
    .where('id', '=', contactId)
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  if (!contact) throw notFound('contact', contactId);
  const runNo = campaign.run_no;
  const current = contact.run_no >= runNo;
  const config = resolveCampaignConfig({}, campaign.config).config;
  const [attempts, optedOut] = await Promise.all([
    current
      ? db
          .selectFrom('attempts')
          .selectAll()
          .where('contact_id', '=', contactId)
          .where('run_no', '=', runNo)
          .orderBy('attempt_no')
          .execute()
      : Promise.resolve([]),
    contact.phones.length > 0
      ? db.selectFrom('opt_outs').select('phone').where('phone', 'in', contact.phones).executeTakeFirst()
      : Promise.resolve(undefined),
  ]);
  const open = attempts.find((a) => a.ended_at === null) ?? null;
  const lastEnded = [...attempts].reverse().find((a) => a.ended_at !== null) ?? null;

  let lastDecision: ContactDiagnosisFacts['lastDecision'] = null;
  if (lastEnded?.ended_at) {
    const facts = await loadAttemptFacts(db, contactId, lastEnded.attempt_id);
    // Replayed as it stood when that attempt ended: its own pass and phone, not where the decision moved it.
    const replay = {
      ...facts,
      contact: { ...facts.contact, pass: lastEnded.pass, phoneIndex: lastEnded.phone_index },
    };
    lastDecision = {
      reason: planAfterAttempt(replay, lastEnded.ended_at).reason,
      outcome: lastEnded.outcome ?? 'error',
      sipCode: lastEnded.sip_code,
      disposition: lastEnded.disposition,
      endedAt: lastEnded.ended_at,
      callbackRequested: lastEnded.callback_at !== null,
    };
  }
  const insideWindow = isDialAllowed(config.window, config.working_days, now);
  let opening: Date | null = null;
  if (!insideWindow) {
    try {
      opening = nextOpening(config.window, config.working_days, now);
    } catch {
      opening = null;
    }
  }
  const { frequency_cap: cap } = await getSettings(db);
  const dialPhone = contact.phones[contact.phone_index] ?? contact.phones[0] ?? contact.phone;
  const frequency = cap
    ? { cap, placedAt: await placedDialsSince(db, dialPhone, new Date(now.getTime() - capWindowMs(cap))) }
    : null;
  const sticky = Boolean(config.sticky_exclusion);
  const state = current
    ? contact.state
    : sticky && (contact.state === 'excluded' || contact.excluded_at !== null)
      ? 'excluded'
      : 'pending';
  const explained = explainContact({
    now,
    campaignStatus: campaign.status,
    config,
    botCallbackEnabled: campaign.callback_enabled ?? false,
    insideWindow,
    nextOpening: opening,
    contact: {
      state,
      attempts: current ? contact.attempts : 0,
      pass: current ? contact.pass : 1,
      nextDueAt: current ? contact.next_due_at : null,
      readyAt: current ? contact.ready_at : null,
      callbackAt: current ? contact.callback_at : null,
      excluded: current ? contact.excluded_at !== null : state === 'excluded',
      exclusionReason: contact.exclusion_reason,
      optedOut: optedOut !== undefined,
      redialsStopped: current && contact.redials_stopped,
      exhaustedRetries: current && contact.exhausted_retries,
      timezones: contactTimezones(contact.timezones, contact.metadata, config.window.timezone),
      heldBy: current ? contact.held_by : null,
    },
    frequency,
    openAttempt: open
      ? { attemptId: open.attempt_id, status: open.status, originateSentAt: open.originate_sent_at }
      : null,
    lastDecision,
  });
  return {
    campaign_id: campaignId,
    contact_id: contactId,
    run_no: runNo,
    state,
    reason: explained.reason,
    explanation: explained.explanation,
    next_due_at: current && contact.next_due_at ? contact.next_due_at.toISOString() : null,
    attempts: current ? contact.attempts : 0,
    max_attempts: config.max_attempts,
    pass: current ? contact.pass : 1,
    last_outcome: current ? contact.last_outcome : null,
    last_sip_code: current ? contact.last_sip_code : null,
    last_disposition: current ? contact.last_disposition : null,
    gates: explained.gates,
    attempt_trail: attempts.map((a) => ({
      attempt_no: a.attempt_no,
      attempt_id: a.attempt_id,
      status: a.status,
      outcome: a.outcome,
      sip_code: a.sip_code,
      disposition: a.disposition,
      started_at: a.originate_sent_at ? a.originate_sent_at.toISOString() : null,
      ended_at: a.ended_at ? a.ended_at.toISOString() : null,
    })),
    has_workflow: current && (contact.workflow_started || contact.attempts > 0),
    checked_at: now.toISOString(),
  };
}
