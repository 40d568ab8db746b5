/**
 * The embedded Postgres: DATABASE_URL when given; else a project-local cluster (Debian's / the system's
 * PostgreSQL binaries, apt-installed when missing and we are root); else PGlite served over a socket, so
 * every caller uses the same `pg` driver path either way.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, isPortFree, waitFor } from './net';
import { onExitSync, run, spawnManaged } from './processes';

export type Logger = (message: string) => void;
const defaultLog: Logger = (m) => console.log(`[postgres] ${m}`);

export type PostgresKind = 'external' | 'cluster' | 'pglite';

export interface PostgresHandle {
  kind: PostgresKind;
  /** Connection string of the application database. */
  url: string;
  /** Connection string for administrative work (CREATE DATABASE ...): the `postgres` database. */
  adminUrl: string;
  /** Where the cluster (or PGlite) keeps its files; undefined for external. */
  dir: string | undefined;
  port: number | undefined;
  /** Stops what this call started (nothing for external). Idempotent. */
  stop(): Promise<void>;
  /**
   * Local cluster only: stop the server (`pg_ctl -m <mode>`; `immediate` is a crash as far as clients and
   * recovery can tell), stay down `downMs`, start it again on the same port and data directory.
   */
  restart?: (options?: { mode?: 'immediate' | 'fast'; downMs?: number }) => Promise<void>;
  /** Local cluster only: whether its server is running (`pg_ctl status`). */
  isRunning?: () => Promise<boolean>;
  /** PGlite only: a dump of its data directory (loadable with `PGlite.create({ loadDataDir })`). */
  dump?: () => Promise<Uint8Array>;
}

export interface EnsurePostgresOptions {
  /** The state directory (ORI_DATA_DIR); the cluster goes to `<dataDir>/postgres`. */
  dataDir: string;
  /** Port for a local cluster / PGlite. Default: the port used last time if free, else a free one. */
  port?: number;
  /** Application database created when missing. Default `ori`. */
  name?: string;
  /** External server; undefined reads DATABASE_URL, null ignores it. */
  databaseUrl?: string | null;
  /** Force an engine: 'pglite' skips the cluster (also ORI_EMBEDDED_DB=pglite). */
  prefer?: 'cluster' | 'pglite';
  /** Test cluster: no fsync, removed entirely by stop(). */
  temporary?: boolean;
  /**
   * Keep commits durable even when temporary: a test that restarts the server with `-m immediate` must
   * not lose what was committed before (without it the last fraction of a second of commits is gone).
   */
  durable?: boolean;
  /** apt-get install postgresql-15 when no binaries are found and we are root. Default true. */
  allowInstall?: boolean;
  log?: Logger;
}

// ---------------------------------------------------------------------------------------------------------
// Binaries

const REQUIRED = ['initdb', 'pg_ctl', 'postgres'];

function hasBinaries(dir: string): boolean {
  return REQUIRED.every((b) => existsSync(path.join(dir, b)));
}

function majorOf(dir: string): number {
  const m = /postgresql[/@-]?(\d+)|pgsql-(\d+)/.exec(dir);
  return Number(m?.[1] ?? m?.[2] ?? 0);
}

function listDirs(parent: string, filter: (name: string) => boolean): string[] {
  try {
    return readdirSync(parent)
      .filter(filter)
      .map((n) => path.join(parent, n));
  } catch {
    return [];
  }
}

/** Directories holding initdb/pg_ctl/postgres, best first (newest major; `wantMajor` first when given). */
export function findPostgresBinDirs(wantMajor?: number): string[] {
  const candidates: string[] = [];
  if (process.env.ORI_PG_BINDIR) candidates.push(process.env.ORI_PG_BINDIR);
  const versioned = [
    ...listDirs('/usr/lib/postgresql', (n) => /^\d+$/.test(n)).map((d) => path.join(d, 'bin')),
    ...listDirs('/usr', (n) => /^pgsql-\d+$/.test(n)).map((d) => path.join(d, 'bin')),
    ...listDirs('/opt/homebrew/opt', (n) => /^postgresql@\d+$/.test(n)).map((d) => path.join(d, 'bin')),
    ...listDirs('/usr/local/opt', (n) => /^postgresql@\d+$/.test(n)).map((d) => path.join(d, 'bin')),
  ].sort((a, b) => majorOf(b) - majorOf(a));
  candidates.push(...versioned, '/usr/local/pgsql/bin');
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(dir);
  const found = [...new Set(candidates.map((d) => path.resolve(d)))].filter(hasBinaries);
  if (wantMajor) found.sort((a, b) => Number(pgMajor(b) === wantMajor) - Number(pgMajor(a) === wantMajor));
  return found;
}

const majorCache = new Map<string, number>();
/** Major version of the binaries in `dir` (from `postgres --version`). */
function pgMajor(dir: string): number {
  let v = majorCache.get(dir);
  if (v === undefined) {
    const res = spawnSync(path.join(dir, 'postgres'), ['--version'], { encoding: 'utf8' });
    v = Number(/(\d+)(\.\d+)?/.exec(res.stdout ?? '')?.[1] ?? 0);
    majorCache.set(dir, v);
  }
  return v;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function commandExists(cmd: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir !== '' && existsSync(path.join(dir, cmd)));
}

let installAttempted: Promise<string | undefined> | undefined;

/** apt-get install postgresql-15 (then `postgresql`), without starting the distribution's own cluster. */
async function aptInstallPostgres(log: Logger): Promise<string | undefined> {
  log('PostgreSQL binaries not found: installing postgresql-15 with apt-get (we are root; takes ~30-60 s)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // A policy-rc.d that answers 101 stops the package's postinst from starting its own `main` cluster.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) await fs.writeFile(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 }).catch(() => undefined);
  const apt = async (args: string[]): Promise<boolean> => {
    const p = spawnManaged('apt', 'apt-get', args, { env, prefix: '[apt] ' });
    const info = await p.exited;
    return info.code === 0;
  };
  try {
    if (!(await apt(['update', '-qq']))) log('apt-get update failed; trying the install anyway');
    const options = [
      'install',
      '-y',
      '-qq',
      '--no-install-recommends',
      '-o',
      'Dpkg::Options::=--force-confold',
    ];
    if (!(await apt([...options, 'postgresql-15'])) && !(await apt([...options, 'postgresql']))) {
      log('apt-get could not install PostgreSQL');
      return undefined;
    }
  } finally {
    if (ownPolicy) await fs.rm(policy, { force: true });
  }
  return findPostgresBinDirs(15)[0];
}

/**
 * The directory of usable PostgreSQL binaries, apt-installing postgresql-15 when none are found, we are
 * root and apt-get exists. Undefined: no server binaries (callers fall back to PGlite).
 */
export async function ensurePostgresBinaries(
  options: { allowInstall?: boolean; log?: Logger; wantMajor?: number } = {},
): Promise<string | undefined> {
  const found = findPostgresBinDirs(options.wantMajor)[0];
  if (found) return found;
  if (options.allowInstall === false || !isRoot() || !commandExists('apt-get')) return undefined;
  installAttempted ??= aptInstallPostgres(options.log ?? defaultLog);
  return installAttempted;
}

// ---------------------------------------------------------------------------------------------------------
// The OS user that runs the server

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/** As root, Postgres must run as an unprivileged user: `postgres` from /etc/passwd. Undefined: run as us. */
function serverUser(): RunAs | undefined | 'missing' {
  if (!isRoot()) return undefined;
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid, gid] = line.split(':');
      if (name === 'postgres') return { name, uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // No /etc/passwd: not a system we can manage.
  }
  return 'missing';
}

/** Whether `user` (primary group only: spawning with a uid drops supplementary groups) can enter `dir`. */
async function traversable(dir: string, user: RunAs): Promise<boolean> {
  let current = path.resolve(dir);
  for (;;) {
    const st = await fs.stat(current);
    const mode = st.mode;
    const ok =
      st.uid === user.uid
        ? (mode & 0o100) !== 0
        : st.gid === user.gid
          ? (mode & 0o010) !== 0
          : (mode & 0o001) !== 0;
    if (!ok) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

async function chownTree(dir: string, user: RunAs): Promise<void> {
  const st = await fs.stat(dir);
  if (st.uid === user.uid && st.gid === user.gid) return;
  const res = await run('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
  if (res.code !== 0) throw new Error(`chown -R ${user.name} ${dir} failed: ${res.stderr.trim()}`);
}

// ---------------------------------------------------------------------------------------------------------
// The cluster

/**
 * `<dataDir>/postgres`, or, when the postgres user cannot reach it (a repository under /root), a stable
 * per-dataDir folder under /var/tmp/ori-postgres recorded in `<dataDir>/postgres.location`.
 */
async function clusterDir(dataDir: string, user: RunAs | undefined, log: Logger): Promise<string> {
  const preferred = path.join(dataDir, 'postgres');
  const pointer = path.join(dataDir, 'postgres.location');
  const recorded = (await fs.readFile(pointer, 'utf8').catch(() => '')).trim();
  if (recorded && existsSync(recorded)) return recorded;
  if (!user || (await traversable(dataDir, user))) return preferred;
  const base = '/var/tmp/ori-postgres';
  await fs.mkdir(base, { recursive: true, mode: 0o755 });
  await fs.chmod(base, 0o755);
  const relocated = path.join(base, createHash('sha256').update(preferred).digest('hex').slice(0, 16));
  await fs.writeFile(pointer, `${relocated}\n`);
  if (!(await traversable(base, user))) throw new Error(`${base} is not reachable by the ${user.name} user`);
  log(`${dataDir} is not reachable by the ${user.name} OS user: the cluster lives in ${relocated}`);
  return relocated;
}

const PG_HBA = `# ori-dialler: trust, and only from this machine
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
`;

const CONF_MARK = '# --- ori-dialler ---';
const CONF = `
${CONF_MARK}
listen_addresses = '127.0.0.1'
max_connections = 300
shared_buffers = 128MB
dynamic_shared_memory_type = posix
log_min_messages = warning
log_line_prefix = '%m [%p] '
`;

async function readTail(file: string, lines = 30): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function connectWithRetry(url: string, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const c = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
      try {
        await c.connect();
        await c.query('select 1');
        return true;
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    { timeoutMs, intervalMs: 100, what: `Postgres at ${url}` },
  );
}

/** CREATE DATABASE `name` when it does not exist (connected through `adminUrl`). */
export async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const found = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await c.query(`create database "${name.replace(/"/g, '""')}"`);
      } catch (err) {
        // Another process created it between the check and the create.
        if ((err as { code?: string }).code !== '42P04') throw err;
      }
    }
  } finally {
    await c.end();
  }
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function startCluster(
  binDir: string,
  user: RunAs | undefined,
  options: EnsurePostgresOptions,
  log: Logger,
): Promise<PostgresHandle> {
  const dataDir = path.resolve(options.dataDir);
  await fs.mkdir(dataDir, { recursive: true });
  const dir = await clusterDir(dataDir, user, log);
  const data = path.join(dir, 'data');
  const runDir = path.join(dir, 'run');
  const logFile = path.join(dir, 'server.log');
  const portFile = path.join(dir, 'port');
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C', PGTZ: 'UTC', TZ: 'UTC' };
  const bin = (name: string): string => path.join(binDir, name);

  await fs.mkdir(runDir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  if (user) await chownTree(dir, user);

  // initdb once; a data directory without PG_VERSION is a failed earlier initdb: start over.
  const versionFile = path.join(data, 'PG_VERSION');
  if (!existsSync(versionFile)) {
    await fs.rm(data, { recursive: true, force: true });
    const started = Date.now();
    const args = ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'];
    if (options.temporary) args.push('--no-sync');
    const res = await run(bin('initdb'), args, { ...as, env, cwd: dir });
    if (res.code !== 0) throw new Error(`initdb failed (exit ${res.code}):\n${res.stderr || res.stdout}`);
    await fs.writeFile(path.join(data, 'pg_hba.conf'), PG_HBA);
    await fs.appendFile(path.join(data, 'postgresql.conf'), CONF);
    if (user) await chownTree(data, user);
    log(`initialised a cluster in ${data} (${Date.now() - started} ms)`);
  } else {
    const major = Number((await fs.readFile(versionFile, 'utf8')).trim());
    if (major !== pgMajor(binDir)) {
      const match = findPostgresBinDirs(major).find((d) => pgMajor(d) === major);
      if (!match) {
        throw new Error(
          `${data} was created by PostgreSQL ${major} but only PostgreSQL ${pgMajor(binDir)} is installed. ` +
            `Remove ${dir} (its data is lost) or install postgresql-${major}.`,
        );
      }
      binDir = match;
    }
  }

  // A server still running on this data directory is a leftover of a run that was killed: stop it.
  const status = await run(bin('pg_ctl'), ['status', '-D', data], { ...as, env });
  if (status.code === 0) {
    log(`stopping a server left running on ${data} by an earlier run`);
    await run(bin('pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30'], { ...as, env });
  }

  let port = options.port;
  if (port === undefined) {
    const previous = Number(await fs.readFile(portFile, 'utf8').catch(() => ''));
    port = previous > 0 && (await isPortFree(previous)) ? previous : await freePort();
  } else if (!(await isPortFree(port))) {
    throw new Error(`Postgres port 127.0.0.1:${port} is already in use`);
  }
  await fs.writeFile(portFile, `${port}\n`);

  // Unix sockets live in the cluster's run/ dir unless the path is too long for sun_path (107 bytes).
  const socketOk = Buffer.byteLength(path.join(runDir, `.s.PGSQL.${port}.lock`)) < 100;
  const serverOpts = [`-p ${port}`, `-k '${socketOk ? runDir : ''}'`];
  if (options.temporary && !options.durable)
    serverOpts.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
  const started = Date.now();
  const startServer = async (): Promise<void> => {
    const res = await run(
      bin('pg_ctl'),
      ['start', '-D', data, '-l', logFile, '-w', '-t', '60', '-s', '-o', serverOpts.join(' ')],
      { ...as, env, cwd: dir },
    );
    if (res.code !== 0) {
      throw new Error(
        `pg_ctl start failed (exit ${res.code}): ${res.stderr.trim()}\n--- ${logFile} ---\n${await readTail(logFile)}`,
      );
    }
  };
  await startServer();
  const isRunning = async (): Promise<boolean> =>
    (await run(bin('pg_ctl'), ['status', '-D', data], { ...as, env })).code === 0;
  const restart = async (opts: { mode?: 'immediate' | 'fast'; downMs?: number } = {}): Promise<void> => {
    if (await isRunning()) {
      const mode = opts.mode ?? 'fast';
      await run(bin('pg_ctl'), ['stop', '-D', data, '-m', mode, '-w', '-t', '60', '-s'], { ...as, env });
    }
    if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
    await startServer();
  };

  const stopSync = (): void => {
    spawnSync(bin('pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-W'], { ...as, env, stdio: 'ignore' });
  };
  const unregister = onExitSync(stopSync);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      unregister();
      const r = await run(bin('pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60', '-s'], {
        ...as,
        env,
      });
      if (r.code !== 0 && (await run(bin('pg_ctl'), ['status', '-D', data], { ...as, env })).code === 0) {
        await run(bin('pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30', '-s'], {
          ...as,
          env,
        });
      }
      if (options.temporary) await fs.rm(dir, { recursive: true, force: true });
    })());

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const name = options.name ?? 'ori';
  try {
    await connectWithRetry(adminUrl, 30_000);
    await createDatabaseIfMissing(adminUrl, name);
  } catch (err) {
    await stop();
    throw err;
  }
  log(`PostgreSQL ${pgMajor(binDir)} on 127.0.0.1:${port} ready in ${Date.now() - started} ms (${dir})`);
  return {
    kind: 'cluster',
    url: withDatabase(adminUrl, name),
    adminUrl,
    dir,
    port,
    stop,
    restart,
    isRunning,
  };
}

/**
 * Stop a cluster that a killed earlier run left running on `<dataDir>/postgres` (no-op when none); with
 * `removeRelocated`, also delete a cluster that lives outside dataDir (postgres.location). Used to clean up
 * stale test directories.
 */
export async function stopLeftoverCluster(dataDir: string, removeRelocated = false): Promise<void> {
  const pointer = (await fs.readFile(path.join(dataDir, 'postgres.location'), 'utf8').catch(() => '')).trim();
  const data = path.join(pointer || path.join(dataDir, 'postgres'), 'data');
  const binDir = findPostgresBinDirs()[0];
  const user = serverUser();
  if (existsSync(path.join(data, 'postmaster.pid')) && binDir && user !== 'missing') {
    const as = user ? { uid: user.uid, gid: user.gid } : {};
    await run(
      path.join(binDir, 'pg_ctl'),
      ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30', '-s'],
      as,
    );
  }
  if (pointer && removeRelocated) await fs.rm(pointer, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// PGlite

async function startPglite(options: EnsurePostgresOptions, log: Logger): Promise<PostgresHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const dir = options.temporary ? undefined : path.join(path.resolve(options.dataDir), 'pglite');
  if (dir) await fs.mkdir(dir, { recursive: true });
  const db = dir ? await PGlite.create(dir) : await PGlite.create();
  const port = options.port ?? (await freePort());
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 200 });
  await server.start();
  log(
    `using embedded PGlite on 127.0.0.1:${port}${dir ? ` (${dir})` : ' (in memory)'}: one session at a time, ` +
      'so fine for trying the product, not for load. Install PostgreSQL or set DATABASE_URL for real use.',
  );
  let stopping: Promise<void> | undefined;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    kind: 'pglite',
    url, // PGlite has a single database whatever name the client asks for
    adminUrl: url,
    dir,
    port,
    stop: () =>
      (stopping ??= (async () => {
        await server.stop();
        await db.close();
      })()),
    dump: async () => new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer()),
  };
}

// ---------------------------------------------------------------------------------------------------------

/**
 * A Postgres for the application: DATABASE_URL when set; else a local cluster under `<dataDir>/postgres`
 * (initdb once, trust auth on 127.0.0.1 only, run as the `postgres` OS user when we are root); else PGlite.
 * stop() stops only what this call started.
 */
export async function ensurePostgres(options: EnsurePostgresOptions): Promise<PostgresHandle> {
  const log = options.log ?? defaultLog;
  const external =
    options.databaseUrl === null ? undefined : (options.databaseUrl ?? process.env.DATABASE_URL);
  if (external) {
    await connectWithRetry(external, 60_000);
    return {
      kind: 'external',
      url: external,
      adminUrl: external,
      dir: undefined,
      port: undefined,
      stop: () => Promise.resolve(),
    };
  }
  const prefer = options.prefer ?? (process.env.ORI_EMBEDDED_DB === 'pglite' ? 'pglite' : 'cluster');
  if (prefer === 'pglite') return startPglite(options, log);

  const binDir = await ensurePostgresBinaries({ allowInstall: options.allowInstall, log });
  if (!binDir) {
    log('no PostgreSQL server binaries on this machine (and no way to install them)');
    return startPglite(options, log);
  }
  const user = serverUser();
  if (user === 'missing') {
    log('running as root but there is no "postgres" OS user to run the server as');
    return startPglite(options, log);
  }
  return startCluster(binDir, user, options, log);
}
