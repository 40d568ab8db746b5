/**
 * Web UI tests: the real `webPlugin` on a Fastify instance, driven by Debian's Chromium through
 * playwright-core. The `/api/v1` routes here are a stand-in (`registerFakeApi`): in-memory routes recording
 * every request, so these tests pin what the browser sends and shows without Postgres or Temporal. The
 * stand-in is held to the real API's contract: every exchange is checked against the OpenAPI document the
 * real app serves (web/api-contract.testkit.ts) — path, method, query names, the body the UI sends and the
 * answer, closed to fields the API never sends — and a test fails on any mismatch, so the UI and the API
 * cannot drift apart unnoticed. The end-to-end tests on the real stack are test/e2e/*.browser.e2e.test.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { webPlugin } from './web.plugin';
import { loadApiContract, type ApiContract, type Exchange } from './api-contract.testkit';

const CHROMIUM = '/usr/bin/chromium';
const KEY = 'test-key-123';
const SHOTS = {
  list: '/tmp/ori-web-list.png',
  wizardConfig: '/tmp/ori-web-wizard-config.png',
  wizardCsv: '/tmp/ori-web-wizard-csv.png',
  wizard: '/tmp/ori-web-wizard.png',
  detail: '/tmp/ori-web-detail.png',
};

const BOT = '0b0b0b0b-0000-4000-8000-000000000001';
const CARRIER = 'cacacaca-0000-4000-8000-000000000001';
const NUM1 = '11111111-0000-4000-8000-000000000001';
const NUM2 = '11111111-0000-4000-8000-000000000002';
const NUM3 = '11111111-0000-4000-8000-000000000003';
const RUNNING = 'aaaaaaaa-1111-4000-8000-000000000001';
const DRAFT = 'bbbbbbbb-2222-4000-8000-000000000002';
const COMPLETED = 'cccccccc-3333-4000-8000-000000000003';
const PAUSED = 'dddddddd-4444-4000-8000-000000000004';

// ---------------------------------------------------------------------------------------------------
// Test double of the API (docs/api.md shapes), in memory, recording requests.
// ---------------------------------------------------------------------------------------------------
type Json = Record<string, unknown>;
interface Recorded {
  method: string;
  url: string;
  auth: string | undefined;
  contentType: string | undefined;
  body?: unknown;
}
interface Campaign extends Json {
  id: string;
  name: string;
  status: string;
  run_no: number;
  config: Json;
  ever_started: boolean;
  completion_reason: string | null;
  prepared_restart?: Json | null;
}
interface FakeState {
  revoked: boolean;
  requests: Recorded[];
  campaigns: Map<string, Campaign>;
  live: Json;
  activity: Map<string, Json[]>;
  bots: Json[];
  carriers: Json[];
  numbers: Json[];
  seq: number;
  /** Exchanges that broke the API's OpenAPI document (web/api-contract.testkit.ts): each test expects none. */
  contractProblems: string[];
}

const DEFAULT_CONFIG = {
  concurrency: 50,
  mode: 'single_day',
  always_on: false,
  window: { start: '09:00', end: '18:00', timezone: 'UTC' },
  working_days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  max_attempts: 3,
  retry_delay_minutes: 30,
  retry_on_system: [],
  retry_on_custom: [],
  stop_redials_after_connect_s: null,
  redial_short_connect_s: null,
  callback_detection: false,
  sticky_exclusion: false,
  recipient_hours: null,
  voicemail: { action: 'hangup' },
};

function campaign(
  id: string,
  name: string,
  status: string,
  extra: Partial<Campaign> = {},
  config: Json = {},
): Campaign {
  const cfg = { ...DEFAULT_CONFIG, ...config };
  return {
    id,
    short_id: id.slice(0, 8),
    name,
    status,
    run_no: 1,
    bot_id: BOT,
    number_ids: [NUM1, NUM2],
    config: cfg,
    always_on: cfg.always_on,
    warnings: [],
    completion_reason: null,
    ever_started: status !== 'draft',
    created_at: '2026-11-20T08:00:00.000Z',
    counts: {
      total: 120,
      pending: 35,
      waiting: 40,
      in_flight: 10,
      final: 70,
      by_state: { pending: 35, retry_scheduled: 5 },
    },
    completion_message: null,
    stopped_by: null,
    stopped_at: null,
    prepared_restart: null,
    workflow_id: status === 'draft' ? null : `campaign-${id}-run-1`,
    created_by: 'ops',
    updated_at: '2026-11-20T08:00:00.000Z',
    ...extra,
  };
}

function seed(): FakeState {
  const now = new Date().toISOString();
  return {
    revoked: false,
    requests: [],
    seq: 0,
    contractProblems: [],
    bots: [
      {
        id: BOT,
        name: 'Renewals bot',
        greeting: 'Hello',
        system_prompt: null,
        callback_enabled: true,
        endpoint: 'sip:bot@pipe',
        created_at: now,
      },
    ],
    carriers: [
      {
        id: CARRIER,
        name: 'Acme Telecom',
        gateway: 'acme-gw',
        cps_limit: 10,
        cost_per_minute: null,
        created_at: now,
      },
    ],
    numbers: [
      {
        id: NUM1,
        e164: '+914440000001',
        label: 'Support team',
        carrier_id: CARRIER,
        inbound_only: false,
        created_at: now,
      },
      {
        id: NUM2,
        e164: '+914440000002',
        label: null,
        carrier_id: CARRIER,
        inbound_only: false,
        created_at: now,
      },
      {
        id: NUM3,
        e164: '+914440000003',
        label: 'IVR',
        carrier_id: CARRIER,
        inbound_only: true,
        created_at: now,
      },
    ],
    campaigns: new Map(
      [
        campaign(
          RUNNING,
          'Spring Collections',
          'running',
          {},
          {
            mode: 'multi_day',
            always_on: true,
            callback_detection: true,
            sticky_exclusion: true,
            stop_redials_after_connect_s: 40,
            redial_short_connect_s: 10,
          },
        ),
        campaign(DRAFT, 'Fresh Draft', 'draft', { ever_started: false }),
        campaign(COMPLETED, 'Winter Wrap-up', 'completed', { completion_reason: 'all_final' }),
        campaign(PAUSED, 'Paused Promo', 'paused'),
      ].map((c) => [c.id, c]),
    ),
    live: {
      status: 'running',
      activity: 'live',
      activity_reason: null,
      run_no: 1,
      ringing: 3,
      in_progress: 7,
      dials_per_sec: 1.5,
      connected_per_hr: 240,
      avg_ring_s: 6.4,
      last_dial_at: null, // filled per request: 8 s ago
      pending: 40,
      retries_left: 12,
      held: { frequency_cap: 0, recipient_hours: 0 },
      passes: [
        {
          pass: 1,
          attempted: 100,
          eligible: 120,
          connected_pct: 42.5,
          started_at: '2026-11-22T09:00:00Z',
          ended_at: null,
        },
        { pass: 2, attempted: 0, eligible: 30, connected_pct: 0, started_at: null, ended_at: null },
      ],
      progress: { processed: 70, total: 120 },
      eta_s: 3900,
      metrics: { answer_rate: 0.42, completion_rate: 0.8, abandon_rate: 0.02, aht_s: 74.5 },
      callbacks: { requested: 5, pending: 2, completed: 2, cancelled: 1, avg_delay_s: 1800 },
      run: {
        dials: 130,
        connected: 55,
        started_at: '2026-11-22T09:00:00Z',
        ended_at: null,
        dials_per_sec: 1.4,
        connected_per_hr: 230,
        calls_per_min: 84,
      },
      alerts: [],
    },
    activity: new Map([
      [
        RUNNING,
        [{ action: 'start', actor: 'key:ops', at: '2026-11-22T09:00:00Z', run_no: 1, details: null }],
      ],
    ]),
  };
}

/** A trail entry as the call list answers it (an attempt of the current run). */
const trail = (
  attemptNo: number,
  attemptId: string,
  outcome: string,
  sipCode: number,
  at: string,
  phone: string,
) => ({
  attempt_no: attemptNo,
  attempt_id: attemptId,
  outcome,
  sip_code: sipCode,
  at,
  status: 'completed',
  disposition: null,
  pass: attemptNo,
  phone,
  from_number: '+914440000001',
  is_callback: false,
});

function contactsPage(q: Record<string, string | undefined>): Json {
  const listed = { timezone: 'Asia/Kolkata', local_time: '14:30', held_by: null, workflow_id: null };
  const items = [
    {
      id: 'c0000001-0000-4000-8000-000000000001',
      phone: '+919876543210',
      phones: ['+919876543210'],
      name: null,
      email: null,
      state: 'callback_scheduled',
      attempts: 2,
      attempts_used: 2,
      callback_dials: 0,
      max_attempts: 3,
      pass: 2,
      phone_index: 0,
      last_result: 'rejected',
      last_disposition: null,
      callback_at: '2026-11-23T10:00:00Z',
      callback_state: 'pending',
      next_due_at: '2026-11-23T10:00:00Z',
      metadata: { customer_name: 'Asha', plan: 'Gold' },
      attempt_trail: [
        trail(
          1,
          'a0000000-0000-4000-8000-00000000aa01',
          'no_answer',
          408,
          '2026-11-22T09:01:00Z',
          '+919876543210',
        ),
        trail(
          2,
          'a0000000-0000-4000-8000-00000000aa02',
          'rejected',
          486,
          '2026-11-22T09:40:00Z',
          '+919876543210',
        ),
      ],
      ...listed,
    },
    {
      id: 'c0000001-0000-4000-8000-000000000002',
      phone: '+919876500001',
      phones: ['+919876500001', '+919876500002'],
      name: null,
      email: null,
      state: 'failed',
      attempts: 1,
      attempts_used: 1,
      callback_dials: 0,
      max_attempts: 3,
      pass: 1,
      phone_index: 0,
      last_result: 'rejected',
      last_disposition: null,
      callback_at: null,
      callback_state: null,
      next_due_at: null,
      metadata: { customer_name: 'Ravi' },
      attempt_trail: [
        trail(
          1,
          'a0000000-0000-4000-8000-00000000bb01',
          'rejected',
          503,
          '2026-11-22T09:02:00Z',
          '+919876500001',
        ),
      ],
      ...listed,
    },
  ];
  return { items, page: Number(q.page ?? 1), per_page: Number(q.per_page ?? 50), total: 120 };
}

const err = (code: string, message: string, details: Json[] = []) => ({ error: { code, message, details } });

function registerFakeApi(app: FastifyInstance, st: () => FakeState, contract: ApiContract): void {
  void app.register(
    async (api) => {
      const records = new WeakMap<FastifyRequest, Recorded>();
      api.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      api.addHook('onRequest', async (req, reply) => {
        const rec: Recorded = {
          method: req.method,
          url: req.url,
          auth: req.headers.authorization,
          contentType: req.headers['content-type'],
        };
        st().requests.push(rec);
        records.set(req, rec);
        if (req.headers.authorization === 'Bearer rate-limited') {
          return reply
            .code(429)
            .send(err('too_many_failed_auth', 'Too many failed sign-in attempts. Try again in a minute.'));
        }
        if (st().revoked || req.headers.authorization !== `Bearer ${KEY}`) {
          return reply.code(401).send(err('unauthorized', 'Missing or invalid API key'));
        }
      });
      api.addHook('preHandler', async (req, reply) => {
        const rec = records.get(req);
        if (rec) rec.body = req.body;
        // As the real API: a campaign that does not exist is a 404 on every route under it.
        const id = (req.params as { id?: string }).id;
        if (req.routeOptions.url?.includes('/campaigns/:id') && id !== undefined && !st().campaigns.has(id)) {
          return reply.code(404).send(err('not_found', 'campaign does not exist'));
        }
      });
      // Every exchange is held to the real API's contract: what the UI sends and what it is answered.
      api.addHook('onSend', async (req, reply, payload) => {
        const problems = contract.check({
          method: req.method,
          url: req.url,
          requestType: req.headers['content-type'],
          requestBody: req.body,
          status: reply.statusCode,
          responseType: String(reply.getHeader('content-type') ?? ''),
          responsePayload: typeof payload === 'string' ? payload : undefined,
        });
        st().contractProblems.push(...problems);
        return payload;
      });
      const find = (id: string) => st().campaigns.get(id);
      type IdReq = FastifyRequest<{
        Params: { id: string; action?: string };
        Querystring: Record<string, string>;
      }>;

      api.get('/bots', async () => st().bots);
      api.get('/carriers', async () => st().carriers);
      api.get('/numbers', async () => st().numbers);
      api.post('/bots', async (req, reply) => {
        const b = req.body as Json;
        if (!b.name)
          return reply
            .code(422)
            .send(
              err('validation_failed', 'The request body failed validation', [
                { field: 'name', message: 'name is required' },
              ]),
            );
        const bot = {
          id: `0b0b0b0b-0000-4000-8000-00000000010${st().seq++}`,
          greeting: null,
          system_prompt: null,
          callback_enabled: false,
          endpoint: null,
          created_at: new Date().toISOString(),
          ...b,
        };
        st().bots.push(bot);
        return reply.code(201).send(bot);
      });
      api.post('/carriers', async (req, reply) => {
        const b = req.body as Json;
        const details = ['name', 'gateway']
          .filter((f) => !b[f])
          .map((f) => ({ field: f, message: `${f} is required` }));
        if (details.length)
          return reply
            .code(422)
            .send(err('validation_failed', 'The request body failed validation', details));
        const c = {
          id: `cacacaca-0000-4000-8000-00000000010${st().seq++}`,
          cps_limit: null,
          cost_per_minute: null,
          created_at: new Date().toISOString(),
          ...b,
        };
        st().carriers.push(c);
        return reply.code(201).send(c);
      });
      api.post('/numbers', async (req, reply) => {
        const n = {
          id: `11111111-0000-4000-8000-00000000010${st().seq++}`,
          label: null,
          inbound_only: false,
          created_at: new Date().toISOString(),
          ...(req.body as Json),
        };
        st().numbers.push(n);
        return reply.code(201).send(n);
      });

      api.get('/campaigns', async () => [...st().campaigns.values()]);
      api.post('/campaigns', async (req, reply) => {
        const b = req.body as Json;
        await new Promise((r) => setTimeout(r, 600)); // long enough to see "Creating…"
        const id = `eeeeeeee-5555-4000-8000-00000000000${st().seq++}`;
        const { name, bot_id, number_ids, ...config } = b;
        const c = campaign(
          id,
          String(name),
          'draft',
          { bot_id: String(bot_id), number_ids: number_ids as string[], ever_started: false },
          config,
        );
        st().campaigns.set(id, c);
        return reply.code(201).send(c);
      });
      api.get(
        '/campaigns/:id',
        async (req: IdReq, reply) =>
          find(req.params.id) ?? reply.code(404).send(err('not_found', 'campaign does not exist')),
      );
      api.patch('/campaigns/:id', async (req: IdReq, reply) => {
        const c = find(req.params.id);
        if (!c) return reply.code(404).send(err('not_found', 'campaign does not exist'));
        const { name, bot_id, number_ids, ...config } = req.body as Json;
        Object.assign(c, name ? { name } : {}, bot_id ? { bot_id } : {}, number_ids ? { number_ids } : {});
        c.config = { ...c.config, ...config };
        return c;
      });
      api.delete('/campaigns/:id', async (req: IdReq, reply) => {
        st().campaigns.delete(req.params.id);
        return reply.code(204).send();
      });
      api.post('/campaigns/:id/:action', async (req: IdReq, reply) => {
        const c = find(req.params.id);
        if (!c) return reply.code(404).send(err('not_found', 'campaign does not exist'));
        const log = (action: string) => {
          const list = st().activity.get(c.id) ?? [];
          list.unshift({
            action,
            actor: 'key:ops',
            at: new Date().toISOString(),
            run_no: c.run_no,
            details: null,
          });
          st().activity.set(c.id, list);
        };
        const to = (status: string, extra: Partial<Campaign> = {}) => {
          Object.assign(c, { status, ...extra });
          st().live = { ...st().live, status };
          log(req.params.action ?? '');
          return c;
        };
        switch (String(req.params.action)) {
          case 'start':
            if (c.id === DRAFT) {
              return reply
                .code(422)
                .send(
                  err('not_startable', 'The campaign cannot start yet', [
                    { field: 'contacts', message: 'no contacts uploaded' },
                  ]),
                );
            }
            return c.status === 'draft'
              ? to('running', { ever_started: true, prepared_restart: null })
              : reply.code(409).send(err('conflict', 'not a draft'));
          case 'pause':
            return to('paused');
          case 'resume':
            return to('running');
          case 'stop':
            return to('completed', {
              completion_reason: 'manually_stopped',
              completion_message: 'Manually stopped',
              stopped_by: 'key:ops',
              stopped_at: new Date().toISOString(),
            });
          case 'restart':
            return to('draft', {
              run_no: c.run_no + 1,
              prepared_restart: {
                run_no: c.run_no + 1,
                created_by: 'key:ops',
                created_at: new Date().toISOString(),
              },
            });
          case 'cancel-restart':
            return to('completed', { run_no: c.run_no - 1, prepared_restart: null });
          case 'clone': {
            const id = `ffffffff-6666-4000-8000-00000000000${st().seq++}`;
            const copy = {
              ...c,
              id,
              short_id: id.slice(0, 8),
              name: `${c.name} (copy)`,
              status: 'draft',
              ever_started: false,
              completion_reason: null,
            };
            st().campaigns.set(id, copy);
            return reply.code(201).send(copy);
          }
          default:
            return reply.code(404).send(err('not_found', 'no such action'));
        }
      });
      api.post('/campaigns/:id/contacts', async (req: IdReq) => {
        const lines = String(req.body)
          .split(/\r?\n/)
          .filter((l) => l.trim());
        const columns = lines[0]?.replace('\ufeff', '').split(',') ?? [];
        return {
          upload_id: `0a0a0a0a-0000-4000-8000-00000000010${st().seq++}`,
          added: lines.length - 1,
          skipped: 0,
          errors: [],
          columns,
          variables: columns.filter((c) => !['phone_number', 'name', 'email'].includes(c)),
        };
      });
      api.get('/campaigns/:id/uploads', async () => ({ items: [], total: 0 }));
      api.get('/campaigns/:id/contacts', async (req: IdReq) => contactsPage(req.query));
      api.get('/campaigns/:id/live', async (req: IdReq) => ({
        ...st().live,
        status: find(req.params.id)?.status,
        last_dial_at: new Date(Date.now() - 8000).toISOString(),
      }));
      api.get('/campaigns/:id/activity', async (req: IdReq) => st().activity.get(req.params.id) ?? []);
      api.get('/campaigns/:id/config', async (req: IdReq) => {
        const c = find(req.params.id);
        return {
          run_no: c?.run_no,
          status: c?.status,
          config: c?.config,
          version: null,
          versions: 1,
          setup: {
            bot: { id: BOT, name: 'Renewals bot', callback_enabled: true, endpoint: 'sip:bot@pipe' },
            number_pool: st()
              .numbers.slice(0, 2)
              .map((n) => ({ ...n, gateway: 'acme-gw' })),
            config: c?.config,
            run_no: c?.run_no,
            created_by: 'key:ops',
            created_at: '2026-11-20T08:00:00.000Z',
            started_at: '2026-11-22T09:00:00.000Z',
          },
        };
      });
      api.get('/campaigns/:id/attempts.csv', async (_req, reply) => {
        const header =
          'campaign_id,run_no,contact_id,attempt_id,attempt_no,pass,phone,outcome,sip_code,disposition\n';
        const rows = [
          `${RUNNING},1,c1,a1,1,1,+919876543210,no_answer,408,\n`,
          `${RUNNING},1,c1,a2,2,2,+919876543210,rejected,486,"busy, try later"\n`,
          `${RUNNING},1,c2,a3,1,1,+919876500001,rejected,503,\n`,
        ];
        async function* chunks() {
          yield header;
          for (const r of rows) {
            await new Promise((res) => setTimeout(res, 350));
            yield r;
          }
        }
        return reply.type('text/csv; charset=utf-8').send(Readable.from(chunks()));
      });
    },
    { prefix: '/api/v1' },
  );
}

// ---------------------------------------------------------------------------------------------------

let state = seed();

let contract: Promise<ApiContract> | null = null;

async function buildServer(): Promise<FastifyInstance> {
  contract ??= loadApiContract();
  const app = Fastify();
  // Stand-ins for routes other engineers own, to prove the UI does not swallow them.
  app.get('/health', async () => ({ ok: true }));
  app.get('/docs', async (_req, reply) => reply.type('text/plain').send('docs'));
  registerFakeApi(app, () => state, await contract);
  await app.register(webPlugin);
  return app;
}

describe('webPlugin (HTTP)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildServer();
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  test('serves index.html, assets and client routes, and leaves /api, /health and /docs alone', async () => {
    for (const url of [
      '/',
      '/dashboard',
      '/dashboard/campaigns/new',
      `/dashboard/campaigns/${RUNNING}`,
      '/dashboard/setup',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
      expect(res.body).toContain('<script type="module" src="/js/app.js">');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    }
    expect((await app.inject({ url: '/styles.css' })).headers['content-type']).toMatch(/text\/css/);
    expect((await app.inject({ url: '/js/pages/detail.js' })).headers['content-type']).toMatch(/javascript/);

    expect((await app.inject({ url: '/health' })).json()).toEqual({ ok: true });
    expect((await app.inject({ url: '/docs' })).body).toBe('docs');
    const unauth = await app.inject({ url: '/api/v1/campaigns' });
    expect(unauth.statusCode).toBe(401);
    expect(unauth.json().error.code).toBe('unauthorized');
    const unknown = await app.inject({ url: '/api/v2/nothing' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).not.toMatch(/html/);
    expect((await app.inject({ url: '/nothing-here' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/web.plugin.ts' })).statusCode).toBe(404);
  });

  test('registers beside another @fastify/static with reply decorators, called directly', async () => {
    const other = Fastify();
    await other.register(fastifyStatic, {
      root: tmpdir(),
      prefix: '/static-elsewhere/',
      wildcard: false,
      globIgnore: ['**'],
    });
    await webPlugin(other);
    await other.ready();
    expect((await other.inject({ url: '/dashboard/campaigns' })).statusCode).toBe(200);
    await other.close();
  });
});

describe("the stand-in API is held to the real API's OpenAPI document", () => {
  const upload = {
    upload_id: '0a0a0a0a-0000-4000-8000-000000000001',
    added: 1,
    skipped: 0,
    errors: [],
    columns: ['phone_number'],
    variables: [],
  };
  const exchange = (over: Partial<Exchange> = {}): Exchange => ({
    method: 'POST',
    url: `/api/v1/campaigns/${DRAFT}/contacts`,
    requestType: 'text/csv',
    status: 200,
    responseType: 'application/json; charset=utf-8',
    responsePayload: JSON.stringify(upload),
    ...over,
  });

  test('passes an exchange as documented and catches each kind of drift', async () => {
    const contract = await loadApiContract();
    expect(contract.check(exchange())).toEqual([]);
    const { upload_id: _dropped, ...withoutId } = upload;
    // A field the API sends that the stand-in lacks, and one the API never sends.
    expect(contract.check(exchange({ responsePayload: JSON.stringify(withoutId) })).join()).toMatch(
      /must have required property 'upload_id'/,
    );
    expect(
      contract.check(exchange({ responsePayload: JSON.stringify({ ...upload, rejected_rows: [] }) })).join(),
    ).toMatch(/must NOT have additional properties "rejected_rows"/);
    // A path or a query parameter the API does not have, a status the route never answers.
    expect(contract.check(exchange({ method: 'GET', url: `/api/v1/campaigns/${DRAFT}/imports` }))).toEqual([
      `GET /api/v1/campaigns/${DRAFT}/imports: no such operation in the API's OpenAPI document`,
    ]);
    expect(
      contract.check(
        exchange({
          method: 'GET',
          url: `/api/v1/campaigns/${DRAFT}/uploads?colour=red`,
          responsePayload: '{"items":[],"total":0}',
        }),
      ),
    ).toEqual(['GET /api/v1/campaigns/{id}/uploads: query parameter "colour" is not one the API reads']);
    expect(contract.check(exchange({ status: 418 }))).toEqual([
      'POST /api/v1/campaigns/{id}/contacts: 418 is not an answer the API gives',
    ]);
    // A body the UI sends that the API would refuse, though the stand-in accepted it.
    const created = campaign(DRAFT, 'Drift', 'draft');
    expect(
      contract
        .check({
          method: 'POST',
          url: '/api/v1/campaigns',
          requestType: 'application/json',
          requestBody: { name: 'Drift', bot_id: BOT, concurrency: 'many' },
          status: 201,
          responseType: 'application/json',
          responsePayload: JSON.stringify(created),
        })
        .join(),
    ).toMatch(/request body: \/concurrency must be integer/);
    // A CSV answer is a CSV answer.
    expect(
      contract.check({
        method: 'GET',
        url: `/api/v1/campaigns/${DRAFT}/attempts.csv`,
        status: 200,
        responseType: 'application/json',
      }),
    ).toEqual(['GET /api/v1/campaigns/{id}/attempts.csv: answers text/csv, not application/json']);
  });
});

// Skipped only on a developer machine without Chromium; in CI (`npm test` installs it) a missing browser fails.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('web UI in Chromium', () => {
  let app: FastifyInstance;
  let ctx: BrowserContext;
  let page: Page;
  let base = '';
  let userDataDir = '';
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await buildServer();
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    userDataDir = mkdtempSync(path.join(tmpdir(), 'ori-web-chromium-'));
    ctx = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(8000);
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await ctx?.close();
    await app?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    state = seed();
    dialogs.length = 0;
    pageErrors.length = 0;
  });

  afterEach(async () => {
    // Leave the page first: its polls would otherwise reach the next test's freshly seeded state.
    await page.goto('about:blank');
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
    expect([...new Set(state.contractProblems)], "exchanges unlike the API's OpenAPI document").toEqual([]);
  });

  async function signedIn(url: string): Promise<void> {
    await page.goto(`${base}/dashboard/campaigns`);
    await page.evaluate((k) => localStorage.setItem('ori.apiKey', k), KEY);
    await page.goto(`${base}${url}`);
  }
  const apiCalls = (method: string, prefix: string) =>
    state.requests.filter((r) => r.method === method && r.url.startsWith(`/api/v1${prefix}`));
  const counter = (label: string) =>
    page
      .locator('.counter', {
        has: page.locator('dt', { hasText: new RegExp(`^${label.replace(/[/()]/g, '\\$&')}$`) }),
      })
      .locator('dd');
  const button = (name: string | RegExp) =>
    page.getByRole('button', { name, exact: typeof name === 'string' });

  test('sign-in stores the key, sends it as a Bearer token, and sign-out clears it', async () => {
    await page.goto(`${base}/dashboard/campaigns`);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    const keyInput = page.getByLabel('API key');
    await keyInput.fill('wrong-key');
    await button('Sign in').click();
    await page.getByText('Your API key was not accepted. Sign in again.').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('ori.apiKey'))).toBeNull();

    // Other refusals (the API's failed-auth limiter) are shown on the form and the key is not kept.
    await page.getByLabel('API key').fill('rate-limited');
    await button('Sign in').click();
    await page
      .getByRole('alert')
      .getByText('Too many failed sign-in attempts. Try again in a minute.')
      .waitFor();
    expect(await page.evaluate(() => localStorage.getItem('ori.apiKey'))).toBeNull();

    await page.getByLabel('API key').fill(KEY);
    await button('Sign in').click();
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('ori.apiKey'))).toBe(KEY);
    const row = page.getByRole('row', { name: /Spring Collections/ });
    await row.waitFor();
    expect(await row.locator('.badge-running').textContent()).toBe('running');
    expect(await row.getByText('Always-on · runs until stopped').count()).toBe(1);
    expect(await row.getByRole('cell', { name: '120 · 40 waiting · 10 in flight · 70 final' }).count()).toBe(
      1,
    );
    expect(await row.getByRole('button', { name: /^Pause/ }).count()).toBe(1);
    expect(
      await page
        .getByRole('row', { name: /Fresh Draft/ })
        .getByRole('button', { name: /^Start/ })
        .count(),
    ).toBe(1);
    await page.screenshot({ path: SHOTS.list, fullPage: true });

    const lists = apiCalls('GET', '/campaigns');
    expect(lists.at(-1)?.auth).toBe(`Bearer ${KEY}`);
    expect(lists.filter((r) => r.auth === 'Bearer wrong-key').length).toBe(1);

    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('ori.apiKey'))).toBeNull();
  });

  test('wizard: Next stays disabled until each step is valid; create sends docs/api.md fields and uploads the CSV', async () => {
    await signedIn('/dashboard/campaigns');
    await page.getByRole('link', { name: 'New Campaign' }).click();
    await page.waitForURL(/\/dashboard\/campaigns\/new$/);
    const next = button('Next');

    // 1 Basics
    await page.getByLabel('Campaign Name').waitFor();
    expect(await next.isDisabled()).toBe(true);
    await page.getByLabel('Campaign Name').fill('Q2 Renewal Drive');
    expect(await next.isDisabled()).toBe(true);
    await page.getByLabel('Bot').selectOption({ label: 'Renewals bot' });
    expect(await next.isEnabled()).toBe(true);
    await next.click();

    // 2 Number Pool
    await page.getByRole('heading', { name: '2. Number Pool' }).waitFor();
    expect(await next.isDisabled()).toBe(true);
    expect(await page.getByRole('checkbox', { name: /\+914440000003/ }).isDisabled()).toBe(true); // inbound only
    await page.getByRole('checkbox', { name: '+914440000001 (Support team)' }).check();
    expect(await next.isEnabled()).toBe(true);
    await next.click();

    // 3 Dialler Config
    await page.getByRole('heading', { name: '3. Dialler Config' }).waitFor();
    expect(await page.getByLabel('Concurrency Limit').inputValue()).toBe('50');
    await page.getByLabel('Concurrency Limit').fill('');
    await page.getByLabel('Concurrency Limit').blur();
    expect(await page.getByLabel('Concurrency Limit').inputValue()).toBe('50'); // blank → default
    await page.getByLabel('Concurrency Limit').fill('20');
    expect(await page.getByRole('checkbox', { name: /Always-on/ }).isVisible()).toBe(false);
    await page.getByRole('radio', { name: /Multi Day/ }).check();
    expect(await page.getByRole('checkbox', { name: /Always-on/ }).isVisible()).toBe(true);
    await page.getByLabel('Start', { exact: true }).fill('10:00');
    await page.getByLabel('End', { exact: true }).fill('09:30');
    await page.getByText('The window end must be later than its start on the same day.').waitFor();
    expect(await next.isDisabled()).toBe(true);
    await page.getByLabel('End', { exact: true }).fill('17:30');
    expect(await next.isEnabled()).toBe(true);
    await page.getByLabel('Timezone').selectOption('Asia/Kolkata');
    for (const d of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])
      await page.getByRole('checkbox', { name: d, exact: true }).uncheck();
    expect(await next.isDisabled()).toBe(true);
    for (const d of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'])
      await page.getByRole('checkbox', { name: d, exact: true }).check();
    expect(await next.isEnabled()).toBe(true);
    await page.getByLabel('Max Attempts').fill('4');
    await page.getByLabel('Retry Delay (minutes)').fill('15');
    await page.getByRole('checkbox', { name: 'no_answer', exact: true }).check();
    await page.getByRole('checkbox', { name: 'rejected', exact: true }).check();
    await page.getByLabel('Custom Retry Dispositions').fill('callback_requested, not_available');
    expect(await page.getByLabel('Connected longer than (seconds)').isVisible()).toBe(false);
    await page.getByRole('checkbox', { name: 'Stop redials after a meaningful connect' }).check();
    expect(await page.getByLabel('Connected longer than (seconds)').inputValue()).toBe('30');
    await page.getByLabel('Connected longer than (seconds)').fill('10');
    expect(await page.getByLabel('Connected shorter than (seconds)').isVisible()).toBe(false);
    await page.getByRole('checkbox', { name: 'Redial after a short connect' }).check();
    expect(await page.getByLabel('Connected shorter than (seconds)').inputValue()).toBe('15');
    await page
      .getByText(/Stop-after \(10s\) is below redial-under \(15s\)/)
      .first()
      .waitFor();
    await page.getByRole('checkbox', { name: 'Callback Detection' }).check();
    await page.getByRole('checkbox', { name: 'Sticky exclusion' }).check();
    await page.screenshot({ path: SHOTS.wizardConfig, fullPage: true });
    await next.click();

    // 4 Upload CSV
    await page.getByRole('heading', { name: '4. Upload CSV' }).waitFor();
    expect(await next.isDisabled()).toBe(true);
    const fileInput = page.getByLabel('Contacts CSV');
    await fileInput.setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('name,email\nAsha,a@x.in\n'),
    });
    await page.getByText(/needs a phone_number column/).waitFor();
    expect(await next.isDisabled()).toBe(true);
    const csv =
      '\ufeffphone_number,name,plan\r\n+919876543210,Asha,"Gold, annual"\r\n\r\n9876500001,Ravi,Silver\r\n';
    await fileInput.setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const preview = page.getByRole('table', { name: 'CSV preview: header and first rows' });
    await preview.waitFor();
    expect(await preview.getByRole('columnheader').allTextContents()).toEqual([
      'phone_number',
      'name',
      'plan',
    ]);
    expect(await preview.getByRole('cell', { name: 'Gold, annual' }).count()).toBe(1);
    expect(await next.isEnabled()).toBe(true);
    await page.screenshot({ path: SHOTS.wizardCsv, fullPage: true });
    await next.click();

    // 5 Review
    await page.getByRole('heading', { name: '5. Review' }).waitFor();
    const review = page.locator('dl.grid');
    for (const text of [
      'Q2 Renewal Drive',
      'Renewals bot',
      '1 selected: +914440000001 (Support team)',
      '10:00–17:30 Asia/Kolkata',
      'Mon, Tue, Wed, Thu, Fri',
      'Multi Day',
    ]) {
      expect(await review.getByText(text, { exact: true }).count(), text).toBe(1);
    }
    await page.screenshot({ path: SHOTS.wizard, fullPage: true });
    const create = button('Create Campaign');
    await create.click();
    await button('Creating…').waitFor();
    await page.waitForURL(/\/dashboard\/campaigns\/eeeeeeee-/);
    await page.getByText('Campaign created').waitFor();
    await page.getByText('Contacts uploaded: 2 added, 0 skipped.').waitFor();

    const [post] = apiCalls('POST', '/campaigns').filter((r) => r.url === '/api/v1/campaigns');
    expect(post?.body).toEqual({
      name: 'Q2 Renewal Drive',
      bot_id: BOT,
      number_ids: [NUM1],
      concurrency: 20,
      mode: 'multi_day',
      always_on: false,
      window: { start: '10:00', end: '17:30', timezone: 'Asia/Kolkata' },
      working_days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      max_attempts: 4,
      retry_delay_minutes: 15,
      retry_on_system: ['no_answer', 'rejected'],
      retry_on_custom: ['callback_requested', 'not_available'],
      stop_redials_after_connect_s: 10,
      redial_short_connect_s: 15,
      callback_detection: true,
      sticky_exclusion: true,
      recipient_hours: null,
      voicemail: { action: 'hangup' },
    });
    const upload = apiCalls('POST', '/campaigns/eeeeeeee-').find((r) => r.url.endsWith('/contacts'));
    expect(upload?.contentType).toBe('text/csv');
    expect(upload?.body).toBe(csv);
    expect(state.requests.every((r) => r.auth === `Bearer ${KEY}`)).toBe(true);
  });

  test('detail page: badge, live counters refreshed by polling, call list with attempt trail, filters, modal', async () => {
    await signedIn(`/dashboard/campaigns/${RUNNING}`);
    await page.getByRole('heading', { name: 'Spring Collections', level: 1 }).waitFor();
    expect(await page.locator('.page-head .badge-running').textContent()).toBe('running');
    await page.getByText('Always-on · runs until stopped').first().waitFor();
    await page.getByRole('heading', { name: 'Live Activity' }).waitFor();
    expect(await counter('Ringing').textContent()).toBe('3');
    expect(await counter('In Progress').textContent()).toBe('7');
    expect(await counter('Dials/sec').textContent()).toBe('1.5');
    expect(await counter('Last Dial').textContent()).toMatch(/^\d+s ago$/);
    expect(await counter('Answer Rate %').textContent()).toBe('42%');
    expect(await counter('Callbacks pending').textContent()).toBe('2');
    await page.getByText('Processed 70 of 120 (58.3%)').waitFor();
    await page.getByText('ETA ~1h5m').waitFor();

    // action bar for a running campaign
    for (const name of ['Pause', 'Stop', 'Add contacts (CSV)', 'Clone', 'Attempt Report', 'Activity (1)']) {
      expect(await button(name).count(), name).toBe(1);
    }
    for (const name of ['Start', 'Resume', 'Restart', 'Delete', 'Cancel Restart'])
      expect(await button(name).count(), name).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);

    // call list and attempt trail
    const row = page.getByRole('row', { name: /\+919876543210/ });
    await row.waitFor();
    expect(await row.getByText('2/3').count()).toBe(1);
    expect(await row.getByText('· Line busy').count()).toBe(1); // 486
    expect(await row.getByText('· No answer').count()).toBe(1); // 408
    expect(await row.getByText('Callback', { exact: true }).count()).toBe(1);
    expect(await row.getByText('Asha').count()).toBe(1);
    expect(
      await page
        .getByRole('row', { name: /\+919876500001/ })
        .getByText('· SIP 503')
        .count(),
    ).toBe(1);
    await page.getByText('Showing 1–50 of 120 · page 1 of 3').waitFor();

    // config panel
    await page.getByRole('heading', { name: 'Campaign Config · Run #1' }).waitFor();
    await page.getByText('2 outbound numbers').waitFor();
    await page.getByText('40s connected').waitFor();
    await page.screenshot({ path: SHOTS.detail, fullPage: true });
    await button('Show setup JSON').click();
    expect(await page.locator('#setup-json').textContent()).toContain('"created_by": "key:ops"');

    // filters and paging hit the API with the right query
    await button('Callbacks pending').click();
    await expect
      .poll(() =>
        apiCalls('GET', `/campaigns/${RUNNING}/contacts`).some((r) => r.url.includes('callback=pending')),
      )
      .toBe(true);
    // The list re-renders after its fetch: wait for the pressed state rather than read it once.
    await expect.poll(() => button('Callbacks pending').getAttribute('aria-pressed')).toBe('true');
    await page.getByLabel('Status filter').selectOption('excluded');
    await expect
      .poll(() => apiCalls('GET', `/campaigns/${RUNNING}/contacts`).some((r) => /state=excluded/.test(r.url)))
      .toBe(true);
    await button('Next page').click();
    await expect
      .poll(() => apiCalls('GET', `/campaigns/${RUNNING}/contacts`).some((r) => /page=2/.test(r.url)))
      .toBe(true);

    // polling every 3 s picks up new live numbers and the idle label, patching the page in place: the
    // first call-list row and the Ringing figure are the same nodes after the refresh.
    await page.evaluate(() => {
      const w = window as unknown as { keptRow: Element | null; keptFigure: Element | null };
      w.keptRow = document.querySelector('table.calls tbody tr');
      w.keptFigure = document.querySelector('.live .counter dd');
    });
    state.live = { ...state.live, ringing: 5, activity: 'idle' };
    await page.getByRole('heading', { name: 'Idle — Waiting for retries' }).waitFor({ timeout: 7000 });
    expect(await counter('Ringing').textContent()).toBe('5');
    expect(await counter('Dials/sec').textContent()).toBe('--');
    expect(
      await page.evaluate(() => {
        const w = window as unknown as { keptRow: Element | null; keptFigure: Element | null };
        return [w.keptRow?.isConnected, w.keptFigure?.isConnected, w.keptFigure?.textContent];
      }),
    ).toEqual([true, true, '5']);

    // activity log modal
    await button('Activity (1)').click();
    const dialog = page.getByRole('dialog', { name: 'Activity Log' });
    await dialog.waitFor();
    expect(await dialog.getByRole('cell', { name: 'key:ops' }).count()).toBe(1);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  test('actions per status with the spec confirmations: pause, resume, stop, restart, cancel restart', async () => {
    await signedIn(`/dashboard/campaigns/${RUNNING}`);
    await button('Pause').click();
    await page.locator('.page-head .badge-paused').waitFor();
    expect(await button('Resume').count()).toBe(1);
    expect(await button('Pause').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(1);
    await button('Resume').click();
    await page.locator('.page-head .badge-running').waitFor();

    await button('Stop').click();
    await page.locator('.page-head .badge-completed').waitFor();
    expect(dialogs.at(-1)).toMatch(/^Stop this campaign\?/);
    await page.getByText('Completed: Manually stopped').waitFor();
    await page.getByText(/^Manually stopped by key:ops at /).waitFor();
    for (const name of ['Restart', 'Clone']) expect(await button(name).count(), name).toBe(1);
    for (const name of ['Start', 'Pause', 'Stop', 'Resume']) expect(await button(name).count(), name).toBe(0);

    await button('Restart').click();
    await page.locator('.page-head .badge-draft').waitFor();
    expect(dialogs.at(-1)).toBe(
      'Prepare this campaign for a new run? This resets call attempts and returns it to draft. It will not start dialling until you press Start.',
    );
    await page.getByText('Run #2 is prepared, not started').waitFor();
    expect(await button('Start').count()).toBe(1);
    expect(await button('Delete').count()).toBe(0); // it ran before
    await page
      .getByRole('group', { name: 'Campaign actions' })
      .getByRole('button', { name: 'Cancel Restart' })
      .click();
    await page.locator('.page-head .badge-completed').waitFor();
    expect(dialogs.at(-1)).toBe('Cancel the prepared Run #2 and restore the previous completed run?');
    expect(apiCalls('POST', `/campaigns/${RUNNING}/`).map((r) => r.url.split('/').pop())).toEqual([
      'pause',
      'resume',
      'stop',
      'restart',
      'cancel-restart',
    ]);
  });

  test('draft and completed campaigns: Start only on draft, start errors inline, delete, restart and clone', async () => {
    await signedIn(`/dashboard/campaigns/${DRAFT}`);
    await page.getByRole('heading', { name: 'Fresh Draft', level: 1 }).waitFor();
    await page.locator('.page-head .badge-draft').waitFor();
    for (const name of ['Start', 'Delete', 'Clone', 'Attempt Report'])
      expect(await button(name).count(), name).toBe(1);
    for (const name of ['Pause', 'Stop', 'Restart', 'Resume', 'Add contacts (CSV)'])
      expect(await button(name).count(), name).toBe(0);
    expect(await button(/^Activity/).count()).toBe(0); // no activity yet
    expect(await page.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Live Activity' }).count()).toBe(0);
    await button('Start').click();
    const alert = page.getByRole('alert').filter({ hasText: 'The campaign cannot start yet' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Contacts: no contacts uploaded');

    await button('Delete').click();
    await page.waitForURL(/\/dashboard\/campaigns$/);
    expect(dialogs.at(-1)).toMatch(/^Delete this campaign permanently\?/);
    expect(apiCalls('DELETE', `/campaigns/${DRAFT}`).length).toBe(1);

    await page.goto(`${base}/dashboard/campaigns/${COMPLETED}`);
    await page.getByText('Completed: All contacts reached a final state').waitFor();
    for (const name of ['Restart', 'Clone']) expect(await button(name).count(), name).toBe(1);
    for (const name of ['Start', 'Pause', 'Stop', 'Delete']) expect(await button(name).count(), name).toBe(0);
    await button('Clone').click();
    await page.waitForURL(/\/dashboard\/campaigns\/ffffffff-/);
    await page.getByRole('heading', { name: 'Winter Wrap-up (copy)', level: 1 }).waitFor();
  });

  test('edit wizard: locked identity after the first run, PATCH without name and bot; running is not editable', async () => {
    await signedIn(`/dashboard/campaigns/${PAUSED}/edit`);
    await page
      .getByText(
        'Campaign name, bot, and contacts are locked after the first run. You can rotate outbound numbers and adjust dialler config before pressing Start.',
      )
      .waitFor();
    await page.getByText('These fields stay fixed so old and new attempts remain audit-safe.').waitFor();
    expect(await page.getByLabel('Campaign Name').isDisabled()).toBe(true);
    expect(await page.getByLabel('Campaign Name').inputValue()).toBe('Paused Promo');
    expect(await page.getByLabel('Bot').isDisabled()).toBe(true);
    await button('Next').click();
    expect(await page.getByRole('checkbox', { name: '+914440000002' }).isChecked()).toBe(true);
    await page.getByRole('checkbox', { name: '+914440000002' }).uncheck();
    await button('Next').click();
    await page.getByLabel('Concurrency Limit').fill('30');
    await button('Next').click();
    await page
      .getByText('CSV contacts are locked for this campaign. Use Clone if you need a different contact set.')
      .waitFor();
    await button('Next').click();
    await button('Save Campaign').click();
    await page.waitForURL(new RegExp(`/dashboard/campaigns/${PAUSED}$`));
    await page.getByText('Campaign updated').waitFor();
    const patch = apiCalls('PATCH', `/campaigns/${PAUSED}`)[0]?.body as Json;
    expect(patch).not.toHaveProperty('name');
    expect(patch).not.toHaveProperty('bot_id');
    expect(patch).toMatchObject({ number_ids: [NUM1], concurrency: 30 });
    expect(apiCalls('POST', `/campaigns/${PAUSED}/contacts`).length).toBe(0);

    await page.goto(`${base}/dashboard/campaigns/${RUNNING}/edit`);
    await page.getByText('Only draft and paused campaigns can be edited. Current status: running.').waitFor();
    expect(await page.getByLabel('Campaign Name').isDisabled()).toBe(true);
  });

  test('attempt report streams with a progress text and saves the CSV', async () => {
    await signedIn(`/dashboard/campaigns/${RUNNING}`);
    const report = button('Attempt Report');
    await report.waitFor();
    const download = page.waitForEvent('download');
    await report.click();
    const progress = page.getByRole('button', { name: /^(Preparing…|Downloading .*)$/ });
    await expect.poll(async () => (await progress.count()) === 1 && (await progress.isDisabled())).toBe(true);
    await page.getByRole('button', { name: /^Downloading \d+ rows · [\d.]+ KB$/ }).waitFor();
    const file = await download;
    expect(file.suggestedFilename()).toBe('campaign-aaaaaaaa-attempts.csv');
    await page.getByText('Attempt report downloaded: 3 rows').waitFor();
    await button('Attempt Report').waitFor();
  });

  test('Integration tab shows Trigger and Exclude snippets with the campaign id', async () => {
    await signedIn(`/dashboard/campaigns/${RUNNING}`);
    await page.getByRole('tab', { name: 'Integration' }).click();
    const trigger = page.getByRole('region', { name: 'Trigger — add a contact' });
    await trigger.waitFor();
    const code = trigger.getByRole('tabpanel');
    expect(await code.textContent()).toContain(`curl -X POST '${base}/api/v1/campaigns/trigger'`);
    expect(await code.textContent()).toContain(`"campaign_id":"${RUNNING}"`);
    await trigger.getByRole('tab', { name: 'Python' }).click();
    expect(await code.textContent()).toContain('requests.post(');
    await trigger.getByRole('tab', { name: 'Node.js' }).click();
    expect(await code.textContent()).toContain('JSON.stringify(');
    expect(await code.textContent()).toContain(`"campaign_id": "${RUNNING}"`);
    const exclude = page.getByRole('region', { name: 'Exclude — suppress contacts' });
    expect(await exclude.getByRole('tabpanel').textContent()).toContain('/api/v1/contacts/exclude');
    expect(await exclude.getByRole('tabpanel').textContent()).not.toContain(KEY);
    expect(await page.getByRole('tab', { name: 'Details' }).getAttribute('aria-selected')).toBe('false');
  });

  test('setup page creates carriers and shows 422 details next to the field', async () => {
    await signedIn('/dashboard/setup');
    await page.getByRole('cell', { name: 'Renewals bot' }).waitFor();
    const form = page.getByRole('form', { name: 'New carrier' });
    await form.getByLabel('Carrier name').fill('Second Carrier');
    await form.getByRole('button', { name: 'Create carrier' }).click();
    await form.getByText('gateway is required').waitFor();
    expect(await form.getByLabel('Gateway').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('Gateway').fill('second-gw');
    await form.getByLabel('CPS limit').fill('5');
    await form.getByRole('button', { name: 'Create carrier' }).click();
    await page.getByRole('cell', { name: 'second-gw' }).waitFor();
    expect(apiCalls('POST', '/carriers').at(-1)?.body).toEqual({
      name: 'Second Carrier',
      gateway: 'second-gw',
      cps_limit: 5,
    });

    const numbers = page.getByRole('form', { name: 'New outbound number' });
    await numbers.getByLabel('Number (E.164)').fill('+914440000009');
    await numbers.getByLabel('Label').fill('Sales');
    await numbers.getByLabel('Carrier').selectOption({ label: 'Second Carrier (second-gw)' });
    await numbers.getByRole('button', { name: 'Add number' }).click();
    await page.getByRole('cell', { name: '+914440000009' }).waitFor();
    expect(apiCalls('POST', '/numbers').at(-1)?.body).toMatchObject({
      e164: '+914440000009',
      label: 'Sales',
      inbound_only: false,
    });
  });

  test('a 401 while polling returns to the sign-in form', async () => {
    await signedIn(`/dashboard/campaigns/${RUNNING}`);
    await page.getByRole('heading', { name: 'Live Activity' }).waitFor();
    state.revoked = true;
    await page.getByLabel('API key').waitFor({ timeout: 7000 });
    await page.getByText('Your API key was not accepted. Sign in again.').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('ori.apiKey'))).toBeNull();
    state.revoked = false;
    await page.getByLabel('API key').fill(KEY);
    await button('Sign in').click();
    await page.getByRole('heading', { name: 'Spring Collections', level: 1 }).waitFor();
  });
});
