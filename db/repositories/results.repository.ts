import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';
import { conflict, notFound } from '../../policy/errors';
import { isOptOutDisposition } from '../../policy/opt-out';

/**
 * The bot platform's post-call analysis (docs/api.md):
 * `POST /attempts/:attempt_id/result` stores it on the attempt, once. Storing is one conditional UPDATE
 * (`result_at is null`), so of two concurrent different results exactly one wins and the other gets 409;
 * the same result again is an idempotent 200. What happens next (retry, callback, final state) is the
 * contact workflow's decision; the caller tells the engine.
 */

type AnyDb = Kysely<Database>;

export interface ResultInput {
  disposition: string;
  callbackAt: Date | null;
  turns: number | null;
  summary: string | null;
  /** The whole body as received (extra fields included), kept for audits. */
  raw: Record<string, unknown>;
}

export interface StoredResult {
  attempt_id: string;
  campaign_id: string;
  run_no: number;
  contact_id: string;
  phone: string;
  disposition: string;
  callback_at: Date | null;
  turns: number | null;
  summary: string | null;
  result_at: Date;
}

function sameResult(stored: StoredResult, input: ResultInput): boolean {
  return (
    stored.disposition === input.disposition &&
    (stored.callback_at?.getTime() ?? null) === (input.callbackAt?.getTime() ?? null) &&
    stored.turns === input.turns &&
    stored.summary === input.summary
  );
}

const RETURNED = [
  'attempt_id',
  'campaign_id',
  'run_no',
  'contact_id',
  'phone',
  'disposition',
  'callback_at',
  'turns',
  'summary',
  'result_at',
] as const;

/**
 * Store the result; `created` is false for an identical repeat. An opt-out disposition puts the attempt's
 * number on the organisation-wide opt-out list in the same transaction (docs/rules.md "The integration
 * surface": an opted-out number is kept for the whole organisation and no later campaign dials it).
 * `awaitedByDial`: the call's dial activity reports the result to the contact workflow (it waits for it,
 * or still follows the call), so the caller sends no signal.
 */
export async function recordAttemptResult(
  db: AnyDb,
  attemptId: string,
  input: ResultInput,
  now: Date,
): Promise<{ result: StoredResult; created: boolean; awaitedByDial: boolean }> {
  return db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('attempts')
      .set({
        disposition: input.disposition,
        callback_at: input.callbackAt,
        turns: input.turns,
        summary: input.summary,
        result: JSON.stringify(input.raw),
        result_at: now,
      })
      .where('attempt_id', '=', attemptId)
      .where('result_at', 'is', null)
      .returning([...RETURNED, 'result_awaited', sql<boolean>`ended_at is null`.as('call_followed')])
      .executeTakeFirst();
    if (updated && updated.disposition !== null && updated.result_at !== null) {
      const { result_awaited: awaited, call_followed: followed, ...row } = updated;
      const result = { ...row, disposition: updated.disposition, result_at: updated.result_at };
      // The dial activity waiting for it hears it at commit (activities/seat-notifier.ts).
      if (awaited) await sql`select pg_notify('ori_result', ${attemptId})`.execute(tx);
      // A dial still following the call reads the result with the call's end (bots may post it with
      // the hangup): either way the contact learns it from its dial, with no signal.
      const awaitedByDial = awaited || followed;
      if (isOptOutDisposition(input.disposition)) {
        await tx
          .insertInto('opt_outs')
          .values({
            phone: updated.phone,
            reason: `disposition ${input.disposition}`,
            source: 'bot',
            source_attempt_id: attemptId,
          })
          .onConflict((oc) => oc.column('phone').doNothing())
          .execute();
      }
      return { result, created: true, awaitedByDial };
    }
    const existing = await tx
      .selectFrom('attempts')
      .select(RETURNED)
      .where('attempt_id', '=', attemptId)
      .executeTakeFirst();
    if (!existing) throw notFound('attempt', attemptId);
    if (existing.disposition === null || existing.result_at === null) {
      // Unreachable: the row exists and the conditional update did not match, so a result is stored.
      throw conflict('result_conflict', `Attempt ${attemptId} is being updated concurrently; retry`);
    }
    const stored = { ...existing, disposition: existing.disposition, result_at: existing.result_at };
    if (!sameResult(stored, input)) {
      throw conflict(
        'result_conflict',
        `Attempt ${attemptId} already has a different result (disposition ${existing.disposition})`,
      );
    }
    return { result: stored, created: false, awaitedByDial: false };
  });
}

/**
 * Whether the call's own dial activity waits for its post-call result (`recordAttemptResult` then wakes it
 * instead of signalling the contact workflow). Returns whether a result is stored: setting and reading
 * under the row's lock, so a result stored while the dial stops waiting is never missed by both sides.
 */
export async function setResultAwaited(db: AnyDb, attemptId: string, awaited: boolean): Promise<boolean> {
  const row = await db
    .updateTable('attempts')
    .set({ result_awaited: awaited })
    .where('attempt_id', '=', attemptId)
    .returning(sql<boolean>`result_at is not null`.as('stored'))
    .executeTakeFirst();
  return row?.stored ?? false;
}

/** Whether the attempt's post-call result is stored. */
export async function hasStoredResult(db: AnyDb, attemptId: string): Promise<boolean> {
  const row = await db
    .selectFrom('attempts')
    .select(sql<boolean>`result_at is not null`.as('stored'))
    .where('attempt_id', '=', attemptId)
    .executeTakeFirst();
  return row?.stored ?? false;
}
