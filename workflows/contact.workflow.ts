import {
  condition,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  log,
  patched,
  upsertSearchAttributes,
  ActivityFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { admitSignal, contactStateQuery, resultSignal, type ContactInput, type Handoff } from './messages';
import { planAfterAttempt } from '../policy/after-attempt';
import {
  admissionRecheckSummary,
  contactDetails,
  decisionRecord,
  decisionSummary,
  dialSummary,
  duration,
  heldSummary,
  nextAttemptSummary,
  resultOutageCheckSummary,
  resultOutageWaitSummary,
  resultWaitSummary,
  type ContactView,
} from '../policy/explain';
import { AttemptsKey, ContactStateKey, LastOutcomeKey, NextDueAtKey } from './search-attributes';

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
 * grace); the heartbeat timeout catches a dead worker within seconds (the dial heartbeats every second),
 * and the retried activity reconciles with the switch and the call journal instead of dialling again.
 * Only the scheduling attributes changed from the 20 s it was: the commands replay as before.
 */
const dialling = proxyActivities<Activities>({
  startToCloseTimeout: '3 hours',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/**
 * How long an answered call's post-call result may take after hangup before the contact moves on, when
 * the dial does not say (it passes the worker's ORI_RESULT_GRACE_S).
 */
const DEFAULT_RESULT_WAIT_S = 120;
/** A contact waiting for a seat re-checks this often whether it became final (stopped, closed, excluded). */
const ADMISSION_RECHECK_MS = 10 * 60_000;
/**
 * Contacts started before this patch carry no search attributes and never upsert them: their histories
 * replay without the upsert commands (README, "Changing a workflow or a rule").
 */
const SEARCH_ATTRIBUTES_PATCH = 'contact-search-attributes';
/**
 * A contact held by its recipient hours or the frequency cap used to go straight back to waiting for
 * admission (Postgres held it); it now sleeps on its own timer to its own next opening and marks itself
 * ready. Histories from before never saw a hold's time and replay without the timer.
 */
const OWN_OPENING_PATCH = 'contact-own-opening-timer';

export async function contact(input: ContactInput): Promise<string> {
  const seen = new Set<string>([input.handoff.attemptId]);
  const queued: Handoff[] = [];
  const results = new Set<string>();
  const view: ContactView = {
    campaignId: input.campaignId,
    runNo: input.runNo,
    contactId: input.contactId,
    phones: input.handoff.phones ?? [input.handoff.phone],
    phase: 'dialling',
    state: 'dialling',
    attempts: input.handoff.attemptNo - 1,
    lastOutcome: null,
    lastReason: null,
    nextDueAt: null,
    waitingFor: null,
  };
  // Every wait says what it waits for: the query answers the view, the details show it above the history.
  const show = (change: Partial<ContactView>): void => {
    Object.assign(view, change);
    setCurrentDetails(contactDetails(view));
  };
  setHandler(contactStateQuery, () => view);
  // Asked once, first: the marker lands in the first workflow task of a new contact.
  const publishes = patched(SEARCH_ATTRIBUTES_PATCH);

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
      show({ phase: 'dialling', state: 'dialling', waitingFor: dialSummary(handoff), nextDueAt: null });
      const dialled = await dialOnce(input, handoff);
      if (dialled.kind === 'ended') {
        view.attempts = Math.max(view.attempts, handoff.attemptNo);
        show({ lastOutcome: dialled.outcome });
        // Only a conversation with the bot (`completed`) gets a post-call result. A machine, an abandoned
        // call (no bot worker took it) or a call closed by stale-state recovery (`timeout`) never will:
        // waiting for one held the contact, and so the run's completion, for the whole grace.
        if (dialled.answered && !dialled.hasResult && dialled.outcome === 'completed') {
          const id = handoff.attemptId;
          const waitMs = (dialled.resultWaitS ?? DEFAULT_RESULT_WAIT_S) * 1000;
          const summary = resultWaitSummary(handoff.attemptNo, id, waitMs);
          show({ phase: 'waiting_result', state: 'waiting_result', waitingFor: summary });
          if (
            !(await condition(() => results.has(id), waitMs, { summary })) &&
            !(
              patched(RESULT_WAIT_PATCH) &&
              (await waitThroughOutages(id, handoff.attemptNo, waitMs, results, (waitingFor) =>
                show({ waitingFor }),
              ))
            )
          ) {
            // The post-call result never came: stale-state recovery closes a conversation that had one
            // coming as `timeout` (retried when `timeout` is ticked). Machine and abandoned calls have none.
            await control.closeResultTimeout.executeWithOptions(
              {
                summary: `no post-call result for attempt ${handoff.attemptNo} in ${duration(waitMs)}: close it as timeout`,
              },
              [id],
            );
          }
        }
        show({ phase: 'deciding', waitingFor: `deciding what follows attempt ${handoff.attemptNo}` });
        const facts =
          dialled.facts ??
          (await control.loadAttemptFacts.executeWithOptions(
            { summary: `load what attempt ${handoff.attemptNo} ended with, to decide what follows` },
            [input.contactId, handoff.attemptId],
          ));
        const plan = planAfterAttempt(facts, new Date());
        const decision = decisionRecord({ facts, plan, handoff, sipCode: dialled.sipCode ?? null });
        // The decision, its inputs and its reason go into the history: the local activity's result is what
        // its marker shows (its arguments are not recorded).
        await control.recordContactStep.executeWithOptions({ summary: decisionSummary(decision) }, [
          input.contactId,
          input.runNo,
          plan.step,
          dialled.sipCode ?? null,
          decision,
        ]);
        if (plan.optOut && facts.last && recordsOptOut(facts.last.disposition)) {
          await control.recordOptOut.executeWithOptions(
            {
              summary: `the caller asked to opt out (${facts.last.disposition ?? 'OPT_OUT'}): add the number to the do-not-call list`,
            },
            [handoff.attemptId],
          );
        }
        const outcome = facts.last?.outcome ?? dialled.outcome;
        if (plan.step.kind === 'final') {
          show({
            phase: 'final',
            state: plan.step.state,
            lastOutcome: outcome,
            lastReason: plan.reason,
            waitingFor: null,
          });
          if (publishes) publish(view);
          return plan.step.state;
        }
        const summary = nextAttemptSummary({
          outcome,
          passFrom: handoff.pass,
          passTo: plan.step.pass,
          phoneFrom: handoff.phoneIndex,
          phoneTo: plan.step.phoneIndex,
          phones: facts.contact.phones.length,
          isCallback: plan.step.isCallback,
          dueAt: plan.step.dueAt,
          movedBy: plan.movedBy,
          timezone: facts.config.window.timezone,
          contactTimezones: facts.contact.timezones ?? null,
        });
        const phase = plan.step.isCallback ? 'callback_scheduled' : 'retry_scheduled';
        show({
          phase,
          state: phase,
          lastOutcome: outcome,
          lastReason: plan.reason,
          nextDueAt: plan.step.dueAt,
          waitingFor: summary,
        });
        if (publishes) publish(view);
        log.info('next attempt scheduled', { dueAt: plan.step.dueAt, reason: plan.reason });
        const waitMs = Date.parse(plan.step.dueAt) - Date.now();
        if (waitMs > 0) await sleep(waitMs, { summary });
        const ready = await control.markContactReady.executeWithOptions(
          { summary: `due (${summary}): mark the contact ready for admission` },
          [input.contactId, input.runNo],
        );
        if (!ready) {
          show({ phase: 'final', state: 'final', waitingFor: null });
          return 'final';
        }
      } else if (dialled.contactFinal) {
        show({ phase: 'final', state: dialled.reason, lastReason: dialled.reason, waitingFor: null });
        return dialled.reason;
      } else if (dialled.heldUntil && patched(OWN_OPENING_PATCH)) {
        // Held by its own hours or the frequency cap: it sleeps on its own timer to its own next opening
        // (not the campaign's), then asks for a seat again.
        const summary = heldSummary(dialled.reason, dialled.heldUntil);
        show({ phase: 'held', state: 'held', nextDueAt: dialled.heldUntil, waitingFor: summary });
        const waitMs = Date.parse(dialled.heldUntil) - Date.now();
        if (waitMs > 0) await sleep(waitMs, { summary });
        const ready = await control.markContactReady.executeWithOptions(
          { summary: `its own opening (${dialled.heldUntil}): mark the contact ready for admission` },
          [input.contactId, input.runNo],
        );
        if (!ready) {
          show({ phase: 'final', state: 'final', waitingFor: null });
          return 'final';
        }
      }
      // Not dialled (paused, outside the window, lease lost or bumped from the deck): admission hands it
      // a new attempt later.
    }
    handoff = undefined;
    while (!handoff) {
      const summary = admissionRecheckSummary(ADMISSION_RECHECK_MS, view.attempts);
      show({ phase: 'waiting_admission', state: 'waiting_admission', waitingFor: summary });
      if (await condition(() => queued.length > 0, ADMISSION_RECHECK_MS, { summary })) {
        handoff = queued.shift();
      } else if (
        await control.isContactFinal.executeWithOptions(
          {
            summary: `admission re-check: no seat for ${duration(ADMISSION_RECHECK_MS)}; is the contact final?`,
          },
          [input.contactId, input.runNo],
        )
      ) {
        show({ phase: 'final', state: 'final', waitingFor: null });
        return 'final';
      }
    }
  }
}

/**
 * Contacts whose grace ran out before this patch closed the attempt at once; newer ones first ask whether
 * part of the grace was an API outage (policy/result-wait.ts) and wait that much longer.
 */
const RESULT_WAIT_PATCH = 'result-wait-outlasts-api-outage';

/**
 * The grace for a post-call result ran out. Time during which no API instance could take results does not
 * count: wait on while the activity says results were undeliverable for part of it. True when the result
 * arrived meanwhile.
 */
async function waitThroughOutages(
  attemptId: string,
  attemptNo: number,
  graceMs: number,
  results: Set<string>,
  shown: (waitingFor: string) => void,
): Promise<boolean> {
  for (;;) {
    const moreMs = await control.resultWaitLeft.executeWithOptions(
      { summary: resultOutageCheckSummary(attemptNo, graceMs) },
      [attemptId, graceMs],
    );
    if (moreMs <= 0) return false;
    const summary = resultOutageWaitSummary(attemptNo, moreMs);
    shown(summary);
    if (await condition(() => results.has(attemptId), moreMs, { summary })) return true;
  }
}

/** One upsert per decision: the contact's searchable state as of its last attempt (one history event). */
function publish(view: ContactView): void {
  upsertSearchAttributes([
    { key: ContactStateKey, value: view.state },
    { key: AttemptsKey, value: view.attempts },
    { key: LastOutcomeKey, value: view.lastOutcome },
    { key: NextDueAtKey, value: view.nextDueAt ? new Date(view.nextDueAt) : null },
  ]);
}

async function dialOnce(
  input: ContactInput,
  handoff: Handoff,
): Promise<Awaited<ReturnType<Activities['dial']>>> {
  try {
    return await dialling.dial.executeWithOptions({ summary: dialSummary(handoff) }, [
      {
        campaignId: input.campaignId,
        runNo: input.runNo,
        contactId: input.contactId,
        handoff,
      },
    ]);
  } catch (err) {
    // The dial activity gave up (its 3-hour limit): stale-state recovery closes the attempt as `timeout`
    // so the seat is freed and nothing stays in flight forever.
    if (err instanceof ActivityFailure) {
      return await control.closeStaleAttempt.executeWithOptions(
        { summary: `the dial of attempt ${handoff.attemptNo} gave up: close it as stale (timeout)` },
        [handoff.attemptId],
      );
    }
    throw err;
  }
}
