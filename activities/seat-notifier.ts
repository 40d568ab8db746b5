import { Client } from 'pg';

/**
 * Wakes admission rounds the moment a seat frees or a contact becomes ready, through Postgres
 * LISTEN/NOTIFY on `ori_seats` (payload: the campaign id). One connection per worker. Admission also
 * polls, so a lost notification only costs latency, never correctness.
 */
export class SeatNotifier {
  private client: Client | null = null;
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  constructor(private readonly databaseUrl: string) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', (msg) => {
      if (msg.channel !== 'ori_seats' || !msg.payload) return;
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

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
