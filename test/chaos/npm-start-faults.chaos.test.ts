import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/connection';
import { freePort } from '../../scripts/net';
import { findPostgresBinDirs } from '../../scripts/postgres';
import { spawnManaged, type ManagedProcess } from '../../scripts/processes';
import { REPO_ROOT } from '../../scripts/temporal';
import { readCallLogFile } from '../../simulator/call-log-file';
import type { CallRecord } from '../../simulator/simulator';
import { apiRequest } from '../support/api-request';

/**
 * Every fault at once, on the real `npm start` (`npm run test:chaos`; outside `npm test`: it takes many
 * minutes). One campaign — 250 contacts, concurrency 15, at most 2 attempts, `no_answer` retried — runs
 * under scripts/start.ts on its own data dir and free ports, and while it dials: ten worker `kill -9`s (the
 * two workers by turns, the other one always up), Postgres stopped `-m immediate` (SIGQUIT to the
 * postmaster), the Temporal dev server killed (`kill -9`) and the switch simulator killed (`kill -9`).
 * npm start's supervisor brings each back on the same data dirs; nothing else restarts.
 *
 * Judged only from ground truth: the simulator's call log on disk (SIM_CALL_LOG, kept across its kill),
 * what Postgres holds, and npm start's process record:
 * - every contact is final and the campaign completed;
 * - no attempt id reached the switch twice, no number more often than its max attempts;
 * - every attempt that counts is a call the switch received (no contact spent without a call), except an
 *   originate written in the very moment the switch was killed (counted and reported, see below);
 * - every recorded outcome is the switch's own for that call (SIP code and all); a call the switch's death
 *   cut off, which the switch never ended, is `timeout` — and an answered call whose post-call result died
 *   with the simulator (it plays the bot platform too) is `timeout` as well;
 * - no process exited because a dependency blinked: the API never restarted, and each worker, the switch
 *   and the dev server were started exactly once more per kill.
 */

const CONTACTS = 250;
const WORKER_KILLS = 10;
const PREFIX = '+9193';
const phoneOf = (i: number): string => `${PREFIX}${String(100_000_000 + i).slice(1)}`;
const digits = (s: string): string => s.replace(/\D/g, '');
/** Calls of about 15 s on average: long enough to be ringing or talking whenever a fault strikes. */
const SCENARIO = {
  time_scale: 1,
  default: { 'answer:20': 0.35, 'no_answer:15': 0.4, 'sip:486:3': 0.25, ring_s: [1, 4] },
};

const dataDir = path.join(REPO_ROOT, '.data', `chaos-test-${process.pid}`);
const callLog = path.join(dataDir, 'calls.jsonl');
let start: ManagedProcess | undefined;
let db: Db | undefined;

afterAll(async () => {
  await db?.destroy().catch(() => undefined);
  await start?.stop(60_000);
  // CHAOS_KEEP=1 keeps the data dir (call log, Postgres, Temporal state) to look into a failure.
  if (!process.env.CHAOS_KEEP) await fs.rm(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (m: string): void => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A probe that fails (Postgres away, a port not listening yet) is a "not yet".
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${start?.tail() ?? ''}`);
    await sleep(500);
  }
}

/** The children npm start recorded (every launch appends), newest last. */
function recorded(name: string): number[] {
  const file = path.join(dataDir, 'processes.json');
  if (!existsSync(file)) return [];
  const { children } = JSON.parse(readFileSync(file, 'utf8')) as {
    children: { name: string; pid: number }[];
  };
  return children.filter((c) => c.name === name).map((c) => c.pid);
}
const latest = (name: string): number => {
  const pid = recorded(name).at(-1);
  if (!pid) throw new Error(`npm start recorded no ${name}`);
  return pid;
};

function calls(): CallRecord[] {
  return existsSync(callLog) ? readCallLogFile(callLog).calls : [];
}
/** When the switch was last killed: calls it had up then never end in its log. */
let switchKilledAt = 0;
const live = (): CallRecord[] =>
  calls().filter(
    (c) => c.ended_at === null && c.outcome !== 'error' && Date.parse(c.received_at) > switchKilledAt,
  );

/** A worker is up once its presence row is fresh and says it holds the switch connection. */
async function workerUp(pid: number): Promise<boolean> {
  const rows = await db!
    .selectFrom('worker_presence')
    .select(['worker_id', 'esl_connected'])
    .where('seen_at', '>', sql<Date>`now() - interval '3 seconds'`)
    .execute();
  return rows.some((r) => r.worker_id.includes(`:${pid}:`) && r.esl_connected);
}

async function campaignStatus(
  api: (m: string, r: string) => Promise<{ status: number; body: unknown }>,
  id: string,
) {
  const c = await api('GET', `/api/v1/campaigns/${id}`);
  return c.status === 200 ? (c.body as { status: string; completion_reason: string | null }) : null;
}

describe.skipIf(findPostgresBinDirs().length === 0)('every fault during one campaign under npm start', () => {
  it('ends every contact truthfully: nothing dialled twice, nothing spent without a call, every outcome the switch’s', async () => {
    const t0 = Date.now();
    await fs.mkdir(dataDir, { recursive: true });
    const scenarioFile = path.join(dataDir, 'scenario.json');
    await fs.writeFile(scenarioFile, JSON.stringify(SCENARIO));
    const [port, temporalPort, temporalUiPort, eslPort, controlPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const apiKey = `ori_chaos_${process.pid}_${Date.now()}`;
    start = spawnManaged(
      'start',
      process.execPath,
      ['--import', pathToFileURL(require.resolve('tsx')).href, 'scripts/start.ts'],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          DATABASE_URL: '',
          TEMPORAL_ADDRESS: '',
          ESL_HOST: '',
          ORI_DATA_DIR: dataDir,
          PORT: String(port),
          TEMPORAL_PORT: String(temporalPort),
          TEMPORAL_UI_PORT: String(temporalUiPort),
          SIM_ESL_PORT: String(eslPort),
          SIM_CONTROL_PORT: String(controlPort),
          SIM_SCENARIO: scenarioFile,
          SIM_CALL_LOG: callLog,
          ORI_WORKERS: '2',
          ORI_WORKER_METRICS_PORT: '0',
          ORI_BOOTSTRAP_API_KEY: apiKey,
          // A conversation the switch's death cut off never gets its result: do not hold the run 10 minutes.
          ORI_RESULT_GRACE_S: '60',
          ORI_LOG_FORMAT: 'json',
          ORI_LOG_LEVEL: 'warn',
        },
        prefix: process.env.CHAOS_VERBOSE ? '[start] ' : false,
        stopSignal: 'SIGINT',
      },
    );
    await until('npm start to be ready', async () => start?.tail().includes('[start] ready in'), 300_000);
    const pgPort = Number(/Postgres\s+cluster, 127\.0\.0\.1:(\d+)/.exec(start.tail())?.[1]);
    expect(pgPort).toBeGreaterThan(0);
    db = createDb(`postgres://postgres@127.0.0.1:${pgPort}/ori`, { max: 4 });
    const pointer = path.join(dataDir, 'postgres.location');
    const clusterDir = existsSync(pointer)
      ? readFileSync(pointer, 'utf8').trim()
      : path.join(dataDir, 'postgres');
    const apiUrl = `http://127.0.0.1:${port}`;
    const api = (method: string, route: string, body?: unknown, type?: string) =>
      apiRequest<Record<string, unknown>>({ apiUrl, apiKey }, method, route, body, type);
    log(`npm start ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    // The campaign, through the public API.
    const bot = await api('POST', '/api/v1/bots', { name: 'Chaos bot' });
    const carrier = await api('POST', '/api/v1/carriers', { name: 'Chaos carrier', gateway: 'carrier1' });
    const number = await api('POST', '/api/v1/numbers', {
      e164: '+14155550100',
      carrier_id: carrier.body.id,
    });
    const created = await api('POST', '/api/v1/campaigns', {
      name: 'Chaos',
      bot_id: bot.body.id,
      number_ids: [number.body.id],
      concurrency: 15,
      max_attempts: 2,
      retry_on_system: ['no_answer'],
      retry_delay_minutes: 1,
      window: { start: '00:00', end: '23:59', timezone: 'UTC' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaignId = created.body.id as string;
    const phones = Array.from({ length: CONTACTS }, (_, i) => phoneOf(i));
    const upload = await api(
      'POST',
      `/api/v1/campaigns/${campaignId}/contacts`,
      ['phone_number', ...phones].join('\n'),
      'text/csv',
    );
    expect(upload.body.added).toBe(CONTACTS);
    expect((await api('POST', `/api/v1/campaigns/${campaignId}/start`)).status).toBe(200);
    const startedAt = Date.now();

    const notDone = async (): Promise<void> => {
      const c = await campaignStatus(api, campaignId).catch(() => null);
      if (c?.status === 'completed')
        throw new Error('the campaign completed before every fault was injected');
    };
    /** Dialling goes on: a few new calls since `since`, and some call up to strike. */
    const dialling = async (what: string, since: number, n = 3): Promise<void> => {
      await until(
        `${n} calls after ${what}, one of them up`,
        async () => {
          await notDone();
          const all = calls();
          return all.filter((c) => Date.parse(c.received_at) > since).length >= n && live().length > 0;
        },
        300_000,
      );
    };

    const faults: string[] = [];
    const kills: Record<string, number> = {
      worker: 0,
      'worker-2': 0,
      simulator: 0,
      'temporal dev server': 0,
    };
    const killWorker = async (name: 'worker' | 'worker-2'): Promise<void> => {
      const other = name === 'worker' ? 'worker-2' : 'worker';
      await until(`${other} up before killing ${name}`, () => workerUp(latest(other)), 180_000);
      const victim = latest(name);
      const up = live().length;
      process.kill(victim, 'SIGKILL');
      kills[name]! += 1;
      const at = Date.now();
      faults.push(`${name} kill -9 (${up} calls up)`);
      log(`killed ${name} (pid ${victim}) with ${up} calls up`);
      const next = await until(
        `${name} started again`,
        async () => (recorded(name).length === kills[name]! + 1 ? latest(name) : null),
        120_000,
      );
      await until(`${name} back on the switch`, () => workerUp(next), 180_000);
      log(`${name} back after ${((Date.now() - at) / 1000).toFixed(1)} s`);
    };
    const killChild = async (name: 'simulator' | 'temporal dev server'): Promise<void> => {
      const victim = latest(name);
      const up = live().length;
      process.kill(victim, 'SIGKILL');
      kills[name]! += 1;
      const at = Date.now();
      if (name === 'simulator') switchKilledAt = at;
      faults.push(`${name} kill -9 (${up} calls up)`);
      log(`killed the ${name} (pid ${victim}) with ${up} calls up`);
      await until(`${name} started again`, async () => recorded(name).length === kills[name]! + 1, 120_000);
      await dialling(`the ${name} came back`, at, 1);
      log(`${name} back and dialling after ${((Date.now() - at) / 1000).toFixed(1)} s`);
    };
    const stopPostgresImmediately = async (): Promise<void> => {
      const pid = Number(
        readFileSync(path.join(clusterDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      const up = live().length;
      // What `pg_ctl stop -m immediate` sends; npm start's supervisor sees it down and starts it again.
      process.kill(pid, 'SIGQUIT');
      const at = Date.now();
      faults.push(`postgres stop -m immediate (${up} calls up)`);
      log(`stopped Postgres (-m immediate, pid ${pid}) with ${up} calls up`);
      await until('Postgres down', async () => !existsSync(`/proc/${pid}`), 30_000);
      await until('Postgres back', async () => (await sql`select 1`.execute(db!)).rows.length === 1, 120_000);
      await dialling('Postgres came back', at, 1);
      log(`Postgres back and dialling after ${((Date.now() - at) / 1000).toFixed(1)} s`);
    };

    const schedule: (() => Promise<void>)[] = [
      () => killWorker('worker'),
      () => killWorker('worker-2'),
      stopPostgresImmediately,
      () => killWorker('worker'),
      () => killWorker('worker-2'),
      () => killChild('temporal dev server'),
      () => killWorker('worker'),
      () => killWorker('worker-2'),
      () => killChild('simulator'),
      () => killWorker('worker'),
      () => killWorker('worker-2'),
      () => killWorker('worker'),
      () => killWorker('worker-2'),
    ];
    let last = startedAt;
    for (const fault of schedule) {
      await dialling('the last fault', last);
      last = Date.now();
      await fault();
    }
    expect(kills.worker! + kills['worker-2']!).toBe(WORKER_KILLS);

    const done = await until(
      'the campaign to complete',
      async () => {
        const c = await campaignStatus(api, campaignId);
        return c?.status === 'completed' ? c : null;
      },
      900_000,
    );
    const runS = (Date.now() - startedAt) / 1000;
    // Contacts that got no_answer twice exhausted their retries: the run says so.
    expect(['all_final', 'max_retries']).toContain(done.completion_reason);

    // ---- Ground truth ----
    const { calls: switchCalls, results } = readCallLogFile(callLog);
    const ours = switchCalls.filter((c) => c.vars['ori_campaign_id'] === campaignId);
    // No attempt id originated twice; no number dialled more than max_attempts.
    expect.soft(new Set(ours.map((c) => c.uuid)).size).toBe(ours.length);
    const perNumber = new Map<string, number>();
    for (const c of ours) perNumber.set(digits(c.number), (perNumber.get(digits(c.number)) ?? 0) + 1);
    expect.soft([...perNumber.entries()].filter(([, n]) => n > 2)).toEqual([]);
    expect.soft(new Set(perNumber.keys())).toEqual(new Set(phones.map(digits)));

    const contacts = await db
      .selectFrom('contacts')
      .select(['phone', 'state', 'final_at', 'attempts'])
      .where('campaign_id', '=', campaignId)
      .execute();
    expect.soft(contacts).toHaveLength(CONTACTS);
    expect.soft(contacts.filter((c) => c.final_at === null)).toEqual([]);
    expect.soft(contacts.filter((c) => c.attempts > 2)).toEqual([]);

    const attempts = await db
      .selectFrom('attempts')
      .select(['attempt_id', 'phone', 'outcome', 'sip_code', 'hangup_cause', 'disposition', 'ended_at'])
      .where('campaign_id', '=', campaignId)
      .execute();
    expect.soft(attempts.filter((a) => a.ended_at === null)).toEqual([]);
    // Every attempt that counts is a call the switch received: no contact spent without its number dialled
    // (an originate the switch took and died before running is released, not spent: dial-follower.ts
    // `diedWithItsSwitch`).
    const byUuid = new Map(ours.map((c) => [c.uuid, c]));
    expect.soft(attempts.filter((a) => !byUuid.has(a.attempt_id))).toEqual([]);
    // ... and every call the switch received is an attempt.
    const attemptOf = new Map(attempts.map((a) => [a.attempt_id, a]));
    expect.soft(ours.filter((c) => !attemptOf.has(c.uuid)).map((c) => c.uuid)).toEqual([]);

    // Every outcome the switch's own.
    const mismatches: unknown[] = [];
    let cutOff = 0;
    let resultLost = 0;
    for (const call of ours) {
      const a = attemptOf.get(call.uuid);
      if (!a) continue; // reported above
      const got = { outcome: a.outcome, sip_code: a.sip_code, disposition: a.disposition };
      let want: typeof got;
      if (call.ended_at === null) {
        cutOff += 1;
        want = { outcome: 'timeout', sip_code: null, disposition: null };
      } else if (call.outcome === 'answered') {
        // The disposition is what the bot platform posted; a result that died with the simulator never came.
        const posted = results.get(call.uuid);
        const delivered = posted !== undefined && 'status' in posted.outcome && posted.outcome.status === 200;
        if (!delivered) resultLost += 1;
        want = delivered
          ? { outcome: 'completed', sip_code: a.sip_code, disposition: posted.result.disposition }
          : { outcome: 'timeout', sip_code: a.sip_code, disposition: null };
      } else if (call.outcome === 'no_answer') {
        want = { outcome: 'no_answer', sip_code: 480, disposition: null };
      } else if (call.outcome === 'sip:486') {
        want = { outcome: 'rejected', sip_code: 486, disposition: null };
      } else {
        want = { outcome: `the switch's ${call.outcome}`, sip_code: null, disposition: null };
      }
      if (JSON.stringify(got) !== JSON.stringify(want))
        mismatches.push({ call: call.uuid, switch: call, got, want });
    }
    expect.soft(mismatches).toEqual([]);

    // No process exited because a dependency blinked: only what was killed was started again, once a kill.
    expect.soft(start.exitInfo).toBeUndefined();
    expect.soft(recorded('api')).toHaveLength(1);
    for (const name of ['worker', 'worker-2', 'simulator', 'temporal dev server'])
      expect.soft(recorded(name), name).toHaveLength(kills[name]! + 1);

    const untracked = attempts.filter((a) => a.hangup_cause === 'ORI_UNTRACKED').length;
    log(
      `done: ${ours.length} calls to ${CONTACTS} contacts in ${runS.toFixed(0)} s of campaign ` +
        `(${((Date.now() - t0) / 60_000).toFixed(1)} min in all); faults: ${faults.join(', ')}; ` +
        `calls cut off by the switch's death ${cutOff}, results lost with it ${resultLost}, ` +
        `attempts closed without the switch's word ${untracked}`,
    );
  }, 1_800_000);
});
