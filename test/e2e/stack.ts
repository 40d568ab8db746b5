import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../api/app';
import { loadSettings } from '../../config/settings';
import { temporalCampaignEngine } from '../../engine/temporal-campaign-engine';
import { startSimulator, type RunningSimulator, type ScenarioInput } from '../../simulator/simulator';
import { startTemporalDevServer, type DevServer } from '../../scripts/temporal';
import { spawnManaged, type ManagedProcess } from '../../scripts/processes';
import { freePort } from '../../scripts/net';
import { createTestDatabase, type TestDatabase } from '../support/db';
import '../support/context';

/**
 * The whole dialler on its real parts for end-to-end tests: a fresh Postgres database, a Temporal dev
 * server, the switch simulator, the API listening on a real port, and the worker as a child process (so a
 * test can kill -9 it). Everything is stopped by `stop()`.
 */
export interface Stack {
  db: TestDatabase;
  sim: RunningSimulator;
  temporal: DevServer;
  client: Client;
  app: FastifyInstance;
  apiUrl: string;
  apiKey: string;
  taskQueue: string;
  worker: ManagedProcess | null;
  startWorker(): Promise<ManagedProcess>;
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
}

const ROOT = path.resolve(__dirname, '..', '..');

export async function startStack(options: StackOptions): Promise<Stack> {
  const db = await createTestDatabase({ poolSize: 10 });
  const temporal = await startTemporalDevServer({
    cli: inject('temporalCliPath'),
    dataDir: null,
    port: await freePort(),
    prefix: false,
  });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const taskQueue = `e2e-${randomUUID()}`;
  const apiKey = `ori_test_${randomBytes(12).toString('hex')}`;
  const settings = { ...loadSettings({}), bootstrapApiKey: apiKey, taskQueue };
  const app = await buildApp(
    { db: db.db, engine: temporalCampaignEngine(client, taskQueue), settings },
    { logger: false },
  );
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const apiUrl = address.replace('localhost', '127.0.0.1');
  const sim = await startSimulator({
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
    temporal,
    client,
    app,
    apiUrl,
    apiKey,
    taskQueue,
    worker: null,
    async startWorker() {
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
            ...options.workerEnv,
          },
          prefix: process.env.E2E_VERBOSE ? '[worker] ' : false,
          stopTimeoutMs: 5_000,
        },
      );
      stack.worker = worker;
      // Ready once it polls: its first log line says so.
      const deadline = Date.now() + 60_000;
      while (!worker.tail().includes('polling task queue')) {
        if (worker.exitInfo) throw new Error(`worker exited early:\n${worker.tail()}`);
        if (Date.now() > deadline) throw new Error(`worker did not start:\n${worker.tail()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return worker;
    },
    async api(method, route, body, contentType) {
      const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
      let payload: string | undefined;
      if (body !== undefined) {
        headers['content-type'] = contentType ?? 'application/json';
        payload = typeof body === 'string' ? body : JSON.stringify(body);
      }
      const res = await fetch(`${apiUrl}${route}`, { method, headers, body: payload });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // CSV and other text bodies stay as they are.
      }
      return { status: res.status, body: parsed as never };
    },
    async stop() {
      await stack.worker?.stop().catch(() => undefined);
      await app.close().catch(() => undefined);
      await sim.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await temporal.stop().catch(() => undefined);
      await db.drop().catch(() => undefined);
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
