import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useTestDatabase } from '../test/support/db';
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
