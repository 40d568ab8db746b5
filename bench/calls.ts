/**
 * Figures computed from the simulator's ground-truth call log (docs/simulator.md "The call log"):
 * what the switch really received and when each call really ended, independent of what the dialler believes.
 */
import type { CallRecord } from '../simulator/simulator';

export interface Call {
  /** The attempt id (origination_uuid). */
  uuid: string;
  start: number;
  /** Infinity while the call is still up. */
  end: number;
  outcome: string;
}

/** The calls one campaign placed (the dial carries `ori_campaign_id` as a channel variable). */
export function callsOf(records: readonly CallRecord[], campaignId: string): Call[] {
  return records
    .filter((r) => r.vars['ori_campaign_id'] === campaignId)
    .map((r) => ({
      uuid: r.uuid,
      start: Date.parse(r.received_at),
      end: r.ended_at ? Date.parse(r.ended_at) : Number.POSITIVE_INFINITY,
      outcome: r.outcome,
    }))
    .sort((a, b) => a.start - b.start);
}

/** Originates received in [from, to) per second. */
export function rate(calls: readonly Call[], from: number, to: number): number {
  if (to <= from) return 0;
  const n = calls.filter((c) => c.start >= from && c.start < to).length;
  return n / ((to - from) / 1000);
}

/** Largest number of originates in any 1-second sliding window, and in any whole wall-clock second. */
export function maxPerSecond(calls: readonly Call[]): { sliding: number; bucketed: number; at: number } {
  const t = calls.map((c) => c.start).sort((a, b) => a - b);
  let sliding = 0;
  let at = 0;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    while ((t[i] as number) - (t[j] as number) >= 1000) j++;
    if (i - j + 1 > sliding) {
      sliding = i - j + 1;
      at = t[j] as number;
    }
  }
  const buckets = new Map<number, number>();
  for (const s of t) buckets.set(Math.floor(s / 1000), (buckets.get(Math.floor(s / 1000)) ?? 0) + 1);
  return { sliding, bucketed: Math.max(0, ...buckets.values()), at };
}

/** Time-weighted mean number of calls up during [from, to), and the peak. */
export function inFlight(calls: readonly Call[], from: number, to: number): { mean: number; max: number } {
  const points: [number, number][] = [];
  for (const c of calls) {
    const s = Math.max(c.start, from);
    const e = Math.min(c.end, to);
    if (e <= s) continue; // outside the window (or zero length: no time in flight)
    points.push([s, 1], [e, -1]);
  }
  // Ends before starts at the same instant: a seat freed and re-used in the same millisecond is no overlap.
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  let area = 0;
  let prev = from;
  for (const [t, d] of points) {
    area += cur * (t - prev);
    prev = t;
    cur += d;
    max = Math.max(max, cur);
  }
  area += cur * (to - prev);
  return { mean: to > from ? area / (to - from) : 0, max };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** Seat gaps in ms: how many pairs, and their percentiles. */
export interface GapStats {
  pairs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface SeatLatency extends GapStats {
  /** Ends before the cut-off whose seat no originate took before it. */
  unpaired: number;
  /** Pairs where the next originate came before the end (more than `concurrency` calls up at once). */
  negative: number;
  /** Each pair: when the seat was freed (call end) and the attempt id of the originate that took it. */
  list: { freedAt: number; next: string; gapMs: number }[];
}

/**
 * Freed seat → next originate. With surplus due contacts and at most `concurrency` calls up, once the
 * first `concurrency` originates have gone out every further originate must take a seat some call freed:
 * the (concurrency + j)-th originate takes the seat of the j-th call to end (ends in time order). The
 * latency of that pair is how long the seat stood empty. Only originates before `cutoff` (the stop) count.
 */
export function seatLatency(calls: readonly Call[], concurrency: number, cutoff: number): SeatLatency {
  const placed = calls.filter((c) => c.start < cutoff);
  const ends = calls
    .map((c) => c.end)
    .filter((t) => Number.isFinite(t) && t < cutoff)
    .sort((a, b) => a - b);
  const list: SeatLatency['list'] = [];
  let negative = 0;
  for (let j = 0; j < ends.length; j++) {
    const next = placed[concurrency + j];
    if (next === undefined) break;
    const l = next.start - (ends[j] as number);
    if (l < 0) negative++;
    list.push({ freedAt: ends[j] as number, next: next.uuid, gapMs: Math.max(0, l) });
  }
  return { ...gapStats(list), unpaired: ends.length - list.length, negative, list };
}

/** Percentiles of a set of seat gaps (all of a run's pairs, or a part of them). */
export function gapStats(list: SeatLatency['list']): GapStats {
  const gaps = list.map((p) => p.gapMs).sort((a, b) => a - b);
  return {
    pairs: gaps.length,
    p50: percentile(gaps, 50),
    p95: percentile(gaps, 95),
    p99: percentile(gaps, 99),
    max: gaps.length ? (gaps[gaps.length - 1] as number) : Number.NaN,
  };
}

/** Originates per second in consecutive buckets of `bucketS` seconds from `from`. */
export function timeline(calls: readonly Call[], from: number, to: number, bucketS: number): number[] {
  const out: number[] = [];
  // A last bucket shorter than half a bucket is too noisy to compare: dropped.
  for (let t = from; t + (bucketS * 1000) / 2 <= to; t += bucketS * 1000) {
    out.push(rate(calls, t, Math.min(to, t + bucketS * 1000)));
  }
  return out;
}
