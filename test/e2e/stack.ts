import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../api/app';
import { loadSettings } from '../../config/settings';
import { temporalCampaignEngine } from '../../engine/temporal-campaign-engine';
import {
  startSimulator,
  type CallRecord,
  type RunningSimulator,
  type ScenarioInput,
} from '../../simulator/simulator';
import { startTemporalDevServer, type DevServer } from '../../scripts/temporal';
import { spawnManaged, type ManagedProcess } from '../../scripts/processes';
import { freePort } from '../../scripts/net';
import { createDb } from '../../db/connection';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrateDatabase, startOwnPostgres, type OwnPostgres } from '../support/own-postgres';
import { apiRequest } from '../support/api-request';
import '../support/context';

/**
 * The whole dialler on its real parts for end-to-end tests: a fresh Postgres database, a Temporal dev
 * server, the switch simulator, the API listening on a real port, and the worker as a child process (so a
 * test can kill -9 it). Everything is stopped by `stop()`.
 */
export interface Stack {
  db: TestDatabase;
  sim: RunningSimulator;
  /** The simulator's log lines (message and fields), as simulator/main.ts would print them. */
  simLog: { msg: string; [field: string]: unknown }[];
  temporal: DevServer;
  client: Client;
  app: FastifyInstance;
  apiUrl: string;
  apiKey: string;
  taskQueue: string;
  /** The worker started last. */
  worker: ManagedProcess | null;
  /** The running worker's own `/metrics` (a free port per worker). */
  workerMetricsUrl: string | null;
  /** Every worker started (a test may run several, and kill any); `stop()` stops them all. */
  workers: ManagedProcess[];
  startWorker(): Promise<ManagedProcess>;
  /** Stop the Temporal dev server, stay down `downMs`, start it again on the same port and state file. */
  restartTemporal(downMs?: number): Promise<void>;
  /** `ownPostgres` stacks only: stop the server (`pg_ctl -m immediate`), stay down `downMs`, start it again. */
  restartPostgres(downMs?: number): Promise<void>;
  /** Close the API's listener (its requests then fail to connect) ... */
  stopApi(): Promise<void>;
  /** ... and open a new one on the same port. */
  startApi(): Promise<void>;
  /** Authenticated JSON call to the API; returns status and parsed body. */
  api<T = unknown>(
    method: string,
    route: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export interface StackOptions {
  scenario: ScenarioInput;
  /** Extra environment for the worker (ORI_RING_TIMEOUT_S, ORI_MAX_CALL_S, ...). */
  workerEnv?: Record<string, string>;
  /** The API's environment (its settings), e.g. the same ORI_RING_TIMEOUT_S/ORI_MAX_CALL_S as the worker. */
  apiEnv?: Record<string, string>;
  /** Keep the dev server's state in this folder (so `restartTemporal()` keeps every workflow). */
  temporalDataDir?: string;
  /** A Postgres cluster of the stack's own (so `restartPostgres()` disturbs no other test file). */
  ownPostgres?: boolean;
  /** Start another Temporal than the dev server (the self-hosted server of `npm run test:cluster`). */
  startTemporal?: () => Promise<DevServer>;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** The `ori` database of a cluster of our own, migrated, as a TestDatabase (its cluster goes with the stack). */
async function ownTestDatabase(pg: OwnPostgres): Promise<TestDatabase> {
  await migrateDatabase(pg.url);
  const db = createDb(pg.url, { max: 10 });
  let dropped: Promise<void> | undefined;
  return { name: 'ori', url: pg.url, db, drop: () => (dropped ??= db.destroy()) };
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const own = options.ownPostgres ? await startOwnPostgres() : null;
  const db = own ? await ownTestDatabase(own) : await createTestDatabase({ poolSize: 10 });
  const temporalPort = await freePort();
  const startTemporal = (): Promise<DevServer> =>
    options.startTemporal?.() ??
    startTemporalDevServer({
      cli: inject('temporalCliPath'),
      dataDir: options.temporalDataDir ?? null,
      port: temporalPort,
      prefix: false,
    });
  let temporal = await startTemporal();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const taskQueue = `e2e-${randomUUID()}`;
  const apiKey = `ori_test_${randomBytes(12).toString('hex')}`;
  const settings = { ...loadSettings(options.apiEnv ?? {}), bootstrapApiKey: apiKey, taskQueue };
  const buildApi = (): Promise<FastifyInstance> =>
    buildApp(
      { db: db.db, engine: temporalCampaignEngine(client, taskQueue), settings },
      { logger: process.env.E2E_API_LOG ? { level: 'error' } : false },
    );
  let app = await buildApi();
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const apiUrl = address.replace('localhost', '127.0.0.1');
  const simLog: Stack['simLog'] = [];
  const apiPort = Number(new URL(apiUrl).port);
  const sim = await startSimulator({
    log: (msg, fields) => void simLog.push({ msg, ...fields }),
    eslPort: 0,
    controlPort: 0,
    scenario: options.scenario,
    resultUrl: apiUrl,
    apiKey,
    heartbeatIntervalMs: 2_000,
  });

  const stack: Stack = {
    db,
    sim,
    simLog,
    temporal,
    client,
    app,
    apiUrl,
    apiKey,
    taskQueue,
    worker: null,
    workerMetricsUrl: null,
    workers: [],
    async startWorker() {
      const metricsPort = await freePort();
      const worker = spawnManaged(
        'worker',
        process.execPath,
        [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'worker/main.ts'],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            DATABASE_URL: db.url,
            TEMPORAL_ADDRESS: temporal.address,
            TEMPORAL_NAMESPACE: temporal.namespace,
            ORI_TASK_QUEUE: taskQueue,
            ESL_HOST: '127.0.0.1',
            ESL_PORT: String(sim.eslPort),
            ESL_PASSWORD: 'ClueCon',
            ORI_WORKER_METRICS_PORT: String(metricsPort),
            ...options.workerEnv,
          },
          prefix: process.env.E2E_VERBOSE ? '[worker] ' : false,
          stopTimeoutMs: 5_000,
        },
      );
      stack.worker = worker;
      stack.workerMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      stack.workers.push(worker);
      // Ready once it polls: its first log line says so.
      const deadline = Date.now() + 60_000;
      while (!worker.tail().includes('polling task queue')) {
        if (worker.exitInfo) throw new Error(`worker exited early:\n${worker.tail()}`);
        if (Date.now() > deadline) throw new Error(`worker did not start:\n${worker.tail()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return worker;
    },
    async restartTemporal(downMs = 0) {
      await temporal.stop();
      if (downMs > 0) await sleep(downMs);
      temporal = await startTemporal();
      stack.temporal = temporal;
    },
    async restartPostgres(downMs = 0) {
      if (!own) throw new Error('restartPostgres needs startStack({ ownPostgres: true })');
      await own.restart({ mode: 'immediate', downMs });
    },
    async stopApi() {
      await app.close();
    },
    async startApi() {
      app = await buildApi();
      await app.listen({ port: apiPort, host: '127.0.0.1' });
      stack.app = app;
    },
    api: (method, route, body, contentType) =>
      apiRequest<never>({ apiUrl, apiKey }, method, route, body, contentType),
    async stop() {
      await Promise.all(stack.workers.map((w) => w.stop().catch(() => undefined)));
      await app.close().catch(() => undefined);
      await sim.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await temporal.stop().catch(() => undefined);
      await db.drop().catch(() => undefined);
      await own?.stop().catch(() => undefined);
    },
  };
  return stack;
}

/** Poll until `probe` returns a value, or fail with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Largest number of calls alive at once, from the simulator's ground-truth call log. */
export function maxOverlap(calls: { received_at: string; ended_at: string | null }[]): number {
  const points: [number, number][] = [];
  for (const c of calls) {
    points.push([Date.parse(c.received_at), 1]);
    points.push([c.ended_at ? Date.parse(c.ended_at) : Number.MAX_SAFE_INTEGER, -1]);
  }
  // Ends before starts at the same instant: a seat freed and re-used in the same millisecond is no overlap.
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of points) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}

/** Digits only: the simulator's call log has numbers without `+`; compare on digits. */
export const digits = (s: string | null | undefined): string => (s ?? '').replace(/\D/g, '');

/**
 * The simulator's per-number scripts for one file's stack, built at module load: every test takes its own
 * phone numbers from it (a number's token sequence is per stack, so numbers are never shared), and the
 * stack starts with all of them. `add(tokens)` returns a fresh Indian mobile in E.164.
 */
export class NumberPlan {
  readonly numbers: Record<string, string[]> = {};
  private next = 0;
  constructor(private readonly prefix: string) {
    if (!/^\+91[6-9]\d$/.test(prefix)) throw new Error('prefix must be +91 and two digits, e.g. +9197');
  }
  add(tokens: string[]): string {
    const phone = `${this.prefix}${String(100_000_000 + this.next++).slice(1)}`;
    this.numbers[phone] = tokens;
    return phone;
  }
  many(n: number, tokens: string[]): string[] {
    return Array.from({ length: n }, () => this.add(tokens));
  }
}

export interface CampaignBody {
  name?: string;
  concurrency?: number;
  mode?: 'single_day' | 'multi_day';
  always_on?: boolean;
  window?: { start: string; end: string; timezone: string };
  working_days?: string[];
  max_attempts?: number;
  retry_delay_minutes?: number;
  retry_on_system?: string[];
  retry_on_custom?: string[];
  stop_redials_after_connect_s?: number | null;
  redial_short_connect_s?: number | null;
  callback_detection?: boolean;
  sticky_exclusion?: boolean;
  recipient_hours?: { start?: string; end?: string } | boolean | null;
  voicemail?: { action: 'hangup' | 'message'; message?: string };
}

export interface BuildCampaignOptions {
  /** The campaign body (defaults: window all day UTC, max_attempts 1, concurrency 5). */
  config?: CampaignBody;
  /** A CSV body; or `phones` for a one-column `phone_number` CSV. */
  csv?: string;
  phones?: string[];
  /** Use these numbers (caller ids); otherwise a new carrier and one new number are made. */
  numberIds?: string[];
  /** The carrier's dial-rate cap when a new carrier is made. */
  cpsLimit?: number;
  /** The bot's callback_enabled (a new bot per campaign). */
  botCallbackEnabled?: boolean;
  /** Start it (default true). */
  start?: boolean;
}

export interface CampaignAnswer {
  id: string;
  status: string;
  run_no: number;
  completion_reason: string | null;
  warnings: string[];
  config: Record<string, unknown> & { concurrency: number };
  /** buildCampaign only: the contact upload's answer. */
  upload?: { added: number; skipped: number; errors: { row: number; reason: string }[] } | null;
}

let resourceSeq = 0;

/** A carrier with `count` outbound numbers; returns the carrier id and the number ids. */
export async function createCarrier(
  stack: Stack,
  opts: { cpsLimit?: number; count?: number } = {},
): Promise<{ carrierId: string; numberIds: string[]; e164s: string[] }> {
  const seq = ++resourceSeq;
  const carrier = await stack.api<{ id: string }>('POST', '/api/v1/carriers', {
    name: `Carrier ${seq}`,
    gateway: `gw${seq}`,
    ...(opts.cpsLimit === undefined ? {} : { cps_limit: opts.cpsLimit }),
  });
  if (carrier.status !== 201) throw new Error(`carrier: ${carrier.status} ${JSON.stringify(carrier.body)}`);
  const numberIds: string[] = [];
  const e164s: string[] = [];
  for (let i = 0; i < (opts.count ?? 1); i++) {
    const e164 = `+1415555${String(1000 + seq * 10 + i).slice(-4)}`;
    const n = await stack.api<{ id: string }>('POST', '/api/v1/numbers', {
      e164,
      carrier_id: carrier.body.id,
    });
    if (n.status !== 201) throw new Error(`number: ${n.status} ${JSON.stringify(n.body)}`);
    numberIds.push(n.body.id);
    e164s.push(e164);
  }
  return { carrierId: carrier.body.id, numberIds, e164s };
}

/** Bot, numbers, campaign, contacts and (by default) start, through the public API. */
export async function buildCampaign(stack: Stack, opts: BuildCampaignOptions): Promise<CampaignAnswer> {
  const seq = ++resourceSeq;
  const bot = await stack.api<{ id: string }>('POST', '/api/v1/bots', {
    name: `Bot ${seq}`,
    callback_enabled: opts.botCallbackEnabled ?? false,
  });
  if (bot.status !== 201) throw new Error(`bot: ${bot.status} ${JSON.stringify(bot.body)}`);
  const numberIds =
    opts.numberIds ??
    (await createCarrier(stack, opts.cpsLimit ? { cpsLimit: opts.cpsLimit } : {})).numberIds;
  const created = await stack.api<CampaignAnswer>('POST', '/api/v1/campaigns', {
    name: opts.config?.name ?? `Campaign ${seq}`,
    bot_id: bot.body.id,
    number_ids: numberIds,
    concurrency: 5,
    max_attempts: 1,
    window: { start: '00:00', end: '23:59', timezone: 'UTC' },
    ...opts.config,
  });
  if (created.status !== 201) throw new Error(`campaign: ${created.status} ${JSON.stringify(created.body)}`);
  let uploaded: CampaignAnswer['upload'] = null;
  const csv = opts.csv ?? (opts.phones ? ['phone_number', ...opts.phones].join('\n') : undefined);
  if (csv !== undefined) {
    const upload = await stack.api<NonNullable<CampaignAnswer['upload']>>(
      'POST',
      `/api/v1/campaigns/${created.body.id}/contacts`,
      csv,
      'text/csv',
    );
    if (upload.status !== 200) throw new Error(`upload: ${upload.status} ${JSON.stringify(upload.body)}`);
    uploaded = upload.body;
  }
  if (opts.start === false) return { ...created.body, upload: uploaded };
  const started = await stack.api<CampaignAnswer>('POST', `/api/v1/campaigns/${created.body.id}/start`);
  if (started.status !== 200) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
  return { ...started.body, upload: uploaded };
}

/** GET the campaign until `done` holds. */
export async function waitForCampaign(
  stack: Stack,
  id: string,
  done: (c: CampaignAnswer) => boolean,
  timeoutMs = 120_000,
  what = 'the campaign',
): Promise<CampaignAnswer> {
  try {
    return await eventually(
      what,
      async () => {
        const c = await stack.api<CampaignAnswer>('GET', `/api/v1/campaigns/${id}`);
        return c.status === 200 && done(c.body) ? c.body : null;
      },
      timeoutMs,
    );
  } catch (e) {
    // A campaign that never got there: say where it stands, as the on-call engineer would ask the API.
    const [campaign, diagnose, contacts] = await Promise.all(
      [
        `/api/v1/campaigns/${id}`,
        `/api/v1/campaigns/${id}/diagnose`,
        `/api/v1/campaigns/${id}/contacts?per_page=100`,
      ].map((path) =>
        stack.api('GET', path).then(
          (r) => r.body,
          (err: unknown) => String(err),
        ),
      ),
    );
    const workflows: string[] = [];
    try {
      for await (const w of stack.client.workflow.list()) {
        if (!w.workflowId.includes(id)) continue;
        const d = await stack.client.workflow.getHandle(w.workflowId, w.runId).describe();
        const raw = (d.raw.pendingActivities ?? []).map(
          (a) => `${a.activityType?.name}:${a.state}:attempt${a.attempt}`,
        );
        const kids = (d.raw.pendingChildren ?? []).map((c) => c.workflowId);
        workflows.push(
          `${w.workflowId} ${w.type} ${w.status.name} acts=[${raw.join(',')}] kids=[${kids.join(',')}]`,
        );
      }
    } catch (err) {
      workflows.push(`(listing failed: ${String(err)})`);
    }
    throw new Error(
      `${(e as Error).message}\ncampaign: ${JSON.stringify(campaign)}\ndiagnose: ${JSON.stringify(diagnose)}\ncontacts: ${JSON.stringify(contacts)}\nworkflows:\n${workflows.join('\n')}\nworker:\n${stack.worker?.tail() ?? ''}`,
    );
  }
}

export const waitForCompletion = (stack: Stack, id: string, timeoutMs = 120_000): Promise<CampaignAnswer> =>
  waitForCampaign(stack, id, (c) => c.status === 'completed', timeoutMs, `campaign ${id} to complete`);

/** The switch's ground-truth originates to these phones (E.164 or digits), in order. */
export function callsTo(stack: Stack, phones: string | string[]): CallRecord[] {
  const wanted = new Set((Array.isArray(phones) ? phones : [phones]).map(digits));
  return stack.sim.calls().filter((c) => wanted.has(digits(c.number)));
}

/**
 * The most originates that fall in any 1-second window [t, t + 1000 ms) of the call log (the carrier's
 * view of "calls per second"), by the simulator's receive time.
 */
export function perSecondMax(calls: { received_at: string }[]): number {
  const t = calls.map((c) => Date.parse(c.received_at)).sort((a, b) => a - b);
  let max = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while ((t[hi] ?? 0) - (t[lo] ?? 0) >= 1000) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
