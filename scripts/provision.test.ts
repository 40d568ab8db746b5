import { execFileSync } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { canConnect, freePort, httpStatus, isPortFree } from './net';
import { ensurePostgres, type PostgresHandle } from './postgres';
import { spawnManaged } from './processes';
import { ensureTemporalBinaries, REPO_ROOT, startTemporalDevServer } from './temporal';

const scratch = path.join(REPO_ROOT, '.data', `provision-test-${process.pid}`);
const quiet = (): void => undefined;

/** Command lines of running processes that mention `needle`. */
function processesMentioning(needle: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes('ps -eo'))
    .map((l) => l.trim());
}

async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** Where ensurePostgres keeps the cluster of `dataDir`: its own folder unless it recorded a relocation. */
async function expectedClusterDir(dataDir: string): Promise<string> {
  const recorded = await fs.readFile(path.join(dataDir, 'postgres.location'), 'utf8').catch(() => '');
  return recorded.trim() || path.join(dataDir, 'postgres');
}

afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('ensurePostgres', () => {
  const dataDir = path.join(scratch, 'pg');

  it('initialises and starts a cluster on a fresh data dir, and stop() leaves nothing running', async () => {
    const t = Date.now();
    const pg = await ensurePostgres({ dataDir, databaseUrl: null, prefer: 'cluster', log: quiet });
    const firstMs = Date.now() - t;
    try {
      expect(pg.kind).toBe('cluster');
      expect(pg.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/ori$/);
      // `<dataDir>/postgres`, or a relocated folder named in `<dataDir>/postgres.location` when the postgres
      // OS user cannot enter the checkout (a clone under a root-only directory).
      expect(pg.dir).toBe(await expectedClusterDir(dataDir));
      const [row] = await query<{ db: string }>(pg.url, 'select current_database() as db');
      expect(row?.db).toBe('ori');
      await query(pg.url, 'create table kept (v text); insert into kept values ($$still here$$)');
      // Listens on 127.0.0.1 only; a unix socket inside the cluster dir.
      const [listen] = await query<{ v: string }>(pg.url, "select current_setting('listen_addresses') as v");
      expect(listen?.v).toBe('127.0.0.1');
      await fs.access(path.join(pg.dir!, 'run', `.s.PGSQL.${pg.port}`));
      console.log(`[timing] first ensurePostgres (initdb + start): ${firstMs} ms`);
    } finally {
      await pg.stop();
    }
    expect(processesMentioning(path.join(await expectedClusterDir(dataDir), 'data'))).toEqual([]);
    expect(await canConnect(pg.port!)).toBe(false);
  });

  it('restarts the same cluster quickly and keeps its data', async () => {
    const versionFile = path.join(await expectedClusterDir(dataDir), 'data', 'PG_VERSION');
    const inode = statSync(versionFile).ino;
    const pg = await ensurePostgres({ dataDir, databaseUrl: null, prefer: 'cluster', log: quiet });
    try {
      expect(statSync(versionFile).ino).toBe(inode); // no second initdb
      expect(await query(pg.url, 'select v from kept')).toEqual([{ v: 'still here' }]);
    } finally {
      await pg.stop();
      await pg.stop(); // idempotent
    }
    expect(processesMentioning(path.join(await expectedClusterDir(dataDir), 'data'))).toEqual([]);
  });

  it('stops a server an earlier (killed) run left behind before starting', async () => {
    const first = await ensurePostgres({ dataDir, databaseUrl: null, log: quiet });
    // Simulate a crash: forget the handle without stopping; the next call must take the cluster over.
    const second = await ensurePostgres({ dataDir, databaseUrl: null, log: quiet });
    try {
      expect(await query(second.url, 'select v from kept')).toEqual([{ v: 'still here' }]);
    } finally {
      await second.stop();
      await first.stop();
    }
    expect(processesMentioning(path.join(await expectedClusterDir(dataDir), 'data'))).toEqual([]);
  });

  it.runIf(process.getuid?.() === 0)(
    'relocates the cluster when the postgres user cannot reach the data dir',
    async () => {
      const privateDir = path.join(scratch, 'private');
      await fs.mkdir(privateDir, { recursive: true });
      await fs.chmod(privateDir, 0o700);
      const pg = await ensurePostgres({
        dataDir: path.join(privateDir, 'data'),
        databaseUrl: null,
        temporary: true,
        log: quiet,
      });
      let dir: string | undefined;
      try {
        dir = pg.dir;
        expect(pg.kind).toBe('cluster');
        expect(dir?.startsWith('/var/tmp/ori-postgres/')).toBe(true);
        expect(await query(pg.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      } finally {
        await pg.stop();
      }
      await expect(fs.access(dir!)).rejects.toThrow(); // temporary: removed by stop()
      expect(processesMentioning(dir!)).toEqual([]);
    },
  );

  it('falls back to PGlite served over a socket', async () => {
    let pg: PostgresHandle | undefined;
    try {
      pg = await ensurePostgres({
        dataDir,
        databaseUrl: null,
        prefer: 'pglite',
        temporary: true,
        log: quiet,
      });
      expect(pg.kind).toBe('pglite');
      expect(await query(pg.url, 'select 41 + 1 as answer')).toEqual([{ answer: 42 }]);
    } finally {
      await pg?.stop();
    }
    expect(await canConnect(pg.port!)).toBe(false);
  });

  it('uses DATABASE_URL as is when given', async () => {
    const inner = await ensurePostgres({ dataDir, databaseUrl: null, log: quiet });
    try {
      const outer = await ensurePostgres({ dataDir: '/nonexistent', databaseUrl: inner.url });
      expect(outer.kind).toBe('external');
      expect(outer.url).toBe(inner.url);
      await outer.stop(); // stops nothing
      expect(await query(inner.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await inner.stop();
    }
  });
});

describe('ensureTemporalBinaries', () => {
  it('is idempotent and fast once installed', async () => {
    const first = await ensureTemporalBinaries({ log: quiet });
    const installed = (): number => statSync(first.cli!).mtimeMs;
    const before = installed();
    const second = await ensureTemporalBinaries({ log: quiet });
    expect(second).toEqual(first);
    expect(installed()).toBe(before); // found, not installed again
    expect(first.cli).toBeDefined();
    expect(first.testServer).toBeDefined();
    const version = execFileSync(first.cli!, ['--version'], { encoding: 'utf8' });
    if (!process.env.TEMPORAL_CLI_PATH) expect(version).toContain('1.9.1');
  });
});

describe('startTemporalDevServer', () => {
  it('starts on free ports with persisted state, raises retention, and stops without orphans', async () => {
    const { cli } = await ensureTemporalBinaries({ log: quiet });
    const [port, uiPort] = [await freePort(), await freePort()];
    const dataDir = path.join(scratch, 'temporal');
    const t = Date.now();
    const server = await startTemporalDevServer({
      cli,
      dataDir,
      port,
      uiPort,
      namespace: 'ori-test',
      prefix: false,
      log: quiet,
    });
    console.log(`[timing] dev server ready in ${Date.now() - t} ms`);
    const pid = server.process?.pid;
    try {
      expect(server.address).toBe(`127.0.0.1:${port}`);
      const connection = await Connection.connect({ address: server.address });
      try {
        const ns = await connection.workflowService.describeNamespace({ namespace: 'ori-test' });
        expect(Number(ns.config?.workflowExecutionRetentionTtl?.seconds)).toBe(30 * 24 * 3600);
      } finally {
        await connection.close();
      }
      expect(await httpStatus(server.uiUrl!)).toBe(200);
      await fs.access(path.join(dataDir, 'temporal', 'temporal.db'));
      // A second server on the same port is refused with a clear message, not a hang.
      await expect(
        startTemporalDevServer({ cli, dataDir: null, port, namespace: 'x', prefix: false, log: quiet }),
      ).rejects.toThrow(/already in use/);
    } finally {
      await server.stop();
    }
    expect(processesMentioning(path.join(dataDir, 'temporal', 'temporal.db'))).toEqual([]);
    expect(() => process.kill(pid!, 0)).toThrow();
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(uiPort)).toBe(true);
  });
});

describe('startTemporalDevServer, when the dev server dies as it starts', () => {
  /** A stand-in for the CLI that panics as a port race makes the dev server panic, `fails` times, then is it. */
  async function panickingCli(fails: number): Promise<{ cli: string; launches: () => Promise<number> }> {
    const { cli } = await ensureTemporalBinaries({ log: quiet });
    const dir = path.join(scratch, `panicking-${fails}`);
    await fs.mkdir(dir, { recursive: true });
    const count = path.join(dir, 'launches');
    const wrapper = path.join(dir, 'temporal');
    await fs.writeFile(
      wrapper,
      [
        '#!/bin/bash',
        `n=$(( $(cat '${count}' 2>/dev/null || echo 0) + 1 )); echo $n > '${count}'`,
        `if [ $n -le ${fails} ]; then`,
        // The panic's own line first, then a stack trace longer than the kept tail, as Go prints them.
        '  echo "panic: listen tcp 127.0.0.1:37001: bind: address already in use" >&2',
        '  for i in $(seq 120); do echo "	go.temporal.io/server/frame$i()" >&2; done',
        '  exit 2',
        'fi',
        `exec '${cli}' "$@"`,
      ].join('\n'),
      { mode: 0o755 },
    );
    return { cli: wrapper, launches: async () => Number(await fs.readFile(count, 'utf8')) };
  }

  it('launches it again, saying why, and it serves', async () => {
    const { cli, launches } = await panickingCli(1);
    const lines: string[] = [];
    const server = await startTemporalDevServer({
      cli,
      dataDir: null,
      port: await freePort(),
      namespace: 'ori-test',
      prefix: false,
      log: (l) => void lines.push(l),
    });
    try {
      expect(await launches()).toBe(2);
      expect(lines).toContain(
        'the Temporal dev server exited (code 2, signal null) before it was ready ' +
          '(panic: listen tcp 127.0.0.1:37001: bind: address already in use): starting it again (launch 2 of 3)',
      );
      expect(await canConnect(Number(server.address.split(':')[1]))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('gives up after three launches with the panic itself in the error', async () => {
    const { cli, launches } = await panickingCli(99);
    await expect(
      startTemporalDevServer({
        cli,
        dataDir: null,
        port: await freePort(),
        namespace: 'x',
        prefix: false,
        log: quiet,
      }),
    ).rejects.toThrow(/exited \(code 2, signal null\) before it was ready:\npanic: listen tcp/);
    expect(await launches()).toBe(3);
  });
});

describe('spawnManaged', () => {
  it('stops the whole process group, grandchildren included', async () => {
    const marker = `ori-grandchild-${process.pid}-${Date.now()}`;
    // The shell ignores SIGTERM; its grandchild is a separate sleep. Both must go.
    const p = spawnManaged(
      'group',
      '/bin/bash',
      ['-c', `trap '' TERM; (exec -a ${marker} sleep 300) & wait`],
      {
        prefix: false,
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    const grandchild = (): string[] =>
      processesMentioning(marker).filter((l) => / \S*ori-grandchild-\S* 300$/.test(l));
    expect(grandchild().length).toBe(1);
    const info = await p.stop(1_000);
    expect(info.signal === 'SIGKILL' || info.code !== null).toBe(true);
    expect(processesMentioning(marker)).toEqual([]);
    expect(grandchild()).toEqual([]);
  });
});
