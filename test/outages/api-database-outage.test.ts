import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadSettings } from '../../config/settings';
import { createDb, type Db } from '../../db/connection';
import { createApiKey } from '../../db/repositories/api-keys.repository';
import {
  canRunOwnPostgres,
  migrateDatabase,
  startOwnPostgres,
  type OwnPostgres,
} from '../support/own-postgres';
import { buildApp } from '../../api/app';
import { RecordingEngine } from '../../api/testing/recording-engine';

/**
 * The API while Postgres is away (a cluster of the test's own, stopped with `pg_ctl -m immediate`): every
 * request that needs the database answers 503 with `Retry-After` and the error body, `/health` says
 * Postgres is what is down, an upload streaming into COPY when the server dies fails as 503 with nothing
 * imported, the process lives, and the same app serves again once the server is back.
 */

describe.skipIf(!canRunOwnPostgres())('the API across a Postgres restart', () => {
  let pg: OwnPostgres;
  let db: Db;
  let app: FastifyInstance;
  let key: string;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    await migrateDatabase(pg.url);
    db = createDb(pg.url, { max: 5 });
    app = await buildApp(
      { db, engine: new RecordingEngine(), settings: loadSettings({}) },
      { logger: false },
    );
    await app.ready();
    ({ key } = await createApiKey(db, 'ops'));
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    await pg?.stop();
  });

  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
    return { status: res.statusCode, headers: res.headers, body: res.json<Record<string, unknown>>() };
  };

  it('answers 503 + Retry-After while Postgres is down, says so on /health, and recovers', async () => {
    const bot = await call('POST', '/api/v1/bots', { name: 'Renewals' });
    expect(bot.status).toBe(201);
    const campaign = await call('POST', '/api/v1/campaigns', { name: 'C', bot_id: bot.body.id });
    expect(campaign.status).toBe(201);
    const uploadUrl = `/api/v1/campaigns/${String(campaign.body.id)}/contacts`;

    // An upload whose rows are streaming into COPY when the server dies.
    const csv = new PassThrough();
    const upload = app.inject({
      method: 'POST',
      url: uploadUrl,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      payload: csv,
    });
    csv.write('phone_number\n');
    for (let i = 0; i < 2_000; i++) csv.write(`+9198${String(10_000_000 + i)}\n`);

    const restarted = pg.restart({ mode: 'immediate', downMs: 4_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    csv.end('+919800000001\n');
    const uploaded = await upload;
    expect(uploaded.statusCode).toBe(503);
    expect(uploaded.json()).toMatchObject({ error: { code: 'unavailable' } });

    const down = await call('GET', '/api/v1/bots');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.body).toMatchObject({
      error: { code: 'unavailable', message: expect.stringContaining('database'), details: [] },
    });
    const result = await call('POST', '/api/v1/attempts/8b0d6a52-1f7e-4a43-9a57-0f0a3e0f6c11/result', {
      disposition: 'COMPLETED',
    });
    expect(result.status).toBe(503);
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ ok: false, postgres: false, temporal: true });

    await restarted;
    const back = await call('GET', '/api/v1/bots');
    expect(back.status).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    // Nothing of the interrupted upload was kept.
    const contacts = await db.selectFrom('contacts').select('id').execute();
    expect(contacts).toEqual([]);
  });
});
