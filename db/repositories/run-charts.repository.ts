import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';
import { answerRate, bucketStarts, bucketWidthS, cumulative } from '../../policy/run-charts';

/**
 * The campaign page's charts, read from the run's attempts: dials per second and seats in use over the
 * run, answer rate by hour of the day (the campaign's timezone), and each pass's progression (contacts
 * dialled in it so far). Three grouped passes over the run's attempts; the bucket width comes from
 * policy/run-charts.ts.
 */

type AnyDb = Kysely<Database>;

export interface RunCharts {
  run_no: number;
  timezone: string;
  /** Width of one timeline bucket in seconds (null before the first dial). */
  bucket_s: number | null;
  timeline: { at: string; dials: number; dials_per_sec: number; seats_in_use: number }[];
  /** Per pass: contacts dialled in it by the end of each timeline bucket (same order as `timeline`). */
  passes: { pass: number; dialled: number[] }[];
  answer_by_hour: { hour: number; dials: number; answered: number; answer_rate: number | null }[];
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function runCharts(
  db: AnyDb,
  campaignId: string,
  runNo: number,
  timezone: string,
  now: Date,
): Promise<RunCharts> {
  const empty: RunCharts = {
    run_no: runNo,
    timezone,
    bucket_s: null,
    timeline: [],
    passes: [],
    answer_by_hour: [],
  };
  // A call still up holds its seat until now.
  const span = await sql<{ from_ms: number | null; to_ms: number | null }>`
    select (extract(epoch from min(originate_sent_at)) * 1000)::float8 as from_ms,
           (extract(epoch from max(coalesce(ended_at, greatest(${now}::timestamptz, originate_sent_at)))) * 1000)::float8 as to_ms
    from attempts
    where campaign_id = ${campaignId} and run_no = ${runNo} and originate_sent_at is not null`.execute(db);
  const fromMs = span.rows[0]?.from_ms;
  const toMs = span.rows[0]?.to_ms;
  if (fromMs === null || fromMs === undefined || toMs === null || toMs === undefined) return empty;
  const w = bucketWidthS((toMs - fromMs) / 1000);
  const starts = bucketStarts(fromMs, toMs, w);

  const [timeline, passes, hours] = await Promise.all([
    // Each call is spread over the buckets it spans: its seat-seconds in each, its dial in the first. The
    // planner takes generate_series for 1,000 rows a call (it is one or two), and the cost it then sees
    // makes Postgres JIT-compile the query in every parallel worker: seconds of compiling for a 200 ms scan.
    db.transaction().execute(async (trx) => {
      await sql`set local jit = off`.execute(trx);
      return sql<{ b: string; dials: number; seat_s: number }>`
      select b::text,
             count(*) filter (where b = floor(extract(epoch from a.originate_sent_at) / ${w}))::int as dials,
             coalesce(sum(greatest(0, extract(epoch from
               least(coalesce(a.ended_at, greatest(${now}::timestamptz, a.originate_sent_at)), to_timestamp((b + 1) * ${w}))
               - greatest(a.originate_sent_at, to_timestamp(b * ${w}))))), 0)::float8 as seat_s
      from attempts a
      cross join lateral generate_series(
        floor(extract(epoch from a.originate_sent_at) / ${w})::bigint,
        floor(extract(epoch from coalesce(a.ended_at, greatest(${now}::timestamptz, a.originate_sent_at))) / ${w})::bigint
      ) as b
      where a.campaign_id = ${campaignId} and a.run_no = ${runNo} and a.originate_sent_at is not null
      group by b`.execute(trx);
    }),
    // A contact counts in a pass from its first dial in that pass.
    sql<{ pass: number; b: string; n: number }>`
      select pass, floor(extract(epoch from first_dial) / ${w})::bigint::text as b, count(*)::int as n
      from (
        select contact_id, pass, min(originate_sent_at) as first_dial
        from attempts
        where campaign_id = ${campaignId} and run_no = ${runNo} and originate_sent_at is not null
        group by contact_id, pass
      ) f
      group by pass, b`.execute(db),
    sql<{ hour: number; dials: number; answered: number }>`
      select extract(hour from originate_sent_at at time zone ${timezone})::int as hour,
             count(*)::int as dials,
             count(*) filter (where answered_at is not null)::int as answered
      from attempts
      where campaign_id = ${campaignId} and run_no = ${runNo}
        and originate_sent_at is not null and ended_at is not null
      group by 1 order by 1`.execute(db),
  ]);

  const byBucket = new Map(timeline.rows.map((r) => [Number(r.b) * w * 1000, r]));
  const passCounts = new Map<number, Map<number, number>>();
  for (const r of passes.rows) {
    const counts = passCounts.get(r.pass) ?? new Map<number, number>();
    counts.set(Number(r.b) * w * 1000, r.n);
    passCounts.set(r.pass, counts);
  }
  return {
    run_no: runNo,
    timezone,
    bucket_s: w,
    timeline: starts.map((start) => {
      const r = byBucket.get(start);
      return {
        at: new Date(start).toISOString(),
        dials: r?.dials ?? 0,
        dials_per_sec: round((r?.dials ?? 0) / w, 3),
        seats_in_use: round(Number(r?.seat_s ?? 0) / w, 2),
      };
    }),
    passes: [...passCounts.keys()]
      .sort((a, b) => a - b)
      .map((pass) => ({ pass, dialled: cumulative(starts, passCounts.get(pass) ?? new Map()) })),
    answer_by_hour: hours.rows.map((r) => ({
      hour: r.hour,
      dials: r.dials,
      answered: r.answered,
      answer_rate: answerRate(r.answered, r.dials),
    })),
  };
}
