import { describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../activities';
import type { Handoff } from './messages';
import type { RunView } from '../db/repositories/run-engine.repository';
import { resolveCampaignConfig, type CampaignConfig } from '../policy/campaign-config';
import { campaignRunStart, timeSkippingServerPerTest } from '../test/support/temporal';
import { gate } from '../test/support/gate';
import {
  campaignRunWorkflowId,
  configChangedUpdate,
  contactWorkflowId,
  pauseUpdate,
  resumeUpdate,
  runTaskQueue,
} from './messages';

/**
 * The run's orchestration on the time-skipping server, with its activities replaced by scripted ones that
 * record what the workflow asked and when (in workflow time: the activity's scheduled timestamp), so an
 * overnight window pause takes milliseconds. Activities themselves are tested against Postgres and the
 * simulator elsewhere.
 */

// One bundle for the file; a fresh test server per test, so no test's timers move another's clock.
const server = timeSkippingServerPerTest();

type Partialize<T> = { [K in keyof T]?: T[K] };

function handoff(contactId: string, attemptNo = 1): Handoff {
  return {
    attemptId: randomUUID(),
    attemptNo,
    contactId,
    phone: '+919800000001',
    phoneIndex: 0,
    pass: 1,
    fromNumber: '+14155550000',
    numberId: randomUUID(),
    gateway: 'carrier1',
    dialNotBefore: new Date(0).toISOString(),
    startWorkflow: attemptNo === 1,
  };
}

function config(overrides: Parameters<typeof resolveCampaignConfig>[0] = {}): CampaignConfig {
  const r = resolveCampaignConfig(overrides);
  expect(r.problems).toEqual([]);
  return r.config;
}

async function runWith(
  activities: Partialize<Activities>,
  body: (taskQueue: string) => Promise<void>,
): Promise<void> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: server.env.nativeConnection,
    taskQueue,
    workflowBundle: server.bundle,
    activities,
  });
  await worker.runUntil(body(taskQueue));
}

const scheduledAt = (): number => Context.current().info.scheduledTimestampMs;

describe('campaignRun', () => {
  it('starts a contact workflow per admitted contact and completes with the reason admission gives', async () => {
    const campaignId = randomUUID();
    const contacts = [randomUUID(), randomUUID(), randomUUID()];
    let rounds = 0;
    const dialled: string[] = [];
    const completed: string[] = [];
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ window: { start: '00:00', end: '23:59' } }),
    };
    await runWith(
      {
        loadRun: async () => view,
        admitRound: async () => {
          rounds++;
          if (rounds === 1)
            return { handoffs: contacts.map((c) => handoff(c)), status: 'ok', completion: null };
          // The contacts dial (below) while the run keeps polling; then nothing is left.
          return { handoffs: [], status: 'idle', completion: dialled.length === 3 ? 'all_final' : null };
        },
        completeRun: async (_c, _r, reason) => {
          completed.push(reason);
          return true;
        },
        dial: async (input) => {
          dialled.push(input.contactId);
          return { kind: 'ended', outcome: 'completed', answered: false, hasResult: false, sipCode: null };
        },
        loadAttemptFacts: async () => ({
          config: view.config,
          botCallbackEnabled: false,
          campaignStatus: 'running',
          campaignRunNo: 1,
          completionReason: null,
          contact: {
            phones: ['+919800000001'],
            attempts: 1,
            pass: 1,
            phoneIndex: 0,
            excluded: false,
            optedOut: false,
            final: false,
            reachedPhoneIndex: null,
            redialsStopped: false,
            passHistory: [],
          },
          last: {
            attemptId: 'a',
            outcome: 'completed',
            talkS: 40,
            disposition: 'COMPLETED',
            turns: 5,
            callbackAt: null,
            endedAt: new Date(scheduledAt()).toISOString(),
            hasResult: true,
          },
        }),
        recordContactStep: async () => undefined,
        isContactFinal: async () => true,
      },
      async (taskQueue) => {
        const result = await server.env.client.workflow.execute(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId),
        );
        expect(result).toBe('all_final');
        for (const c of contacts) {
          const handle = server.env.client.workflow.getHandle(contactWorkflowId(campaignId, 1, c));
          await handle.result(); // contacts outlive the run's completion by a moment (ABANDON)
          const desc = await handle.describe();
          expect(desc.status.name).toBe('COMPLETED');
          // Started by a hand-off batch, itself the run's child: the run starts one batch per round.
          const batch = desc.parentExecution?.workflowId ?? '';
          expect(batch).toMatch(new RegExp(`^handoff-${campaignId}-run-1-`));
          const batchDesc = await server.env.client.workflow.getHandle(batch).describe();
          expect(batchDesc.status.name).toBe('COMPLETED');
          expect(batchDesc.parentExecution?.workflowId).toBe(campaignRunWorkflowId(campaignId, 1));
        }
        const runEvents =
          (await server.env.client.workflow.getHandle(campaignRunWorkflowId(campaignId, 1)).fetchHistory())
            .events ?? [];
        const children = runEvents
          .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name)
          .filter(Boolean);
        expect(children).toEqual(['handOffBatch']);
      },
    );
    expect(dialled.sort()).toEqual([...contacts].sort());
    expect(completed).toEqual(['all_final']);
  });

  it('runs on its own task queue and starts the contacts on the dialler queue', async () => {
    const campaignId = randomUUID();
    const contactId = randomUUID();
    const contactQueue = `test-${randomUUID()}`;
    const seen: { activity: string; taskQueue: string }[] = [];
    const where = (activity: string): void => {
      seen.push({ activity, taskQueue: Context.current().info.taskQueue });
    };
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ window: { start: '00:00', end: '23:59' } }),
    };
    let rounds = 0;
    let dialled = false;
    const activities: Partialize<Activities> = {
      loadRun: async () => view,
      admitRound: async () => {
        where('admitRound');
        rounds++;
        if (rounds === 1) return { handoffs: [handoff(contactId)], status: 'ok', completion: null };
        return { handoffs: [], status: 'idle', completion: dialled ? 'all_final' : null };
      },
      completeRun: async () => true,
      dial: async () => {
        where('dial');
        dialled = true;
        return { kind: 'cancelled', reason: 'contact_final', contactFinal: true };
      },
    };
    const runs = await Worker.create({
      connection: server.env.nativeConnection,
      taskQueue: runTaskQueue(contactQueue),
      workflowBundle: server.bundle,
      activities,
    });
    const dialler = await Worker.create({
      connection: server.env.nativeConnection,
      taskQueue: contactQueue,
      workflowBundle: server.bundle,
      activities,
    });
    await runs.runUntil(
      dialler.runUntil(async () => {
        const result = await server.env.client.workflow.execute(
          'campaignRun',
          campaignRunStart(runTaskQueue(contactQueue), campaignId, { contactTaskQueue: contactQueue }),
        );
        expect(result).toBe('all_final');
        const child = server.env.client.workflow.getHandle(contactWorkflowId(campaignId, 1, contactId));
        await child.result();
        expect((await child.describe()).taskQueue).toBe(contactQueue);
      }),
    );
    expect(seen.find((s) => s.activity === 'dial')?.taskQueue).toBe(contactQueue);
    expect(new Set(seen.filter((s) => s.activity === 'admitRound').map((s) => s.taskQueue))).toEqual(
      new Set([runTaskQueue(contactQueue)]),
    );
  });

  it('continues-as-new past its limits without losing or repeating a contact, which outlive the old run', async () => {
    const campaignId = randomUUID();
    const contacts = Array.from({ length: 12 }, () => randomUUID());
    let next = 0;
    const dialled: string[] = [];
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ window: { start: '00:00', end: '23:59' } }),
    };
    await runWith(
      {
        loadRun: async () => view,
        admitRound: async ({ maxHandoffs }) => {
          // Three contacts a round, or fewer when the run says it may start fewer before it continues-as-new;
          // done once every contact was dialled.
          const batch = contacts.slice(next, next + Math.min(3, maxHandoffs ?? 3));
          next += batch.length;
          if (batch.length > 0)
            return { handoffs: batch.map((c) => handoff(c)), status: 'ok', completion: null };
          return {
            handoffs: [],
            status: 'idle',
            completion: dialled.length === contacts.length ? 'all_final' : null,
          };
        },
        completeRun: async () => true,
        dial: async (input) => {
          dialled.push(input.contactId);
          return { kind: 'cancelled', reason: 'contact_final', contactFinal: true };
        },
      },
      async (taskQueue) => {
        const workflowId = campaignRunWorkflowId(campaignId, 1);
        const first = await server.env.client.workflow.start(
          'campaignRun',
          // Children are hand-off batches (one per round of three here): two a run.
          campaignRunStart(taskQueue, campaignId, { limits: { maxChildrenPerRun: 2 } }),
        );
        expect(await server.env.client.workflow.getHandle(workflowId).result()).toBe('all_final');
        const original = await server.env.client.workflow
          .getHandle(workflowId, first.firstExecutionRunId)
          .describe();
        expect(original.status.name).toBe('CONTINUED_AS_NEW');
        // Walk the chain of runs through each run's closing ContinuedAsNew event. No run starts more
        // children than its limit, although its hand-offs run in the background: admission is capped.
        let runs = 1;
        let runId: string | undefined = first.firstExecutionRunId;
        while (runId) {
          const current: string = runId;
          const events =
            (await server.env.client.workflow.getHandle(workflowId, current).fetchHistory()).events ?? [];
          const started = events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
          expect(started.length).toBeLessThanOrEqual(2);
          const closing = events[events.length - 1];
          runId = closing?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
          if (runId) runs++;
        }
        expect(runs).toBeGreaterThanOrEqual(3);
      },
    );
    expect([...dialled].sort()).toEqual([...contacts].sort());
  });

  it('never has more contacts in unfinished hand-off batches than its limit, and loses none', async () => {
    const campaignId = randomUUID();
    const contacts = Array.from({ length: 9 }, () => randomUUID());
    let next = 0;
    const asked: number[] = [];
    const dialled = new Set<string>();
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ window: { start: '00:00', end: '23:59' } }),
    };
    await runWith(
      {
        loadRun: async () => view,
        admitRound: async ({ maxHandoffs }) => {
          asked.push(maxHandoffs ?? Number.POSITIVE_INFINITY);
          const batch = contacts.slice(next, next + Math.min(2, maxHandoffs ?? 2));
          next += batch.length;
          if (batch.length > 0)
            return { handoffs: batch.map((c) => handoff(c)), status: 'ok', completion: null };
          return {
            handoffs: [],
            status: 'idle',
            completion: dialled.size === contacts.length ? 'all_final' : null,
          };
        },
        completeRun: async () => true,
        dial: async (input) => {
          dialled.add(input.contactId);
          return { kind: 'cancelled', reason: 'contact_final', contactFinal: true };
        },
      },
      async (taskQueue) => {
        const result = await server.env.client.workflow.execute(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId, { limits: { maxContactsHandingOff: 3 } }),
        );
        expect(result).toBe('all_final');
      },
    );
    expect(dialled.size).toBe(contacts.length);
    // Each round may lease only what the limit leaves: never more than 3, less while a batch is starting.
    expect(Math.max(...asked)).toBeLessThanOrEqual(3);
    expect(Math.min(...asked)).toBeGreaterThanOrEqual(1);
  });

  it('admits nothing outside the window and waits, in workflow time, for the next opening', async () => {
    const campaignId = randomUUID();
    const admittedAt: number[] = [];
    // A window that is closed now: it opens in a few hours (UTC) and the run must wait for it.
    const nowUtc = new Date(await server.env.currentTimeMs());
    const openH = (nowUtc.getUTCHours() + 3) % 24;
    const start = `${String(openH).padStart(2, '0')}:00`;
    const end = `${String(openH).padStart(2, '0')}:30`;
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ mode: 'multi_day', window: { start, end, timezone: 'UTC' } }),
    };
    await runWith(
      {
        loadRun: async () => view,
        admitRound: async () => {
          admittedAt.push(scheduledAt());
          return { handoffs: [], status: 'idle', completion: 'no_callable' };
        },
        completeRun: async () => true,
      },
      async (taskQueue) => {
        const result = await server.env.client.workflow.execute(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId),
        );
        expect(result).toBe('no_callable');
      },
    );
    expect(admittedAt).toHaveLength(1);
    const at = new Date(admittedAt[0] ?? 0);
    expect(at.getUTCHours()).toBe(openH);
    expect(at.getUTCMinutes()).toBeLessThan(30);
    expect(at.getTime()).toBeGreaterThan(nowUtc.getTime() + 2 * 3600_000);
  });

  it('ends a single-day run with window_ended when its window closes, and never admits after it', async () => {
    const campaignId = randomUUID();
    const nowUtc = new Date(await server.env.currentTimeMs());
    // Open since midnight, closing two minutes from now (whole minutes), so the run loops only briefly.
    const closeAt = Math.floor(nowUtc.getTime() / 60_000) * 60_000 + 2 * 60_000;
    const close = new Date(closeAt);
    if (close.getUTCDate() !== nowUtc.getUTCDate()) return; // a minute before midnight: nothing to test today
    const end = `${String(close.getUTCHours()).padStart(2, '0')}:${String(close.getUTCMinutes()).padStart(2, '0')}`;
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ mode: 'single_day', window: { start: '00:00', end, timezone: 'UTC' } }),
    };
    // How long each round was asked to wait for contacts: the time the run believed was left before the
    // close (its own clock; the task's scheduled time adds the workflow task's latency on a busy machine).
    const roundWaits: number[] = [];
    const closed: number[] = [];
    await runWith(
      {
        loadRun: async () => view,
        admitRound: async ({ waitMs }) => {
          roundWaits.push(waitMs);
          return { handoffs: [], status: 'idle', completion: null };
        },
        closeWindow: async () => {
          closed.push(scheduledAt());
          return true;
        },
      },
      async (taskQueue) => {
        const handle = await server.env.client.workflow.start(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId),
        );
        // Let the run reach its first rounds, then skip to past the window's end.
        await server.env.sleep('10 minutes');
        expect(await handle.result()).toBe('window_ended');
      },
    );
    expect(closed).toHaveLength(1);
    // Every round began while the window was open by the run's own clock (after the close it would be 0).
    expect(roundWaits.length).toBeGreaterThan(0);
    for (const w of roundWaits) expect(w).toBeGreaterThan(0);
    expect(closed[0]).toBeGreaterThanOrEqual(closeAt);
  });

  it('pauses on the pause update (no admission while paused) and admits again on resume', async () => {
    const campaignId = randomUUID();
    let rounds = 0;
    let paused = false;
    let roundsWhilePaused = 0;
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ window: { start: '00:00', end: '23:59' } }),
    };
    await runWith(
      {
        loadRun: async () => view,
        admitRound: async () => {
          rounds++;
          if (paused) roundsWhilePaused++;
          await new Promise((r) => setTimeout(r, 20));
          return { handoffs: [], status: 'idle', completion: rounds >= 6 ? 'all_final' : null };
        },
        completeRun: async () => true,
      },
      async (taskQueue) => {
        const handle = await server.env.client.workflow.start(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId),
        );
        while (rounds < 2) await new Promise((r) => setTimeout(r, 10));
        expect(await handle.executeUpdate(pauseUpdate, { args: [{ actor: 'test' }] })).toEqual({
          state: 'paused',
        });
        // A round already in flight may finish; none may start after the pause took effect.
        await new Promise((r) => setTimeout(r, 100));
        paused = true;
        const before = rounds;
        await new Promise((r) => setTimeout(r, 300));
        expect(rounds).toBe(before);
        paused = false;
        expect(await handle.executeUpdate(resumeUpdate, { args: [{ actor: 'test' }] })).toEqual({
          state: 'running',
        });
        expect(await handle.result()).toBe('all_final');
      },
    );
    expect(roundsWhilePaused).toBe(0);
  });

  it('a resume taken while a config change re-reads the run stands: the overtaken read\'s "paused" does not undo it', async () => {
    // The operator pauses, edits, resumes. The edit's re-read of the run's record may read "paused" just
    // before the resume commits; the resume's update reaches the run while that read is in flight.
    const campaignId = randomUUID();
    const running: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ window: { start: '00:00', end: '23:59' } }),
    };
    let record: RunView = running;
    let holdNextLoad = false;
    const load = gate();
    let resumedAt = 0;
    const roundsAfterResume: number[] = [];
    await runWith(
      {
        loadRun: async () => {
          if (!holdNextLoad) return record;
          holdNextLoad = false;
          const read = record; // read before the resume commits
          await load.pass();
          return read;
        },
        admitRound: async () => {
          if (resumedAt > 0) roundsAfterResume.push(scheduledAt());
          await new Promise((r) => setTimeout(r, 20));
          return { handoffs: [], status: 'idle', completion: resumedAt > 0 ? 'all_final' : null };
        },
        completeRun: async () => true,
      },
      async (taskQueue) => {
        const handle = await server.env.client.workflow.start(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId),
        );
        await handle.executeUpdate(pauseUpdate, { args: [{ actor: 'test' }] });
        record = { ...running, status: 'paused' };
        holdNextLoad = true;
        await handle.executeUpdate(configChangedUpdate, { args: [] });
        await load.reached;
        record = running;
        expect(await handle.executeUpdate(resumeUpdate, { args: [{ actor: 'test' }] })).toEqual({
          state: 'running',
        });
        resumedAt = await server.env.currentTimeMs();
        load.open();
        expect(await handle.result()).toBe('all_final');
      },
    );
    // Admission went on at once, not after the paused run's next re-read of its record (a minute).
    const first = roundsAfterResume[0] ?? Infinity;
    expect(first - resumedAt).toBeLessThan(5_000);
  });
});
