import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { Client } from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from './db';
import { sleeper } from './fixtures/sleeper.workflow';
import { createDevServerEnv, createTimeSkippingEnv } from './temporal';

const workflowsPath = path.join(__dirname, 'fixtures', 'sleeper.workflow.ts');

describe('createTestDatabase', () => {
  it('gives each caller its own migrated database', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      expect(a.name).not.toBe(b.name);
      // Migrated: the schema is there, in both.
      for (const t of [a, b]) {
        const migrations = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(
          t.db,
        );
        expect(migrations.rows[0]?.n).toBeGreaterThan(0);
      }
      // Isolated: a row written in one is not seen by the other.
      await a.db.insertInto('bots').values({ name: 'only in a' }).execute();
      expect(await a.db.selectFrom('bots').select('name').execute()).toEqual([{ name: 'only in a' }]);
      expect(await b.db.selectFrom('bots').select('name').execute()).toEqual([]);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
    if (inject('databaseKind') !== 'pglite') {
      const c = new Client({ connectionString: inject('databaseAdminUrl') });
      await c.connect();
      try {
        const left = await c.query('select 1 from pg_database where datname = any($1)', [[a.name, b.name]]);
        expect(left.rowCount).toBe(0);
      } finally {
        await c.end();
      }
    }
  });

  it('copes with many copies at once', async () => {
    const dbs = await Promise.all(Array.from({ length: 6 }, () => createTestDatabase({ poolSize: 1 })));
    try {
      expect(new Set(dbs.map((d) => d.name)).size).toBe(6);
    } finally {
      await Promise.all(dbs.map((d) => d.drop()));
    }
  });
});

describe('Temporal test environments', () => {
  it('time-skipping: a one-hour timer completes in seconds', async () => {
    const env = await createTimeSkippingEnv();
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'support-test',
        workflowsPath,
      });
      const before = await env.currentTimeMs();
      const t = Date.now();
      const result = await worker.runUntil(
        env.client.workflow.execute(sleeper, {
          args: [60 * 60 * 1000],
          taskQueue: 'support-test',
          workflowId: `sleeper-${Date.now()}`,
        }),
      );
      const wallMs = Date.now() - t;
      expect(result).toBe('woke');
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(60 * 60 * 1000);
      expect(wallMs).toBeLessThan(15_000);
    } finally {
      await env.teardown();
    }
  });

  it('dev server: runs a workflow on the real server', async () => {
    const env = await createDevServerEnv();
    try {
      expect(env.supportsTimeSkipping).toBe(false);
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'support-test-dev',
        workflowsPath,
      });
      const result = await worker.runUntil(
        env.client.workflow.execute(sleeper, {
          args: [10],
          taskQueue: 'support-test-dev',
          workflowId: `sleeper-dev-${Date.now()}`,
        }),
      );
      expect(result).toBe('woke');
    } finally {
      await env.teardown();
    }
  });
});
