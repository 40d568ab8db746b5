import type { Db } from '../connection';
import type { Carrier } from '../schema';

/** Carriers: a FreeSWITCH gateway and the dial-rate cap every campaign on it shares. */

export interface NewCarrierInput {
  name: string;
  gateway: string;
  cps_limit?: number | null;
}

export async function createCarrier(db: Db, input: NewCarrierInput): Promise<Carrier> {
  return db
    .insertInto('carriers')
    .values({ name: input.name, gateway: input.gateway, cps_limit: input.cps_limit ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listCarriers(db: Db): Promise<Carrier[]> {
  return db.selectFrom('carriers').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function findCarrier(db: Db, id: string): Promise<Carrier | undefined> {
  return db.selectFrom('carriers').selectAll().where('id', '=', id).executeTakeFirst();
}
