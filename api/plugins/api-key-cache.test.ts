import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadSettings } from '../../config/settings';
import { createApiKey, revokeApiKeys, type ApiKeyRow } from '../../db/repositories/api-keys.repository';
import { createDb, type Db } from '../../db/connection';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { buildApp } from '../app';
import { RecordingEngine } from '../testing/recording-engine';
import { ApiKeyCache } from './api-key-cache';

const row = (name: string): ApiKeyRow => ({
  id: name,
  name,
  prefix: 'ori_x',
  created_at: new Date(),
  last_used_at: new Date(),
  revoked_at: null,
});

describe('ApiKeyCache', () => {
  it('serves nothing until revocations are heard, and drops everything when they no longer are', () => {
    const cache = new ApiKeyCache(60_000, () => 0);
    cache.put('h', row('a'), cache.ticket());
    expect(cache.get('h')).toBeUndefined();
    cache.listen();
    cache.put('h', row('a'), cache.ticket());
    expect(cache.get('h')?.name).toBe('a');
    cache.deafen();
    expect(cache.get('h')).toBeUndefined();
    cache.listen();
    expect(cache.get('h')).toBeUndefined();
  });

  it('forgets a changed key, and never caches a read that began before a change', () => {
    const cache = new ApiKeyCache(60_000, () => 0);
    cache.listen();
    cache.put('h', row('a'), cache.ticket());
    cache.forget('h');
    expect(cache.get('h')).toBeUndefined();
    const ticket = cache.ticket(); // a lookup starts reading the database…
    cache.forget('h'); // …the key is revoked meanwhile…
    cache.put('h', row('a'), ticket); // …and what the lookup read is stale
    expect(cache.get('h')).toBeUndefined();
  });

  it('expires entries after its TTL', () => {
    let now = 0;
    const cache = new ApiKeyCache(5_000, () => now);
    cache.listen();
    cache.put('h', row('a'), cache.ticket());
    now = 4_999;
    expect(cache.get('h')?.name).toBe('a');
    now = 5_000;
    expect(cache.get('h')).toBeUndefined();
  });
});

/** Two API instances over one database, each with its own key cache, as two `api/main.ts` processes run. */
describe('API key cache across API instances', () => {
  let database: TestDatabase;
  let apps: FastifyInstance[] = [];
  let tool: Db; // a third party: `npm run keys`, psql
  beforeAll(async () => {
    database = await createTestDatabase();
    tool = createDb(database.url, { max: 1 });
    const settings = loadSettings({});
    // A TTL of an hour: within a test only a notification can make an instance drop a key.
    apps = await Promise.all(
      [1, 2].map(() =>
        buildApp(
          { db: database.db, engine: new RecordingEngine(), settings },
          { logger: false, apiKeyCache: { databaseUrl: database.url, ttlMs: 3_600_000 } },
        ),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await tool.destroy();
    await database.drop();
  });

  const status = async (app: FastifyInstance, key: string): Promise<number> =>
    (await app.inject({ method: 'GET', url: '/api/v1/bots', headers: { authorization: `Bearer ${key}` } }))
      .statusCode;
  const within = async (ms: number, probe: () => Promise<boolean>): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await probe()) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return probe();
  };
  /** Revoke without the notification (as if it were lost): replica mode fires no triggers. */
  const revokeSilently = (name: string) =>
    tool.connection().execute(async (c) => {
      await sql`set session_replication_role = replica`.execute(c);
      await sql`update api_keys set revoked_at = now() where name = ${name}`.execute(c);
      await sql`set session_replication_role = origin`.execute(c);
    });
  const listeners = async (): Promise<number[]> => {
    const { rows } = await sql<{ pid: number }>`
      select pid from pg_stat_activity where datname = current_database() and query ilike 'listen %'`.execute(
      tool,
    );
    return rows.map((r) => r.pid);
  };

  it('serves a known key from memory: a change nobody announced is not seen', async () => {
    const { key } = await createApiKey(database.db, 'cached');
    expect(await status(apps[0]!, key)).toBe(200);
    await revokeSilently('cached');
    // Cached: still accepted (this is what the notification is for). Never read before: refused.
    expect(await status(apps[0]!, key)).toBe(200);
    expect(await status(apps[1]!, key)).toBe(401);
  });

  it('refuses a revoked key on every instance as soon as the revocation is announced', async () => {
    const { key } = await createApiKey(database.db, 'revoked-elsewhere');
    expect(await status(apps[0]!, key)).toBe(200);
    expect(await status(apps[1]!, key)).toBe(200);
    expect(await status(apps[1]!, key)).toBe(200); // served from instance 2's cache
    // Revoked by a third process (the keys CLI's function on its own connection).
    await revokeApiKeys(tool, 'revoked-elsewhere', new Date());
    for (const app of apps)
      expect(await within(5_000, async () => (await status(app, key)) === 401)).toBe(true);
  });

  it('reads every key from the database while the listening connection is down, and caches again once back', async () => {
    const { key } = await createApiKey(database.db, 'while-deaf');
    expect(await status(apps[0]!, key)).toBe(200);
    const before = await listeners();
    expect(before).toHaveLength(2);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where pid in (${sql.join(before)})`.execute(tool);
    // The instances notice the broken connection and stop serving from memory: with an hour's TTL, only
    // that makes a silent revocation seen.
    await revokeSilently('while-deaf');
    expect(await within(10_000, async () => (await status(apps[0]!, key)) === 401)).toBe(true);
    // They listen again (new connections) and serve from memory again.
    let n = 0;
    const cachesAgain = async (app: FastifyInstance): Promise<boolean> => {
      const { key: fresh } = await createApiKey(database.db, `after-reconnect-${++n}`);
      if ((await status(app, fresh)) !== 200) return false;
      await revokeSilently(`after-reconnect-${n}`);
      return (await status(app, fresh)) === 200;
    };
    for (const app of apps) expect(await within(30_000, () => cachesAgain(app))).toBe(true);
    expect((await listeners()).filter((p) => !before.includes(p))).toHaveLength(2);
  });
});
