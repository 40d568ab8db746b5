/**
 * Vitest global setup: one Postgres for the whole run (our own temporary cluster, or DATABASE_URL's server)
 * with a migrated template database that every test copies (test/support/db.ts), and the Temporal binaries
 * (test/support/temporal.ts). Teardown stops the cluster and deletes its files.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';
import type { TestProject } from 'vitest/node';
import { ensurePostgres, stopLeftoverCluster, type PostgresKind } from '../../scripts/postgres';
import { run } from '../../scripts/processes';
import { ensureTemporalBinaries, REPO_ROOT } from '../../scripts/temporal';
import './context';

const log = (m: string): void => console.log(`[test-setup] ${m}`);

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `.data/test-<pid>` (and `test-<pid>-own-<n>`, test/support/own-postgres.ts) folders of runs that were killed: stop their cluster and delete them. */
async function removeStaleRuns(root: string): Promise<void> {
  const names = await fs.readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    const m = /^test-(\d+)(-own-\d+)?$/.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const dir = path.join(root, name);
    await stopLeftoverCluster(dir, true).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Migrate in a child process under tsx: Kysely's FileMigrationProvider import()s the .ts migrations with
 * Node's own loader, which in vitest's main process knows no TypeScript.
 */
async function migrate(url: string): Promise<void> {
  const res = await run(
    process.execPath,
    ['--import', pathToFileURL(require.resolve('tsx')).href, 'db/migrate.ts'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: url },
      timeoutMs: 120_000,
    },
  );
  if (res.code !== 0) throw new Error(`migrating the template failed:\n${res.stderr || res.stdout}`);
}

interface Prepared {
  provided: {
    databaseAdminUrl: string;
    templateDb: string;
    databaseKind: PostgresKind;
    testDbPrefix: string;
    temporalCliPath: string | undefined;
    temporalTestServerPath: string | undefined;
  };
  teardown: () => Promise<void>;
}

/**
 * Vitest calls the global setup once per test project (unit, integration, e2e, browser) in this one
 * process: the cluster is started by the first call and shared, and stopped after the last teardown.
 */
interface Shared {
  prepared: Promise<Prepared>;
  users: number;
}
const SHARED = Symbol.for('ori.test.globalSetup');
type WithShared = typeof globalThis & { [SHARED]?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const holder = globalThis as WithShared;
  const shared = (holder[SHARED] ??= { prepared: prepare(), users: 0 });
  shared.users += 1;
  const { provided, teardown } = await shared.prepared;
  for (const [key, value] of Object.entries(provided)) {
    project.provide(key as keyof Prepared['provided'], value as never);
  }
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete holder[SHARED];
    await teardown();
  };
}

async function prepare(): Promise<Prepared> {
  const started = Date.now();
  const dataRoot = path.join(REPO_ROOT, '.data');
  await fs.mkdir(dataRoot, { recursive: true });
  await removeStaleRuns(dataRoot);
  const dataDir = path.join(dataRoot, `test-${process.pid}`);
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.mkdir(dataDir, { recursive: true });

  const [bins, pg] = await Promise.all([
    ensureTemporalBinaries({ log }),
    ensurePostgres({ dataDir, name: 'postgres', temporary: true, log }),
  ]);
  const prefix = `test_${process.pid}_`;
  let templateDb: string;
  if (pg.kind === 'pglite') {
    // PGlite has one database per instance: migrate it once and let each test load a copy of its files.
    await migrate(pg.url);
    templateDb = path.join(dataDir, 'template.tar');
    await fs.writeFile(templateDb, await pg.dump!());
    await pg.stop();
  } else {
    templateDb = pg.kind === 'cluster' ? 'ori_template' : `ori_template_${process.pid}`;
    await admin(pg.adminUrl, async (c) => {
      await c.query(`drop database if exists "${templateDb}" with (force)`);
      await c.query(`create database "${templateDb}"`);
    });
    await migrate(withDatabase(pg.adminUrl, templateDb));
    // No session may stay connected to a template while it is copied; forbid connections altogether.
    await admin(pg.adminUrl, (c) =>
      c.query(`alter database "${templateDb}" with is_template true allow_connections false`),
    );
  }

  log(`${pg.kind} Postgres with template ${path.basename(templateDb)} ready in ${Date.now() - started} ms`);

  const provided: Prepared['provided'] = {
    databaseAdminUrl: pg.kind === 'pglite' ? '' : pg.adminUrl,
    templateDb,
    databaseKind: pg.kind,
    testDbPrefix: prefix,
    temporalCliPath: bins.cli,
    temporalTestServerPath: bins.testServer,
  };
  const teardown = async (): Promise<void> => {
    if (pg.kind === 'external') {
      // A shared server: drop what this run created (tests normally drop their own databases).
      await admin(pg.adminUrl, async (c) => {
        const { rows } = await c.query<{ datname: string }>(
          `select datname from pg_database where datname like $1 or datname = $2`,
          [`${prefix}%`, templateDb],
        );
        for (const { datname } of rows) {
          if (datname === templateDb) await c.query(`alter database "${datname}" is_template false`);
          await c.query(`drop database if exists "${datname}" with (force)`);
        }
      }).catch((err: unknown) => console.error('[test-setup] dropping test databases failed:', err));
    }
    await pg.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  return { provided, teardown };
}
