import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { loadSettings } from '../../config/settings';
import type { Db } from '../../db/connection';
import { createApiKey } from '../../db/repositories/api-keys.repository';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { buildApp, type BuildOptions } from '../app';
import { RecordingEngine } from './recording-engine';

/**
 * An app over a fresh migrated database and a recording engine, for `inject()` contract tests.
 *
 *   const h = useApiHarness();                 // beforeAll / afterAll inside the file or describe
 *   const res = await h.post('/api/v1/bots', { name: 'b' });
 *   expect(res.status).toBe(201); res.body.id
 */

export const BOOTSTRAP_KEY = 'test-bootstrap-key-0123456789';

export interface Response {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // Tests read arbitrary JSON fields; the response schemas are asserted by the contract itself.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly db: Db;
  readonly engine: RecordingEngine;
  readonly database: TestDatabase;
  /** A key named "ops": requests go out with it unless told otherwise. */
  readonly key: string;
  /** The clock the app reads (`deps.now`); tests may move it. */
  clock: { now: Date | null };
  request(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<Response>;
  get(url: string, options?: RequestOptions): Promise<Response>;
  post(url: string, body?: unknown, options?: RequestOptions): Promise<Response>;
  patch(url: string, body?: unknown, options?: RequestOptions): Promise<Response>;
  del(url: string, options?: RequestOptions): Promise<Response>;
}

export interface RequestOptions {
  /** A different key, or null for none. */
  key?: string | null;
  headers?: Record<string, string>;
  remoteAddress?: string;
}

export function useApiHarness(buildOptions: BuildOptions = {}): Harness {
  let state:
    { app: FastifyInstance; database: TestDatabase; engine: RecordingEngine; key: string } | undefined;
  const clock: { now: Date | null } = { now: null };
  const get = () => {
    if (!state) throw new Error('useApiHarness(): the app exists only inside tests and hooks');
    return state;
  };

  beforeAll(async () => {
    const database = await createTestDatabase({ poolSize: 10 });
    const engine = new RecordingEngine();
    const settings = loadSettings({ ORI_BOOTSTRAP_API_KEY: BOOTSTRAP_KEY });
    const app = await buildApp(
      { db: database.db, engine, settings, now: () => clock.now ?? new Date() },
      { logger: false, ...buildOptions },
    );
    await app.ready();
    const { key } = await createApiKey(database.db, 'ops');
    state = { app, database, engine, key };
  });
  afterAll(async () => {
    await state?.app.close();
    await state?.database.drop();
  });

  const request: Harness['request'] = async (method, url, body, options = {}) => {
    const { app, key } = get();
    const authKey = options.key === undefined ? key : options.key;
    const headers: Record<string, string> = { ...options.headers };
    if (authKey !== null) headers.authorization = `Bearer ${authKey}`;
    const res = await app.inject({
      method,
      url,
      headers,
      remoteAddress: options.remoteAddress,
      ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
    });
    let parsed: unknown = undefined;
    if (res.body && String(res.headers['content-type'] ?? '').includes('json')) parsed = JSON.parse(res.body);
    return { status: res.statusCode, headers: res.headers, body: parsed, text: res.body };
  };

  return {
    get app() {
      return get().app;
    },
    get db() {
      return get().database.db;
    },
    get engine() {
      return get().engine;
    },
    get database() {
      return get().database;
    },
    get key() {
      return get().key;
    },
    clock,
    request,
    get: (url, options) => request('GET', url, undefined, options),
    post: (url, body, options) => request('POST', url, body, options),
    patch: (url, body, options) => request('PATCH', url, body, options),
    del: (url, options) => request('DELETE', url, undefined, options),
  };
}

/** Setup resources and contacts for campaign tests, straight through the API (contacts via the DB). */
export async function seedSetup(
  h: Harness,
): Promise<{ botId: string; carrierId: string; numberIds: string[]; inboundId: string }> {
  const suffix = Math.floor(Math.random() * 9_000_000 + 1_000_000);
  const bot = await h.post('/api/v1/bots', { name: 'Renewals bot', callback_enabled: true });
  const carrier = await h.post('/api/v1/carriers', { name: 'Carrier A', gateway: 'carrier-a', cps_limit: 5 });
  const numbers = [];
  for (const [i, inbound] of [false, false, true].entries()) {
    const res = await h.post('/api/v1/numbers', {
      e164: `+9198${suffix}${i}`,
      label: inbound ? 'inbound' : `line ${i}`,
      carrier_id: carrier.body.id,
      inbound_only: inbound,
    });
    if (res.status !== 201) throw new Error(`seeding a number failed: ${res.text}`);
    numbers.push(res.body.id as string);
  }
  return {
    botId: bot.body.id,
    carrierId: carrier.body.id,
    numberIds: numbers.slice(0, 2) as string[],
    inboundId: numbers[2] as string,
  };
}

/** Contacts as an upload would leave them (the upload route belongs to contacts.routes). */
export async function addContacts(
  db: Db,
  campaignId: string,
  phones: string[],
  addedInRun = 1,
): Promise<string[]> {
  const rows = await db
    .insertInto('contacts')
    .values(
      phones.map((phone, i) => ({
        campaign_id: campaignId,
        phone,
        phones: [phone],
        name: `Contact ${i + 1}`,
        email: `c${i + 1}@example.com`,
        metadata: JSON.stringify({ account: `A-${i + 1}` }),
        added_in_run: addedInRun,
        run_no: addedInRun,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * A fixed-offset zone where it is about midday now, so a campaign window of "00:00"–"23:59" in it is open
 * whenever the test runs (in UTC such a window is closed for the last minute of every day).
 */
export function middayTimezone(now = new Date()): string {
  const offset = 12 - now.getUTCHours(); // hours to add to UTC for a local hour of 12: -11 … +12
  // IANA's Etc/GMT zones have the sign inverted: Etc/GMT-5 is UTC+5.
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
