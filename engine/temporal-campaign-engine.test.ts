import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporalCampaignEngine, WAKE_COALESCE_MS } from './temporal-campaign-engine';
import { createDevServerEnv } from '../test/support/temporal';
import { campaignRunWorkflowId } from '../workflows/messages';

/** The wake coalescing, against a client that records the signals it would send to Temporal. */
function recordingClient() {
  const signals: { workflowId: string; at: number }[] = [];
  const client = {
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async () => {
          signals.push({ workflowId, at: Date.now() });
        },
      }),
    },
  } as unknown as Client;
  return { client, signals };
}

describe('wake coalescing', () => {
  it('turns a burst of wakes into one signal now and one trailing signal, per run', async () => {
    const { client, signals } = recordingClient();
    const engine = temporalCampaignEngine(client, 'q');
    const a = { campaignId: 'a', runNo: 1 };
    const b = { campaignId: 'b', runNo: 1 };
    await Promise.all([...Array.from({ length: 50 }, () => engine.wake(a)), engine.wake(b)]);
    expect(signals.filter((s) => s.workflowId === 'campaign-a-run-1')).toHaveLength(2);
    expect(signals.filter((s) => s.workflowId === 'campaign-b-run-1')).toHaveLength(1);
    const [first, trailing] = signals.filter((s) => s.workflowId === 'campaign-a-run-1');
    expect(trailing!.at - first!.at).toBeGreaterThanOrEqual(WAKE_COALESCE_MS - 5);

    await new Promise((r) => setTimeout(r, WAKE_COALESCE_MS + 20));
    await engine.wake(a);
    expect(signals.filter((s) => s.workflowId === 'campaign-a-run-1')).toHaveLength(3);
  });
});

describe('runState, on a real dev server', () => {
  it('null for a run with no workflow or a closed one; an error, within seconds, when no worker can answer', async () => {
    const env = await createDevServerEnv();
    try {
      const engine = temporalCampaignEngine(env.client, `q-${randomUUID()}`);
      expect(await engine.runState({ campaignId: randomUUID(), runNo: 1 })).toBeNull();

      // An open run on a task queue no worker polls: its state query cannot be answered.
      const campaignId = randomUUID();
      const handle = await env.client.workflow.start('campaignRun', {
        taskQueue: `nobody-${randomUUID()}`,
        workflowId: campaignRunWorkflowId(campaignId, 1),
        args: [{ campaignId, runNo: 1 }],
      });
      const asked = Date.now();
      await expect(engine.runState({ campaignId, runNo: 1 })).rejects.toThrow();
      expect(Date.now() - asked).toBeLessThan(10_000);

      await handle.terminate('test');
      expect(await engine.runState({ campaignId, runNo: 1 })).toBeNull();
    } finally {
      await env.teardown();
    }
  });
});
