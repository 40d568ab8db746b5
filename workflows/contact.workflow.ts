import {
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  log,
  patched,
  ActivityFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { admitSignal, resultSignal, type ContactInput, type Handoff } from './messages';
import { planAfterAttempt } from '../policy/after-attempt';

/**
 * One contact in one run. Its history is the story of that contact — each attempt, the post-call result,
 * the decision and the durable timer to the next attempt — which is what an engineer opens on escalation.
 *
 * Loop: dial the attempt it was handed → wait for the post-call result (answered calls) → decide with the
 * pure policy → record → sleep until due (retry delay, callback, next window opening) → mark itself ready →
 * wait to be admitted again.
 */

/**
 * The contact's short, idempotent Postgres reads and writes run as local activities: inside the workflow
 * task, on this worker, leaving one marker event each instead of three activity events and a further
 * workflow task. That is a quarter of a dial's history events and an eighth of its Temporal CPU
 * (BENCHMARKS.md, "Experiments"). A local activity is retried by the workflow task that runs it (no
 * heartbeat, no activity task of its own), which suits these calls and not `dial`.
 */
const control = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * Histories written before every spelling of the opt-out disposition counted recorded it only for the exact
 * `OPT_OUT` (trimmed, any case); they replay that way, and new ones record every spelling.
 */
function recordsOptOut(disposition: string | null): boolean {
  if (patched('opt-out-any-spelling')) return true;
  return (disposition ?? '').trim().toUpperCase() === 'OPT_OUT';
}

/**
 * The dial follows a whole call. Its own watchdog closes a stale call (ring timeout + longest call +
 * grace); the heartbeat timeout catches a dead worker, and the retried activity reconciles with the switch
 * instead of dialling again.
 */
const dialling = proxyActivities<Activities>({
  startToCloseTimeout: '3 hours',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/**
 * How long an answered call's post-call result may take after hangup before the contact moves on, when
 * the dial does not say (it passes the worker's ORI_RESULT_GRACE_S).
 */
const DEFAULT_RESULT_WAIT_S = 120;
/** A contact waiting for a seat re-checks this often whether it became final (stopped, closed, excluded). */
const ADMISSION_RECHECK = '10 minutes';

export async function contact(input: ContactInput): Promise<string> {
  const seen = new Set<string>([input.handoff.attemptId]);
  const queued: Handoff[] = [];
  const results = new Set<string>();

  // Admission may hand the same lease twice (a re-hand-off after a lost one): act on each attempt once.
  setHandler(admitSignal, (h) => {
    if (seen.has(h.attemptId)) return;
    seen.add(h.attemptId);
    queued.push(h);
  });
  setHandler(resultSignal, ({ attemptId }) => {
    results.add(attemptId);
  });

  let handoff: Handoff | undefined = input.handoff;
  for (;;) {
    if (handoff) {
      const dialled = await dialOnce(input, handoff);
      if (dialled.kind === 'ended') {
        // Only a conversation with the bot (`completed`) gets a post-call result. A machine, an abandoned
        // call (no bot worker took it) or a call closed by stale-state recovery (`timeout`) never will:
        // waiting for one held the contact, and so the run's completion, for the whole grace.
        if (dialled.answered && !dialled.hasResult && dialled.outcome === 'completed') {
          const id = handoff.attemptId;
          const waitMs = (dialled.resultWaitS ?? DEFAULT_RESULT_WAIT_S) * 1000;
          if (!(await condition(() => results.has(id), waitMs))) {
            // The post-call result never came: stale-state recovery closes a conversation that had one
            // coming as `timeout` (retried when `timeout` is ticked). Machine and abandoned calls have none.
            await control.closeResultTimeout(id);
          }
        }
        const facts = dialled.facts ?? (await control.loadAttemptFacts(input.contactId, handoff.attemptId));
        const plan = planAfterAttempt(facts, new Date());
        await control.recordContactStep(input.contactId, input.runNo, plan.step, dialled.sipCode ?? null);
        if (plan.optOut && facts.last && recordsOptOut(facts.last.disposition)) {
          await control.recordOptOut(handoff.attemptId);
        }
        if (plan.step.kind === 'final') return plan.step.state;
        log.info('next attempt scheduled', { dueAt: plan.step.dueAt, reason: plan.reason });
        const waitMs = Date.parse(plan.step.dueAt) - Date.now();
        if (waitMs > 0) await sleep(waitMs);
        if (!(await control.markContactReady(input.contactId, input.runNo))) return 'final';
      } else if (dialled.contactFinal) {
        return dialled.reason;
      }
      // Not dialled (paused, outside the window, lease lost or bumped from the deck): admission hands it
      // a new attempt later.
    }
    handoff = undefined;
    while (!handoff) {
      if (await condition(() => queued.length > 0, ADMISSION_RECHECK)) {
        handoff = queued.shift();
      } else if (await control.isContactFinal(input.contactId, input.runNo)) {
        return 'final';
      }
    }
  }
}

async function dialOnce(
  input: ContactInput,
  handoff: Handoff,
): Promise<Awaited<ReturnType<Activities['dial']>>> {
  try {
    return await dialling.dial({
      campaignId: input.campaignId,
      runNo: input.runNo,
      contactId: input.contactId,
      handoff,
    });
  } catch (err) {
    // The dial activity gave up (its 3-hour limit): stale-state recovery closes the attempt as `timeout`
    // so the seat is freed and nothing stays in flight forever.
    if (err instanceof ActivityFailure) {
      return await control.closeStaleAttempt(handoff.attemptId);
    }
    throw err;
  }
}
