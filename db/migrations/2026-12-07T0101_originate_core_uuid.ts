import { Kysely } from 'kysely';

/**
 * The Core-UUID of the switch an originate was written to. A call that switch never reported, which a
 * restarted switch (another Core-UUID) does not know, died with the switch before its channel existed:
 * it never rang, so it is no attempt (activities/dial-follower.ts `diedWithItsSwitch`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('attempts').addColumn('originate_core_uuid', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('attempts').dropColumn('originate_core_uuid').execute();
}
