import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/support/db';
import {
  forgetLongGoneWorkers,
  forgetPresence,
  liveWorkerIds,
  recordPresence,
  switchStatus,
  type PresenceRow,
} from './worker-presence.repository';

const test = useTestDatabase();

const T0 = new Date('2026-12-06T10:00:00Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);
const worker = (id: string, eslConnected: boolean, eslChangedAt: Date | null): PresenceRow => ({
  workerId: id,
  hostname: 'host',
  pid: 1,
  taskQueue: 'q',
  startedAt: T0,
  eslConnected,
  eslChangedAt,
});

describe('switchStatus', () => {
  it('is connected while some worker seen in the last 5 s holds the switch, and says since when', async () => {
    await test.db.deleteFrom('worker_presence').execute();
    expect(await switchStatus(test.db, at(0))).toEqual({ connected: false, workers: 0, since: null });

    await recordPresence(test.db, worker('a', true, at(1)), at(1));
    await recordPresence(test.db, worker('b', false, null), at(1));
    expect(await switchStatus(test.db, at(2))).toEqual({
      connected: true,
      workers: 2,
      since: at(1).toISOString(),
    });

    // a loses the switch at 3 s and says so; b never had it: nobody can dial since 3 s.
    await recordPresence(test.db, worker('a', false, at(3)), at(3));
    await recordPresence(test.db, worker('b', false, null), at(3));
    expect(await switchStatus(test.db, at(4))).toEqual({
      connected: false,
      workers: 2,
      since: at(3).toISOString(),
    });
  });

  it('forgets a connected worker that stopped refreshing: it is gone after 5 s', async () => {
    await test.db.deleteFrom('worker_presence').execute();
    await recordPresence(test.db, worker('a', true, at(0)), at(10));
    expect((await switchStatus(test.db, at(14))).connected).toBe(true);
    expect([...(await liveWorkerIds(test.db, at(14)))]).toEqual(['a']);
    // Last seen connected at 10 s: that is the last moment the switch was known reachable.
    expect(await switchStatus(test.db, at(16))).toEqual({
      connected: false,
      workers: 0,
      since: at(10).toISOString(),
    });
    expect(await liveWorkerIds(test.db, at(16))).toEqual(new Set());
  });

  it('a clean shutdown removes the row; rows gone for a day are deleted', async () => {
    await test.db.deleteFrom('worker_presence').execute();
    await recordPresence(test.db, worker('a', true, at(0)), at(0));
    await recordPresence(test.db, worker('b', true, at(0)), at(0));
    await forgetPresence(test.db, 'a');
    expect(await forgetLongGoneWorkers(test.db, at(3600))).toBe(0);
    expect(await forgetLongGoneWorkers(test.db, at(24 * 3600 + 1))).toBe(1);
    expect(await test.db.selectFrom('worker_presence').selectAll().execute()).toEqual([]);
  });
});
