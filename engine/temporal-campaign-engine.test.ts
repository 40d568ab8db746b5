import { describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { temporalCampaignEngine, WAKE_COALESCE_MS } from './temporal-campaign-engine';

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
