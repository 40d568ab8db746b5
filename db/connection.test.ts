import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { canRunOwnPostgres, startOwnPostgres, type OwnPostgres } from '../test/support/own-postgres';
import { createDb, isDatabaseUnavailable, type Db } from './connection';

/**
 * A Postgres restart is weather: against a real server stopped with `pg_ctl -m immediate` (a crash, as
 * far as clients can tell), a connection broken while checked out between two queries of a transaction
 * fails that transaction and nothing else — the process lives (an unhandled 'error' event would end it and
 * fail this file), the errors say "unavailable", and the same pool serves again once the server is back.
 */

describe.skipIf(!canRunOwnPostgres())('createDb across a Postgres restart', () => {
  let pg: OwnPostgres;
  let db: Db;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => void uncaught.push(err);

  beforeAll(async () => {
    pg = await startOwnPostgres();
    db = createDb(pg.url, { max: 5 });
    process.on('uncaughtException', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await db?.destroy();
    await pg?.stop();
  });

  it('a transaction holding a connection through an immediate restart fails as unavailable; the pool then serves again', async () => {
    // Four connections are checked out and idle inside a transaction when the server dies.
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    let held = 0;
    const transactions = Array.from({ length: 4 }, () =>
      db.transaction().execute(async (tx) => {
        await sql`select 1`.execute(tx);
        held += 1;
        await hold;
        await sql`select 2`.execute(tx);
      }),
    );
    const outcomes = Promise.allSettled(transactions);
    while (held < 4) await new Promise((r) => setTimeout(r, 20));

    const restarted = pg.restart({ mode: 'immediate', downMs: 1_500 });
    // While it is down: the errors a caller sees are recognised as "unavailable".
    await new Promise((r) => setTimeout(r, 500));
    const whileDown = await sql`select 1`.execute(db).then(
      () => null,
      (err: unknown) => err,
    );
    expect(whileDown).not.toBeNull();
    expect(isDatabaseUnavailable(whileDown)).toBe(true);

    release();
    const settled = await outcomes;
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect(isDatabaseUnavailable((s as PromiseRejectedResult).reason)).toBe(true);
    }
    await restarted;

    // The same pool, after the restart: broken clients were dropped, new ones connect.
    const rows = await Promise.all(
      Array.from({ length: 6 }, (_, i) => sql<{ n: number }>`select ${i}::int as n`.execute(db)),
    );
    expect(rows.map((r) => r.rows[0]?.n)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(uncaught).toEqual([]);
  });

  it('tells weather from a wrong query', async () => {
    const wrong = await sql`select * from no_such_table`.execute(db).catch((err: unknown) => err);
    expect(isDatabaseUnavailable(wrong)).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(
      isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
