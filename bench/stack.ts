/**
 * The whole dialler on its real parts, for benchmarks run outside vitest (test/e2e/stack.ts is the model):
 * a Postgres cluster under a temp dir, a Temporal dev server whose SQLite db is a file in that dir (WAL,
 * synchronous=normal), the switch simulator in this process (its call log is the ground truth), and the API
 * and the worker as child processes so their RSS can be read from /proc.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { createDb, type Db } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { startSimulator, type RunningSimulator, type ScenarioInput } from '../simulator/simulator';
import { ensurePostgres, findPostgresBinDirs, type PostgresHandle } from '../scripts/postgres';
import { ensureTemporalBinaries, startTemporalDevServer, type DevServer } from '../scripts/temporal';
import { run, spawnManaged, type ManagedProcess } from '../scripts/processes';
import {
  ensureTemporalServerBinaries,
  startTemporalServer,
  TEMPORAL_SERVER_SHARDS,
  TEMPORAL_SERVER_VERSION,
} from '../scripts/temporal-server';
import { apiRequest, type ApiAnswer } from '../test/support/api-request';
import { freePort, httpStatus, waitFor } from '../scripts/net';

const ROOT = path.resolve(__dirname, '..');
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

export interface StackOptions {
  /** fsync off (the test-cluster settings): faster, not what production runs. */
  pgFsyncOff: boolean;
  /** Extra dev-server dynamic config (experiments: what a server setting is worth). */
  temporalConfig?: Record<string, unknown>;
  /**
   * `dev`: the CLI's embedded dev server (SQLite). `server`: the self-hosted Temporal server of
   * `npm run temporal:server` (its binaries must be built), on this stack's Postgres, 4 history shards.
   */
  temporalKind?: TemporalKind;
  log: (message: string) => void;
}

export type { ApiAnswer };

export type TemporalKind = 'dev' | 'server';

export interface BenchStack {
  tmp: string;
  pg: PostgresHandle;
  /** Directory of psql/pg_ctl for this cluster. */
  pgBinDir: string;
  /** Whether pg_stat_statements is loaded (per-statement timings for the report). */
  statStatements: boolean;
  db: Db;
  temporal: DevServer;
  temporalDbFile: string;
  client: Client;
  sim: RunningSimulator;
  api(): ManagedProcess;
  /** A fresh API process on the same port (memory figures of one operation, not of the whole run). */
  restartApi(): Promise<void>;
  apiUrl: string;
  apiKey: string;
  taskQueue: string;
  worker(): ManagedProcess | null;
  /** (Re)start the worker child; resolves once it polls its task queue. `preload`: a `--require` module. */
  /** Extra node flags for the worker come from BENCH_WORKER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`). */
  startWorker(env?: Record<string, string>): Promise<ManagedProcess>;
  stopWorker(): Promise<void>;
  /** One more worker beside the current one (part `takeover` kills one of two); stopped with the stack. */
  startExtraWorker(env?: Record<string, string>): Promise<ManagedProcess>;
  request<T = unknown>(method: string, route: string, body?: unknown): Promise<ApiAnswer<T>>;
  versions: { postgres: string; temporal: string };
  temporalKind: TemporalKind;
  stop(): Promise<void>;
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = await fs.readFile('/etc/passwd', 'utf8').catch(() => '');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Load pg_stat_statements (shared_preload_libraries needs a restart; pg_ctl restart reuses the original
 * command line from postmaster.opts, so port and socket dir stay). Best effort: the bench runs without it.
 */
async function enableStatStatements(pg: PostgresHandle, binDir: string, db: Db, log: (m: string) => void) {
  if (pg.kind !== 'cluster' || !pg.dir) {
    await db.destroy();
    return false;
  }
  try {
    const { sql } = await import('kysely');
    await sql`alter system set shared_preload_libraries = 'pg_stat_statements'`.execute(db);
    await db.destroy();
    const as = (await postgresUser()) ?? {};
    const env = { ...process.env, LC_ALL: 'C', LANG: 'C', PGTZ: 'UTC', TZ: 'UTC' };
    const res = await run(
      path.join(binDir, 'pg_ctl'),
      // -l: without a log file the postmaster keeps our stdout pipe open and run() never returns.
      [
        'restart',
        '-D',
        path.join(pg.dir, 'data'),
        '-l',
        path.join(pg.dir, 'server.log'),
        '-m',
        'fast',
        '-w',
        '-t',
        '60',
        '-s',
      ],
      { ...as, env, timeoutMs: 90_000 },
    );
    if (res.code !== 0) throw new Error(res.stderr || res.stdout || `pg_ctl restart: ${res.signal}`);
    return true;
  } catch (err) {
    await db.destroy().catch(() => undefined);
    log(`pg_stat_statements not available (${(err as Error).message.split('\n')[0]}); continuing without it`);
    return false;
  }
}

async function waitForLine(
  p: ManagedProcess,
  text: string,
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!p.tail().includes(text)) {
    if (p.exitInfo) throw new Error(`${what} exited early:\n${p.tail()}`);
    if (Date.now() > deadline) throw new Error(`${what} did not start:\n${p.tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startStack(opts: StackOptions): Promise<BenchStack> {
  const { log } = opts;
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ori-bench-'));
  // mkdtemp makes it 0700: let the postgres OS user reach the cluster under it.
  await fs.chmod(tmp, 0o755);
  const cleanups: (() => Promise<unknown>)[] = [() => fs.rm(tmp, { recursive: true, force: true })];
  const stopAllStarted = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const binaries = await ensureTemporalBinaries({ log });
    const pg = await ensurePostgres({
      dataDir: tmp,
      databaseUrl: null,
      prefer: 'cluster',
      temporary: opts.pgFsyncOff,
      log,
    });
    cleanups.push(() => pg.stop());
    if (pg.kind !== 'cluster') throw new Error(`the bench needs a real Postgres cluster, got ${pg.kind}`);
    const pgBinDir = findPostgresBinDirs()[0] ?? '/usr/lib/postgresql/15/bin';
    const statStatements = await enableStatStatements(pg, pgBinDir, createDb(pg.url, { max: 1 }), log);

    const db = createDb(pg.url, { max: 8 });
    cleanups.push(() => db.destroy());
    await migrateToLatest(db as unknown as Kysely<unknown>);
    if (statStatements) {
      const { sql } = await import('kysely');
      await sql`create extension if not exists pg_stat_statements`.execute(db);
    }
    const { sql } = await import('kysely');
    const pgVersion = (await sql<{ v: string }>`select version() as v`.execute(db)).rows[0]?.v ?? '?';

    const kind = opts.temporalKind ?? 'dev';
    const temporal =
      kind === 'server'
        ? await startTemporalServer({
            binaries: await ensureTemporalServerBinaries({ log }),
            adminUrl: pg.adminUrl,
            dataDir: tmp,
            prefix: false,
            log,
          })
        : await startTemporalDevServer({
            cli: binaries.cli,
            dataDir: tmp,
            port: await freePort(),
            prefix: false,
            ...(opts.temporalConfig ? { dynamicConfig: opts.temporalConfig } : {}),
            log,
          });
    cleanups.push(() => temporal.stop());
    const temporalDbFile = path.join(tmp, 'temporal', 'temporal.db');
    const tv = binaries.cli ? await run(binaries.cli, ['--version'], { timeoutMs: 10_000 }) : null;
    const temporalVersion =
      kind === 'server'
        ? `self-hosted Temporal server ${TEMPORAL_SERVER_VERSION} on Postgres, ${TEMPORAL_SERVER_SHARDS} history shards`
        : tv
          ? tv.stdout.trim()
          : 'SDK-downloaded dev server';
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: temporal.namespace });

    const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
    const apiKey = `ori_bench_${randomBytes(12).toString('hex')}`;
    const internalKey = `ori_bench_internal_${randomBytes(12).toString('hex')}`;
    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const baseEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      ORI_TASK_QUEUE: taskQueue,
    };
    const spawnApi = async (): Promise<ManagedProcess> => {
      const p = spawnManaged('api', process.execPath, ['--import', TSX_LOADER, 'api/main.ts'], {
        cwd: ROOT,
        env: {
          ...baseEnv,
          PORT: String(apiPort),
          ORI_BOOTSTRAP_API_KEY: apiKey,
          ORI_INTERNAL_API_KEY: internalKey,
        },
        prefix: process.env.BENCH_VERBOSE ? '[api] ' : false,
        stopTimeoutMs: 10_000,
      });
      await waitFor(async () => (await httpStatus(`${apiUrl}/health`)) === 200, {
        timeoutMs: 120_000,
        intervalMs: 250,
        abort: () => {
          if (p.exitInfo) throw new Error(`the API exited:\n${p.tail()}`);
        },
        what: 'the API /health',
      });
      return p;
    };
    let api = await spawnApi();
    cleanups.push(() => api.stop());

    const sim = await startSimulator({
      eslPort: 0,
      controlPort: 0,
      scenario: { time_scale: 0.001, default: { 'answer:1': 1, 'no_answer:1': 1 } },
      resultUrl: apiUrl,
      apiKey: internalKey,
      heartbeatIntervalMs: 20_000,
    });
    cleanups.push(() => sim.close());

    let worker: ManagedProcess | null = null;
    const stopWorker = async (): Promise<void> => {
      const w = worker;
      worker = null;
      if (w) await w.stop();
    };
    cleanups.push(stopWorker);

    const spawnWorker = (env: Record<string, string>): ManagedProcess =>
      spawnManaged(
        'worker',
        process.execPath,
        [
          ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
          '--import',
          TSX_LOADER,
          'worker/main.ts',
        ],
        {
          cwd: ROOT,
          env: {
            ...baseEnv,
            ESL_HOST: '127.0.0.1',
            ESL_PORT: String(sim.eslPort),
            ESL_PASSWORD: 'ClueCon',
            // Any free port for its /metrics: 9464 may be taken by a dialler running on the machine.
            ORI_WORKER_METRICS_PORT: '0',
            ...env,
          },
          prefix: process.env.BENCH_VERBOSE ? '[worker] ' : false,
          stopTimeoutMs: 15_000,
        },
      );

    const stack: BenchStack = {
      tmp,
      pg,
      pgBinDir,
      statStatements,
      db,
      temporal,
      temporalDbFile,
      client,
      sim,
      api: () => api,
      async restartApi() {
        await api.stop();
        api = await spawnApi();
      },
      apiUrl,
      apiKey,
      taskQueue,
      worker: () => worker,
      async startWorker(env = {}) {
        await stopWorker();
        const w = spawnWorker(env);
        worker = w;
        await waitForLine(w, 'polling task queue', 'the worker');
        return w;
      },
      async startExtraWorker(env = {}) {
        const w = spawnWorker(env);
        cleanups.push(() => w.stop());
        await waitForLine(w, 'polling task queue', 'the extra worker');
        return w;
      },
      stopWorker,
      request: <T>(method: string, route: string, body?: unknown) =>
        apiRequest<T>({ apiUrl, apiKey }, method, route, body),
      versions: { postgres: pgVersion, temporal: temporalVersion },
      temporalKind: kind,
      stop: stopAllStarted,
    };
    return stack;
  } catch (err) {
    await stopAllStarted();
    throw err;
  }
}

/** Fail with the API's own words when a setup call does not answer as expected. */
export function expectStatus<T>(res: ApiAnswer<T>, status: number, what: string): T {
  if (res.status !== status) {
    throw new Error(
      `${what}: expected ${status}, got ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`,
    );
  }
  return res.body;
}

export type { ScenarioInput };
