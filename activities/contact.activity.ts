import type { Db } from '../db/connection';
import {
  finishAttempt,
  getAttempt,
  isContactFinal,
  loadAttemptFacts,
  markContactReady,
  recordContactStep,
} from '../db/repositories/attempts.repository';
import type { AttemptFacts, ContactStep } from '../policy/after-attempt';
import type { SwitchControl } from './dial.activity';
import type { DialResult } from './dial.activity';
import type { DecisionRecord } from '../policy/explain';
import { resultWaitLeftMs, UPTIME_SLACK_MS } from '../policy/result-wait';
import { apiUptimeSince } from '../db/repositories/api-uptime.repository';

/** The contact workflow's reads and writes around an attempt. Each is idempotent. */
export function createContactActivities(deps: { db: Db; switch: SwitchControl; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return {
    async loadAttemptFacts(contactId: string, attemptId: string | null): Promise<AttemptFacts> {
      return loadAttemptFacts(deps.db, contactId, attemptId);
    },
    async recordContactStep(
      contactId: string,
      runNo: number,
      step: ContactStep,
      lastSipCode: number | null,
      decision?: DecisionRecord,
    ): Promise<{ decision: DecisionRecord } | void> {
      await recordContactStep(deps.db, contactId, runNo, step, lastSipCode, now());
      // Returned as given: a local activity's marker records its result, not its arguments, so this is how
      // the decision, its inputs and its reason appear in the contact's history.
      if (decision) return { decision };
    },
    async recordOptOut(attemptId: string): Promise<void> {
      const attempt = await getAttempt(deps.db, attemptId);
      if (!attempt) return;
      await deps.db
        .insertInto('opt_outs')
        .values({
          phone: attempt.phone,
          reason: `disposition ${attempt.disposition ?? 'OPT_OUT'}`,
          source: 'bot',
          source_attempt_id: attemptId,
        })
        .onConflict((oc) => oc.column('phone').doNothing())
        .execute();
    },
    /** An answered conversation whose post-call result never arrived: `completed` becomes `timeout`. */
    async closeResultTimeout(attemptId: string): Promise<void> {
      await deps.db
        .updateTable('attempts')
        .set({ outcome: 'timeout' })
        .where('attempt_id', '=', attemptId)
        .where('outcome', '=', 'completed')
        .where('result_at', 'is', null)
        .execute();
    },
    /**
     * The grace for an answered call's post-call result has run out on the workflow's clock: how much
     * longer to wait, because part of it was time no API instance could take results (policy/result-wait.ts).
     * 0 when the result is stored (the signal was lost, e.g. Temporal was away) or the grace is spent.
     */
    async resultWaitLeft(attemptId: string, graceMs: number): Promise<number> {
      const attempt = await getAttempt(deps.db, attemptId);
      if (!attempt || attempt.result_at !== null) return 0;
      const endedAt = attempt.ended_at ?? now();
      const uptime = await apiUptimeSince(deps.db, endedAt, UPTIME_SLACK_MS);
      return resultWaitLeftMs({ endedAt: endedAt.getTime(), now: now().getTime(), graceMs, uptime });
    },
    async markContactReady(contactId: string, runNo: number): Promise<boolean> {
      return markContactReady(deps.db, contactId, runNo, now());
    },
    async isContactFinal(contactId: string, runNo: number): Promise<boolean> {
      return isContactFinal(deps.db, contactId, runNo);
    },
    /**
     * Stale-state recovery: the dial activity gave up on an attempt. Hang the call up if the switch still
     * has it, and close the attempt as `timeout` so its seat is freed.
     */
    async closeStaleAttempt(attemptId: string): Promise<DialResult> {
      await deps.switch.kill(attemptId).catch(() => false);
      const attempt = await finishAttempt(deps.db, attemptId, {
        outcome: 'timeout',
        sipCode: null,
        hangupCause: 'ORI_STALE_RECOVERY',
        answeredAt: null,
        endedAt: now(),
        ringS: null,
        talkS: null,
        coreUuid: null,
      });
      return {
        kind: 'ended',
        outcome: attempt.outcome ?? 'timeout',
        answered: attempt.answered_at !== null,
        hasResult: attempt.result_at !== null,
        sipCode: attempt.sip_code,
      };
    },
  };
}
