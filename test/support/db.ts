/**
 * A fresh, migrated database per test file (or per test): a copy of the template the global setup migrated.
 *
 *   const t = await createTestDatabase();   // t.db is a Kysely<Database>, t.url a connection string
 *   ...
 *   await t.drop();
 *
 * or `const t = useTestDatabase()` inside a describe/file to create it in beforeAll and drop it in afterAll.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { Client } from 'pg';
import { createDb, type Db } from '../../db/connection';
import { freePort } from './ports';
import './context';

export interface TestDatabase {
  name: string;
  url: string;
  db: Db;
  /** Close the pool and drop the database. Idempotent. */
  drop(): Promise<void>;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Copies from one template are serialised inside this process; across processes a copy that finds the
// template busy ("source database is being accessed by other users", 55006) is retried.
let queue: Promise<unknown> = Promise.resolve();
function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => undefined);
  return next;
}

async function copyTemplate(adminUrl: string, template: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`create database "${name}" template "${template}"`);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt >= 50) throw err;
    } finally {
      await c.end();
    }
    await sleep(50 + Math.random() * 100 * Math.min(attempt, 10));
  }
}

async function createPgliteDatabase(templateTar: string, name: string): Promise<TestDatabase> {
  const { readFile } = await import('node:fs/promises');
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const pglite = await PGlite.create({ loadDataDir: new Blob([await readFile(templateTar)]) });
  const port = await freePort();
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port, maxConnections: 50 });
  await server.start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const db = createDb(url, { max: 5 });
  let dropped: Promise<void> | undefined;
  return {
    name,
    url,
    db,
    drop: () =>
      (dropped ??= (async () => {
        await db.destroy();
        await server.stop();
        await pglite.close();
      })()),
  };
}

let counter = 0;

/** A new database copied from the migrated template, with a Kysely pool on it. */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const kind = inject('databaseKind');
  const template = inject('templateDb');
  const name = `${inject('testDbPrefix')}${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  if (kind === 'pglite') return createPgliteDatabase(template, name);

  const adminUrl = inject('databaseAdminUrl');
  await serialised(() => copyTemplate(adminUrl, template, name));
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { max: options.poolSize ?? 5 });
  let dropped: Promise<void> | undefined;
  return {
    name,
    url,
    db,
    drop: () =>
      (dropped ??= (async () => {
        await db.destroy();
        const c = new Client({ connectionString: adminUrl });
        await c.connect();
        try {
          await c.query(`drop database if exists "${name}" with (force)`);
        } finally {
          await c.end();
        }
      })()),
  };
}

/** createTestDatabase() in beforeAll and drop() in afterAll; read `.db` / `.url` inside tests. */
export function useTestDatabase(options: { poolSize?: number } = {}): TestDatabase {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase(options);
  });
  afterAll(async () => {
    await current?.drop();
  });
  const get = (): TestDatabase => {
    if (!current) throw new Error('useTestDatabase(): the database exists only inside tests and hooks');
    return current;
  };
  return {
    get name() {
      return get().name;
    },
    get url() {
      return get().url;
    },
    get db() {
      return get().db;
    },
    drop: () => get().drop(),
  };
}
