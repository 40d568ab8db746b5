/**
 * How the campaign page's charts cut a run into time buckets, and what each bucket reads. A run lasts from
 * seconds (a test) to days (an always-on campaign), so the bucket width follows the run's span: the
 * smallest round width that draws the run in at most MAX_BUCKETS bars or points. Buckets start on multiples
 * of their width since the epoch, so a bucket's figures do not shift from one refresh to the next.
 */

/** Round widths a reader takes in at a glance: seconds, minutes, hours, then whole days. */
export const BUCKET_WIDTHS_S = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
] as const;
export const MAX_BUCKETS = 60;
const DAY_S = 86_400;

/** The bucket width (seconds) that draws `spanS` seconds in at most `maxBuckets` aligned buckets. */
export function bucketWidthS(spanS: number, maxBuckets: number = MAX_BUCKETS): number {
  const span = Math.max(0, spanS);
  // An aligned range can straddle one bucket more than span / width rounded up.
  const fits = (w: number) => Math.ceil(span / w) + 1 <= maxBuckets;
  for (const w of BUCKET_WIDTHS_S) if (fits(w)) return w;
  let days = Math.ceil(span / DAY_S / maxBuckets);
  while (!fits(days * DAY_S)) days += 1;
  return days * DAY_S;
}

/** The start (epoch ms) of every bucket of `widthS` from the one holding `fromMs` to the one holding `toMs`. */
export function bucketStarts(fromMs: number, toMs: number, widthS: number): number[] {
  const w = widthS * 1000;
  const first = Math.floor(fromMs / w);
  const last = Math.floor(Math.max(fromMs, toMs) / w);
  const starts: number[] = [];
  for (let i = first; i <= last; i += 1) starts.push(i * w);
  return starts;
}

/** A running total over the buckets from counts by bucket start (buckets without an entry add nothing). */
export function cumulative(starts: readonly number[], countAt: ReadonlyMap<number, number>): number[] {
  let total = 0;
  return starts.map((s) => (total += countAt.get(s) ?? 0));
}

/** The share of finished dials answered; null without a dial (no rate, not 0 %). */
export function answerRate(answered: number, dials: number): number | null {
  return dials > 0 ? Math.round((answered / dials) * 1000) / 1000 : null;
}
