import { Client } from 'pg';

/**
 * Wakes the engine the moment a seat frees or a contact becomes ready, through Postgres LISTEN/NOTIFY.
 * One connection per worker, two channels:
 * - `ori_seats` (payload: the campaign id) wakes every admission round of the campaign (`wait`);
 * - `ori_deck` (payload: an attempt id) wakes the dial activity on deck waiting for that attempt's seat
 *   (`waitForSeat`): a call's end names the first in line (attempts.repository `finishAttempt`), so a
 *   freed seat costs one claim, not one per contact on deck.
 * Everyone also polls, so a lost notification only costs latency, never correctness.
 */
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

  /** Resolves when a freed seat names this attempt as first in line on deck, or after `ms`. */
  waitForSeat(attemptId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.seatWaiters.get(attemptId) === done) this.seatWaiters.delete(attemptId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.seatWaiters.set(attemptId, done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
