import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../activities';
import type { AttemptFacts } from '../../policy/after-attempt';
import type { Outcome } from '../../policy/outcome';
import type { RunView } from '../../db/repositories/run-engine.repository';
import { resolveCampaignConfig, type CampaignConfig } from '../../policy/campaign-config';
import { bundleWorkflows } from '../../worker/worker';
import { campaignRunStart, createTimeSkippingEnv } from '../../test/support/temporal';
import { gate } from '../../test/support/gate';
import { historyToJsonText } from '../../test/support/history-json';
import {
  admitSignal,
  type Handoff,
  campaignRunWorkflowId,
  configChangedUpdate,
  contactWorkflowId,
  pauseUpdate,
  resultSignal,
  resumeUpdate,
  stopUpdate,
  wakeSignal,
} from '../messages';

/**
 * The recorder of the histories that `replay.test.ts` replays: `npm run record:histories` runs the
 * workflows of this checkout on the time-skipping server with scripted activities, one scenario per
 * path a contact or a run can take (retry delays, a callback, the post-call result wait and its timeout,
 * a dial that gave up, the overnight window wait, pause/resume/stop, continue-as-new, a single-day run's
 * end), and writes each execution's history to `workflows/histories/<name>.json`.
 *
 * Recorded once from the deployed code and kept: they are what workers in production are replaying. Record
 * from the commit that is deployed (README, "Changing a workflow or a rule"), never over an existing file
 * from changed code: `ORI_HISTORIES_DIR=<dir>` writes elsewhere, and the new files are added under a new
 * suffix (the unsuffixed set is from b2ee8d0, `-v2` from 55d7d1e with the search-attribute patches,
 * `-v3` the overtaken read's scenario from b292768, before its fix).
 * Skipped in `npm test` (ORI_RECORD_HISTORIES unset).
 */

const RECORD = process.env.ORI_RECORD_HISTORIES === '1';
const OUT_DIR = process.env.ORI_HISTORIES_DIR ?? __dirname;

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

type Partialize<T> = { [K in keyof T]?: T[K] };

async function save(name: string, workflowId: string, runId?: string): Promise<void> {
  const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const file = path.join(OUT_DIR, `${name}.json`);
  await fs.writeFile(file, historyToJsonText(history));
}

async function withWorker(activities: Partialize<Activities>, body: (taskQueue: string) => Promise<void>) {
  const taskQueue = `record-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  await worker.runUntil(body(taskQueue));
}

function handoff(contactId: string, attemptNo: number, phoneIndex = 0): Handoff {
  return {
    attemptId: `attempt-${contactId}-${attemptNo}`,
    attemptNo,
    contactId,
    phone: phoneIndex === 0 ? '+919800000001' : '+919800000002',
    phoneIndex,
    pass: attemptNo,
    fromNumber: '+14155550000',
    numberId: 'number-1',
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

const contactConfig = config({
  window: { start: '00:00', end: '23:59', timezone: 'UTC' },
  max_attempts: 3,
  retry_delay_minutes: 30,
  retry_on_system: ['no_answer'],
  callback_detection: true,
});

function facts(
  attempts: number,
  outcome: Outcome,
  endedAt: number,
  extra: Partial<NonNullable<AttemptFacts['last']>> = {},
): AttemptFacts {
  return {
    config: contactConfig,
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
      endedAt: new Date(endedAt).toISOString(),
      hasResult: false,
      ...extra,
    },
  };
}

const now = (): Promise<number> => env.currentTimeMs();

describe.runIf(RECORD)('record workflow histories', () => {
  beforeAll(async () => {
    bundle = await bundleWorkflows();
    await fs.mkdir(OUT_DIR, { recursive: true });
  });
  beforeEach(async () => {
    env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await env?.teardown();
  });

  it('contact: no_answer retried after its delay, an admission re-check, a repeated hand-off, exhausted', async () => {
    const contactId = 'contact-retry';
    const workflowId = contactWorkflowId('campaign-rec', 1, contactId);
    let ready = 0;
    let attempts = 0;
    await withWorker(
      {
        dial: async (input) => {
          attempts = input.handoff.attemptNo;
          // The production path: a call with no post-call result to come returns its facts at once.
          return {
            kind: 'ended',
            outcome: 'no_answer',
            answered: false,
            hasResult: false,
            sipCode: 480,
            facts: facts(attempts, 'no_answer', await now()),
          };
        },
        recordContactStep: async () => undefined,
        markContactReady: async () => {
          ready++;
          return true;
        },
        isContactFinal: async () => false,
      },
      async (taskQueue) => {
        const handle = await env.client.workflow.start('contact', {
          taskQueue,
          workflowId,
          args: [{ campaignId: 'campaign-rec', runNo: 1, contactId, handoff: handoff(contactId, 1) }],
        });
        for (const n of [2, 3]) {
          while (ready < n - 1) await env.sleep('1 minute');
          // Admission is slow the first time: the contact's 10-minute re-check fires once.
          if (n === 2) await env.sleep('12 minutes');
          await handle.signal(admitSignal, handoff(contactId, n));
          await handle.signal(admitSignal, handoff(contactId, n));
        }
        expect(await handle.result()).toBe('failed');
      },
    );
    await save('contact-retry', workflowId);
  });

  it('contact: an answered call waits for its post-call result, which asks for a callback', async () => {
    const contactId = 'contact-callback';
    const workflowId = contactWorkflowId('campaign-rec', 1, contactId);
    const callbackAt = (await now()) + 3 * 3600_000;
    let ready = 0;
    let dials = 0;
    await withWorker(
      {
        dial: async () => {
          dials++;
          return dials === 1
            ? { kind: 'ended', outcome: 'completed', answered: true, hasResult: false, sipCode: null }
            : {
                kind: 'ended',
                outcome: 'completed',
                answered: true,
                hasResult: true,
                sipCode: null,
                facts: facts(2, 'completed', await now(), {
                  talkS: 60,
                  turns: 8,
                  disposition: 'COMPLETED',
                  hasResult: true,
                }),
              };
        },
        loadAttemptFacts: async () =>
          facts(1, 'completed', await now(), {
            talkS: 40,
            turns: 6,
            disposition: 'CALLBACK',
            callbackAt: new Date(callbackAt).toISOString(),
            hasResult: true,
          }),
        recordContactStep: async () => undefined,
        markContactReady: async () => {
          ready++;
          return true;
        },
      },
      async (taskQueue) => {
        const first = handoff(contactId, 1);
        const handle = await env.client.workflow.start('contact', {
          taskQueue,
          workflowId,
          args: [{ campaignId: 'campaign-rec', runNo: 1, contactId, handoff: first }],
        });
        await new Promise((r) => setTimeout(r, 500));
        await handle.signal(resultSignal, { attemptId: first.attemptId });
        while (ready < 1) await env.sleep('10 minutes');
        await handle.signal(admitSignal, handoff(contactId, 2));
        expect(await handle.result()).toBe('completed');
      },
    );
    await save('contact-callback', workflowId);
  });

  it('contact: the post-call result never comes, the attempt closes as timeout and is retried', async () => {
    const contactId = 'contact-result-timeout';
    const workflowId = contactWorkflowId('campaign-rec', 1, contactId);
    await withWorker(
      {
        dial: async () => ({
          kind: 'ended',
          outcome: 'completed',
          answered: true,
          hasResult: false,
          sipCode: null,
        }),
        closeResultTimeout: async () => undefined,
        loadAttemptFacts: async () => facts(1, 'timeout', await now()),
        recordContactStep: async () => undefined,
        // The run ended while the contact slept: the contact ends.
        markContactReady: async () => false,
      },
      async (taskQueue) => {
        const handle = await env.client.workflow.start('contact', {
          taskQueue,
          workflowId,
          args: [{ campaignId: 'campaign-rec', runNo: 1, contactId, handoff: handoff(contactId, 1) }],
        });
        // Retried (then the run's end finishes it) or failed at once: the history's path either way.
        expect(['final', 'failed']).toContain(await handle.result());
      },
    );
    await save('contact-result-timeout', workflowId);
  });

  it('contact: not dialled (outside the window), then a dial that gave up is closed as stale', async () => {
    const contactId = 'contact-not-dialled';
    const workflowId = contactWorkflowId('campaign-rec', 1, contactId);
    let dials = 0;
    await withWorker(
      {
        dial: async () => {
          dials++;
          if (dials === 1) return { kind: 'cancelled', reason: 'outside_window', contactFinal: false };
          throw ApplicationFailure.nonRetryable('the switch lost the call', 'DialGaveUp');
        },
        closeStaleAttempt: async () => ({ kind: 'cancelled', reason: 'timeout', contactFinal: true }),
      },
      async (taskQueue) => {
        const handle = await env.client.workflow.start('contact', {
          taskQueue,
          workflowId,
          args: [{ campaignId: 'campaign-rec', runNo: 1, contactId, handoff: handoff(contactId, 1) }],
        });
        while (dials < 1) await new Promise((r) => setTimeout(r, 50));
        await handle.signal(admitSignal, handoff(contactId, 2, 1));
        expect(await handle.result()).toBe('timeout');
      },
    );
    await save('contact-not-dialled', workflowId);
  });

  it('campaignRun: waits overnight for its window, admits, starts and wakes contacts, completes', async () => {
    const campaignId = 'campaign-rec-window';
    const workflowId = campaignRunWorkflowId(campaignId, 1);
    const nowUtc = new Date(await now());
    const openH = (nowUtc.getUTCHours() + 10) % 24;
    const hh = String(openH).padStart(2, '0');
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ mode: 'multi_day', window: { start: `${hh}:00`, end: `${hh}:59`, timezone: 'UTC' } }),
    };
    let rounds = 0;
    let dialled = 0;
    await withWorker(
      {
        loadRun: async () => view,
        admitRound: async () => {
          rounds++;
          if (rounds === 1)
            return {
              handoffs: [handoff('contact-a', 1), { ...handoff('contact-b', 1), startWorkflow: false }],
              status: 'ok',
              completion: null,
            };
          return { handoffs: [], status: 'idle', completion: dialled >= 2 ? 'all_final' : null };
        },
        completeRun: async () => true,
        dial: async () => {
          dialled++;
          return { kind: 'cancelled', reason: 'contact_final', contactFinal: true };
        },
      },
      async (taskQueue) => {
        const result = await env.client.workflow.execute(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId),
        );
        expect(result).toBe('all_final');
        await env.client.workflow.getHandle(contactWorkflowId(campaignId, 1, 'contact-a')).result();
        await env.client.workflow.getHandle(contactWorkflowId(campaignId, 1, 'contact-b')).result();
      },
    );
    await save('campaign-run-window-wait', workflowId);
  });

  it('campaignRun: paused, config changed, woken, resumed, then stopped', async () => {
    const campaignId = 'campaign-rec-pause';
    const workflowId = campaignRunWorkflowId(campaignId, 1);
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ window: { start: '00:00', end: '23:59' } }),
    };
    let rounds = 0;
    await withWorker(
      {
        loadRun: async () => view,
        admitRound: async () => {
          rounds++;
          await new Promise((r) => setTimeout(r, 20));
          return { handoffs: [], status: 'idle', completion: null };
        },
      },
      async (taskQueue) => {
        const handle = await env.client.workflow.start(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId),
        );
        while (rounds < 2) await new Promise((r) => setTimeout(r, 10));
        await handle.executeUpdate(pauseUpdate, { args: [{ actor: 'recorder' }] });
        view.status = 'paused';
        await env.sleep('3 minutes'); // the paused run re-reads Postgres every minute
        await handle.executeUpdate(configChangedUpdate, { args: [] });
        await handle.signal(wakeSignal);
        view.status = 'running';
        await handle.executeUpdate(resumeUpdate, { args: [{ actor: 'recorder' }] });
        const before = rounds;
        while (rounds < before + 2) await new Promise((r) => setTimeout(r, 10));
        await handle.executeUpdate(stopUpdate, { args: [{ actor: 'recorder' }] });
        expect(await handle.result()).toBe('manually_stopped');
      },
    );
    await save('campaign-run-pause-resume-stop', workflowId);
  });

  it('campaignRun: paused, then a resume taken while a config change re-reads the record as paused', async () => {
    const campaignId = 'campaign-rec-overtaken-read';
    const workflowId = campaignRunWorkflowId(campaignId, 1);
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ window: { start: '00:00', end: '23:59' } }),
    };
    let rounds = 0;
    let holdNextLoad = false;
    const load = gate();
    await withWorker(
      {
        loadRun: async () => {
          if (!holdNextLoad) return { ...view };
          holdNextLoad = false;
          const read = { ...view };
          await load.pass();
          return read;
        },
        admitRound: async () => {
          rounds++;
          await new Promise((r) => setTimeout(r, 20));
          return { handoffs: [], status: 'idle', completion: null };
        },
      },
      async (taskQueue) => {
        const handle = await env.client.workflow.start(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId),
        );
        while (rounds < 1) await new Promise((r) => setTimeout(r, 10));
        await handle.executeUpdate(pauseUpdate, { args: [{ actor: 'recorder' }] });
        view.status = 'paused';
        holdNextLoad = true;
        await handle.executeUpdate(configChangedUpdate, { args: [] });
        await load.reached;
        view.status = 'running';
        await handle.executeUpdate(resumeUpdate, { args: [{ actor: 'recorder' }] });
        load.open();
        const before = rounds;
        // Admission goes on: at once since the overtaken read no longer undoes the resume; before, only after
        // the paused run's next re-read, a minute later (skipped here).
        await env.sleep('61 seconds');
        while (rounds < before + 1) await new Promise((r) => setTimeout(r, 10));
        await handle.executeUpdate(stopUpdate, { args: [{ actor: 'recorder' }] });
        expect(await handle.result()).toBe('manually_stopped');
      },
    );
    await save('campaign-run-resume-overtakes-read', workflowId);
  });

  it('campaignRun: continues-as-new past its child limit; every run of the chain is recorded', async () => {
    const campaignId = 'campaign-rec-can';
    const workflowId = campaignRunWorkflowId(campaignId, 1);
    const contacts = ['c1', 'c2', 'c3', 'c4', 'c5'];
    let next = 0;
    let dialled = 0;
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ window: { start: '00:00', end: '23:59' } }),
    };
    let firstRunId = '';
    await withWorker(
      {
        loadRun: async () => view,
        admitRound: async ({ maxHandoffs }) => {
          const batch = contacts.slice(next, next + Math.min(2, maxHandoffs ?? 2));
          next += batch.length;
          if (batch.length > 0)
            return { handoffs: batch.map((c) => handoff(c, 1)), status: 'ok', completion: null };
          return {
            handoffs: [],
            status: 'idle',
            completion: dialled === contacts.length ? 'all_final' : null,
          };
        },
        completeRun: async () => true,
        dial: async () => {
          dialled++;
          return { kind: 'cancelled', reason: 'contact_final', contactFinal: true };
        },
      },
      async (taskQueue) => {
        const first = await env.client.workflow.start(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId, { limits: { maxChildrenPerRun: 3 } }),
        );
        firstRunId = first.firstExecutionRunId;
        expect(await env.client.workflow.getHandle(workflowId).result()).toBe('all_final');
      },
    );
    let runId: string | undefined = firstRunId;
    for (let n = 1; runId; n++) {
      await save(`campaign-run-continue-as-new-${n}`, workflowId, runId);
      const current: string = runId;
      const events = (await env.client.workflow.getHandle(workflowId, current).fetchHistory()).events ?? [];
      runId =
        events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ??
        undefined;
    }
  });

  it('campaignRun: a single-day run that saw its window continues-as-new into a closed one and ends', async () => {
    const campaignId = 'campaign-rec-single-day';
    const workflowId = campaignRunWorkflowId(campaignId, 1);
    const nowUtc = new Date(await now());
    const openH = (nowUtc.getUTCHours() + 10) % 24;
    const hh = String(openH).padStart(2, '0');
    const view: RunView = {
      status: 'running',
      runNo: 1,
      config: config({ mode: 'single_day', window: { start: `${hh}:00`, end: `${hh}:59`, timezone: 'UTC' } }),
    };
    await withWorker(
      {
        loadRun: async () => view,
        closeWindow: async () => true,
      },
      async (taskQueue) => {
        const result = await env.client.workflow.execute(
          'campaignRun',
          campaignRunStart(taskQueue, campaignId, { carried: { windowSeen: true, childrenStarted: 0 } }),
        );
        expect(result).toBe('window_ended');
      },
    );
    await save('campaign-run-single-day-ended', workflowId);
  });
});
