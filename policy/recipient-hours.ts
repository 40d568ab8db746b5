/**
 * Recipient-local calling hours: a dial is allowed only while the contact's own clock shows a time inside
 * `hours`, in every timezone its number may be in (a number that maps to several zones is dialled only
 * when the hours hold in all of them). The campaign's window and working days apply on top (dial-gate.ts).
 * DST is calendar.ts's: each local day's hours are resolved in that zone's rules for that day.
 */
import type { RecipientHours, Weekday } from './campaign-config';
import { WEEKDAYS } from './campaign-config';
import { isDialAllowed, nextOpening, windowCloseAt } from './calendar';

const EVERY_DAY: readonly Weekday[] = WEEKDAYS;

const windowIn = (hours: RecipientHours, timezone: string) => ({
  start: hours.start,
  end: hours.end,
  timezone,
});

/** Whether `at` falls inside the hours in every zone (no zone: the rule does not apply). */
export function insideRecipientHours(hours: RecipientHours, zones: readonly string[], at: Date): boolean {
  return zones.every((tz) => isDialAllowed(windowIn(hours, tz), EVERY_DAY, at));
}

/** How many zone-by-zone moves the search makes before it decides the zones never share an open hour. */
const MAX_STEPS = 32;

/**
 * The first instant at or after `from` when the hours hold in every zone, or null when the zones' hours
 * never overlap (e.g. zones twelve hours apart with a short day).
 */
export function nextRecipientOpening(
  hours: RecipientHours,
  zones: readonly string[],
  from: Date,
): Date | null {
  let at = from;
  for (let step = 0; step < MAX_STEPS; step++) {
    const closed = zones.find((tz) => !isDialAllowed(windowIn(hours, tz), EVERY_DAY, at));
    if (closed === undefined) return at;
    try {
      at = nextOpening(windowIn(hours, closed), EVERY_DAY, at);
    } catch {
      return null; // an unknown zone or invalid hours: no opening to wait for (stored zones are validated)
    }
  }
  return null;
}

/** While open: the first instant one of the zones closes. */
export function recipientHoursCloseAt(
  hours: RecipientHours,
  zones: readonly string[],
  at: Date,
): Date | null {
  let closes: Date | null = null;
  for (const tz of zones) {
    const c = windowCloseAt(windowIn(hours, tz), EVERY_DAY, at);
    if (c && (!closes || c < closes)) closes = c;
  }
  return closes;
}
