import { Client } from 'pg';

/**
 * Wakes the engine the moment a seat frees or a contact becomes ready, through Postgres LISTEN/NOTIFY.
 * One connection per worker, two channels:
 * - `ori_seats` (payload: the campaign id) wakes every admission round of the campaign (`wait`);
 * - `ori_deck` (payload: an attempt id) wakes the dial activity on deck waiting for that attempt's seat
 *   (`seatLatch`): a call's end names the first in line (attempts.repository `finishAttempt`), so a
 *   freed seat costs one claim, not one per contact on deck.
 * Everyone also polls, so a lost notification only costs latency, never correctness.
 */
/** A dial on deck's ear for its own name (see `SeatNotifier.seatLatch`). */
export interface SeatLatch {
  /** Resolves when the attempt was named since the last wait (at once if it already was), or after `ms`. */
  wait(ms: number): Promise<void>;
  close(): void;
}

export class SeatNotifier {
  private client: Client | null = null;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly seatWaiters = new Map<string, () => void>();
  private closed = false;

  constructor(private readonly databaseUrl: string) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      if (msg.channel === 'ori_deck') {
        this.seatWaiters.get(msg.payload)?.();
        return;
      }
      if (msg.channel !== 'ori_seats') return;
      const set = this.waiters.get(msg.payload);
      if (!set) return;
      this.waiters.delete(msg.payload);
      for (const wake of set) wake();
    });
    client.on('error', () => {
      // The connection broke: reconnect in the background; polling covers the gap.
      this.client = null;
      if (!this.closed) setTimeout(() => void this.start().catch(() => undefined), 1000);
    });
    await client.connect();
    await client.query('LISTEN ori_seats');
    await client.query('LISTEN ori_deck');
    this.client = client;
  }

  /** Resolves on the campaign's next notification or after `ms`, whichever comes first. */
  wait(campaignId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(campaignId);
      if (!set) {
        set = new Set();
        this.waiters.set(campaignId, set);
      }
      const done = (): void => {
        clearTimeout(timer);
        set?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  /**
   * Listen for this attempt being named first in line on deck. Armed before the claim, so a name given
   * while the claim runs is not lost: the next `wait` returns at once. Close it when done.
   */
  seatLatch(attemptId: string): SeatLatch {
    const latch = { named: false, wake: null as (() => void) | null };
    const onName = (): void => {
      latch.named = true;
      latch.wake?.();
    };
    this.seatWaiters.set(attemptId, onName);
    return {
      wait: (ms) =>
        new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            latch.wake = null;
            latch.named = false;
            resolve();
          };
          const timer = setTimeout(done, latch.named ? 0 : ms);
          latch.wake = done;
        }),
      close: () => {
        if (this.seatWaiters.get(attemptId) === onName) this.seatWaiters.delete(attemptId);
        latch.wake?.();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
