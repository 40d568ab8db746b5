import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../test/support/db';
import { switchStatus } from '../db/repositories/worker-presence.repository';
import { WorkerPresence, type SwitchState } from './presence';

const test = useTestDatabase();

class FakeSwitch implements SwitchState {
  connected = true;
  private readonly listeners = new Map<string, Set<() => void>>();
  on(event: 'disconnected' | 'reconnected', listener: () => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener);
    return () => set.delete(listener);
  }
  emit(event: 'disconnected' | 'reconnected'): void {
    for (const l of this.listeners.get(event) ?? []) l();
  }
}

const eventually = async (probe: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('WorkerPresence', () => {
  it('keeps its row fresh, writes a switch loss at once, and removes the row on stop', async () => {
    const sw = new FakeSwitch();
    const presence = new WorkerPresence({ db: test.db, switch: sw, taskQueue: 'q', intervalMs: 50 });
    await presence.start();
    const row = () =>
      test.db
        .selectFrom('worker_presence')
        .selectAll()
        .where('worker_id', '=', presence.workerId)
        .executeTakeFirst();
    const first = await row();
    expect(first?.esl_connected).toBe(true);
    expect((await switchStatus(test.db, new Date())).connected).toBe(true);
    // Refreshed on its interval.
    await eventually(async () => ((await row())?.seen_at.getTime() ?? 0) > first!.seen_at.getTime());

    sw.connected = false;
    sw.emit('disconnected');
    await eventually(async () => (await row())?.esl_connected === false);
    const status = await switchStatus(test.db, new Date());
    expect(status.connected).toBe(false);
    expect(status.workers).toBe(1);

    // The flag is the truth even when no event says so.
    sw.connected = true;
    await eventually(async () => (await row())?.esl_connected === true);

    await presence.stop();
    expect(await row()).toBeUndefined();
  });
});
