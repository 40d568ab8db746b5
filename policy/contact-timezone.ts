import { isValidTimezone } from './campaign-config';

/**
 * The timezone(s) a contact's recipient hours are judged in: the IANA zone the contact carries (a
 * `timezone` CSV column or the trigger's `timezone` field, kept with its variables), else the campaign's
 * own timezone — the zone the operator chose for the people the campaign calls. A blank or unknown zone
 * counts as none.
 */
export const CONTACT_TIMEZONE_KEY = 'timezone';

export function explicitTimezone(
  metadata: Readonly<Record<string, string>> | null | undefined,
): string | null {
  const raw = metadata?.[CONTACT_TIMEZONE_KEY]?.trim() ?? '';
  return raw !== '' && isValidTimezone(raw) ? raw : null;
}

export function contactTimezones(
  metadata: Readonly<Record<string, string>> | null | undefined,
  campaignTimezone: string,
): string[] {
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
