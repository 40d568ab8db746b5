import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, maxOverlap, startStack, type Stack } from './stack';

/**
 * The foundation's end-to-end proof, through the public HTTP API on the real dev server, real Postgres and
 * the switch simulator: a 200-contact campaign dials every contact exactly once, never more than its
 * concurrency at a time, rotating its two numbers, and records outcomes by the SIP mapping.
 */

const CONTACTS = 200;
const TOKENS = ['answer:20:COMPLETED', 'no_answer:6', 'sip:486:1', 'sip:603', 'nocode:3'] as const;
const EXPECTED: Record<(typeof TOKENS)[number], string> = {
  'answer:20:COMPLETED': 'completed',
  'no_answer:6': 'no_answer',
  'sip:486:1': 'rejected',
  'sip:603': 'rejected',
  'nocode:3': 'no_answer',
};

const phoneOf = (i: number): string => `+9198${String(10_000_000 + i).padStart(8, '0')}`;
const tokenOf = (i: number): (typeof TOKENS)[number] => TOKENS[i % TOKENS.length] ?? 'sip:603';
const digits = (s: string): string => s.replace(/\D/g, '');

function scenario(timeScale: number) {
  const numbers: Record<string, string[]> = {};
  for (let i = 0; i < CONTACTS; i++) numbers[phoneOf(i)] = [tokenOf(i)];
  return { time_scale: timeScale, default: { 'sip:503': 1 }, numbers };
}

async function buildCampaign(stack: Stack): Promise<string> {
  const bot = await stack.api<{ id: string }>('POST', '/api/v1/bots', { name: 'Renewals bot' });
  expect(bot.status).toBe(201);
  const carrier = await stack.api<{ id: string }>('POST', '/api/v1/carriers', {
    name: 'Carrier one',
    gateway: 'carrier1',
  });
  expect(carrier.status).toBe(201);
  const numberIds: string[] = [];
  for (const e164 of ['+14155550001', '+14155550002']) {
    const n = await stack.api<{ id: string }>('POST', '/api/v1/numbers', {
      e164,
      carrier_id: carrier.body.id,
    });
    expect(n.status).toBe(201);
    numberIds.push(n.body.id);
  }
  const campaign = await stack.api<{ id: string; config: { concurrency: number } }>(
    'POST',
    '/api/v1/campaigns',
    {
      name: 'E2E foundation',
      bot_id: bot.body.id,
      number_ids: numberIds,
      concurrency: 5,
      max_attempts: 1,
      window: { start: '00:00', end: '23:59', timezone: 'UTC' },
    },
  );
  expect(campaign.status).toBe(201);
  expect(campaign.body.config.concurrency).toBe(5);
  const csv = [
    'phone_number,name,account',
    ...Array.from({ length: CONTACTS }, (_, i) => `${phoneOf(i)},Person ${i},ACC-${i}`),
  ].join('\n');
  const upload = await stack.api<{ added: number; skipped: number }>(
    'POST',
    `/api/v1/campaigns/${campaign.body.id}/contacts`,
    csv,
    'text/csv',
  );
  expect(upload.status).toBe(200);
  expect(upload.body.added).toBe(CONTACTS);
  return campaign.body.id;
}

async function waitForCompletion(stack: Stack, id: string, timeoutMs: number) {
  return eventually(
    'the campaign to complete',
    async () => {
      const c = await stack.api<{ status: string; completion_reason: string | null }>(
        'GET',
        `/api/v1/campaigns/${id}`,
      );
      return c.body.status === 'completed' ? c.body : null;
    },
    timeoutMs,
  );
}

/** After a failure mid-run: the run still completes, each contact dialled exactly once, nothing left open. */
async function expectEachContactDialledOnceAndFinal(stack: Stack, id: string): Promise<void> {
  const done = await waitForCompletion(stack, id, 400_000);
  expect(done.completion_reason).toBe('all_final');
  const calls = stack.sim.calls();
  expect(calls).toHaveLength(CONTACTS);
  expect(new Set(calls.map((c) => digits(c.number))).size).toBe(CONTACTS);
  expect(maxOverlap(calls)).toBeLessThanOrEqual(5);
  const open = await stack.db.db.selectFrom('contacts').select('id').where('final_at', 'is', null).execute();
  expect(open).toHaveLength(0);
  const attempts = await stack.db.db.selectFrom('attempts').select(['attempt_id', 'ended_at']).execute();
  expect(attempts).toHaveLength(CONTACTS);
  expect(attempts.every((a) => a.ended_at !== null)).toBe(true);
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('end to end', () => {
  it('dials 200 contacts exactly once at concurrency 5 across two numbers and records SIP-mapped outcomes', async () => {
    stack = await startStack({ scenario: scenario(0.02) });
    await stack.startWorker();
    const id = await buildCampaign(stack);
    const started = await stack.api<{ status: string }>('POST', `/api/v1/campaigns/${id}/start`);
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('running');

    const done = await waitForCompletion(stack, id, 240_000);
    expect(done.completion_reason).toBe('all_final');

    // Ground truth: what the switch received.
    const calls = stack.sim.calls();
    expect(calls).toHaveLength(CONTACTS);
    expect(new Set(calls.map((c) => digits(c.number))).size).toBe(CONTACTS);
    expect(new Set(calls.map((c) => c.uuid)).size).toBe(CONTACTS);
    expect(maxOverlap(calls)).toBeLessThanOrEqual(5);
    const perDid = new Map<string, number>();
    for (const c of calls) {
      const did = digits(c.caller_id ?? '');
      perDid.set(did, (perDid.get(did) ?? 0) + 1);
    }
    expect([...perDid.keys()].sort()).toEqual(['14155550001', '14155550002']);
    for (const n of perDid.values()) expect(Math.abs(n - CONTACTS / 2)).toBeLessThanOrEqual(CONTACTS * 0.1);

    // What Postgres holds: one ended attempt per contact, its id the call's uuid, outcome by the SIP mapping.
    const attempts = await stack.db.db.selectFrom('attempts').selectAll().execute();
    expect(attempts).toHaveLength(CONTACTS);
    expect(new Set(attempts.map((a) => a.attempt_id))).toEqual(new Set(calls.map((c) => c.uuid)));
    for (const a of attempts) {
      const i = Number(digits(a.phone).slice(4)) - 10_000_000;
      expect(a.ended_at).not.toBeNull();
      expect({ phone: a.phone, outcome: a.outcome }).toEqual({
        phone: a.phone,
        outcome: EXPECTED[tokenOf(i)],
      });
    }
    const contacts = await stack.db.db.selectFrom('contacts').select(['state', 'final_at']).execute();
    expect(contacts.every((c) => c.final_at !== null)).toBe(true);

    // The attempt report: the exact header and the same 200 attempts.
    const report = await fetch(`${stack.apiUrl}/api/v1/campaigns/${id}/attempts.csv`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
    });
    expect(report.status).toBe(200);
    const lines = (await report.text()).trim().split(/\r?\n/);
    expect(
      lines[0]?.startsWith(
        'campaign_id,run_no,contact_id,attempt_id,attempt_no,pass,phone,from_number,started_at,answered_at,ended_at,ring_s,talk_s,outcome,sip_code,hangup_cause,disposition,callback_at',
      ),
    ).toBe(true);
    expect(lines).toHaveLength(CONTACTS + 1);
    const header = (lines[0] ?? '').split(',');
    const outcomeCol = header.indexOf('outcome');
    const idCol = header.indexOf('attempt_id');
    const byId = new Map(attempts.map((a) => [a.attempt_id, a.outcome]));
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      expect(cells[outcomeCol]).toBe(byId.get(cells[idCol] ?? ''));
    }

    // Answered calls carry the bot's post-call result.
    const answered = attempts.filter((a) => a.outcome === 'completed');
    expect(answered.length).toBe(CONTACTS / TOKENS.length);
    expect(answered.every((a) => a.disposition === 'COMPLETED')).toBe(true);
  });

  it('survives kill -9 of the worker mid-run: still one originate per contact and every contact final', async () => {
    stack = await startStack({ scenario: scenario(0.05) });
    const first = await stack.startWorker();
    const id = await buildCampaign(stack);
    expect((await stack.api('POST', `/api/v1/campaigns/${id}/start`)).status).toBe(200);

    await eventually(
      'a quarter of the calls to be placed',
      async () => stack!.sim.calls().length >= CONTACTS / 4,
    );
    process.kill(-first.pid, 'SIGKILL');
    await first.exited;
    const placedAtKill = stack.sim.calls().length;
    expect(placedAtKill).toBeLessThan(CONTACTS);
    await stack.startWorker();

    await expectEachContactDialledOnceAndFinal(stack, id);
  });

  it('survives a restart of the Temporal dev server with its state file: one originate per contact, all final', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ori-e2e-temporal-'));
    try {
      stack = await startStack({ scenario: scenario(0.05), temporalDataDir: dataDir });
      await stack.startWorker();
      const id = await buildCampaign(stack);
      expect((await stack.api('POST', `/api/v1/campaigns/${id}/start`)).status).toBe(200);

      await eventually(
        'a quarter of the calls to be placed',
        async () => stack!.sim.calls().length >= CONTACTS / 4,
      );
      await stack.restartTemporal();
      expect(stack.sim.calls().length).toBeLessThan(CONTACTS);

      await expectEachContactDialledOnceAndFinal(stack, id);
    } finally {
      await stack?.stop();
      stack = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
