/**
 * Calling-window and working-day maths in the campaign's IANA timezone (docs/rules.md "May this contact be
 * dialled now?": every window rule is evaluated in the campaign's `window.timezone`). Pure and deterministic:
 * it only uses Intl.DateTimeFormat (available in Temporal's workflow sandbox) and never reads the clock;
 * every instant is a parameter.
 *
 * The model: each local calendar day D whose weekday is a working day has exactly one contiguous dialling
 * interval [open(D), close(D)), start inclusive, end exclusive. Inside it the local clock always reads
 * within [start, end). Around DST transitions:
 * - Spring forward (a gap): a start or end that does not exist that day resolves to the first valid instant
 *   after the gap (a 02:30 start on a 02:00→03:00 day opens at 03:00 local).
 * - Fall back (an overlap): the window opens at the occurrence of `start` after which the clock never drops
 *   back below `start`, and closes at the first instant the clock reads `end`. So a repeated hour never
 *   reopens a closed window and never dials while the clock reads before the start time; at worst it dials
 *   less than a pure wall-clock reading would (e.g. a 00:00–01:30 window on a New York fall-back day closes
 *   at the first 01:30 and does not reopen for the repeated 01:00–01:30).
 * With ordinary windows (09:00–18:00) none of this matters: transitions happen at night.
 */
import { minutesOfDay, WEEKDAYS, type CallingWindow, type Weekday } from './campaign-config';

/** A calendar date in some timezone; month is 1–12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface DayWindow {
  open: Date;
  close: Date;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Days `nextOpening` looks ahead: a full week plus the partly elapsed current day and one spare. */
export const NEXT_OPENING_SEARCH_DAYS = 8;

// One formatter per timezone: building them is the expensive part. The cache is deterministic state.
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timezone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timezone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      f = null;
    }
    formatters.set(timezone, f);
  }
  return f;
}

function requireFormatter(timezone: string): Intl.DateTimeFormat {
  const f = formatterFor(timezone);
  if (!f) throw new RangeError(`unknown IANA timezone "${timezone}"`);
  return f;
}

/** The local wall clock of instant `ms`, expressed as if it were a UTC timestamp (ms precision kept). */
function wallAsUtc(f: Intl.DateTimeFormat, ms: number): number {
  const v: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of f.formatToParts(ms)) v[part.type] = Number(part.value);
  const hour = (v.hour ?? 0) % 24; // some engines print midnight as 24
  const millis = ((ms % 1000) + 1000) % 1000;
  return (
    Date.UTC(v.year ?? 1970, (v.month ?? 1) - 1, v.day ?? 1, hour, v.minute ?? 0, v.second ?? 0) + millis
  );
}

function offsetAt(f: Intl.DateTimeFormat, ms: number): number {
  return wallAsUtc(f, ms) - ms;
}

function wallToLocalDate(wall: number): LocalDate {
  const d = new Date(wall);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The calendar date of `at` in `timezone`. */
export function localDateOf(at: Date, timezone: string): LocalDate {
  return wallToLocalDate(wallAsUtc(requireFormatter(timezone), at.getTime()));
}

/** The weekday of a local date. */
export function weekdayOf(date: LocalDate): Weekday {
  const sundayFirst = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return WEEKDAYS[(sundayFirst + 6) % 7] as Weekday;
}

export function addLocalDays(date: LocalDate, days: number): LocalDate {
  return wallToLocalDate(Date.UTC(date.year, date.month - 1, date.day + days));
}

/** Every instant whose local wall clock reads exactly `wall` (0 in a gap, 2 in an overlap), ascending. */
function instantsAtWall(f: Intl.DateTimeFormat, wall: number): number[] {
  const offsets = new Set([
    offsetAt(f, wall - 36 * HOUR_MS),
    offsetAt(f, wall),
    offsetAt(f, wall + 36 * HOUR_MS),
  ]);
  const found: number[] = [];
  for (const offset of offsets) {
    const t = wall - offset;
    if (wallAsUtc(f, t) === wall && !found.includes(t)) found.push(t);
  }
  return found.sort((a, b) => a - b);
}

/** The first instant whose wall clock reads `wall` or later: for a wall time in a gap, the end of the gap. */
function firstInstantAtOrAfterWall(f: Intl.DateTimeFormat, wall: number): number {
  let lo = wall - 36 * HOUR_MS; // wall clock here is before `wall` (offsets are within ±14 h)
  let hi = wall + 36 * HOUR_MS; // and here after it
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallAsUtc(f, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Where the window opens on a local day: see the module comment for gaps and overlaps. */
function openingInstant(f: Intl.DateTimeFormat, wall: number): number {
  const at = instantsAtWall(f, wall);
  if (at.length === 0) return firstInstantAtOrAfterWall(f, wall);
  // Walk back from the last occurrence while the clock just before it already read `start` or later, i.e.
  // it did not drop below `start` in between.
  let i = at.length - 1;
  while (i > 0 && wallAsUtc(f, (at[i] as number) - 1) >= wall) i--;
  return at[i] as number;
}

/** Where the window closes: the first instant at or after `open` whose clock reads `end`. */
function closingInstant(f: Intl.DateTimeFormat, wall: number, open: number): number {
  const at = instantsAtWall(f, wall);
  if (at.length === 0) return Math.max(open, firstInstantAtOrAfterWall(f, wall));
  return at.find((t) => t >= open) ?? open;
}

interface ParsedWindow {
  f: Intl.DateTimeFormat;
  startMin: number;
  endMin: number;
}

function parseWindow(window: CallingWindow): ParsedWindow | null {
  const startMin = minutesOfDay(window.start);
  const endMin = minutesOfDay(window.end);
  const f = formatterFor(window.timezone);
  if (startMin === null || endMin === null || endMin <= startMin || !f) return null;
  return { f, startMin, endMin };
}

function dayWindow(p: ParsedWindow, day: LocalDate): { open: number; close: number } | null {
  const midnight = Date.UTC(day.year, day.month - 1, day.day);
  const open = openingInstant(p.f, midnight + p.startMin * MINUTE_MS);
  const close = closingInstant(p.f, midnight + p.endMin * MINUTE_MS, open);
  return close > open ? { open, close } : null;
}

/**
 * The dialling interval of one local day, working day or not: null when the window is invalid or, on a
 * spring-forward day, lies entirely inside the gap.
 */
export function localDayWindow(window: CallingWindow, day: LocalDate): DayWindow | null {
  const p = parseWindow(window);
  const w = p && dayWindow(p, day);
  return w ? { open: new Date(w.open), close: new Date(w.close) } : null;
}

/** The window of the local day of `at`, when `at` is inside it on a working day. */
function windowContaining(p: ParsedWindow, workingDays: readonly Weekday[], at: number) {
  const day = wallToLocalDate(wallAsUtc(p.f, at));
  if (!workingDays.includes(weekdayOf(day))) return null;
  const w = dayWindow(p, day);
  return w && at >= w.open && at < w.close ? w : null;
}

/** Whether a dial may start at `at`: a working day (local date) and inside [start, end). Invalid window → false. */
export function isDialAllowed(window: CallingWindow, workingDays: readonly Weekday[], at: Date): boolean {
  const p = parseWindow(window);
  return p !== null && windowContaining(p, workingDays, at.getTime()) !== null;
}

/**
 * The first instant at or after `from` when dialling is allowed: `from` itself when it already is. Looks
 * ahead NEXT_OPENING_SEARCH_DAYS local days. Throws RangeError when the window is invalid or no working day
 * is given (a validated config never is), because there is no opening to wait for.
 */
export function nextOpening(window: CallingWindow, workingDays: readonly Weekday[], from: Date): Date {
  const p = parseWindow(window);
  if (!p) throw new RangeError(`invalid calling window ${JSON.stringify(window)}`);
  const t = from.getTime();
  if (windowContaining(p, workingDays, t)) return from;
  const today = wallToLocalDate(wallAsUtc(p.f, t));
  for (let i = 0; i <= NEXT_OPENING_SEARCH_DAYS; i++) {
    const day = addLocalDays(today, i);
    if (!workingDays.includes(weekdayOf(day))) continue;
    const w = dayWindow(p, day);
    if (w && t < w.close) return new Date(Math.max(t, w.open));
  }
  throw new RangeError(
    `no calling window opens within ${NEXT_OPENING_SEARCH_DAYS} days (working days: ${workingDays.join(',') || 'none'})`,
  );
}

/** The instant the window `at` is in closes; null when `at` is not inside a window on a working day. */
export function windowCloseAt(window: CallingWindow, workingDays: readonly Weekday[], at: Date): Date | null {
  const p = parseWindow(window);
  const w = p && windowContaining(p, workingDays, at.getTime());
  return w ? new Date(w.close) : null;
}

/** Milliseconds from `from` until dialling is allowed (0 when it is now). Same contract as nextOpening. */
export function msUntilOpening(window: CallingWindow, workingDays: readonly Weekday[], from: Date): number {
  return nextOpening(window, workingDays, from).getTime() - from.getTime();
}
