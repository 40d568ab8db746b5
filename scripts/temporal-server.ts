/**
 * A self-hosted Temporal server (the same v1.32.0 the pinned CLI embeds) on Postgres, for trying the dialler
 * on real persistence and several history shards on one machine:
 *
 *   npm run temporal:server        # build once (Go), schema, config, start; Ctrl-C stops it
 *   ORI_TEMPORAL=server npm start  # the whole dialler on it instead of the embedded dev server
 *
 * The server and its SQL tool are built from the Go module proxy with the installed Go into the git-ignored
 * `.tools/temporal-server/` (about 11 minutes and 2.6 GB of memory on a loaded 2-core machine; skipped when
 * the binaries exist). No Temporal source is kept in the repository: the schema files come from Go's module
 * cache, where the build put them.
 */
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { createDatabaseIfMissing, ensurePostgres } from './postgres';
import { canConnect, isPortFree, waitFor } from './net';
import { installShutdownHandlers, run, spawnManaged, type ManagedProcess } from './processes';
import { REPO_ROOT, withLock, type DevServer, type Logger } from './temporal';
import { ensureNamespace } from '../worker/namespace';
import { ensureSearchAttributes } from '../worker/search-attributes';

export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.32.0';
/** History shards: fixed for the life of a database (changing it needs a new one). */
export const TEMPORAL_SERVER_SHARDS = 4;

const defaultLog: Logger = (m) => console.log(`[temporal-server] ${m}`);

export interface TemporalServerBinaries {
  server: string;
  sql: string;
  /** `<GOMODCACHE>/go.temporal.io/server@<version>/schema/postgresql/v12`. */
  schemaDir: string;
}

async function goEnv(name: string): Promise<string> {
  const res = await run('go', ['env', name], { timeoutMs: 60_000 }).catch((err: unknown) => {
    throw new Error(
      `the Go toolchain is needed to build the Temporal server (go: ${err instanceof Error ? err.message : String(err)}); install Go, or use TEMPORAL_ADDRESS with a cluster of your own`,
    );
  });
  if (res.code !== 0) throw new Error(`go env ${name} failed: ${res.stderr.trim()}`);
  return res.stdout.trim();
}

/**
 * The server and SQL tool binaries in `<toolsDir>` (default `.tools/temporal-server/`), built with
 * `go install` when missing; the build time is logged. The schema directory comes from the module cache
 * (downloaded again with `go mod download` if it was cleaned).
 */
export async function ensureTemporalServerBinaries(
  options: { toolsDir?: string; log?: Logger } = {},
): Promise<TemporalServerBinaries> {
  const log = options.log ?? defaultLog;
  const toolsDir = path.resolve(options.toolsDir ?? path.join(REPO_ROOT, '.tools', 'temporal-server'));
  const server = path.join(toolsDir, 'server');
  const sql = path.join(toolsDir, 'sql');
  const modCache = await goEnv('GOMODCACHE');
  const moduleDir = path.join(modCache, `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`);
  await fs.mkdir(path.dirname(toolsDir), { recursive: true });
  await withLock(`${toolsDir}.lock`, async () => {
    for (const [name, pkg] of [
      ['sql', 'cmd/tools/sql'],
      ['server', 'cmd/server'],
    ] as const) {
      const binary = path.join(toolsDir, name);
      if (existsSync(binary)) continue;
      const started = Date.now();
      log(
        `building ${TEMPORAL_SERVER_MODULE}/${pkg}@${TEMPORAL_SERVER_VERSION} into ${path.relative(REPO_ROOT, toolsDir)}/ ` +
          '(the server takes 10+ minutes and ~2.6 GB of memory on 2 cores; once)',
      );
      const res = await run(
        'nice',
        ['-n', '10', 'go', 'install', `${TEMPORAL_SERVER_MODULE}/${pkg}@${TEMPORAL_SERVER_VERSION}`],
        { env: { ...process.env, GOBIN: toolsDir, GOFLAGS: '-buildvcs=false' }, timeoutMs: 60 * 60_000 },
      );
      if (res.code !== 0) {
        throw new Error(
          `go install ${pkg}@${TEMPORAL_SERVER_VERSION} failed:\n${res.stderr.trim().slice(-3000)}`,
        );
      }
      log(`built ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    if (!existsSync(moduleDir)) {
      const res = await run(
        'go',
        ['mod', 'download', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`],
        {
          cwd: toolsDir,
          timeoutMs: 10 * 60_000,
        },
      );
      if (res.code !== 0) throw new Error(`go mod download failed: ${res.stderr.trim()}`);
    }
  });
  return { server, sql, schemaDir: path.join(moduleDir, 'schema', 'postgresql', 'v12') };
}

export interface TemporalServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export interface TemporalServerConfigInput {
  ports: TemporalServerPorts;
  /** Postgres holding the `temporal` and `temporal_visibility` databases. */
  postgres: { host: string; port: number; user: string; password: string };
  shards: number;
  dynamicConfigFile: string;
  ip?: string;
}

/**
 * The server's config (modelled on the module's config/development-postgres12.yaml): Postgres persistence
 * through the pgx driver, `shards` history shards, every service on loopback ports of its own, no archival.
 */
export function temporalServerConfig(input: TemporalServerConfigInput): string {
  const ip = input.ip ?? '127.0.0.1';
  const { ports, postgres: pg } = input;
  const store = (database: string, maxConns: number): string[] => [
    `      sql:`,
    `        pluginName: postgres12_pgx`,
    `        databaseName: ${database}`,
    `        connectAddr: ${JSON.stringify(`${pg.host}:${pg.port}`)}`,
    `        connectProtocol: tcp`,
    `        user: ${JSON.stringify(pg.user)}`,
    `        password: ${JSON.stringify(pg.password)}`,
    `        maxConns: ${maxConns}`,
    `        maxIdleConns: ${maxConns}`,
    `        maxConnLifetime: 1h`,
  ];
  const service = (name: string, grpc: number, membership: number, http?: number): string[] => [
    `  ${name}:`,
    `    rpc:`,
    `      grpcPort: ${grpc}`,
    `      membershipPort: ${membership}`,
    `      bindOnIP: ${JSON.stringify(ip)}`,
    ...(http !== undefined ? [`      httpPort: ${http}`] : []),
  ];
  return [
    'log:',
    '  stdout: true',
    '  level: warn',
    'persistence:',
    '  defaultStore: postgres-default',
    '  visibilityStore: postgres-visibility',
    `  numHistoryShards: ${input.shards}`,
    '  datastores:',
    '    postgres-default:',
    ...store('temporal', 20),
    '    postgres-visibility:',
    ...store('temporal_visibility', 10),
    'global:',
    '  membership:',
    '    maxJoinDuration: 30s',
    `    broadcastAddress: ${JSON.stringify(ip)}`,
    'services:',
    ...service('frontend', ports.frontend, ports.frontendMembership, ports.frontendHttp),
    ...service('matching', ports.matching, ports.matchingMembership),
    ...service('history', ports.history, ports.historyMembership),
    ...service('worker', ports.worker, ports.workerMembership),
    'clusterMetadata:',
    '  enableGlobalNamespace: false',
    '  failoverVersionIncrement: 10',
    '  masterClusterName: active',
    '  currentClusterName: active',
    '  clusterInformation:',
    '    active:',
    '      enabled: true',
    '      initialFailoverVersion: 1',
    '      rpcName: frontend',
    `      rpcAddress: ${JSON.stringify(`${ip}:${ports.frontend}`)}`,
    'dcRedirectionPolicy:',
    '  policy: noop',
    'dynamicConfigClient:',
    `  filepath: ${JSON.stringify(input.dynamicConfigFile)}`,
    '  pollInterval: 10s',
    '',
  ].join('\n');
}

/** The same switches `npm start` gives the dev server: the campaign controls are Updates. */
export const TEMPORAL_SERVER_DYNAMIC_CONFIG = [
  'frontend.enableUpdateWorkflowExecution:',
  '  - value: true',
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted:',
  '  - value: true',
  // Search attributes registered at start are usable by the next start without a cache refresh delay.
  'system.forceSearchAttributesCacheRefreshOnRead:',
  '  - value: true',
  '',
].join('\n');

/**
 * Free loopback ports for every service; the frontend on `frontend` when given (npm start: TEMPORAL_PORT).
 * Chosen once, so a restarted server listens where the dialler already connects.
 */
export async function temporalServerPorts(frontend?: number): Promise<TemporalServerPorts> {
  // The server stores each member's ports in SMALLINT columns (cluster_membership): the kernel's ephemeral
  // ports (32768 and up) do not fit, so free ports are looked for below 32768, from a random start.
  const taken = new Set<number>();
  let candidate = 20_000 + Math.floor(Math.random() * 10_000);
  const next = async (): Promise<number> => {
    for (; candidate < 32_768; candidate++) {
      if (taken.has(candidate) || !(await isPortFree(candidate))) continue;
      taken.add(candidate);
      return candidate++;
    }
    throw new Error('no free loopback port below 32768 for the Temporal server');
  };
  if (frontend !== undefined) taken.add(frontend);
  return {
    frontend: frontend ?? (await next()),
    frontendHttp: await next(),
    frontendMembership: await next(),
    history: await next(),
    historyMembership: await next(),
    matching: await next(),
    matchingMembership: await next(),
    worker: await next(),
    workerMembership: await next(),
  };
}

/** `temporal-sql-tool setup-schema -v 0.0` + `update-schema`: idempotent (a newer schema is left as is). */
async function setupSchema(
  binaries: TemporalServerBinaries,
  pg: TemporalServerConfigInput['postgres'],
  log: Logger,
): Promise<void> {
  for (const [database, dir] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    const env = {
      ...process.env,
      SQL_PLUGIN: 'postgres12_pgx',
      SQL_HOST: pg.host,
      SQL_PORT: String(pg.port),
      SQL_USER: pg.user,
      SQL_PASSWORD: pg.password,
      SQL_DATABASE: database,
    };
    for (const args of [
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '-d', path.join(binaries.schemaDir, dir, 'versioned')],
    ]) {
      const res = await run(binaries.sql, ['--quiet', ...args], { env, timeoutMs: 5 * 60_000 });
      if (res.code !== 0) {
        throw new Error(
          `temporal-sql-tool ${args[0]} on ${database} failed:\n${(res.stderr || res.stdout).trim()}`,
        );
      }
    }
    log(`schema of ${database} is current`);
  }
}

/** The admin URL's server, user and password, as the server's config and the SQL tool take them. */
function postgresOf(adminUrl: string): TemporalServerConfigInput['postgres'] {
  const url = new URL(adminUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/** The `temporal` and `temporal_visibility` databases, created when missing, at the server's schema. */
export async function prepareTemporalDatabases(
  binaries: TemporalServerBinaries,
  adminUrl: string,
  log: Logger = defaultLog,
): Promise<void> {
  for (const db of ['temporal', 'temporal_visibility']) await createDatabaseIfMissing(adminUrl, db);
  await setupSchema(binaries, postgresOf(adminUrl), log);
}

export interface TemporalServerOptions {
  binaries: TemporalServerBinaries;
  /** A Postgres admin URL (the `postgres` database): temporal and temporal_visibility are created there. */
  adminUrl: string;
  /** Config and logs go to `<dataDir>/temporal-server/`. */
  dataDir: string;
  namespace?: string;
  shards?: number;
  /** Default: free ones (see temporalServerPorts). */
  ports?: TemporalServerPorts;
  prefix?: string | false;
  startTimeoutMs?: number;
  log?: Logger;
}

/**
 * Databases, schema, config, then the server on free loopback ports; resolves when the namespace (created
 * with 30 days' retention) has the dialler's search attributes. stop() ends the server.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<DevServer> {
  const log = options.log ?? defaultLog;
  const namespace = options.namespace ?? 'default';
  const pg = postgresOf(options.adminUrl);
  await prepareTemporalDatabases(options.binaries, options.adminUrl, log);

  const dir = path.join(path.resolve(options.dataDir), 'temporal-server');
  await fs.mkdir(dir, { recursive: true });
  const dynamicConfigFile = path.join(dir, 'dynamicconfig.yaml');
  await fs.writeFile(dynamicConfigFile, TEMPORAL_SERVER_DYNAMIC_CONFIG);
  const ports = options.ports ?? (await temporalServerPorts());
  const configFile = path.join(dir, 'config.yaml');
  await fs.writeFile(
    configFile,
    temporalServerConfig({
      ports,
      postgres: pg,
      shards: options.shards ?? TEMPORAL_SERVER_SHARDS,
      dynamicConfigFile,
    }),
  );
  const address = `127.0.0.1:${ports.frontend}`;
  const child: ManagedProcess = spawnManaged(
    'temporal-server',
    options.binaries.server,
    ['--config-file', configFile, '--allow-no-auth', 'start'],
    { prefix: options.prefix, muteOnStop: true, stopTimeoutMs: 15_000 },
  );
  const abort = (): void => {
    if (child.exitInfo) {
      throw new Error(
        `the Temporal server exited (code ${child.exitInfo.code}, signal ${child.exitInfo.signal}) before it was ready:\n${child.tail()}`,
      );
    }
  };
  let connection: Connection | undefined;
  try {
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    await waitFor(() => canConnect(ports.frontend), {
      timeoutMs,
      abort,
      what: `Temporal server at ${address}`,
    });
    await waitFor(
      async () => {
        connection ??= await Connection.connect({ address, connectTimeout: '5s' });
        await connection.workflowService.getSystemInfo({});
        return true;
      },
      { timeoutMs, abort, intervalMs: 250, what: `Temporal server at ${address} to answer` },
    );
    const { created } = await ensureNamespace(connection!, namespace);
    const { added } = await ensureSearchAttributes(connection!, namespace);
    log(
      `Temporal server ${TEMPORAL_SERVER_VERSION} on ${address} (Postgres ${pg.host}:${pg.port}, ` +
        `${options.shards ?? TEMPORAL_SERVER_SHARDS} history shards); namespace ${namespace}` +
        `${created ? ' created' : ''}${added.length ? `, search attributes ${added.join(', ')} registered` : ''}`,
    );
  } catch (err) {
    await child.stop(5_000);
    throw err;
  } finally {
    await connection?.close();
  }
  return {
    address,
    namespace,
    uiUrl: undefined,
    process: child,
    stop: async () => {
      await child.stop();
    },
  };
}

async function main(): Promise<void> {
  const log = defaultLog;
  const dataDir = path.resolve(process.env.ORI_DATA_DIR || '.data');
  const started = Date.now();
  const binaries = await ensureTemporalServerBinaries({ log });
  if (process.argv.includes('--build-only')) return;
  const pg = await ensurePostgres({ dataDir, databaseUrl: process.env.DATABASE_URL ?? null });
  if (pg.kind === 'pglite') {
    await pg.stop();
    throw new Error(
      'the Temporal server needs a real Postgres (PostgreSQL binaries or DATABASE_URL), not PGlite',
    );
  }
  const server = await startTemporalServer({
    binaries,
    adminUrl: pg.adminUrl,
    dataDir,
    namespace: process.env.TEMPORAL_NAMESPACE || 'default',
    log,
  }).catch(async (err: unknown) => {
    await pg.stop();
    throw err;
  });
  installShutdownHandlers({
    onSignal: async () => {
      await server.stop();
      await pg.stop();
    },
  });
  log(
    `ready in ${((Date.now() - started) / 1000).toFixed(1)} s: TEMPORAL_ADDRESS=${server.address} ` +
      '(Ctrl-C stops it; ORI_TEMPORAL=server npm start runs the dialler on its own one)',
  );
  await server.process?.exited;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
