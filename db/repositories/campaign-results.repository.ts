import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';
import { isOptOutDisposition } from '../../policy/opt-out';
import { talkByDay, talkTotal, type TalkDay, type TalkTotal } from '../../policy/talk-cost';

/**
 * Results at a glance (the voice-agent product's campaign page): KPI cards, the disposition breakdown, each
 * pool number's outcomes and SIP codes (a flagged DID is the first suspect), and talk minutes per day (days
 * of the campaign's timezone) with their cost at each carrier's per-minute rate. One pass over the run's
 * attempts grouped three ways; the current run only.
 */

type AnyDb = Kysely<Database>;

export interface CampaignResults {
  run_no: number;
  kpis: { calls_made: number; reached: number; interested: number; opted_out: number };
  dispositions: { disposition: string; count: number }[];
  numbers: {
    from_number: string;
    dials: number;
    answered: number;
    outcomes: Record<string, number>;
    sip_codes: Record<string, number>;
  }[];
  /** The timezone whose days `talk_by_day` counts (the campaign window's). */
  timezone: string;
  talk_by_day: TalkDay[];
  talk: TalkTotal;
}

export async function campaignResults(
  db: AnyDb,
  campaignId: string,
  runNo: number,
  timezone: string,
): Promise<CampaignResults> {
  const [byDisposition, byNumber, byDay] = await Promise.all([
    sql<{ disposition: string | null; n: number; answered: number; dials: number }>`
      select disposition, count(*)::int as n,
             count(*) filter (where answered_at is not null)::int as answered,
             count(*) filter (where originate_sent_at is not null)::int as dials
      from attempts where campaign_id = ${campaignId} and run_no = ${runNo} and ended_at is not null
      group by disposition order by n desc, disposition`.execute(db),
    sql<{
      from_number: string | null;
      outcome: string | null;
      sip_code: number | null;
      n: number;
      answered: number;
    }>`
      select from_number, outcome, sip_code, count(*)::int as n,
             count(*) filter (where answered_at is not null)::int as answered
      from attempts where campaign_id = ${campaignId} and run_no = ${runNo} and ended_at is not null
      group by from_number, outcome, sip_code`.execute(db),
    // The carrier's rate now, not when the call was made: rates are not versioned.
    sql<{ day: string; seconds: number; cost_per_minute: string | null }>`
      select t.day, t.seconds, c.cost_per_minute
      from (
        select to_char(ended_at at time zone ${timezone}, 'YYYY-MM-DD') as day, carrier_id,
               coalesce(sum(talk_s), 0)::float8 as seconds
        from attempts where campaign_id = ${campaignId} and run_no = ${runNo} and ended_at is not null
        group by 1, 2
      ) t left join carriers c on c.id = t.carrier_id`.execute(db),
  ]);
  let callsMade = 0;
  let reached = 0;
  let interested = 0;
  let optedOut = 0;
  const dispositions: CampaignResults['dispositions'] = [];
  for (const r of byDisposition.rows) {
    callsMade += r.n;
    reached += r.answered;
    if (r.disposition === null) continue;
    dispositions.push({ disposition: r.disposition, count: r.n });
    if (r.disposition.toUpperCase() === 'INTERESTED') interested += r.n;
    if (isOptOutDisposition(r.disposition)) optedOut += r.n;
  }
  const numbers = new Map<string, CampaignResults['numbers'][number]>();
  for (const r of byNumber.rows) {
    const key = r.from_number ?? 'unknown';
    const n = numbers.get(key) ?? { from_number: key, dials: 0, answered: 0, outcomes: {}, sip_codes: {} };
    n.dials += r.n;
    n.answered += r.answered;
    const outcome = r.outcome ?? 'unknown';
    n.outcomes[outcome] = (n.outcomes[outcome] ?? 0) + r.n;
    if (r.sip_code !== null) n.sip_codes[String(r.sip_code)] = (n.sip_codes[String(r.sip_code)] ?? 0) + r.n;
    numbers.set(key, n);
  }
  const talk = byDay.rows.map((r) => ({
    day: r.day,
    seconds: Number(r.seconds),
    cost_per_minute: r.cost_per_minute === null ? null : Number(r.cost_per_minute),
  }));
  return {
    run_no: runNo,
    kpis: { calls_made: callsMade, reached, interested, opted_out: optedOut },
    dispositions,
    numbers: [...numbers.values()].sort((a, b) => b.dials - a.dials),
    timezone,
    talk_by_day: talkByDay(talk),
    talk: talkTotal(talk),
  };
}
