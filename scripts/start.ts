/**
 * `npm start`: everything on embedded defaults (README "Configuration"). Postgres (DATABASE_URL or a local
 * cluster), migrations, the Temporal dev server (unless TEMPORAL_ADDRESS), then the switch simulator (unless
 * ESL_HOST), the workers (ORI_WORKERS, two by default) and the API as child processes. It is their supervisor: a child (or the dev server,
 * or the local Postgres) that exits on its own is started again with backoff (scripts/supervisor.ts), on the
 * same data dirs; only Ctrl-C (or SIGTERM) stops all of it, in reverse order, and exits 0.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import { loadSettings } from '../config/settings';
import { createDb } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { httpStatus, isPortFree, canConnect, waitFor } from './net';
import { ensurePostgres, type PostgresHandle } from './postgres';
import { installShutdownHandlers, spawnManaged, type ManagedProcess } from './processes';
import { renderLine } from '../observability/log-format';
import { supervise, type Service } from './supervisor';
import {
  ensureTemporalBinaries,
  REPO_ROOT,
  startTemporalDevServer,
  waitForTemporalAddress,
  type DevServer,
} from './temporal';
import { ensureTemporalServerBinaries, startTemporalServer, temporalServerPorts } from './temporal-server';

const log = (m: string): void => console.log(`[start] ${m}`);
const seconds = (ms: number): string => (ms / 1000).toFixed(1);

interface Running {
  name: string;
  stop(): Promise<void>;
}

/** What we started, in start order; stopped newest first. */
const running: Running[] = [];
let shuttingDown: Promise<void> | undefined;

function shutdown(): Promise<void> {
  shuttingDown ??= (async () => {
    for (const r of [...running].reverse()) {
      const t = Date.now();
      try {
        await r.stop();
        log(`stopped ${r.name} (${seconds(Date.now() - t)} s)`);
      } catch (err) {
        console.error(`[start] stopping ${r.name} failed:`, err);
      }
    }
  })();
  return shuttingDown;
}

async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  const result = await fn();
  log(`${name}: ${seconds(Date.now() - t)} s`);
  return result;
}

/** The key the simulator posts results with; generated once per data dir. */
async function internalApiKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'internal-api-key');
  const existing = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  const key = `ori_${randomBytes(32).toString('base64url')}`;
  await fs.writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

const ENTRY = {
  simulator: 'simulator/main.ts',
  worker: 'worker/main.ts',
  api: 'api/main.ts',
} as const;

const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

/**
 * Children of an earlier `npm start` on this data dir that was killed with SIGKILL (no chance to clean up)
 * are recorded in `<dataDir>/processes.json`; stop any still alive whose command line still matches.
 */
async function reapLeftovers(file: string): Promise<void> {
  let recorded: { owner: number; children: { name: string; pid: number; args: string }[] };
  try {
    recorded = JSON.parse(await fs.readFile(file, 'utf8')) as typeof recorded;
  } catch {
    return;
  }
  const ownerCmd = await fs.readFile(`/proc/${recorded.owner}/cmdline`, 'utf8').catch(() => '');
  if (recorded.owner !== process.pid && ownerCmd.includes('scripts/start.ts')) {
    throw new Error(
      `another npm start (pid ${recorded.owner}) is running on this data dir; stop it or set ORI_DATA_DIR`,
    );
  }
  const groupAlive = (pid: number): boolean => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const leftovers: number[] = [];
  for (const r of recorded.children) {
    const cmdline = await fs.readFile(`/proc/${r.pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline || cmdline.split('\0').join(' ').trim() !== r.args) continue;
    log(`stopping ${r.name} (pid ${r.pid}) left running by an earlier start`);
    try {
      process.kill(-r.pid, 'SIGTERM');
      leftovers.push(r.pid);
    } catch {
      // Gone meanwhile.
    }
  }
  const t = Date.now();
  const deadline = t + 10_000;
  while (leftovers.some(groupAlive) && Date.now() < deadline)
    await new Promise((res) => setTimeout(res, 100));
  for (const pid of leftovers.filter(groupAlive)) process.kill(-pid, 'SIGKILL');
  if (leftovers.length) log(`leftovers stopped in ${seconds(Date.now() - t)} s`);
  await fs.rm(file, { force: true });
}

/** A running local cluster as a supervised service: it has "exited" once `pg_ctl status` says it is down. */
function watchPostgres(isRunning: () => Promise<boolean>): Service {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => {
    wake = resolve;
    const check = (): void => {
      timer = setTimeout(() => {
        void isRunning()
          .catch(() => true)
          .then((up) => (stopped ? undefined : up ? check() : resolve()));
      }, 3_000);
    };
    check();
  });
  return {
    exited,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      wake();
      return Promise.resolve();
    },
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  installShutdownHandlers({
    onSignal: async (signal) => {
      log(`${signal}: stopping everything`);
      await shutdown();
      log('stopped');
      return 0;
    },
    onCrash: () => shutdown(),
  });

  const settings = loadSettings(process.env);
  const dataDir = path.resolve(REPO_ROOT, settings.dataDir);
  await fs.mkdir(dataDir, { recursive: true });
  const runSimulator = !process.env.ESL_HOST;

  const pidFile = path.join(dataDir, 'processes.json');
  await reapLeftovers(pidFile);
  const recorded = { owner: process.pid, children: [] as { name: string; pid: number; args: string }[] };
  const record = (name: string, p: ManagedProcess | undefined): void => {
    if (!p || p.pid < 0) return;
    recorded.children.push({ name, pid: p.pid, args: p.argv.join(' ') });
    writeFileSync(pidFile, JSON.stringify(recorded));
  };
  writeFileSync(pidFile, JSON.stringify(recorded));
  running.push({ name: 'process record', stop: () => fs.rm(pidFile, { force: true }) });

  // Fail in a second, not after a minute of provisioning.
  const missing = Object.entries(ENTRY)
    .filter(([name]) => name !== 'simulator' || runSimulator)
    .filter(([, file]) => !existsSync(path.join(REPO_ROOT, file)))
    .map(([, file]) => file);
  if (missing.length) throw new Error(`missing entry point(s): ${missing.join(', ')}`);
  const ports: [string, number][] = [['PORT', settings.port]];
  if (runSimulator)
    ports.push(['SIM_ESL_PORT', settings.sim.eslPort], ['SIM_CONTROL_PORT', settings.sim.controlPort]);
  const devServer = !settings.temporalAddress && settings.temporalKind === 'dev';
  const selfHosted = !settings.temporalAddress && settings.temporalKind === 'server';
  if (devServer) {
    ports.push(['TEMPORAL_PORT', settings.temporalPort], ['TEMPORAL_UI_PORT', settings.temporalUiPort]);
  }
  if (selfHosted) ports.push(['TEMPORAL_PORT', settings.temporalPort]);
  for (const [name, port] of ports) {
    if (!(await isPortFree(port)))
      throw new Error(`port ${port} (${name}) is already in use; set ${name} to move it`);
  }

  const binaries = devServer
    ? await phase('temporal binaries', () => ensureTemporalBinaries({ log }))
    : undefined;
  // ORI_TEMPORAL=server: built once with Go (10+ minutes), cached in .tools/temporal-server/.
  const serverBinaries = selfHosted
    ? await phase('temporal server binaries', () => ensureTemporalServerBinaries({ log }))
    : undefined;

  const pg: PostgresHandle = await phase('postgres', () =>
    ensurePostgres({ dataDir, databaseUrl: settings.databaseUrl ?? null }),
  );
  running.push({ name: `postgres (${pg.kind})`, stop: pg.stop });
  const { restart: restartPostgres, isRunning: postgresRunning } = pg;
  if (restartPostgres && postgresRunning) {
    // The local cluster runs as a daemon, not our child: watch it, and start it again on its data dir.
    let launched = false;
    const postgres = await supervise({
      name: 'postgres',
      launch: async () => {
        if (launched) await restartPostgres();
        launched = true;
        return watchPostgres(postgresRunning);
      },
    });
    running.push({ name: 'postgres supervision', stop: () => postgres.stop() });
  }

  await phase('migrations', async () => {
    const db = createDb(pg.url, { max: 1 });
    try {
      await migrateToLatest(db as unknown as Kysely<unknown>);
    } finally {
      await db.destroy();
    }
  });

  let temporalAddress = settings.temporalAddress;
  let temporalUi: string | undefined;
  if (temporalAddress) {
    const address = temporalAddress;
    const { namespaceCreated } = await phase(`temporal at ${address}`, () =>
      waitForTemporalAddress(settings),
    );
    if (namespaceCreated)
      log(`created the Temporal namespace ${settings.temporalNamespace} (30 days' retention)`);
    // The UI of an external cluster is whatever the operator says it is; none is started here.
    temporalUi = settings.temporalUiUrl;
  } else if (serverBinaries) {
    if (pg.kind === 'pglite') {
      throw new Error(
        'ORI_TEMPORAL=server needs a real Postgres (PostgreSQL binaries or DATABASE_URL), not PGlite',
      );
    }
    let server: DevServer | undefined;
    // The same ports on every restart: the worker and the API keep the address they were given.
    const serverPorts = await temporalServerPorts(settings.temporalPort);
    const temporal = await phase('temporal server', () =>
      supervise({
        name: 'temporal server',
        launch: async () => {
          server = await startTemporalServer({
            binaries: serverBinaries,
            adminUrl: pg.adminUrl,
            dataDir,
            namespace: settings.temporalNamespace,
            ports: serverPorts,
            log,
          });
          return { exited: server.process?.exited ?? new Promise<never>(() => undefined), stop: server.stop };
        },
        onLaunch: () => record('temporal server', server?.process),
      }),
    );
    running.push({ name: 'temporal server', stop: () => temporal.stop() });
    temporalAddress = server!.address;
    // No UI comes with the self-hosted server: only one the operator names (TEMPORAL_UI_URL).
    temporalUi = process.env.TEMPORAL_UI_URL ? settings.temporalUiUrl : undefined;
  } else {
    let dev: Awaited<ReturnType<typeof startTemporalDevServer>> | undefined;
    const temporal = await phase('temporal dev server', () =>
      supervise({
        name: 'temporal dev server',
        // The same state file every time: a restarted dev server has every workflow it had.
        launch: async () => {
          dev = await startTemporalDevServer({
            cli: binaries?.cli,
            dataDir,
            port: settings.temporalPort,
            uiPort: settings.temporalUiPort,
            namespace: settings.temporalNamespace,
            log,
          });
          return { exited: dev.process?.exited ?? new Promise<never>(() => undefined), stop: dev.stop };
        },
        onLaunch: () => record('temporal dev server', dev?.process),
      }),
    );
    running.push({ name: 'temporal dev server', stop: () => temporal.stop() });
    temporalAddress = dev!.address;
    temporalUi = dev!.uiUrl;
  }

  // Keys: the simulator posts results with an internal key; the operator uses the bootstrap key if one was
  // given, else that same generated key (it is printed below).
  const internalKey = await internalApiKey(dataDir);
  const operatorKey = settings.bootstrapApiKey ?? internalKey;

  const apiUrl = `http://127.0.0.1:${settings.port}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(settings.port),
    ORI_DATA_DIR: dataDir,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: settings.temporalNamespace,
    ORI_BOOTSTRAP_API_KEY: operatorKey,
    ORI_INTERNAL_API_KEY: internalKey,
    SIM_ESL_PORT: String(settings.sim.eslPort),
    SIM_CONTROL_PORT: String(settings.sim.controlPort),
    SIM_SEED: String(settings.sim.seed),
    SIM_RESULT_URL: apiUrl,
    SIM_API_KEY: internalKey,
  };
  if (runSimulator) {
    childEnv.ESL_HOST = '127.0.0.1';
    childEnv.ESL_PORT = String(settings.sim.eslPort);
    childEnv.ESL_PASSWORD = settings.esl.password;
  }
  if (settings.sim.scenario) childEnv.SIM_SCENARIO = path.resolve(settings.sim.scenario);
  // The API links workflows to the UI printed below (TEMPORAL_ADDRESS is set for the children either way).
  if (temporalUi && !process.env.TEMPORAL_UI_URL) childEnv.TEMPORAL_UI_URL = temporalUi;

  // A child that exits on its own is started again with backoff (logged with its exit code); only a
  // signal to us stops it.
  const spawnChild = async (
    entry: keyof typeof ENTRY,
    name: string = entry,
    env: NodeJS.ProcessEnv = childEnv,
  ): Promise<void> => {
    const child = await supervise({
      name: `${name} (${ENTRY[entry]})`,
      launch: () =>
        Promise.resolve(
          spawnManaged(name, process.execPath, ['--import', TSX_LOADER, ENTRY[entry]], {
            cwd: REPO_ROOT,
            env,
            // Children write JSON lines: shown readably for a person, or untouched with ORI_LOG_FORMAT=json.
            render:
              settings.logFormat === 'json'
                ? (line) => line
                : (line) => renderLine(name, line, { colour: process.stdout.isTTY }),
            stopTimeoutMs: 20_000,
          }),
        ),
      onLaunch: (p) => record(name, p as ManagedProcess),
    });
    running.push({ name, stop: () => child.stop() });
  };
  const aborted = (): void => {
    if (shuttingDown) throw new Error('shutting down');
  };

  await phase('processes', async () => {
    if (runSimulator) {
      await spawnChild('simulator');
      await waitFor(() => canConnect(settings.sim.eslPort), {
        timeoutMs: 60_000,
        abort: aborted,
        what: `the simulator's ESL port ${settings.sim.eslPort}`,
      });
    }
    // Two or more workers by default (ORI_WORKERS): the survivors journal a dead one's calls. Each serves its
    // own /metrics: the next port up (or any free one when the port is 0).
    for (let i = 0; i < settings.workers; i++) {
      const metricsPort = settings.workerMetricsPort === 0 ? 0 : settings.workerMetricsPort + i;
      await spawnChild('worker', i === 0 ? 'worker' : `worker-${i + 1}`, {
        ...childEnv,
        ORI_WORKER_METRICS_PORT: String(metricsPort),
      });
    }
    await spawnChild('api');
    await waitFor(async () => (await httpStatus(`${apiUrl}/health`)) === 200, {
      timeoutMs: 180_000,
      intervalMs: 250,
      abort: aborted,
      what: `${apiUrl}/health to answer 200`,
    });
  });

  const lines = [
    `Ori dialler is ready in ${seconds(Date.now() - started)} s`,
    '',
    `  Web UI and API    ${apiUrl}`,
    `  API key           ${operatorKey}`,
    `                    (header  Authorization: Bearer <key>)`,
    `  Temporal          ${temporalAddress}, namespace ${settings.temporalNamespace}`,
  ];
  lines.push(
    `  Temporal UI       ${temporalUi ?? 'none known (set TEMPORAL_UI_URL to link workflows to it)'}`,
  );
  if (runSimulator) {
    lines.push(
      `  Switch simulator  ESL 127.0.0.1:${settings.sim.eslPort} (password ${settings.esl.password})`,
      `                    control http://127.0.0.1:${settings.sim.controlPort}`,
    );
  } else {
    lines.push(`  FreeSWITCH        ${settings.esl.host}:${settings.esl.port}`);
  }
  lines.push(
    `  Postgres          ${pg.kind === 'external' ? 'DATABASE_URL' : `${pg.kind}, 127.0.0.1:${pg.port}`}`,
    `  Data dir          ${dataDir}`,
    '',
    'Ctrl-C stops everything.',
  );
  const rule = '='.repeat(78);
  console.log(`\n${rule}\n${lines.map((l) => (l ? ` ${l}` : '')).join('\n')}\n${rule}\n`);
  log(`ready in ${seconds(Date.now() - started)} s`);
}

main().catch(async (err: unknown) => {
  if (shuttingDown) return; // a child died or a signal arrived: that path reports and exits
  console.error('[start] failed:', err instanceof Error ? err.message : err);
  await shutdown();
  process.exit(1);
});
