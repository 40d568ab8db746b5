import { Context } from '@temporalio/activity';
import type { Db } from '../db/connection';
import type { CompletionReason } from '../policy/completion';
import { admit, hasOpenContacts, type AdmissionResult } from '../db/repositories/admission.repository';
import { loadRunView, runCounts } from '../db/repositories/run-engine.repository';
import { completionReason } from '../policy/completion';
import type { SeatNotifier } from './seat-notifier';
import { admissionSeconds } from '../observability/metrics';

/** How often an idle round looks again even without a notification (also the pause/stop reaction bound). */
const POLL_MS = 500;

export interface AdmitRoundInput {
  campaignId: string;
  runNo: number;
  /** Wait up to this long for something to admit before returning empty-handed. */
  waitMs: number;
  /** Lease at most this many contacts (the run's budget of child workflows before it continues-as-new). */
  maxHandoffs?: number;
}

export interface AdmitRoundResult {
  handoffs: AdmissionResult['handoffs'];
  status: AdmissionResult['status'];
  /** Set when nothing is left to dial: the run completes with this reason. */
  completion: CompletionReason | null;
}

export function createAdmissionActivities(deps: { db: Db; notifier: SeatNotifier; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());

  /** Whether the run is done: nothing open, nothing in flight, and it is not always-on. */
  async function completionIfDone(
    campaignId: string,
    result: AdmissionResult,
  ): Promise<CompletionReason | null> {
    if (result.inFlight > 0 || result.handoffs.length > 0) return null;
    const view = await loadRunView(deps.db, campaignId);
    if (!view || view.config.always_on) return null;
    if (await hasOpenContacts(deps.db, campaignId)) return null;
    const counts = await runCounts(deps.db, campaignId);
    return completionReason({
      ...counts,
      mode: view.config.mode,
      alwaysOn: view.config.always_on,
      windowEnded: false,
      stopped: false,
    });
  }

  return {
    /**
     * One admission round as a long poll: lease seats to ready contacts, or wait (heartbeating) until a seat
     * frees or a contact becomes ready, up to `waitMs`. Returns what to hand off and whether the run is done.
     */
    async admitRound(input: AdmitRoundInput): Promise<AdmitRoundResult> {
      const ctx = Context.current();
      const deadline = Date.now() + input.waitMs;
      for (;;) {
        const timed = admissionSeconds.startTimer();
        const result = await admit(deps.db, {
          campaignId: input.campaignId,
          runNo: input.runNo,
          now: now(),
          maxContacts: input.maxHandoffs,
          requireSwitch: true,
        });
        timed();
        if (result.handoffs.length > 0 || result.status === 'not_running') {
          return { handoffs: result.handoffs, status: result.status, completion: null };
        }
        const completion = await completionIfDone(input.campaignId, result);
        if (completion || Date.now() >= deadline) {
          return { handoffs: [], status: result.status, completion };
        }
        ctx.heartbeat();
        await deps.notifier.wait(input.campaignId, Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
      }
    },
  };
}
