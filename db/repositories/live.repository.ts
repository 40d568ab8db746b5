import { sql, type Kysely } from 'kysely';
import type { CampaignStatus, Database } from '../schema';
import { FINAL_STATES, WAITING_STATES } from '../schema';
import { isDialAllowed } from '../../policy/calendar';
import { liveActivity, type LiveActivity } from '../../policy/admission';
import { findCampaignBasics } from './contacts.repository';

/**
 * The live panel (API.md "Monitoring", monitor-campaign.txt "Live activity"), computed from Postgres on
 * every poll. Four queries, each bounded by an index on a 500,000-contact / 1,000,000-attempt campaign:
 *
 * 1. in flight and recent (attempts): ringing / in progress from attempts_open_campaign_idx (partial,
 *    ended_at is null: only calls in flight); dials in the last 10 s and the last dial from
 *    attempts_campaign_created_idx (campaign_id, created_at); answers in the last 5 min from
 *    attempts_campaign_answered_idx (partial, answered_at not null); finished in the last 5 min (ETA rate)
 *    from attempts_report_idx (campaign_id, run_no, ended_at).
 * 2. the run's attempts by pass (passes, metrics, avg ring): one pass over the run's rows via
 *    attempts_report_idx's leading (campaign_id, run_no). This is the one query that grows with the run.
 * 3. contacts by state and pass (pending, retries left, progress, eligible per pass): one pass over the
 *    campaign's contacts (contacts_campaign_state_seq_idx leads with campaign_id).
 * 4. callbacks: contacts_callback_idx (partial, callback_state not null) and attempts_callback_idx
 *    (partial, callback_at not null) — only contacts and attempts that asked for a callback.
 *
 * Decisions where API.md is silent: rates are percentages 0–100 rounded to 0.1 (the UI labels them "%"),
 * null when their denominator is 0; `ringing` counts calls placed and not answered (dialling + ringing);
 * `pending` counts every waiting contact (pending, retry_scheduled, callback_scheduled); `retries_left`
 * the contacts waiting for a retry (retry_scheduled); `eta_s` extrapolates the last 5 minutes' finishing
 * rate over the contacts not yet final (null when nothing finished lately or the campaign is not running).
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
  run_no: number;
  ringing: number;
  in_progress: number;
  dials_per_sec: number;
  connected_per_hr: number;
  avg_ring_s: number | null;
  last_dial_at: string | null;
  pending: number;
  retries_left: number;
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
}

const pct = (part: number, whole: number): number | null =>
  whole > 0 ? Math.round((part / whole) * 1000) / 10 : null;
const round1 = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10);

export async function liveView(db: AnyDb, campaignId: string, now: Date): Promise<LiveView> {
  const campaign = await findCampaignBasics(db, campaignId);
  const runNo = campaign.run_no;
  const sticky = Boolean(campaign.config.sticky_exclusion);
  const tenSecondsAgo = new Date(now.getTime() - 10_000);
  const fiveMinutesAgo = new Date(now.getTime() - 5 * 60_000);

  const [recentQ, passesQ, contactsQ, callbacksQ] = await Promise.all([
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
        min(coalesce(originate_sent_at, created_at)) as started_at, max(ended_at) as last_end
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
    sql<{
      requested: number;
      pending: number;
      completed: number;
      cancelled: number;
      avg_delay_s: number | null;
    }>`
      select
        (select count(*)::int from contacts where campaign_id = ${campaignId} and callback_state is not null
           and run_no >= ${runNo}) as requested,
        (select count(*)::int from contacts where campaign_id = ${campaignId} and callback_state = 'pending'
           and run_no >= ${runNo}) as pending,
        (select count(*)::int from contacts where campaign_id = ${campaignId} and callback_state = 'completed'
           and run_no >= ${runNo}) as completed,
        (select count(*)::int from contacts where campaign_id = ${campaignId} and callback_state = 'cancelled'
           and run_no >= ${runNo}) as cancelled,
        (select avg(extract(epoch from (coalesce(b.originate_sent_at, b.created_at) - a.ended_at)))::float8
           from attempts a
           join attempts b on b.contact_id = a.contact_id and b.run_no = a.run_no and b.attempt_no = a.attempt_no + 1
           where a.campaign_id = ${campaignId} and a.run_no = ${runNo} and a.callback_at is not null
             and a.ended_at is not null) as avg_delay_s`.execute(db),
  ]);

  const recent = recentQ.rows[0];
  const cb = callbacksQ.rows[0];
  let total = 0;
  let processed = 0;
  let pending = 0;
  let retriesLeft = 0;
  const reachedPass = new Map<number, number>();
  for (const r of contactsQ.rows) {
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
  const passRows = passesQ.rows;
  const passes: PassRow[] = passRows.map((p, i) => {
    finished += p.finished;
    answered += p.answered;
    completed += p.completed;
    abandoned += p.abandoned;
    talkSum += Number(p.talk_sum ?? 0);
    talkN += p.talk_n;
    ringSum += Number(p.ring_sum ?? 0);
    ringN += p.ring_n;
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
  const insideWindow = isDialAllowed(campaign.config.window, campaign.config.working_days, now);
  const finishRatePerS = (recent?.finished_5m ?? 0) / 300;
  const remaining = total - processed;
  return {
    status: campaign.status,
    activity: liveActivity({ status: campaign.status, insideWindow, lastDialAt, now, ringing, inProgress }),
    run_no: runNo,
    ringing,
    in_progress: inProgress,
    dials_per_sec: Math.round(((recent?.dials_10s ?? 0) / 10) * 10) / 10,
    connected_per_hr: (recent?.answered_5m ?? 0) * 12,
    avg_ring_s: ringN > 0 ? round1(ringSum / ringN) : null,
    last_dial_at: lastDialAt ? lastDialAt.toISOString() : null,
    pending,
    retries_left: retriesLeft,
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
      requested: cb?.requested ?? 0,
      pending: cb?.pending ?? 0,
      completed: cb?.completed ?? 0,
      cancelled: cb?.cancelled ?? 0,
      avg_delay_s:
        cb?.avg_delay_s === null || cb?.avg_delay_s === undefined ? null : round1(Number(cb.avg_delay_s)),
    },
  };
}
