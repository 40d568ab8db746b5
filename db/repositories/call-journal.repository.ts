import type { Kysely } from 'kysely';
import type { Database } from '../schema';

type AnyDb = Kysely<Database>;

/** One call's end as the switch reported it (CHANNEL_HANGUP_COMPLETE). */
export interface CallJournalEntry {
  callUuid: string;
  attemptId: string | null;
  coreUuid: string | null;
  hangupCause: string | null;
  sipCode: number | null;
  answered: boolean;
  startedAt: Date | null;
  answeredAt: Date | null;
  endedAt: Date;
  headers: Record<string, string>;
  recordedBy: string;
}

/** Records call ends; a call already recorded (by another worker, or before a retry) keeps its first record. */
export async function recordCallEnds(db: AnyDb, entries: readonly CallJournalEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('call_journal')
    .values(
      entries.map((e) => ({
        call_uuid: e.callUuid,
        attempt_id: e.attemptId,
        core_uuid: e.coreUuid,
        hangup_cause: e.hangupCause,
        sip_code: e.sipCode,
        answered: e.answered,
        started_at: e.startedAt,
        answered_at: e.answeredAt,
        ended_at: e.endedAt,
        headers: JSON.stringify(e.headers),
        recorded_by: e.recordedBy,
      })),
    )
    .onConflict((oc) => oc.column('call_uuid').doNothing())
    .execute();
}

/** The switch's record of how this call ended, if any worker saw it. */
export async function findCallEnd(db: AnyDb, callUuid: string): Promise<CallJournalEntry | null> {
  const row = await db
    .selectFrom('call_journal')
    .selectAll()
    .where('call_uuid', '=', callUuid)
    .executeTakeFirst();
  if (!row) return null;
  return {
    callUuid: row.call_uuid,
    attemptId: row.attempt_id,
    coreUuid: row.core_uuid,
    hangupCause: row.hangup_cause,
    sipCode: row.sip_code,
    answered: row.answered,
    startedAt: row.started_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    headers: row.headers,
    recordedBy: row.recorded_by,
  };
}
