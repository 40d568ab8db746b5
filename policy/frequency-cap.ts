/**
 * The organisation's frequency cap: at most `max_calls` attempts placed to one number in any rolling
 * `per_hours` window, across every campaign (state rules such as Florida's "3 calls in 24 hours"). Counted
 * on attempts whose originate was sent. Pure: the caller gives the placement times it read.
 */

export interface FrequencyCap {
  max_calls: number;
  per_hours: number;
}

/** The example of the docs and the UI. */
export const EXAMPLE_FREQUENCY_CAP: FrequencyCap = { max_calls: 3, per_hours: 24 };
export const MAX_CAP_CALLS = 1000;
export const MAX_CAP_HOURS = 24 * 31;

export interface CapProblem {
  field: string;
  message: string;
}

/** Validates an operator's cap: whole calls ≥ 1, whole hours from 1 to a month. */
export function validateFrequencyCap(cap: { max_calls?: unknown; per_hours?: unknown }): CapProblem[] {
  const problems: CapProblem[] = [];
  const whole = (v: unknown, max: number): boolean =>
    typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;
  if (!whole(cap.max_calls, MAX_CAP_CALLS)) {
    problems.push({
      field: 'frequency_cap.max_calls',
      message: `must be a whole number from 1 to ${MAX_CAP_CALLS}`,
    });
  }
  if (!whole(cap.per_hours, MAX_CAP_HOURS)) {
    problems.push({
      field: 'frequency_cap.per_hours',
      message: `must be a whole number of hours from 1 to ${MAX_CAP_HOURS}`,
    });
  }
  return problems;
}

/** The rolling window's length. */
export const capWindowMs = (cap: FrequencyCap): number => cap.per_hours * 3_600_000;

/**
 * When the cap allows the next dial to the number, given when earlier dials were placed: `at` itself when
 * fewer than `max_calls` fall in the window ending at `at`, else the instant enough of them leave it (the
 * oldest that must go, plus the window). Dials placed after `at` count too: a claim reserves its carrier's
 * write moment ahead of the clock, so another campaign's dial to the number may already be placed for a
 * moment later than this one's; left out, the number got a call over the cap.
 */
export function capAllowsAt(cap: FrequencyCap, placedAt: readonly Date[], at: Date): Date {
  const windowMs = capWindowMs(cap);
  const inWindow = placedAt
    .map((d) => d.getTime())
    .filter((t) => t > at.getTime() - windowMs)
    .sort((a, b) => a - b);
  if (inWindow.length < cap.max_calls) return at;
  const mustLeave = inWindow[inWindow.length - cap.max_calls] as number;
  return new Date(mustLeave + windowMs);
}
