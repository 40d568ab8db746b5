import type { Kysely } from 'kysely';
import type { Database } from '../schema';

/**
 * Idempotency keys of the trigger API (docs/rules.md "The integration surface": the same
 * idempotency_key for the same campaign returns the first answer and never adds a second contact), in `idempotency_keys` (primary key campaign_id, key).
 *
 * Protocol, safe under any concurrency without holding a connection while waiting:
 * 1. The first request claims the key: its INSERT (inside the contact upsert statement,
 *    contacts.repository.ts) commits the row with the answer when it needs no admission — the common case,
 *    one commit per request — else with `response` null. Concurrent claims of the same key wait on the
 *    primary key for that one statement, then fail with a unique violation that undoes their contact write.
 * 2. A claimant that asked admission stores its answer here.
 * 3. Everyone else polls for the stored answer. A claimant that failed releases the key; one that died
 *    leaves a row with no answer that a later request may take over once it is stale.
 */

type AnyDb = Kysely<Database>;

export interface StoredKey {
  response: Record<string, unknown> | null;
  created_at: Date;
}

export async function readIdempotencyKey(
  db: AnyDb,
  campaignId: string,
  key: string,
): Promise<StoredKey | null> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['response', 'created_at'])
    .where('campaign_id', '=', campaignId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row ?? null;
}

export async function storeIdempotentResponse(
  db: AnyDb,
  campaignId: string,
  key: string,
  contactId: string,
  response: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ contact_id: contactId, response: JSON.stringify(response) })
    .where('campaign_id', '=', campaignId)
    .where('key', '=', key)
    .where('response', 'is', null)
    .execute();
}

/** The claimant failed before answering: free the key so the client's retry can succeed. */
export async function releaseIdempotencyKey(db: AnyDb, campaignId: string, key: string): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('campaign_id', '=', campaignId)
    .where('key', '=', key)
    .where('response', 'is', null)
    .execute();
}

/** Take over a claim whose holder never answered (it crashed); true when this caller now holds it. */
export async function takeOverStaleKey(
  db: AnyDb,
  campaignId: string,
  key: string,
  staleBefore: Date,
  now: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('idempotency_keys')
    .set({ created_at: now })
    .where('campaign_id', '=', campaignId)
    .where('key', '=', key)
    .where('response', 'is', null)
    .where('created_at', '<', staleBefore)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export type AwaitedKey =
  | { kind: 'answered'; response: Record<string, unknown> }
  | { kind: 'released' }
  | { kind: 'pending'; created_at: Date };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll for the claimant's answer (short, growing pauses; no connection held in between). */
export async function awaitIdempotentResponse(
  db: AnyDb,
  campaignId: string,
  key: string,
  timeoutMs: number,
): Promise<AwaitedKey> {
  const deadline = Date.now() + timeoutMs;
  let pause = 2;
  for (;;) {
    const row = await readIdempotencyKey(db, campaignId, key);
    if (!row) return { kind: 'released' };
    if (row.response) return { kind: 'answered', response: row.response };
    if (Date.now() >= deadline) return { kind: 'pending', created_at: row.created_at };
    await sleep(pause);
    pause = Math.min(pause * 2, 50);
  }
}
