import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { Db } from '../connection';
import type { PhoneNumber } from '../schema';
import { conflict, invalid, type ErrorDetail } from '../../policy/errors';

/** Outbound numbers (DIDs): what the dialler calls from, each on one carrier. */

export interface NewNumberInput {
  e164: string;
  label?: string | null;
  carrier_id: string;
  inbound_only?: boolean | null;
}

/** E.164 for a number written in any common notation, or null when it is not a valid number. */
export function toE164(raw: string, defaultRegion: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion.toUpperCase() as CountryCode);
  return parsed && parsed.isValid() ? parsed.number : null;
}

/** Validate and store a number; 422 names the bad field (`e164`, `carrier_id`), 409 a duplicate. */
export async function createNumber(
  db: Db,
  input: NewNumberInput,
  defaultRegion: string,
): Promise<PhoneNumber> {
  const problems: ErrorDetail[] = [];
  const e164 = toE164(input.e164, defaultRegion);
  if (!e164) problems.push({ field: 'e164', message: `"${input.e164}" is not a valid phone number` });
  const carrier = await db
    .selectFrom('carriers')
    .select('id')
    .where('id', '=', input.carrier_id)
    .executeTakeFirst();
  if (!carrier) problems.push({ field: 'carrier_id', message: `carrier ${input.carrier_id} does not exist` });
  if (problems.length > 0 || !e164) throw invalid(problems);

  const row = await db
    .insertInto('numbers')
    .values({
      e164,
      label: input.label ?? null,
      carrier_id: input.carrier_id,
      inbound_only: input.inbound_only ?? false,
    })
    // The unique e164 index decides races: a number that already exists is a 409, not a crash.
    .onConflict((oc) => oc.column('e164').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw conflict('already_exists', `The number ${e164} already exists`);
  return row;
}

export async function listNumbers(db: Db): Promise<PhoneNumber[]> {
  return db.selectFrom('numbers').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function findNumbersByIds(db: Db, ids: readonly string[]): Promise<PhoneNumber[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('numbers').selectAll().where('id', 'in', ids).execute();
}
