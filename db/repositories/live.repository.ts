import { sql, type Kysely } from 'kysely';
import type { CampaignStatus, Database } from '../schema';
import { FINAL_STATES, WAITING_STATES } from '../../policy/contact-state';
import { dialGate, openTimezoneSets } from '../../policy/dial-gate';
import {
  liveActivity,
  liveActivityReason,
  type LiveActivity,
  type LiveActivityReason,
} from '../../policy/admission';
import { switchStatus } from './worker-presence.repository';
import { findCampaignBasics } from './contacts.repository';

/**
 * The live panel (docs/api.md, docs/rules.md "Operating a campaign"), computed from Postgres on
 * every poll, on a 500,000-contact / 1,000,000-attempt campaign in ~5 ms (measured) once warm:
 *
 * Second-by-second counters, fresh on every poll, each answered by an index:
 * - ringing / in progress: attempts_open_campaign_idx (partial, ended_at is null: only calls in flight);
 * - dials in the last 10 s and the last dial: attempts_campaign_created_idx (campaign_id, created_at);
 * - answers in the last 5 min: attempts_campaign_answered_idx (partial, answered_at is not null);
 * - finished in the last 5 min (the ETA's rate): attempts_report_idx (campaign_id, run_no, ended_at);
 * - callbacks by state: contacts_callback_idx (partial, callback_state is not null), index-only.
 * Run-wide aggregates (passes, metrics, avg ring, contacts by state and pass, callback delay): one pass
 * over the run's attempts (attempts_report_idx's leading campaign_id, run_no), one over the campaign's
 * contacts, and attempts_callback_idx + attempts_contact_run_no_uq for the callback delay. They grow with
 * the run (about 1 s at the size above), so they are cached adaptively: see `runAggregates`.
 *
 * Decisions where docs/api.md is silent: rates are percentages 0–100 rounded to 0.1 (the UI labels them "%"),
 * null when their denominator is 0; `ringing` counts calls placed and not answered (dialling + ringing);
 * `pending` counts every waiting contact (pending, retry_scheduled, callback_scheduled); `retries_left`
 * the contacts waiting for a retry (retry_scheduled); `eta_s` extrapolates the last 5 minutes' finishing
 * rate over the contacts not yet final (null when nothing finished lately or the campaign is not running);
 * a pass is "attempted" by the distinct contacts dialled in it and "eligible" for every contact that
 * reached it (all contacts for pass 1).
 */

type AnyDb = Kysely<Database>;

export interface PassRow {
  pass: number;
  attempted: number;
  eligible: number;
  connected_pct: number | null;
  started_at: string | null;
  ended_at: string | null;
}

export interface LiveView {
  status: CampaignStatus;
  activity: LiveActivity;
  /** Why it is not dialling when the activity alone does not say: no worker reaches the switch. */
  activity_reason: LiveActivityReason | null;
  run_no: number;
  ringing: number;
  in_progress: number;
  dials_per_sec: number;
  connected_per_hr: number;
  avg_ring_s: number | null;
  last_dial_at: string | null;
  pending: number;
  retries_left: number;
  /** Waiting contacts held back by a compliance rule until their own time (contacts.held_by). */
  held: { frequency_cap: number; recipient_hours: number };
  passes: PassRow[];
  progress: { processed: number; total: number };
  eta_s: number | null;
  metrics: {
    answer_rate: number | null;
    completion_rate: number | null;
    abandon_rate: number | null;
    aht_s: number | null;
  };
  callbacks: {
    requested: number;
    pending: number;
    completed: number;
    cancelled: number;
    avg_delay_s: number | null;
  };
  /**
   * The run as a whole (the finished campaign's figures): dials and connected calls, from the first dial to
   * the last hang-up, and the rates over that span. The live counters above cover the last seconds only,
   * which read 0 once a campaign is over.
   */
  run: RunFigures;
}

export interface RunFigures {
  dials: number;
  connected: number;
  started_at: string | null;
  ended_at: string | null;
  dials_per_sec: number | null;
  connected_per_hr: number | null;
  calls_per_min: number | null;
}

/** Rates over the run's span; null until the span is a second long. */
export function runFigures(
  dials: number,
  connected: number,
  startedAt: Date | null,
  endedAt: Date | null,
): RunFigures {
  const spanS = startedAt && endedAt ? (endedAt.getTime() - startedAt.getTime()) / 1000 : 0;
  const rate = (n: number, perS: number): number | null =>
    spanS >= 1 ? Math.round((n / spanS) * perS * 100) / 100 : null;
  return {
    dials,
    connected,
    started_at: startedAt ? startedAt.toISOString() : null,
    ended_at: endedAt ? endedAt.toISOString() : null,
    dials_per_sec: rate(dials, 1),
    connected_per_hr: rate(connected, 3600),
    calls_per_min: rate(dials, 60),
  };
}

const pct = (part: number, whole: number): number | null =>
  whole > 0 ? Math.round((part / whole) * 1000) / 10 : null;
const round1 = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10);

interface PassAggregate {
  pass: number;
  attempted: number;
  attempts: number;
  finished: number;
  answered: number;
  completed: number;
  abandoned: number;
  talk_sum: number | null;
  talk_n: number;
  ring_sum: number | null;
  ring_n: number;
  open: number;
  started_at: Date | null;
  last_end: Date | null;
  last_any_end: Date | null;
}

interface RunAggregates {
  passes: PassAggregate[];
  contacts: { state: string; pass: number; n: number }[];
  /** Average seconds from a callback request (the attempt's end) to the callback's dial. */
  callbackDelayS: number | null;
  /** The contacts ready for a seat, by the zones their recipient hours are judged in. */
  readyByZones: { zones: string[] | null; n: number }[];
}

/**
 * The two queries that read every attempt of the run and every contact (2. and 3. above) take about a
 * second together on a 500,000-contact run with 1,000,000 attempts (measured), which a panel polled every
 * few seconds cannot pay on each poll. So, adaptively: while they are quick (every test, most campaigns)
 * they run on every poll and the panel is exact; once a run is big enough that they take longer than
 * SLOW_AGGREGATE_MS, the last result is served for up to STALE_AFTER_MS while one refresh runs in the
 * background (stale-while-revalidate, one refresh per run at a time). The counters operators watch second
 * by second (ringing, in progress, dials/s, connected/hr, last dial, callbacks) never come from this cache.
 */
export const SLOW_AGGREGATE_MS = 250;
export const STALE_AFTER_MS = 3_000;
const MAX_STALE_MS = 15_000;

interface CachedAggregates {
  value: RunAggregates;
  at: number;
  refreshing: Promise<void> | null;
}
const aggregateCache = new Map<string, CachedAggregates>();

async function computeRunAggregates(
  db: AnyDb,
  campaignId: string,
  runNo: number,
  sticky: boolean,
): Promise<RunAggregates> {
  const [passes, contacts, delay, readyByZones] = await Promise.all([
    sql<{
      pass: number;
      attempted: number;
      attempts: number;
      finished: number;
      answered: number;
      completed: number;
      abandoned: number;
      talk_sum: number | null;
      talk_n: number;
      ring_sum: number | null;
      ring_n: number;
      open: number;
      started_at: Date | null;
      last_end: Date | null;
      last_any_end: Date | null;
    }>`
      select pass, count(distinct contact_id)::int as attempted, count(*)::int as attempts,
        count(ended_at)::int as finished,
        count(*) filter (where answered_at is not null and ended_at is not null)::int as answered,
        count(*) filter (where outcome = 'completed')::int as completed,
        count(*) filter (where outcome = 'abandoned')::int as abandoned,
        sum(talk_s) filter (where outcome = 'completed') as talk_sum,
        count(talk_s) filter (where outcome = 'completed')::int as talk_n,
        sum(ring_s) as ring_sum, count(ring_s)::int as ring_n,
        count(*) filter (where ended_at is null)::int as open,
        min(coalesce(originate_sent_at, created_at)) as started_at,
        -- A callback keeps the pass it was asked in but is dialled whenever the customer chose: the pass's
        -- time range is its own wave of dials, so pass 1 does not run past the end of passes 2 and 3.
        coalesce(max(ended_at) filter (where admit_priority <> 0), max(ended_at)) as last_end,
        max(ended_at) as last_any_end
      from attempts where campaign_id = ${campaignId} and run_no = ${runNo}
      group by pass order by pass`.execute(db),
    sql<{ state: string; pass: number; n: number }>`
      select case when run_no >= ${runNo} then state
                  when ${sticky} and (state = 'excluded' or excluded_at is not null) then 'excluded'
                  else 'pending' end as state,
             case when run_no >= ${runNo} then pass else 1 end as pass,
             count(*)::int as n
      from contacts where campaign_id = ${campaignId}
      group by 1, 2`.execute(db),
    // attempts_callback_idx finds the attempts that asked for a callback; the next attempt of the same
    // contact (attempts_contact_run_no_uq) is the callback dial.
    sql<{ avg_delay_s: number | null }>`
      select avg(extract(epoch from (coalesce(b.originate_sent_at, b.created_at) - a.ended_at)))::float8 as avg_delay_s
      from attempts a
      join attempts b on b.contact_id = a.contact_id and b.run_no = a.run_no and b.attempt_no = a.attempt_no + 1
      where a.campaign_id = ${campaignId} and a.run_no = ${runNo} and a.callback_at is not null
        and a.ended_at is not null`.execute(db),
    // Index-only over contacts_due_by_zone_idx: which of them wait for their local hours is asked per set.
    sql<{ zones: string[] | null; n: number }>`
      select timezones as zones, count(*)::int as n from contacts
      where campaign_id = ${campaignId} and ready_at is not null
      group by timezones`.execute(db),
  ]);
  return {
    passes: passes.rows,
    contacts: contacts.rows,
    callbackDelayS: delay.rows[0]?.avg_delay_s ?? null,
    readyByZones: readyByZones.rows,
  };
}

async function runAggregates(
  db: AnyDb,
  campaignId: string,
  runNo: number,
  sticky: boolean,
  status: string,
): Promise<RunAggregates> {
  // A status change (start, stop, completion) is a new key: the panel never shows a previous state's totals.
  const key = `${campaignId}:${runNo}:${status}:${sticky}`;
  const fresh = async (): Promise<RunAggregates> => {
    const started = Date.now();
    const value = await computeRunAggregates(db, campaignId, runNo, sticky);
    if (Date.now() - started >= SLOW_AGGREGATE_MS)
      aggregateCache.set(key, { value, at: Date.now(), refreshing: null });
    else aggregateCache.delete(key);
    return value;
  };
  const hit = aggregateCache.get(key);
  if (!hit || Date.now() - hit.at > MAX_STALE_MS) return fresh();
  if (Date.now() - hit.at > STALE_AFTER_MS && !hit.refreshing) {
    hit.refreshing = fresh().then(
      () => undefined,
      () => {
        hit.refreshing = null;
      },
    );
  }
  return hit.value;
}

/** Forget cached run aggregates (tests, and after writes that reshape a campaign, such as an upload). */
export function forgetLiveAggregates(campaignId?: string): void {
  for (const key of aggregateCache.keys()) {
    if (!campaignId || key.startsWith(`${campaignId}:`)) aggregateCache.delete(key);
  }
}

/** Ready contacts whose zone set's recipient hours are closed now (admission does not take them). */
function waitingForLocalHours(
  config: Parameters<typeof openTimezoneSets>[0],
  ready: RunAggregates['readyByZones'],
  now: Date,
): number {
  const open = openTimezoneSets(
    config,
    ready.map((r) => r.zones),
    now,
  );
  if (open === 'all') return 0;
  return ready.filter((r) => !open.includes(r.zones)).reduce((n, r) => n + r.n, 0);
}

export async function liveView(db: AnyDb, campaignId: string, now: Date): Promise<LiveView> {
  const campaign = await findCampaignBasics(db, campaignId);
  const runNo = campaign.run_no;
  const sticky = Boolean(campaign.config.sticky_exclusion);
  const preparedRun = campaign.status === 'draft' && campaign.ever_started;
  const tenSecondsAgo = new Date(now.getTime() - 10_000);
  const fiveMinutesAgo = new Date(now.getTime() - 5 * 60_000);

  const [heldQ, recentQ, callbacksQ, heavy] = await Promise.all([
    sql<{ held_by: string; n: number }>`
      select held_by, count(*)::int as n from contacts
      where campaign_id = ${campaignId} and run_no >= ${runNo} and held_by is not null
        and state in ('pending', 'retry_scheduled', 'callback_scheduled')
      group by held_by`.execute(db),
    sql<{
      ringing: number;
      in_progress: number;
      dials_10s: number;
      answered_5m: number;
      finished_5m: number;
      last_dial_at: Date | null;
    }>`
      select
        (select count(*)::int from attempts where campaign_id = ${campaignId} and ended_at is null
           and status in ('dialling', 'ringing')) as ringing,
        (select count(*)::int from attempts where campaign_id = ${campaignId} and ended_at is null
           and status = 'in_progress') as in_progress,
        (select count(*)::int from attempts where campaign_id = ${campaignId} and created_at > ${tenSecondsAgo}
           and originate_sent_at is not null) as dials_10s,
        (select count(*)::int from attempts where campaign_id = ${campaignId} and answered_at > ${fiveMinutesAgo})
           as answered_5m,
        (select count(*)::int from attempts where campaign_id = ${campaignId} and run_no = ${runNo}
           and ended_at > ${fiveMinutesAgo}) as finished_5m,
        (select max(created_at) from attempts where campaign_id = ${campaignId} and originate_sent_at is not null)
           as last_dial_at`.execute(db),
    // One index-only pass over contacts_callback_idx. Contacts of an earlier run keep that run's callback
    // state until the prepared run starts, so only then is run_no read (from the heap).
    sql<{ callback_state: string; n: number }>`
      select callback_state, count(*)::int as n from contacts
      where campaign_id = ${campaignId} and callback_state is not null
        ${preparedRun ? sql`and run_no >= ${runNo}` : sql``}
      group by callback_state`.execute(db),
    runAggregates(db, campaignId, runNo, sticky, campaign.status),
  ]);

  const recent = recentQ.rows[0];
  const callbackCount = (state: string): number =>
    callbacksQ.rows.find((r) => r.callback_state === state)?.n ?? 0;
  let total = 0;
  let processed = 0;
  let pending = 0;
  let retriesLeft = 0;
  const reachedPass = new Map<number, number>();
  for (const r of heavy.contacts) {
    total += r.n;
    if ((FINAL_STATES as readonly string[]).includes(r.state)) processed += r.n;
    if ((WAITING_STATES as readonly string[]).includes(r.state)) pending += r.n;
    if (r.state === 'retry_scheduled') retriesLeft += r.n;
    reachedPass.set(r.pass, (reachedPass.get(r.pass) ?? 0) + r.n);
  }
  // A contact whose current pass is p was eligible for every pass up to p.
  const eligibleFor = (pass: number): number => {
    let n = 0;
    for (const [p, count] of reachedPass) if (p >= pass) n += count;
    return pass === 1 ? total : n;
  };

  let finished = 0;
  let answered = 0;
  let completed = 0;
  let abandoned = 0;
  let talkSum = 0;
  let talkN = 0;
  let ringSum = 0;
  let ringN = 0;
  let dials = 0;
  let firstDial: Date | null = null;
  let lastEnd: Date | null = null;
  const passRows = heavy.passes;
  const passes: PassRow[] = passRows.map((p, i) => {
    finished += p.finished;
    answered += p.answered;
    completed += p.completed;
    abandoned += p.abandoned;
    talkSum += Number(p.talk_sum ?? 0);
    talkN += p.talk_n;
    ringSum += Number(p.ring_sum ?? 0);
    ringN += p.ring_n;
    dials += p.attempts;
    if (p.started_at && (!firstDial || p.started_at < firstDial)) firstDial = p.started_at;
    if (p.last_any_end && (!lastEnd || p.last_any_end > lastEnd)) lastEnd = p.last_any_end;
    const eligible = Math.max(eligibleFor(p.pass), p.attempted);
    // A pass is over when a later one began, or when nothing of it is in flight or still waiting for it.
    const laterStarted = i < passRows.length - 1;
    const over = laterStarted || (p.open === 0 && p.attempted >= eligible);
    return {
      pass: p.pass,
      attempted: p.attempted,
      eligible,
      connected_pct: pct(p.answered, p.finished),
      started_at: p.started_at ? p.started_at.toISOString() : null,
      ended_at: over && p.last_end ? p.last_end.toISOString() : null,
    };
  });
  if (passes.length === 0 && total > 0) {
    passes.push({
      pass: 1,
      attempted: 0,
      eligible: total,
      connected_pct: null,
      started_at: null,
      ended_at: null,
    });
  }

  const ringing = recent?.ringing ?? 0;
  const inProgress = recent?.in_progress ?? 0;
  const lastDialAt = recent?.last_dial_at ?? null;
  // The panel names the run's state first (paused, stopped), so the gate is asked about the calendar alone.
  const insideWindow = dialGate({ campaign: campaign.config, now }).allowed;
  const finishRatePerS = (recent?.finished_5m ?? 0) / 300;
  const remaining = total - processed;
  const activity = liveActivity({
    status: campaign.status,
    insideWindow,
    lastDialAt,
    now,
    ringing,
    inProgress,
  });
  const switchConnected =
    activity === 'live' || activity === 'idle' ? (await switchStatus(db, now)).connected : true;
  return {
    status: campaign.status,
    activity,
    activity_reason: liveActivityReason({ activity, switchConnected }),
    run_no: runNo,
    ringing,
    in_progress: inProgress,
    dials_per_sec: Math.round(((recent?.dials_10s ?? 0) / 10) * 10) / 10,
    connected_per_hr: (recent?.answered_5m ?? 0) * 12,
    avg_ring_s: ringN > 0 ? round1(ringSum / ringN) : null,
    last_dial_at: lastDialAt ? lastDialAt.toISOString() : null,
    pending,
    retries_left: retriesLeft,
    held: {
      frequency_cap: heldQ.rows.find((r) => r.held_by === 'frequency_cap')?.n ?? 0,
      // Held by the claim (on their own timers), and ready ones admission leaves for their local hours.
      recipient_hours:
        (heldQ.rows.find((r) => r.held_by === 'recipient_hours')?.n ?? 0) +
        waitingForLocalHours(campaign.config, heavy.readyByZones, now),
    },
    passes,
    progress: { processed, total },
    eta_s:
      campaign.status === 'running' && finishRatePerS > 0 && remaining > 0
        ? Math.round(remaining / finishRatePerS)
        : null,
    metrics: {
      answer_rate: pct(answered, finished),
      completion_rate: pct(completed, answered),
      abandon_rate: pct(abandoned, answered),
      aht_s: talkN > 0 ? round1(talkSum / talkN) : null,
    },
    callbacks: {
      requested: callbacksQ.rows.reduce((n, r) => n + r.n, 0),
      pending: callbackCount('pending'),
      completed: callbackCount('completed'),
      cancelled: callbackCount('cancelled'),
      avg_delay_s: heavy.callbackDelayS === null ? null : round1(Number(heavy.callbackDelayS)),
    },
    run: runFigures(dials, answered, firstDial, lastEnd),
  };
}
