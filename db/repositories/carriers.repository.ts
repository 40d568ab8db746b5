import type { Db } from '../connection';
import type { Carrier as CarrierRow } from '../schema';
import { notFound } from '../../policy/errors';

/**
 * Carriers: a FreeSWITCH gateway, the dial-rate cap every campaign on it shares, and what a minute of talk
 * on it costs (the results price each day's talk minutes with it).
 */

export interface Carrier extends Omit<CarrierRow, 'cost_per_minute'> {
  cost_per_minute: number | null;
}

export interface NewCarrierInput {
  name: string;
  gateway: string;
  cps_limit?: number | null;
  cost_per_minute?: number | null;
}

/** The fields an update may change; a field left out keeps its value, null clears an optional one. */
export type CarrierChanges = Partial<NewCarrierInput>;

const present = (row: CarrierRow): Carrier => ({
  ...row,
  cost_per_minute: row.cost_per_minute === null ? null : Number(row.cost_per_minute),
});

export async function createCarrier(db: Db, input: NewCarrierInput): Promise<Carrier> {
  const row = await db
    .insertInto('carriers')
    .values({
      name: input.name,
      gateway: input.gateway,
      cps_limit: input.cps_limit ?? null,
      cost_per_minute: input.cost_per_minute ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return present(row);
}

export async function updateCarrier(db: Db, id: string, changes: CarrierChanges): Promise<Carrier> {
  const set: Record<string, unknown> = {};
  for (const key of ['name', 'gateway', 'cps_limit', 'cost_per_minute'] as const)
    if (changes[key] !== undefined) set[key] = changes[key];
  const row =
    Object.keys(set).length === 0
      ? await db.selectFrom('carriers').selectAll().where('id', '=', id).executeTakeFirst()
      : await db.updateTable('carriers').set(set).where('id', '=', id).returningAll().executeTakeFirst();
  if (!row) throw notFound('carrier', id);
  return present(row);
}

export async function listCarriers(db: Db): Promise<Carrier[]> {
  const rows = await db.selectFrom('carriers').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(present);
}

export async function findCarrier(db: Db, id: string): Promise<Carrier | undefined> {
  const row = await db.selectFrom('carriers').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? present(row) : undefined;
}
