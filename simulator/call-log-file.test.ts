/**
 * The call log on disk (SIM_CALL_LOG): the same ground truth as `GET /calls`, with each result post's
 * outcome, and it survives the simulator process being killed with SIGKILL and started again.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection } from 'modesl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/net';
import { spawnManaged, type ManagedProcess } from '../scripts/processes';
import { readCallLogFile } from './call-log-file';
import { startSimulator } from './simulator';
import { openModesl } from './test-support/modesl-client';
import { ResultReceiver } from './test-support/result-receiver';

const ROOT = path.resolve(__dirname, '..');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ori-call-log-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function dial(connection: Connection, uuid: string, number: string): void {
  connection.sendRecv(
    `bgapi originate {origination_uuid=${uuid},origination_caller_id_number=15550009999,originate_timeout=60}` +
      `sofia/gateway/gw1/${number} &park()`,
    { 'Job-UUID': `job-${uuid}` },
  );
}

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the call log file', () => {
  it('holds what GET /calls holds, and how each result post ended', async () => {
    const file = path.join(dir, 'in-process.jsonl');
    const receiver = await ResultReceiver.start([200]);
    const sim = await startSimulator({
      eslPort: 0,
      controlPort: 0,
      resultUrl: receiver.url,
      apiKey: 'k',
      callLogFile: file,
      scenario: {
        time_scale: 0.01,
        numbers: { '+14155550001': ['answer:20:INTERESTED'], '+14155550002': ['sip:486'] },
      },
    });
    const connection = await openModesl(sim.eslPort);
    try {
      dial(connection, 'talks', '14155550001');
      dial(connection, 'busy', '14155550002');
      await until('both calls ended', () => sim.calls().filter((c) => c.ended_at).length === 2);
      await until('the result post settled', () => readCallLogFile(file).results.has('talks'));
      const onDisk = readCallLogFile(file);
      expect(onDisk.calls).toEqual(sim.calls());
      expect(onDisk.calls.map((c) => [c.uuid, c.outcome])).toEqual([
        ['talks', 'answered'],
        ['busy', 'sip:486'],
      ]);
      expect(onDisk.results.get('talks')).toMatchObject({
        result: { disposition: 'INTERESTED' },
        outcome: { status: 200, tries: 1 },
      });
      expect(onDisk.results.has('busy')).toBe(false);
    } finally {
      connection.disconnect();
      await sim.close();
      await receiver.close();
    }
  });

  it('outlives a simulator killed with SIGKILL: the call it was on stays received and never ended', async () => {
    const file = path.join(dir, 'killed.jsonl');
    const scenario = path.join(dir, 'scenario.json');
    await writeFile(scenario, JSON.stringify({ time_scale: 1, default: { 'answer:60': 1 } }));
    const eslPort = await freePort();
    const launch = async (): Promise<ManagedProcess> => {
      const sim = spawnManaged(
        'simulator',
        process.execPath,
        ['--import', pathToFileURL(require.resolve('tsx')).href, 'simulator/main.ts'],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            SIM_ESL_PORT: String(eslPort),
            SIM_CONTROL_PORT: String(await freePort()),
            SIM_SCENARIO: scenario,
            SIM_CALL_LOG: file,
          },
          prefix: false,
        },
      );
      await until('the simulator to listen', () => sim.tail().includes('switch simulator: ESL on'), 60_000);
      return sim;
    };
    const first = await launch();
    const c1 = await openModesl(eslPort);
    dial(c1, 'first-life', '14155550003');
    await until(
      'the first call on record',
      () => existsSync(file) && readCallLogFile(file).calls.length === 1,
    );
    process.kill(-first.pid, 'SIGKILL');
    await first.exited;
    c1.on('error', () => undefined);

    const second = await launch();
    try {
      const c2 = await openModesl(eslPort);
      dial(c2, 'second-life', '14155550004');
      await until('the second call on record', () => readCallLogFile(file).calls.length === 2);
      c2.disconnect();
      const { calls } = readCallLogFile(file);
      expect(calls.map((c) => [c.uuid, c.ended_at])).toEqual([
        ['first-life', null],
        ['second-life', null],
      ]);
      expect(calls[0]?.number).toBe('14155550003');
    } finally {
      await second.stop();
    }
  }, 120_000);
});
