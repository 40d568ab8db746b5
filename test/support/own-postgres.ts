/**
 * A Postgres cluster of a test's own, for tests that restart the server (`pg_ctl -m immediate`): the shared
 * test cluster serves every other test file at the same time, so it is never restarted. The cluster lives
 * under `.data/test-<pid>-own-<n>` (removed by stop(), or by the next run's global setup if we are killed).
 *
 *   const pg = await startOwnPostgres();          // null where only PGlite or an external server exists
 *   await pg.restart({ mode: 'immediate', downMs: 2_000 });
 *   await pg.stop();
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inject } from 'vitest';
import { ensurePostgres, findPostgresBinDirs, type PostgresHandle } from '../../scripts/postgres';
import { run } from '../../scripts/processes';
import { REPO_ROOT } from '../../scripts/temporal';
import './context';

export type OwnPostgres = PostgresHandle & { restart: NonNullable<PostgresHandle['restart']> };

let counter = 0;

/** Whether this machine can run a cluster of a test's own (the test suite runs on one). */
export function canRunOwnPostgres(): boolean {
  return inject('databaseKind') === 'cluster' && findPostgresBinDirs().length > 0;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dataDir = path.join(REPO_ROOT, '.data', `test-${process.pid}-own-${++counter}`);
  const pg = await ensurePostgres({
    dataDir,
    databaseUrl: null,
    prefer: 'cluster',
    temporary: true,
    // Restarted with `-m immediate` by its tests: what was committed must survive, as on a real server.
    durable: true,
    allowInstall: false,
    log: () => undefined,
  });
  if (pg.kind !== 'cluster' || !pg.restart) {
    await pg.stop();
    throw new Error(`a cluster of our own needs the PostgreSQL binaries (got ${pg.kind})`);
  }
  const stop = pg.stop;
  return {
    ...pg,
    restart: pg.restart,
    stop: async () => {
      await stop();
      const { rm } = await import('node:fs/promises');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Migrate `url` to the latest schema in a child process (the migrations are .ts files, loaded by tsx). */
export async function migrateDatabase(url: string): Promise<void> {
  const res = await run(
    process.execPath,
    ['--import', pathToFileURL(require.resolve('tsx')).href, 'db/migrate.ts'],
    { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: url }, timeoutMs: 120_000 },
  );
  if (res.code !== 0) throw new Error(`migrating ${url} failed:\n${res.stderr || res.stdout}`);
}
