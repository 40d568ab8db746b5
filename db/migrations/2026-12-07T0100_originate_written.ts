import { Kysely, sql } from 'kysely';

/**
 * A seat claim and the originate's write are two moments: a worker that dies between them never reached
 * the switch. `claim_token` fences the try that holds the claim; `originate_written_at` is stamped by that
 * try, in the same transaction that re-checks the run, right before it writes the originate. A claim
 * without it never went out and may be claimed again; one with it may have reached the switch and is
 * only ever reconciled.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('attempts')
    .addColumn('claim_token', 'uuid')
    .addColumn('originate_written_at', 'timestamptz')
    .execute();
  // Claims made before this column existed may have been written: they keep being reconciled, never redialled.
  await sql`update attempts set originate_written_at = originate_sent_at where originate_sent_at is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('attempts')
    .dropColumn('claim_token')
    .dropColumn('originate_written_at')
    .execute();
}
