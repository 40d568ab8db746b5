import {
  condition,
  continueAsNew,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RunView } from '../db/repositories/run-engine.repository';
import { dialGate } from '../policy/dial-gate';
import { handOffBatch, handOffContacts } from './handoff-batch.workflow';
import {
  admissionRoundSummary,
  idleSummary,
  pausedSummary,
  runDetails,
  windowWaitSummary,
  type RunStatus,
  type RunStatusView,
} from '../policy/explain';
import { RunStatusKey } from './search-attributes';
import {
  configChangedUpdate,
  handOffBatchWorkflowId,
  pauseUpdate,
  resumeUpdate,
  runStateQuery,
  stopUpdate,
  wakeSignal,
  type CampaignRunInput,
  type Handoff,
} from './messages';

/**
 * One run of a campaign: its lifecycle (running, paused, stopping), admission (who dials now) and its
 * completion. Contacts live in Postgres, never in this history: each round one activity leases seats to
 * the top ready contacts and this workflow starts or wakes exactly those contacts' workflows. The round
 * is a long poll that returns as soon as a seat frees and a contact is ready, so the history grows with
 * admission batches, not with dials, and the run continues-as-new long before any limit.
 */

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
const admission = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
});

/** The longest one admission round waits for a seat or a ready contact before the loop looks around. */
const MAX_ROUND_MS = 20_000;
/** After a round that found nothing ready. */
const IDLE_PAUSE_MS = 1_000;
/** Continue-as-new well below Temporal's limits: history events and pending (abandoned) children. */
const MAX_HISTORY_EVENTS = 8_000;
const MAX_CHILDREN_PER_RUN = 1_000;
const PAUSED_REREAD_MS = 60_000;
/**
 * Runs started before this patch never upserted `RunStatus`: their histories replay without the upserts.
 * (Attributes given to a child at its start are no command of their own, so they need no patch.)
 */
const RUN_STATUS_PATCH = 'run-status-search-attribute';
/** Runs started before this patch start (or signal) every contact themselves: they replay that way. */
const HANDOFF_BATCH_PATCH = 'handoff-batches';
/** Contacts per hand-off batch: a batch's input stays far below Temporal's payload limit. */
const HANDOFF_BATCH_SIZE = 250;
/** Runs started before this patch lease whatever is free, however many hand-offs are still starting. */
const HANDOFF_BACKPRESSURE_PATCH = 'handoff-batch-backpressure';
/**
 * Runs started before this patch took the paused flag from every load of the run's record, even one that a
 * pause or resume overtook: a resume sent while a config change's reload read "paused" was undone until the
 * next re-read, a minute later. Their histories replay that way.
 */
const CONTROL_OUTRANKS_READ_PATCH = 'control-update-outranks-overtaken-read';
/** At most this many contacts in hand-off batches not yet finished (see the wait before a round). */
const MAX_CONTACTS_HANDING_OFF = 1_000;

export async function campaignRun(input: CampaignRunInput): Promise<string> {
  const { campaignId, runNo } = input;
  let paused = false;
  let stopping = false;
  let reload = true;
  let woken = false;
  let windowSeen = input.carried?.windowSeen ?? false;
  let childrenStarted = 0;
  let view: RunView | null = null;
  /** Pause and resume updates taken so far: a load of the run's record that one overtook read older news. */
  let controlsTaken = 0;
  const status: RunStatusView = {
    campaignId,
    runNo,
    status: 'running',
    reason: 'started',
    waitingFor: null,
    childrenStarted: 0,
  };
  setHandler(runStateQuery, () => ({ ...status, childrenStarted }));
  const show = (waitingFor: string | null): void => {
    status.waitingFor = waitingFor;
    setCurrentDetails(runDetails({ ...status, childrenStarted }));
  };
  // RunStatus is upserted only when it changes (pause, resume, stop, completion): a few events per run.
  let published: RunStatus = 'running';
  const setStatus = (next: RunStatus, reason: string): void => {
    status.status = next;
    status.reason = reason;
    if (next !== published && patched(RUN_STATUS_PATCH)) {
      upsertSearchAttributes([{ key: RunStatusKey, value: next }]);
      published = next;
    }
    show(status.waitingFor);
  };

  const notStopping = (_args: { actor: string }): void => {
    if (stopping) throw new Error('the run is stopping');
  };
  setHandler(
    pauseUpdate,
    (args) => {
      paused = true;
      woken = true;
      controlsTaken++;
      setStatus('paused', `paused by ${args.actor}`);
      return { state: 'paused' as const };
    },
    { validator: notStopping },
  );
  setHandler(
    resumeUpdate,
    (args) => {
      paused = false;
      woken = true;
      controlsTaken++;
      setStatus('running', `resumed by ${args.actor}`);
      return { state: 'running' as const };
    },
    { validator: notStopping },
  );
  setHandler(stopUpdate, (args) => {
    stopping = true;
    woken = true;
    setStatus('stopping', `stopped by ${args.actor}`);
    return { state: 'stopping' as const };
  });
  setHandler(configChangedUpdate, () => {
    reload = true;
    woken = true;
    return { state: paused ? ('paused' as const) : ('running' as const) };
  });
  setHandler(wakeSignal, () => {
    woken = true;
  });

  // Asked once, first: new runs hand off through batch workflows, older ones replay their own child starts.
  const inBatches = patched(HANDOFF_BATCH_PATCH);
  const throttled = inBatches && patched(HANDOFF_BACKPRESSURE_PATCH);
  let batchSeq = 0;
  /** Contacts in batches that have not finished starting them (their leases may expire meanwhile). */
  let contactsHandingOff = 0;
  const handOff = async (handoffs: Handoff[]): Promise<void> => {
    if (!inBatches) {
      await handOffContacts(input, handoffs, () => childrenStarted++);
      return;
    }
    const { runId } = workflowInfo();
    const batches: Handoff[][] = [];
    for (let i = 0; i < handoffs.length; i += HANDOFF_BATCH_SIZE)
      batches.push(handoffs.slice(i, i + HANDOFF_BATCH_SIZE));
    await Promise.all(
      batches.map(async (batch) => {
        // Counted when initiated: a start in flight is a pending child for Temporal's limit too.
        childrenStarted++;
        contactsHandingOff += batch.length;
        const settled = (): void => {
          contactsHandingOff -= batch.length;
        };
        try {
          const started = await startChild(handOffBatch, {
            workflowId: handOffBatchWorkflowId(campaignId, runNo, runId, ++batchSeq),
            args: [{ campaignId, runNo, contactTaskQueue: input.contactTaskQueue, handoffs: batch }],
            staticSummary: `hand off ${batch.length} contact(s), attempts ${batch[0]?.attemptId ?? ''}…`,
            // The batch finishes its starts whatever becomes of this run (a continue-as-new, a stop).
            parentClosePolicy: ParentClosePolicy.ABANDON,
          });
          // Its completion (every contact started or woken) lands on this run while it is open.
          void started.result().then(settled, settled);
        } catch (err) {
          settled();
          throw err;
        }
      }),
    );
  };

  // A round's hand-off (child starts and signals) runs while the next round already waits for seats: a
  // slow start no longer holds every seat freed meanwhile (the saw-tooth in BENCHMARKS.md). Every hand-off
  // is settled before the run returns or continues-as-new, so none is lost with the run (temporal#685).
  const handingOff = new Set<Promise<void>>();
  let handOffFailure: unknown = null;
  const handOffInBackground = (handoffs: Handoff[]): void => {
    if (handoffs.length === 0) return;
    const pending: Promise<void> = handOff(handoffs)
      .catch((err: unknown) => {
        handOffFailure ??= err;
      })
      .finally(() => handingOff.delete(pending));
    handingOff.add(pending);
  };
  const settleHandOffs = async (): Promise<void> => {
    while (handingOff.size > 0) await Promise.all([...handingOff]);
    throwIfHandOffFailed();
  };
  const throwIfHandOffFailed = (): void => {
    // Not swallowed: the workflow task fails and is retried, as an awaited startChild failure would be.
    if (handOffFailure !== null) throw handOffFailure;
  };
  const finish = async (result: string): Promise<string> => {
    await settleHandOffs();
    setStatus('completed', result);
    return result;
  };

  for (;;) {
    throwIfHandOffFailed();
    if (reload || !view) {
      const controlsBeforeLoad = controlsTaken;
      view = await acts.loadRun.executeWithOptions(
        {
          summary: view
            ? 'reload the run and its config (a change, a not-running round or a paused re-read)'
            : 'load the run and its config',
        },
        [campaignId],
      );
      reload = false;
      if (!view || view.runNo !== runNo || !['running', 'paused'].includes(view.status))
        return finish('ended');
      // The API commits a pause or resume before it sends the update, so one taken while the record was
      // being read is at least as new as what the read saw: it stands. A later change's update follows.
      const overtaken = controlsTaken !== controlsBeforeLoad && patched(CONTROL_OUTRANKS_READ_PATCH);
      if (!overtaken) {
        paused = view.status === 'paused';
        if (paused && status.status === 'running') setStatus('paused', 'paused (the run record says so)');
        if (!paused && status.status === 'paused') setStatus('running', 'running (the run record says so)');
      }
    }
    if (stopping) return finish('manually_stopped');

    const now = new Date();
    const { config } = view;
    // The run asks the gate about its calendar only: its pause is its own state, checked below, because a
    // paused single-day run still ends when its window does.
    const gate = dialGate({ campaign: config, now });
    if (!gate.allowed) {
      // A single-day campaign ends when its window ends and does not resume.
      if (config.mode === 'single_day' && windowSeen) {
        await settleHandOffs();
        await acts.closeWindow.executeWithOptions(
          { summary: `single-day window closed (${gate.detail}): close the run as window_ended` },
          [campaignId, runNo],
        );
        setStatus('completed', 'window_ended');
        return 'window_ended';
      }
      woken = false;
      const summary = windowWaitSummary(gate.until, config.window.timezone);
      show(summary);
      if (gate.until)
        await condition(() => woken || stopping, Math.max(1, gate.until.getTime() - now.getTime()), {
          summary,
        });
      // No opening to wait for (a window that never opens): only a config change or a stop moves it on.
      else await condition(() => woken || stopping);
      continue;
    }
    windowSeen = true;

    if (paused) {
      // Re-read Postgres now and then: it is the record, the Update only makes the change immediate.
      const summary = pausedSummary(PAUSED_REREAD_MS);
      show(summary);
      if (!(await condition(() => !paused || stopping || reload, PAUSED_REREAD_MS, { summary })))
        reload = true;
      continue;
    }

    const closeAt = gate.closesAt;
    const untilClose = closeAt ? closeAt.getTime() - now.getTime() : MAX_ROUND_MS;
    const maxChildren = input.limits?.maxChildrenPerRun ?? MAX_CHILDREN_PER_RUN;
    const waitMs = Math.max(0, Math.min(MAX_ROUND_MS, untilClose));
    // Hand-offs run in the background: never lease more than this run may still start, so its pending
    // children stay under Temporal's 2,000 whatever the concurrency.
    // In batches, a round's contacts are the batches' children, not the run's: its pending children are
    // batches, one per HANDOFF_BATCH_SIZE contacts.
    const maxHandingOff = input.limits?.maxContactsHandingOff ?? MAX_CONTACTS_HANDING_OFF;
    if (throttled && contactsHandingOff >= maxHandingOff) {
      // Backpressure: while Temporal has not started this many contacts, leasing more only lets their
      // unclaimed leases lapse and be leased again to others, a backlog that feeds itself on a slow server.
      const summary = `waiting for hand-off batches to start ${contactsHandingOff} contact(s) before leasing more`;
      show(summary);
      await condition(() => contactsHandingOff < maxHandingOff || stopping || reload || paused);
      continue;
    }
    const maxHandoffs = throttled
      ? Math.min(
          Math.max(1, maxChildren - childrenStarted) * HANDOFF_BATCH_SIZE,
          maxHandingOff - contactsHandingOff,
        )
      : inBatches
        ? Math.max(1, maxChildren - childrenStarted) * HANDOFF_BATCH_SIZE
        : Math.max(1, maxChildren - childrenStarted);
    const roundSummary = admissionRoundSummary(maxHandoffs, waitMs);
    show(roundSummary);
    const round = await admission.admitRound.executeWithOptions({ summary: roundSummary }, [
      { campaignId, runNo, waitMs, maxHandoffs },
    ]);
    handOffInBackground(round.handoffs);
    if (round.status === 'not_running') reload = true;
    if (round.completion) {
      await settleHandOffs();
      await acts.completeRun.executeWithOptions({ summary: `complete the run: ${round.completion}` }, [
        campaignId,
        runNo,
        round.completion,
      ]);
      setStatus('completed', round.completion);
      return round.completion;
    }

    if (round.handoffs.length === 0 && round.status === 'idle') {
      // Nothing was ready for a whole round: breathe on a timer (a wake or control cuts it short), so an
      // idle run costs a few events a minute and its clock can skip in tests.
      woken = false;
      const summary = idleSummary(IDLE_PAUSE_MS);
      show(summary);
      await condition(() => woken || stopping || reload || paused, IDLE_PAUSE_MS, { summary });
    }

    const info = workflowInfo();
    if (
      info.continueAsNewSuggested ||
      info.historyLength > (input.limits?.maxHistoryEvents ?? MAX_HISTORY_EVENTS) ||
      childrenStarted >= maxChildren
    ) {
      // Every startChild is settled first, so no child is lost across the new run.
      await settleHandOffs();
      await continueAsNew<typeof campaignRun>({
        campaignId,
        runNo,
        contactTaskQueue: input.contactTaskQueue,
        carried: { windowSeen, childrenStarted: 0 },
        limits: input.limits,
      });
    }
  }
}
