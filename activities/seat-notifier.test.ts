import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createDb } from '../db/connection';
import { useTestDatabase } from '../test/support/db';
import { canRunOwnPostgres, startOwnPostgres, type OwnPostgres } from '../test/support/own-postgres';
import { SeatNotifier } from './seat-notifier';

/** The notifier against real Postgres LISTEN/NOTIFY: no name given to a dial on deck is lost. */

const test = useTestDatabase();

async function name(attemptId: string): Promise<void> {
  await sql`select pg_notify('ori_deck', ${attemptId})`.execute(test.db);
}

describe('SeatNotifier', () => {
  it('keeps a name given while the dial was busy claiming: the next wait returns at once', async () => {
    const notifier = new SeatNotifier(test.url);
    await notifier.start();
    try {
      const latch = notifier.seatLatch('attempt-1');
      await name('attempt-1'); // arrives between two waits, as during a claim
      await new Promise((r) => setTimeout(r, 100));
      // A minute-long wait that returns within the test's 5-second limit only because the name was kept.
      await latch.wait(60_000);
      latch.close();
    } finally {
      await notifier.close();
    }
  });

  it('wakes the named attempt only, and a wait without a name ends at its timeout', async () => {
    const notifier = new SeatNotifier(test.url);
    await notifier.start();
    try {
      const named = notifier.seatLatch('attempt-a');
      const other = notifier.seatLatch('attempt-b');
      const woken: string[] = [];
      const a = named.wait(60_000).then(() => woken.push('a'));
      const b = other.wait(300).then(() => woken.push('b-timeout'));
      await name('attempt-a');
      await Promise.all([a, b]);
      expect(woken).toEqual(['a', 'b-timeout']);
      named.close();
      other.close();
    } finally {
      await notifier.close();
    }
  });
});

/**
 * Across a Postgres restart (`pg_ctl -m immediate` on a cluster of the test's own): the LISTEN connection
 * comes back by itself, everyone waiting is woken to re-check (a name given while nobody listened is gone),
 * and names given after the restart arrive again.
 */
describe.skipIf(!canRunOwnPostgres())('SeatNotifier across a Postgres restart', () => {
  let pg: OwnPostgres;
  beforeAll(async () => {
    pg = await startOwnPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('re-listens with backoff, wakes the waiting dial and round, and hears names again', async () => {
    const notifier = new SeatNotifier(pg.url);
    await notifier.start();
    const notifierDb = createDb(pg.url, { max: 1 });
    try {
      expect(notifier.listening).toBe(true);
      const latch = notifier.seatLatch('on-deck-1');
      // Down for 3 s: longer than the first retries, so the re-listen has to keep trying.
      const restarted = pg.restart({ mode: 'immediate', downMs: 3_000 });
      await eventuallyTrue(() => !notifier.listening, 5_000);
      const started = Date.now();
      const woken = Promise.all([latch.wait(60_000), notifier.wait('campaign-1', 60_000)]);
      await restarted;
      await woken;
      // Woken by the reconnect, not by the minute-long timeouts.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(notifier.listening).toBe(true);
      expect(notifier.reconnectCount).toBe(1);

      const heard = latch.wait(60_000);
      await sql`select pg_notify('ori_deck', 'on-deck-1')`.execute(notifierDb);
      await heard;
      latch.close();
    } finally {
      await notifier.close();
      await notifierDb.destroy();
    }
  });
});

async function eventuallyTrue(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
