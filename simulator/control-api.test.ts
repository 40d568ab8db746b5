/**
 * The control API, scenarios at run time (time_scale, cps_limit, per-number sequences, seeded draws) and the
 * bot's result posts, end to end over TCP and HTTP.
 */
import type { Connection } from 'modesl';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from './simulator';
import { DEFAULT_SCENARIO } from './scenario';
import { EventLog, openModesl, sendRecv } from './test-support/modesl-client';
import { ResultReceiver } from './test-support/result-receiver';

let sim: RunningSimulator;
let receiver: ResultReceiver;
let connection: Connection;
let log: EventLog;
let counter = 0;

const EVENTS =
  'event plain BACKGROUND_JOB CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE';

beforeAll(async () => {
  receiver = await ResultReceiver.start([200]);
  sim = await startSimulator({
    eslPort: 0,
    controlPort: 0,
    resultUrl: receiver.url,
    apiKey: 'sim-key',
    scenario: { time_scale: 0.01 },
  });
  connection = await openModesl(sim.eslPort);
  log = new EventLog(connection);
  await sendRecv(connection, EVENTS);
});

afterAll(async () => {
  connection.disconnect();
  await sim.close();
  await receiver.close();
});

beforeEach(async () => {
  await control('DELETE', '/calls');
});

async function control(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`http://127.0.0.1:${sim.controlPort}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

async function putScenario(scenario: unknown): Promise<void> {
  const { status, json } = await control('PUT', '/scenario', scenario);
  expect(status, JSON.stringify(json)).toBe(200);
}

interface Dialled {
  uuid: string;
  jobUuid: string;
  sentAt: number;
}

function dial(number: string, vars = '', via: Connection = connection): Dialled {
  counter += 1;
  const uuid = `control-${counter}`;
  const jobUuid = `job-control-${counter}`;
  via.sendRecv(
    `bgapi originate {origination_uuid=${uuid},origination_caller_id_number=15550009999,originate_timeout=60${vars}}` +
      `sofia/gateway/gw1/${number} &park()`,
    { 'Job-UUID': jobUuid },
  );
  return { uuid, jobUuid, sentAt: Date.now() };
}

function hangupOf(call: Dialled, events = log) {
  return events.waitFor(
    (e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers['Unique-ID'] === call.uuid,
    5000,
  );
}

describe('control API', () => {
  it('GET /health', async () => {
    const { status, json } = await control('GET', '/health');
    expect(status).toBe(200);
    expect(json).toEqual({ ok: true, core_uuid: sim.coreUuid, esl_port: sim.eslPort, live_calls: 0 });
  });

  it('GET /calls lists every originate in order with its ground truth; DELETE /calls clears it', async () => {
    await putScenario({
      time_scale: 0.01,
      numbers: { '+15553000001': ['answer:2'], '+15553000002': ['sip:486'] },
    });
    const first = dial('+15553000001', ',sip_h_X-Attempt-Id=a1');
    const second = dial('15553000002');
    await hangupOf(first);
    await hangupOf(second);
    const { status, json } = await control('GET', '/calls');
    expect(status).toBe(200);
    const calls = json as Array<Record<string, unknown>>;
    expect(calls.map((c) => c.uuid)).toEqual([first.uuid, second.uuid]);
    expect(calls[0]).toMatchObject({
      uuid: first.uuid,
      number: '+15553000001',
      caller_id: '15550009999',
      gateway: 'gw1',
      vars: {
        origination_uuid: first.uuid,
        origination_caller_id_number: '15550009999',
        originate_timeout: '60',
        'sip_h_X-Attempt-Id': 'a1',
      },
      outcome: 'answered',
    });
    for (const key of ['received_at', 'answered_at', 'ended_at']) {
      expect(new Date(calls[0]?.[key] as string).toISOString()).toBe(calls[0]?.[key]);
    }
    expect(calls[1]).toMatchObject({ outcome: 'sip:486', answered_at: null });
    expect(typeof calls[1]?.ended_at).toBe('string');
    expect(sim.calls()).toEqual(calls);

    expect(await control('DELETE', '/calls')).toEqual({ status: 200, json: { cleared: true } });
    expect((await control('GET', '/calls')).json).toEqual([]);
  });

  it('GET /scenario shows the effective scenario; PUT /scenario replaces it or answers 400', async () => {
    await putScenario({});
    expect((await control('GET', '/scenario')).json).toEqual(DEFAULT_SCENARIO);

    const bad = await control('PUT', '/scenario', { numbers: { '+1555': ['answer', 'explode'] } });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/unknown token "explode"/);
    const notJson = await control('PUT', '/scenario', '{"time_scale": ');
    expect(notJson.status).toBe(400);
    expect((notJson.json as { error: string }).error).toMatch(/invalid JSON/);
    expect((await control('PUT', '/scenario', { time_scale: -1 })).status).toBe(400);
    // A refused scenario leaves the previous one in place.
    expect((await control('GET', '/scenario')).json).toEqual(DEFAULT_SCENARIO);
    expect((await control('GET', '/nowhere')).status).toBe(404);
  });
});

describe('scenarios', () => {
  it('a listed number takes its tokens in order, the last repeating, with or without +', async () => {
    await putScenario({
      time_scale: 0.01,
      numbers: { '+15553000010': ['sip:486', 'no_answer:1', 'answer:1'] },
    });
    const outcomes: string[] = [];
    for (const number of ['+15553000010', '15553000010', '+15553000010', '15553000010']) {
      const call = dial(number);
      await hangupOf(call);
      outcomes.push(sim.calls().find((c) => c.uuid === call.uuid)?.outcome ?? '');
    }
    expect(outcomes).toEqual(['sip:486', 'no_answer', 'answered', 'answered']);
  });

  it('time_scale shrinks ring and talk times', async () => {
    await putScenario({ time_scale: 0.05, numbers: { '+15553000020': ['no_answer:4'] } });
    const slow = dial('+15553000020');
    await hangupOf(slow);
    const slowMs = Date.now() - slow.sentAt;
    await putScenario({ time_scale: 0.005, numbers: { '+15553000020': ['no_answer:4'] } });
    const fast = dial('+15553000020');
    const fastHangup = await hangupOf(fast);
    const fastMs = Date.now() - fast.sentAt;
    // 4 s × 0.05 = 200 ms; 4 s × 0.005 = 20 ms. The switch's timing variables stay in scenario seconds.
    expect(slowMs).toBeGreaterThanOrEqual(190);
    expect(fastMs).toBeLessThan(slowMs);
    expect(fastHangup.headers.variable_duration).toBe('4');
  });

  it('cps_limit: dials above the rate in a 1 s window get SIP 429', async () => {
    await putScenario({ time_scale: 0.01, cps_limit: 3, default: { 'answer:1': 1 } });
    const calls = Array.from({ length: 6 }, (_, i) => dial(`+1555301000${i}`));
    const hangups = await Promise.all(calls.map((call) => hangupOf(call)));
    const outcomes = calls.map((call) => sim.calls().find((c) => c.uuid === call.uuid)?.outcome);
    expect(outcomes).toEqual(['answered', 'answered', 'answered', 'sip:429', 'sip:429', 'sip:429']);
    for (const hangup of hangups.slice(3)) {
      expect(hangup.headers).toMatchObject({
        'Hangup-Cause': 'BAD_IDENTITY_INFO',
        variable_sip_term_status: '429',
      });
    }
  });

  it('seeded default draws repeat across simulators with the same seed', async () => {
    async function drawOutcomes(seed: number): Promise<string[]> {
      const other = await startSimulator({
        eslPort: 0,
        controlPort: 0,
        seed,
        scenario: { time_scale: 0.001 },
      });
      const client = await openModesl(other.eslPort);
      const events = new EventLog(client);
      await sendRecv(client, 'event plain BACKGROUND_JOB');
      const calls = Array.from({ length: 25 }, (_, i) =>
        dial(`+1555400${String(i).padStart(4, '0')}`, '', client),
      );
      for (const call of calls) {
        await events.waitFor(
          (e) => e.name === 'BACKGROUND_JOB' && e.headers['Job-UUID'] === call.jobUuid,
          5000,
        );
      }
      const outcomes = other.calls().map((c) => `${c.number}=${c.outcome}`);
      client.disconnect();
      await other.close();
      return outcomes;
    }
    const first = await drawOutcomes(7);
    const again = await drawOutcomes(7);
    const otherSeed = await drawOutcomes(8);
    expect(first).toHaveLength(25);
    expect(again).toEqual(first);
    expect(otherSeed).not.toEqual(first);
    expect(new Set(first.map((o) => o.split('=')[1])).size).toBeGreaterThan(2);
  });
});

describe('bot results', () => {
  it('posts {disposition, callback_at, turns, summary} with the bearer key after an answered call', async () => {
    await putScenario({ time_scale: 0.01, numbers: { '+15555000001': ['answer:12:INTERESTED:30'] } });
    const call = dial('+15555000001', ',sip_h_X-Attempt-Id=hdr-1,ori_attempt_id=att-1');
    await hangupOf(call);
    const request = await receiver.waitFor((r) => r.path === '/api/v1/attempts/att-1/result');
    expect(request).toMatchObject({
      method: 'POST',
      authorization: 'Bearer sim-key',
      contentType: 'application/json',
    });
    const body = request.body as Record<string, unknown>;
    expect(body).toMatchObject({ disposition: 'INTERESTED', turns: 2 });
    expect(typeof body.summary).toBe('string');
    const callbackInMs = Date.parse(body.callback_at as string) - Date.now();
    expect(callbackInMs).toBeGreaterThan(29 * 60_000);
    expect(callbackInMs).toBeLessThanOrEqual(30 * 60_000);
  });

  it('takes the attempt id from sip_h_X-Attempt-Id, else the origination uuid', async () => {
    await putScenario({ time_scale: 0.01, numbers: { '+15555000002': ['answer:1'] } });
    const withHeader = dial('+15555000002', ',sip_h_X-Attempt-Id=hdr-2');
    const bare = dial('+15555000002');
    await receiver.waitFor((r) => r.path === '/api/v1/attempts/hdr-2/result');
    const request = await receiver.waitFor((r) => r.path === `/api/v1/attempts/${bare.uuid}/result`);
    expect((request.body as { disposition: string }).disposition).toBe('COMPLETED');
    expect(receiver.requests.some((r) => r.path.includes(withHeader.uuid))).toBe(false);
  });

  it('machine, fleet_busy and stall post nothing', async () => {
    await putScenario({
      time_scale: 0.01,
      numbers: {
        '+15555000003': ['machine:2'],
        '+15555000004': ['fleet_busy'],
        '+15555000005': ['answer:1'],
        '+15555000006': ['stall'],
      },
    });
    const machine = dial('+15555000003', ',ori_attempt_id=m-1');
    const busy = dial('+15555000004', ',ori_attempt_id=f-1');
    const stall = dial('+15555000006', ',ori_attempt_id=s-1');
    await log.waitFor((e) => e.name === 'CHANNEL_ANSWER' && e.headers['Unique-ID'] === stall.uuid);
    await new Promise((resolve) => connection.api(`uuid_kill ${stall.uuid}`, resolve));
    await Promise.all([hangupOf(machine), hangupOf(busy), hangupOf(stall)]);
    // Their posts, had there been any, would have left before this call was even dialled.
    dial('+15555000005', ',ori_attempt_id=h-1');
    await receiver.waitFor((r) => r.path === '/api/v1/attempts/h-1/result');
    expect(receiver.requests.filter((r) => /\/(m|f|s)-1\//.test(r.path))).toEqual([]);
  });
});
