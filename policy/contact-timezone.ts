import { isValidTimezone } from './campaign-config';

/**
 * The timezone(s) a contact's recipient hours are judged in. Decided once, when the contact is stored
 * (import, trigger), and kept in `contacts.timezones`:
 * - the IANA zone the contact carries (a `timezone` CSV column or the trigger's `timezone` field, kept with
 *   its variables), else
 * - the zones its number maps to (the country, and the area code where a country spans zones), else
 * - none stored: the campaign's own timezone, the zone the operator chose for the people it calls.
 * A blank or unknown zone counts as none.
 */
export const CONTACT_TIMEZONE_KEY = 'timezone';

export function explicitTimezone(
  metadata: Readonly<Record<string, string>> | null | undefined,
): string | null {
  const raw = metadata?.[CONTACT_TIMEZONE_KEY]?.trim() ?? '';
  return raw !== '' && isValidTimezone(raw) ? raw : null;
}

/** Zone names already judged: an import asks about the same few hundred names for every row. */
const knownZones = new Map<string, boolean>();
function isKnownZone(zone: string): boolean {
  let valid = knownZones.get(zone);
  if (valid === undefined) {
    valid = isValidTimezone(zone);
    knownZones.set(zone, valid);
  }
  return valid;
}

/**
 * What is stored for a contact: its own zone, else the valid zones its number maps to, sorted and without
 * repeats (equal sets are equal arrays, which admission groups contacts by); empty when neither is known.
 */
export function timezonesToStore(
  metadata: Readonly<Record<string, string>> | null | undefined,
  numberZones: readonly string[],
): string[] {
  const own = explicitTimezone(metadata);
  if (own) return [own];
  return [...new Set(numberZones.filter(isKnownZone))].sort();
}

/**
 * The zones the rule is asked in: the stored ones; for a contact stored before zones were kept (null),
 * its own zone; else the campaign's.
 */
export function contactTimezones(
  stored: readonly string[] | null | undefined,
  metadata: Readonly<Record<string, string>> | null | undefined,
  campaignTimezone: string,
): string[] {
  if (stored && stored.length > 0) return [...stored];
  return [explicitTimezone(metadata) ?? campaignTimezone];
}

/** "HH:MM" on the contact's own clock at `at`. */
export function localTimeIn(timezone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

/**
 * The contact's zone(s) and clock for people (call list, story): one zone and its time, or, for a number
 * that maps to several, the zones and the span of their clocks ("08:05–11:05").
 */
export function localClock(zones: readonly string[], at: Date): { timezone: string; local_time: string } {
  const times = [...new Set(zones.map((z) => localTimeIn(z, at)))].sort();
  const first = times[0] ?? '';
  const last = times[times.length - 1] ?? first;
  return { timezone: zones.join(', '), local_time: first === last ? first : `${first}–${last}` };
}
