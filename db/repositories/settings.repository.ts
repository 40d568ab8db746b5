import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema';
import type { FrequencyCap } from '../../policy/frequency-cap';

/** The organisation's settings (one row, made by its migration). */

type AnyDb = Kysely<Database> | Transaction<Database>;

export interface OrganisationSettings {
  frequency_cap: FrequencyCap | null;
}

export async function getSettings(db: AnyDb): Promise<OrganisationSettings> {
  const row = await db.selectFrom('organisation_settings').select('frequency_cap').executeTakeFirst();
  return { frequency_cap: row?.frequency_cap ?? null };
}

export async function updateSettings(
  db: AnyDb,
  patch: Partial<OrganisationSettings>,
  actor: string,
  now: Date,
): Promise<OrganisationSettings> {
  const set: { updated_at: Date; updated_by: string; frequency_cap?: string | null } = {
    updated_at: now,
    updated_by: actor,
  };
  if (patch.frequency_cap !== undefined) {
    set.frequency_cap = patch.frequency_cap === null ? null : JSON.stringify(patch.frequency_cap);
  }
  await db
    .insertInto('organisation_settings')
    .values({ ...set })
    .onConflict((oc) => oc.column('id').doUpdateSet(set))
    .execute();
  return getSettings(db);
}

/** The dials placed to `phone` since `since` (attempts whose originate was sent), for the frequency cap. */
export async function placedDialsSince(db: AnyDb, phone: string, since: Date): Promise<Date[]> {
  const rows = await db
    .selectFrom('attempts')
    .select('originate_sent_at')
    .where('phone', '=', phone)
    .where('originate_sent_at', 'is not', null)
    .where('originate_sent_at', '>', since)
    .execute();
  return rows.flatMap((r) => (r.originate_sent_at ? [r.originate_sent_at] : []));
}
