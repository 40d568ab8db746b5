/**
 * How long an answered call's post-call result is still awaited (README "Posting post-call results").
 *
 * The grace (`ORI_RESULT_GRACE_S`) is time during which the bot platform could have delivered the result:
 * while no API instance was taking results (every instance down, or its database away — the API then
 * answers 503), the platform's retries could not land, so that time does not count. Each API instance
 * records its spells of being up (`api_uptime`); the wait goes on until the grace has been spent inside
 * them, but never past a hard cap after the hangup, so a dialler whose API never comes back still closes
 * its attempts. Where no API instance has ever recorded an uptime (an API older than this rule), nothing is
 * known and the grace alone applies.
 */

/** How often a listening API instance records that it is up. */
export const UPTIME_BEAT_MS = 2_000;
/** A spell reaches this far past its last recorded beat: the instance was up until its next beat was due. */
export const UPTIME_SLACK_MS = 2 * UPTIME_BEAT_MS;

/** The longest a result is awaited after hangup, whatever the outages: a day. */
export const RESULT_WAIT_CAP_MS = 24 * 3600_000;

/** A spell during which an API instance was taking results, in ms since the epoch. */
export interface UptimeSpell {
  from: number;
  to: number;
}

export interface ResultWaitInput {
  /** When the call ended (the grace counts from here). */
  endedAt: number;
  now: number;
  graceMs: number;
  /** Every recorded spell overlapping [endedAt, now]; null when no API instance ever recorded one. */
  uptime: readonly UptimeSpell[] | null;
}

/** Milliseconds of [from, to] covered by the union of `spells`. */
export function coveredMs(spells: readonly UptimeSpell[], from: number, to: number): number {
  const clipped = spells
    .map((s) => ({ from: Math.max(s.from, from), to: Math.min(s.to, to) }))
    .filter((s) => s.to > s.from)
    .sort((a, b) => a.from - b.from);
  let covered = 0;
  let reach = from;
  for (const s of clipped) {
    const start = Math.max(s.from, reach);
    if (s.to > start) covered += s.to - start;
    reach = Math.max(reach, s.to);
  }
  return covered;
}

/** How much longer to wait for the result (0: close the attempt without it now). */
export function resultWaitLeftMs(input: ResultWaitInput): number {
  const { endedAt, now, graceMs } = input;
  const elapsed = Math.max(0, now - endedAt);
  const untilCap = RESULT_WAIT_CAP_MS - elapsed;
  if (untilCap <= 0) return 0;
  const deliverable = input.uptime === null ? elapsed : coveredMs(input.uptime, endedAt, now);
  return Math.max(0, Math.min(graceMs - deliverable, untilCap));
}
