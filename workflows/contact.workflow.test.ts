import { describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../activities';
import type { Handoff } from './messages';
import type { AttemptFacts, ContactStep } from '../policy/after-attempt';
import type { Outcome } from '../policy/outcome';
import { resolveCampaignConfig } from '../policy/campaign-config';
import { timeSkippingServerPerTest } from '../test/support/temporal';
import { admitSignal, contactWorkflowId, resultSignal } from './messages';

/**
 * A contact's loop on the time-skipping server with scripted activities: the retry delay and the callback
 * are durable timers (30 minutes pass in milliseconds), an answered call waits for its post-call result,
 * and an attempt is acted on once however often it is handed over.
 */

// One bundle for the file; a fresh test server per test, so no test's timers move another's clock.
const server = timeSkippingServerPerTest();

/** When a (regular) activity was scheduled, on the test server's skipping clock. */
const scheduledAt = (): number => Context.current().info.scheduledTimestampMs;
/**
 * The skipping clock's now, for the contact's local activities: they run inside the workflow task and
 * their scheduled time is the worker's wall clock, not the test server's.
 */
const localNow = (): Promise<number> => server.env.currentTimeMs();

function handoff(contactId: string, attemptNo: number): Handoff {
  return {
    attemptId: randomUUID(),
    attemptNo,
    contactId,
    phone: '+919800000001',
    phoneIndex: 0,
    pass: attemptNo,
    fromNumber: '+14155550000',
    numberId: randomUUID(),
    gateway: 'carrier1',
    dialNotBefore: new Date(0).toISOString(),
    startWorkflow: attemptNo === 1,
  };
}

function facts(
  attempts: number,
  outcome: Outcome,
  extra: Partial<NonNullable<AttemptFacts['last']>> = {},
): AttemptFacts {
  const { config } = resolveCampaignConfig({
    window: { start: '00:00', end: '23:59', timezone: 'UTC' },
    max_attempts: 3,
    retry_delay_minutes: 30,
    retry_on_system: ['no_answer'],
    callback_detection: true,
  });
  return {
    config,
    botCallbackEnabled: true,
    campaignStatus: 'running',
    campaignRunNo: 1,
    completionReason: null,
    contact: {
      phones: ['+919800000001'],
      attempts,
      pass: attempts,
      phoneIndex: 0,
      excluded: false,
      optedOut: false,
      final: false,
      reachedPhoneIndex: null,
      redialsStopped: false,
      passHistory: [],
    },
    last: {
      attemptId: 'x',
      outcome,
      talkS: null,
      disposition: null,
      turns: null,
      callbackAt: null,
      endedAt: new Date().toISOString(),
      hasResult: false,
      ...extra,
    },
  };
}

async function withWorker(activities: Partial<Activities>, body: (taskQueue: string) => Promise<void>) {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: server.env.nativeConnection,
    taskQueue,
    workflowBundle: server.bundle,
    activities,
  });
  await worker.runUntil(body(taskQueue));
}

describe('contact', () => {
  it('sleeps the retry delay on a durable timer, marks itself ready, and dials the next handed attempt', async () => {
    const campaignId = randomUUID();
    const contactId = randomUUID();
    const dials: { attemptNo: number; at: number }[] = [];
    const readyAt: number[] = [];
    const steps: ContactStep[] = [];
    let attempts = 0;
    await withWorker(
      {
        dial: async (input) => {
          attempts = input.handoff.attemptNo;
          dials.push({ attemptNo: input.handoff.attemptNo, at: scheduledAt() });
          return { kind: 'ended', outcome: 'no_answer', answered: false, hasResult: false, sipCode: 480 };
        },
        loadAttemptFacts: async () =>
          facts(attempts, 'no_answer', { endedAt: new Date(dials[dials.length - 1]?.at ?? 0).toISOString() }),
        recordContactStep: async (_id, _runNo, step) => {
          steps.push(step);
        },
        markContactReady: async () => {
          readyAt.push(await localNow());
          return true;
        },
      },
      async (taskQueue) => {
        const first = handoff(contactId, 1);
        const handle = await server.env.client.workflow.start('contact', {
          taskQueue,
          workflowId: contactWorkflowId(campaignId, 1, contactId),
          args: [{ campaignId, runNo: 1, contactId, handoff: first }],
        });
        for (const n of [2, 3]) {
          // The parent admits the contact only once it is ready (after its retry delay).
          while (readyAt.length < n - 1) await server.env.sleep('1 minute');
          const next = handoff(contactId, n);
          await handle.signal(admitSignal, next);
          await handle.signal(admitSignal, next); // a repeated hand-off is acted on once
        }
        expect(await handle.result()).toBe('failed');
      },
    );
    expect(dials.map((d) => d.attemptNo)).toEqual([1, 2, 3]);
    expect(readyAt).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      const gap = (readyAt[i] ?? 0) - (dials[i]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(30 * 60_000);
      expect(gap).toBeLessThan(32 * 60_000);
    }
    expect(steps.map((s) => s.kind)).toEqual(['redial', 'redial', 'final']);
    const last = steps[2];
    expect(last?.kind === 'final' && last.state).toBe('failed');
    expect(last?.kind === 'final' && last.exhaustedRetries).toBe(true);
  });

  it('waits for the post-call result of an answered call and schedules the callback it asks for', async () => {
    const campaignId = randomUUID();
    const contactId = randomUUID();
    const callbackAt = new Date((await server.env.currentTimeMs()) + 3 * 3600_000);
    let resultDelivered = false;
    const steps: ContactStep[] = [];
    const readyAt: number[] = [];
    let factsLoadedWithResult: boolean | null = null;
    await withWorker(
      {
        dial: async () => ({
          kind: 'ended',
          outcome: 'completed',
          answered: true,
          hasResult: false,
          sipCode: null,
        }),
        loadAttemptFacts: async () => {
          factsLoadedWithResult = resultDelivered;
          return facts(1, 'completed', {
            talkS: 40,
            turns: 6,
            disposition: 'CALLBACK',
            callbackAt: callbackAt.toISOString(),
            endedAt: new Date(await localNow()).toISOString(),
            hasResult: true,
          });
        },
        recordContactStep: async (_id, _runNo, step) => {
          steps.push(step);
        },
        markContactReady: async () => {
          readyAt.push(await localNow());
          return false; // the run ended meanwhile: the contact's workflow ends
        },
      },
      async (taskQueue) => {
        const first = handoff(contactId, 1);
        const handle = await server.env.client.workflow.start('contact', {
          taskQueue,
          workflowId: contactWorkflowId(campaignId, 1, contactId),
          args: [{ campaignId, runNo: 1, contactId, handoff: first }],
        });
        await new Promise((r) => setTimeout(r, 300));
        resultDelivered = true;
        await handle.signal(resultSignal, { attemptId: first.attemptId });
        expect(await handle.result()).toBe('final');
      },
    );
    expect(factsLoadedWithResult).toBe(true);
    expect(steps).toHaveLength(1);
    const step = steps[0];
    expect(step?.kind).toBe('redial');
    if (step?.kind === 'redial') {
      expect(step.isCallback).toBe(true);
      expect(step.priority).toBe(0);
      expect(Date.parse(step.dueAt)).toBe(callbackAt.getTime());
    }
    expect(readyAt[0]).toBeGreaterThanOrEqual(callbackAt.getTime() - 1000);
  });
  it('closes an answered call whose post-call result never arrives as timeout, then decides', async () => {
    const campaignId = randomUUID();
    const contactId = randomUUID();
    const timedOut: { attemptId: string; at: number }[] = [];
    let dialledAt = 0;
    await withWorker(
      {
        dial: async () => {
          dialledAt = scheduledAt();
          return { kind: 'ended', outcome: 'completed', answered: true, hasResult: false, sipCode: null };
        },
        closeResultTimeout: async (attemptId) => {
          timedOut.push({ attemptId, at: await localNow() });
        },
        // The API took results the whole time: nothing to add to the grace.
        resultWaitLeft: async () => 0,
        loadAttemptFacts: async () => facts(1, 'timeout', { endedAt: new Date(dialledAt).toISOString() }),
        recordContactStep: async () => undefined,
      },
      async (taskQueue) => {
        const first = handoff(contactId, 1);
        const handle = await server.env.client.workflow.start('contact', {
          taskQueue,
          workflowId: contactWorkflowId(campaignId, 1, contactId),
          args: [{ campaignId, runNo: 1, contactId, handoff: first }],
        });
        expect(await handle.result()).toBe('failed');
        expect(timedOut.map((t) => t.attemptId)).toEqual([first.attemptId]);
      },
    );
    expect((timedOut[0]?.at ?? 0) - dialledAt).toBeGreaterThanOrEqual(2 * 60_000);
  });
  it('waits on past the grace for as long as results could not be delivered (an API outage), then closes as timeout', async () => {
    const campaignId = randomUUID();
    const contactId = randomUUID();
    const asked: { graceMs: number; at: number }[] = [];
    const timedOut: number[] = [];
    let dialledAt = 0;
    await withWorker(
      {
        dial: async () => {
          dialledAt = scheduledAt();
          return { kind: 'ended', outcome: 'completed', answered: true, hasResult: false, sipCode: null };
        },
        // The API was away for 15 minutes of the wait: 15 minutes more, then the grace is spent.
        resultWaitLeft: async (_id, graceMs) => {
          asked.push({ graceMs, at: await localNow() });
          return asked.length === 1 ? 15 * 60_000 : 0;
        },
        closeResultTimeout: async () => {
          timedOut.push(await localNow());
        },
        loadAttemptFacts: async () => facts(1, 'timeout', { endedAt: new Date(dialledAt).toISOString() }),
        recordContactStep: async () => undefined,
      },
      async (taskQueue) => {
        const first = handoff(contactId, 1);
        const handle = await server.env.client.workflow.start('contact', {
          taskQueue,
          workflowId: contactWorkflowId(campaignId, 1, contactId),
          args: [{ campaignId, runNo: 1, contactId, handoff: first }],
        });
        expect(await handle.result()).toBe('failed');
      },
    );
    expect(asked.map((a) => a.graceMs)).toEqual([2 * 60_000, 2 * 60_000]);
    expect((asked[0]?.at ?? 0) - dialledAt).toBeGreaterThanOrEqual(2 * 60_000);
    expect(timedOut).toHaveLength(1);
    // Closed only after the grace and the 15 minutes the outage added.
    expect((timedOut[0] ?? 0) - dialledAt).toBeGreaterThanOrEqual(17 * 60_000);
  });

  it('takes a result that arrives during the extension instead of closing the attempt as timeout', async () => {
    const campaignId = randomUUID();
    const contactId = randomUUID();
    let asked = 0;
    let closed = 0;
    let resultDelivered = false;
    let factsLoadedWithResult: boolean | null = null;
    await withWorker(
      {
        dial: async () => ({
          kind: 'ended',
          outcome: 'completed',
          answered: true,
          hasResult: false,
          sipCode: null,
        }),
        resultWaitLeft: async () => {
          asked += 1;
          return 60 * 60_000;
        },
        closeResultTimeout: async () => {
          closed += 1;
        },
        loadAttemptFacts: async () => {
          factsLoadedWithResult = resultDelivered;
          return facts(1, 'completed', { talkS: 30, disposition: 'INTERESTED', hasResult: true });
        },
        recordContactStep: async () => undefined,
      },
      async (taskQueue) => {
        const first = handoff(contactId, 1);
        const handle = await server.env.client.workflow.start('contact', {
          taskQueue,
          workflowId: contactWorkflowId(campaignId, 1, contactId),
          args: [{ campaignId, runNo: 1, contactId, handoff: first }],
        });
        // Past the 2-minute grace: the workflow has asked, and waits the outage out.
        while (asked === 0) await server.env.sleep('1 minute');
        await server.env.sleep('20 minutes');
        resultDelivered = true;
        await handle.signal(resultSignal, { attemptId: first.attemptId });
        expect(await handle.result()).toBe('completed');
      },
    );
    expect(asked).toBe(1);
    expect(closed).toBe(0);
    expect(factsLoadedWithResult).toBe(true);
  });
});
