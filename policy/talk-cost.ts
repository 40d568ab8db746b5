/**
 * Talk minutes per day and what they cost (the voice-agent product's cost section: daily call minutes ×
 * the rate). Each carrier bills its own per-minute rate on the seconds actually talked; a day's minutes on
 * a carrier without a rate are counted but not priced, and said so, rather than priced at zero.
 */

/** A day's talk on one carrier, with the carrier's rate (null: none set). */
export interface CarrierTalk {
  day: string;
  seconds: number;
  cost_per_minute: number | null;
}

export interface TalkDay {
  day: string;
  minutes: number;
  /** The priced minutes' cost; null when none of the day's talk went through a carrier with a rate. */
  cost: number | null;
  /** Minutes on carriers without a rate: the part of `minutes` that `cost` leaves out. */
  unpriced_minutes: number;
}

export type TalkTotal = Omit<TalkDay, 'day'>;

/** Minutes to a tenth, as the results show them. */
export const roundMinutes = (minutes: number): number => Math.round(minutes * 10) / 10;
/** Costs to a hundredth of a cent: rates are often fractions of a cent per minute. */
export const roundCost = (cost: number): number => Math.round(cost * 10_000) / 10_000;

function sum(rows: readonly Omit<CarrierTalk, 'day'>[]): TalkTotal {
  let seconds = 0;
  let unpricedSeconds = 0;
  let cost: number | null = null;
  for (const r of rows) {
    const s = Math.max(0, r.seconds);
    seconds += s;
    if (r.cost_per_minute === null) unpricedSeconds += s;
    else cost = (cost ?? 0) + (s / 60) * r.cost_per_minute;
  }
  return {
    minutes: roundMinutes(seconds / 60),
    cost: cost === null ? null : roundCost(cost),
    unpriced_minutes: roundMinutes(unpricedSeconds / 60),
  };
}

/** One entry per day that has talk rows, oldest first. */
export function talkByDay(rows: readonly CarrierTalk[]): TalkDay[] {
  const days = new Map<string, CarrierTalk[]>();
  for (const r of rows) days.set(r.day, [...(days.get(r.day) ?? []), r]);
  return [...days.keys()].sort().map((day) => ({ day, ...sum(days.get(day) ?? []) }));
}

/** The whole run's talk: summed from the carriers' seconds, not from the rounded days. */
export function talkTotal(rows: readonly CarrierTalk[]): TalkTotal {
  return sum(rows);
}
