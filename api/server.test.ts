import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadSettings } from '../config/settings';
import { createTestDatabase, type TestDatabase } from '../test/support/db';
import { buildApp } from './app';
import { addContacts } from './testing/harness';
import { RecordingEngine } from './testing/recording-engine';

/** The app on a real socket, driven with fetch: what a CRM or the web UI sees. */

const KEY = 'server-test-key-0123456789abcdef';
let database: TestDatabase;
let app: FastifyInstance;
let base: string;
const engine = new RecordingEngine();

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildApp(
    { db: database.db, engine, settings: loadSettings({ ORI_BOOTSTRAP_API_KEY: KEY }) },
    { logger: false },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: text ? JSON.parse(text) : null,
  };
}

describe('over real HTTP', () => {
  it('creates the setup and a campaign, then starts it', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/campaigns`)).status).toBe(401);

    const bot = await call('POST', '/api/v1/bots', { name: 'HTTP bot' });
    const carrier = await call('POST', '/api/v1/carriers', { name: 'HTTP carrier', gateway: 'http-gw' });
    const number = await call('POST', '/api/v1/numbers', {
      e164: '+919811122233',
      carrier_id: carrier.body.id,
    });
    expect([bot.status, carrier.status, number.status]).toEqual([201, 201, 201]);

    const created = await call('POST', '/api/v1/campaigns', {
      name: 'Over HTTP',
      bot_id: bot.body.id,
      number_ids: [number.body.id],
    });
    expect(created.status).toBe(201);
    expect(created.type).toContain('application/json');
    await addContacts(database.db, created.body.id, ['+919800000001', '+919800000002']);

    // An action with a JSON content type and no body, as many HTTP clients send it.
    const res = await fetch(`${base}/api/v1/campaigns/${created.body.id}/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const started = (await res.json()) as { status: string; run_no: number; counts: { total: number } };
    expect(started).toMatchObject({ status: 'running', run_no: 1, counts: { total: 2 } });
    expect(engine.calls).toEqual([{ method: 'startRun', campaignId: created.body.id, runNo: 1 }]);

    const missing = await call('GET', '/api/v1/campaigns/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });
});
