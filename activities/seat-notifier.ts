import { Client } from 'pg';

/**
 * Wakes the engine the moment a seat frees or a contact becomes ready, through Postgres LISTEN/NOTIFY.
 * One connection per worker, two channels:
 * - `ori_seats` (payload: the campaign id) wakes every admission round of the campaign (`wait`);
 * - `ori_deck` (payload: an attempt id) wakes the dial activity on deck waiting for that attempt's seat
 *   (`seatLatch`): a call's end names the first in line (attempts.repository `finishAttempt`), so a
 *   freed seat costs one claim, not one per contact on deck;
 * - `ori_result` (payload: an attempt id) wakes the same latch of a dial whose answered call ended and
 *   which waits for the post-call result (results.repository `recordAttemptResult`).
 * Everyone also polls, so a lost notification only costs latency, never correctness. When Postgres
 * restarts, the connection is re-established with backoff and every waiter is woken to re-check.
 */
/** A dial on deck's ear for its own name (see `SeatNotifier.seatLatch`). */
export interface SeatLatch {
  /**
   * Resolves when the attempt was named since the last wait (at once if it already was), or after `ms`:
   * true when it was named.
   */
  wait(ms: number): Promise<boolean>;
  close(): void;
}

/** Backoff of the LISTEN connection's re-establishment after Postgres went away. */
const RELISTEN_FIRST_MS = 250;
const RELISTEN_MAX_MS = 5_000;

export class SeatNotifier {
  private client: Client | null = null;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly seatWaiters = new Map<string, () => void>();
  private closed = false;
  private reconnecting = false;
  private reconnects = 0;

  constructor(private readonly databaseUrl: string) {}

  /** Connects and listens; rejects when Postgres cannot be reached now (a worker starting up exits). */
  async start(): Promise<void> {
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      if (msg.channel === 'ori_deck' || msg.channel === 'ori_result') {
        this.seatWaiters.get(msg.payload)?.();
        return;
      }
      if (msg.channel !== 'ori_seats') return;
      const set = this.waiters.get(msg.payload);
      if (!set) return;
      this.waiters.delete(msg.payload);
      for (const wake of set) wake();
    });
    // Until it listens, a failure is the caller's (start() rejects; relisten() tries again).
    const beforeListening = (): void => undefined;
    client.on('error', beforeListening);
    try {
      await client.connect();
      await client.query('LISTEN ori_seats');
      await client.query('LISTEN ori_deck');
      await client.query('LISTEN ori_result');
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    // A broken connection (Postgres restarted) is weather: reconnect in the background; polling covers
    // the gap, and everyone waiting is woken once we listen again (what was notified meanwhile is lost).
    let lost = false;
    const onLost = (): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      client.end().catch(() => undefined);
      this.relisten();
    };
    client.removeListener('error', beforeListening);
    client.on('error', onLost);
    client.on('end', onLost);
    this.client = client;
  }

  /** Listen again with backoff until it works or the notifier is closed, then wake every waiter. */
  private relisten(): void {
    if (this.closed || this.reconnecting) return;
    this.reconnecting = true;
    void (async () => {
      for (let attempt = 0; !this.closed; attempt++) {
        await new Promise((r) => setTimeout(r, Math.min(RELISTEN_MAX_MS, RELISTEN_FIRST_MS * 2 ** attempt)));
        if (this.closed) break;
        try {
          await this.listen();
          this.reconnects += 1;
          this.wakeAll();
          break;
        } catch {
          // Still away: try again later.
        }
      }
      this.reconnecting = false;
    })();
  }

  /** Notifications sent while we were not listening are gone: every waiter re-checks Postgres now. */
  private wakeAll(): void {
    const rounds = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of rounds) for (const wake of set) wake();
    for (const wake of [...this.seatWaiters.values()]) wake();
  }

  /** How many times the connection was re-established (for tests and logs). */
  get reconnectCount(): number {
    return this.reconnects;
  }

  /** Whether the LISTEN connection is up now. */
  get listening(): boolean {
    return this.client !== null;
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
        new Promise<boolean>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            const named = latch.named;
            latch.wake = null;
            latch.named = false;
            resolve(named);
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
