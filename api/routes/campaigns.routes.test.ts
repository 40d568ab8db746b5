import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createApiKey } from '../../db/repositories/api-keys.repository';
import { addContacts, seedSetup, useApiHarness, type Harness } from '../testing/harness';

const h = useApiHarness({ engineControlTimeoutMs: 300 });
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MISSING = '00000000-0000-4000-8000-000000000000';

type Setup = Awaited<ReturnType<typeof seedSetup>>;
let setup: Setup;
let phoneSeq = 0;
const phones = (n: number): string[] =>
  Array.from({ length: n }, () => `+9197${String(10_000_000 + ++phoneSeq * 7919).padStart(8, '0')}`);

beforeAll(async () => {
  setup = await seedSetup(h);
});

async function newCampaign(
  harness: Harness,
  body: Record<string, unknown> = {},
  contacts = 0,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ id: string; body: any }> {
  const res = await harness.post('/api/v1/campaigns', {
    name: 'Q2 Renewal Drive',
    bot_id: setup.botId,
    number_ids: setup.numberIds,
    ...body,
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  if (contacts > 0) await addContacts(harness.db, res.body.id, phones(contacts));
  return { id: res.body.id, body: res.body };
}

const action = (id: string, name: string, key?: string) =>
  h.post(`/api/v1/campaigns/${id}/${name}`, undefined, key ? { key } : {});

const fields = (res: { body: { error: { details: { field: string }[] } } }) =>
  res.body.error.details.map((d) => d.field);

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

describe('POST /campaigns', () => {
  it('creates a draft with every default applied (201)', async () => {
    const res = await h.post('/api/v1/campaigns', { name: '  Q2 Renewal Drive ', bot_id: setup.botId });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      short_id: res.body.id.slice(0, 8),
      name: 'Q2 Renewal Drive',
      bot_id: setup.botId,
      number_ids: [],
      status: 'draft',
      run_no: 1,
      always_on: false,
      config: DEFAULT_CONFIG,
      warnings: [],
      completion_reason: null,
      completion_message: null,
      ever_started: false,
      prepared_restart: null,
      stopped_by: null,
      stopped_at: null,
      counts: { total: 0, pending: 0, waiting: 0, in_flight: 0, final: 0, by_state: {} },
      workflow_id: null,
      created_by: 'ops',
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
  });

  it('takes null and below-1 counts as their defaults; thresholds below 1 as 30/15 when on', async () => {
    const zero = await newCampaign(h, {
      concurrency: 0,
      max_attempts: 0,
      retry_delay_minutes: -5,
      stop_redials_after_connect_s: 0,
      redial_short_connect_s: 0,
    });
    expect(zero.body.config).toMatchObject({
      concurrency: 50,
      max_attempts: 3,
      retry_delay_minutes: 30,
      stop_redials_after_connect_s: 30,
      redial_short_connect_s: 15,
    });
    const nulls = await newCampaign(h, {
      concurrency: null,
      max_attempts: null,
      retry_delay_minutes: null,
      stop_redials_after_connect_s: null,
      redial_short_connect_s: null,
      window: null,
      working_days: null,
      mode: null,
    });
    expect(nulls.body.config).toEqual(DEFAULT_CONFIG);
  });

  it('keeps explicit values, in calendar order and without repeats', async () => {
    const res = await newCampaign(h, {
      concurrency: 7,
      mode: 'multi_day',
      always_on: true,
      window: { start: '10:30', end: '19:45', timezone: 'Asia/Kolkata' },
      working_days: ['fri', 'mon', 'mon'],
      max_attempts: 5,
      retry_delay_minutes: 90,
      retry_on_system: ['rnr', 'no_answer'],
      retry_on_custom: ['callback_requested', ' not_available ', 'callback_requested'],
      callback_detection: true,
      sticky_exclusion: true,
    });
    expect(res.body.always_on).toBe(true);
    expect(res.body.config).toEqual({
      ...DEFAULT_CONFIG,
      concurrency: 7,
      mode: 'multi_day',
      always_on: true,
      window: { start: '10:30', end: '19:45', timezone: 'Asia/Kolkata' },
      working_days: ['mon', 'fri'],
      max_attempts: 5,
      retry_delay_minutes: 90,
      retry_on_system: ['no_answer', 'rnr'],
      retry_on_custom: ['callback_requested', 'not_available'],
      callback_detection: true,
      sticky_exclusion: true,
    });
    expect(res.body.number_ids).toEqual(setup.numberIds);
  });

  it('takes recipient hours and a voicemail message; 422 names the field of a bad one', async () => {
    const res = await newCampaign(h, {
      recipient_hours: { start: '10:00' },
      voicemail: { action: 'message', message: 'Please call us back.' },
    });
    expect(res.body.config).toMatchObject({
      recipient_hours: { start: '10:00', end: '20:00' },
      voicemail: { action: 'message', message: 'Please call us back.' },
    });
    const on = await newCampaign(h, { recipient_hours: true });
    expect(on.body.config.recipient_hours).toEqual({ start: '09:00', end: '20:00' });
    const bad = await h.post('/api/v1/campaigns', {
      name: 'bad',
      bot_id: setup.botId,
      recipient_hours: { start: '20:00', end: '09:00' },
      voicemail: { action: 'message' },
    });
    expect(bad.status).toBe(422);
    expect(fields(bad)).toEqual(['recipient_hours.end', 'voicemail.message']);
  });

  it('warns when the stop rule is below the redial rule', async () => {
    const res = await newCampaign(h, { stop_redials_after_connect_s: 10, redial_short_connect_s: 20 });
    expect(res.body.warnings).toHaveLength(1);
    expect(res.body.warnings[0]).toContain('stop_redials_after_connect_s');
    const fine = await newCampaign(h, { stop_redials_after_connect_s: 20, redial_short_connect_s: 20 });
    expect(fine.body.warnings).toEqual([]);
  });

  it('refuses always_on without multi_day, a bad window and no working day (422, one detail each)', async () => {
    const res = await h.post('/api/v1/campaigns', {
      name: 'Bad',
      bot_id: setup.botId,
      always_on: true,
      window: { start: '18:00', end: '09:00', timezone: 'Mars/Olympus' },
      working_days: [],
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(fields(res)).toEqual(['always_on', 'window.end', 'window.timezone', 'working_days']);
    const equal = await h.post('/api/v1/campaigns', {
      name: 'Bad',
      bot_id: setup.botId,
      window: { start: '09:00', end: '09:00' },
    });
    expect(equal.status).toBe(422);
    expect(equal.body.error.details).toEqual([
      { field: 'window.end', message: 'must be later than window.start on the same day' },
    ]);
    const format = await h.post('/api/v1/campaigns', {
      name: 'Bad',
      bot_id: setup.botId,
      window: { start: '9am' },
    });
    expect(fields(format)).toEqual(['window.start']);
  });

  it('refuses an unknown bot, unknown numbers and inbound-only numbers (one detail per bad id)', async () => {
    const res = await h.post('/api/v1/campaigns', {
      name: 'Refs',
      bot_id: MISSING,
      number_ids: [setup.numberIds[0], MISSING, setup.inboundId],
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([
      { field: 'bot_id', message: expect.stringContaining('does not exist') },
      { field: 'number_ids', message: expect.stringContaining(MISSING) },
      { field: 'number_ids', message: expect.stringContaining('inbound-only') },
    ]);
    const noBot = await h.post('/api/v1/campaigns', { name: 'No bot' });
    expect(noBot.body.error.details).toEqual([{ field: 'bot_id', message: 'is required' }]);
    const blank = await h.post('/api/v1/campaigns', { name: '   ', bot_id: setup.botId });
    expect(blank.body.error.details).toEqual([{ field: 'name', message: 'must not be blank' }]);
  });

  it('answers 401 without a key', async () => {
    expect(
      (await h.post('/api/v1/campaigns', { name: 'x', bot_id: setup.botId }, { key: null })).status,
    ).toBe(401);
  });
});

describe('GET /campaigns and /campaigns/:id', () => {
  it('lists campaigns with status, counts and always_on, newest first, filterable by status', async () => {
    const a = await newCampaign(h, { name: 'Listed A' }, 3);
    const b = await newCampaign(h, { name: 'Listed B', mode: 'multi_day', always_on: true });
    const list = await h.get('/api/v1/campaigns');
    expect(list.status).toBe(200);
    const ids = list.body.map((c: { id: string }) => c.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    const listedA = list.body.find((c: { id: string }) => c.id === a.id);
    expect(listedA).toMatchObject({ status: 'draft', always_on: false });
    expect(listedA.counts).toEqual({
      total: 3,
      pending: 3,
      waiting: 3,
      in_flight: 0,
      final: 0,
      by_state: { pending: 3 },
    });
    expect(list.body.find((c: { id: string }) => c.id === b.id).always_on).toBe(true);

    const drafts = await h.get('/api/v1/campaigns?status=draft');
    expect(drafts.body.every((c: { status: string }) => c.status === 'draft')).toBe(true);
    expect(
      (await h.get('/api/v1/campaigns?status=running')).body.map((c: { id: string }) => c.id),
    ).not.toContain(a.id);
    const bad = await h.get('/api/v1/campaigns?status=sleeping');
    expect(bad.status).toBe(422);
    expect(fields(bad)).toEqual(['status']);
  });

  it('answers one campaign, 404 for an unknown id and for a malformed one', async () => {
    const c = await newCampaign(h);
    const one = await h.get(`/api/v1/campaigns/${c.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(c.body);
    const unknown = await h.get(`/api/v1/campaigns/${MISSING}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({
      request_id: expect.any(String),
      code: 'not_found',
      message: expect.stringContaining(MISSING),
      details: [],
    });
    const malformed = await h.get('/api/v1/campaigns/not-a-uuid');
    expect(malformed.status).toBe(404);
    expect(malformed.body.error.code).toBe('not_found');
  });
});

describe('PATCH /campaigns/:id', () => {
  it('edits a draft partially: config merged over the stored one and re-validated', async () => {
    const c = await newCampaign(h, { window: { start: '08:00', end: '20:00', timezone: 'Europe/London' } });
    const res = await h.patch(`/api/v1/campaigns/${c.id}`, {
      concurrency: 5,
      window: { end: '12:00' },
      name: 'Renamed',
    });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Renamed');
    expect(res.body.config.concurrency).toBe(5);
    expect(res.body.config.window).toEqual({ start: '08:00', end: '12:00', timezone: 'Europe/London' });
    expect(res.body.config.max_attempts).toBe(3);

    const bad = await h.patch(`/api/v1/campaigns/${c.id}`, { window: { end: '07:00' }, always_on: true });
    expect(bad.status).toBe(422);
    expect(fields(bad)).toEqual(['always_on', 'window.end']);
    expect((await h.get(`/api/v1/campaigns/${c.id}`)).body.config.window.end).toBe('12:00');

    const pool = await h.patch(`/api/v1/campaigns/${c.id}`, { number_ids: [setup.numberIds[1]] });
    expect(pool.body.number_ids).toEqual([setup.numberIds[1]]);
    const inbound = await h.patch(`/api/v1/campaigns/${c.id}`, { number_ids: [setup.inboundId] });
    expect(inbound.status).toBe(422);
    expect(fields(inbound)).toEqual(['number_ids']);
    expect(h.engine.callsFor(c.id)).toEqual([]);
  });

  it('refuses running and completed campaigns (409 invalid_state naming the status)', async () => {
    const c = await newCampaign(h, {}, 1);
    expect((await action(c.id, 'start')).status).toBe(200);
    const running = await h.patch(`/api/v1/campaigns/${c.id}`, { concurrency: 3 });
    expect(running.status).toBe(409);
    expect(running.body.error).toEqual({
      request_id: expect.any(String),
      code: 'invalid_state',
      message: 'Only draft and paused campaigns can be edited. Current status: running.',
      details: [],
    });
    await action(c.id, 'stop');
    const completed = await h.patch(`/api/v1/campaigns/${c.id}`, { concurrency: 3 });
    expect(completed.status).toBe(409);
    expect(completed.body.error.message).toContain('completed');
    expect((await h.patch(`/api/v1/campaigns/${MISSING}`, { concurrency: 3 })).status).toBe(404);
  });

  it('locks name and bot after the first run, accepts them unchanged, and tells a paused run about the edit', async () => {
    const c = await newCampaign(h, {}, 1);
    await action(c.id, 'start');
    await action(c.id, 'pause');
    const otherBot = await h.post('/api/v1/bots', { name: 'Other bot' });

    const rename = await h.patch(`/api/v1/campaigns/${c.id}`, { name: 'New name' });
    expect(rename.status).toBe(409);
    expect(rename.body.error.code).toBe('locked_field');
    const rebot = await h.patch(`/api/v1/campaigns/${c.id}`, { bot_id: otherBot.body.id });
    expect(rebot.status).toBe(409);
    expect(rebot.body.error.code).toBe('locked_field');

    const same = await h.patch(`/api/v1/campaigns/${c.id}`, {
      name: 'Q2 Renewal Drive',
      bot_id: setup.botId,
      concurrency: 12,
      number_ids: [setup.numberIds[1], setup.numberIds[0]],
    });
    expect(same.status).toBe(200);
    expect(same.body.config.concurrency).toBe(12);
    expect(same.body.number_ids).toEqual([setup.numberIds[1], setup.numberIds[0]]);
    expect(h.engine.callsFor(c.id, 'configChanged')).toEqual([
      { method: 'configChanged', campaignId: c.id, runNo: 1 },
    ]);
    const run = await h.db
      .selectFrom('campaign_runs')
      .select(['config', 'setup'])
      .where('campaign_id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(run.config.concurrency).toBe(12);
    // The setup stays the raw snapshot of how the run started.
    expect(run.setup.config.concurrency).toBe(50);
  });
});

describe('DELETE /campaigns/:id', () => {
  it('deletes a draft that never ran, with its contacts (204), then 404', async () => {
    const c = await newCampaign(h, {}, 2);
    const res = await h.del(`/api/v1/campaigns/${c.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await h.get(`/api/v1/campaigns/${c.id}`)).status).toBe(404);
    const left = await h.db.selectFrom('contacts').select('id').where('campaign_id', '=', c.id).execute();
    expect(left).toEqual([]);
    expect((await h.del(`/api/v1/campaigns/${c.id}`)).status).toBe(404);
  });

  it('refuses running, completed and restarted campaigns (409)', async () => {
    const c = await newCampaign(h, {}, 1);
    await action(c.id, 'start');
    const running = await h.del(`/api/v1/campaigns/${c.id}`);
    expect(running.status).toBe(409);
    expect(running.body.error.code).toBe('invalid_state');
    await action(c.id, 'stop');
    expect((await h.del(`/api/v1/campaigns/${c.id}`)).status).toBe(409);
    await action(c.id, 'restart');
    const restarted = await h.del(`/api/v1/campaigns/${c.id}`);
    expect(restarted.status).toBe(409);
    expect(restarted.body.error.message).toContain('restart history');
  });
});

describe('POST /campaigns/:id/start', () => {
  it('answers 422 with one detail per gap', async () => {
    const c = await newCampaign(h, { number_ids: [] });
    await h.patch(`/api/v1/campaigns/${c.id}`, { bot_id: null });
    const res = await action(c.id, 'start');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([
      { field: 'bot_id', message: expect.any(String) },
      { field: 'number_ids', message: expect.any(String) },
      { field: 'contacts', message: expect.any(String) },
    ]);
    expect((await h.get(`/api/v1/campaigns/${c.id}`)).body.status).toBe('draft');
    expect(h.engine.callsFor(c.id)).toEqual([]);
  });

  it('reports a stored invalid window and an empty working-day list as gaps', async () => {
    const c = await newCampaign(h, {}, 1);
    await h.db
      .updateTable('campaigns')
      .set({
        config: sql`config || '{"window": {"start": "18:00", "end": "09:00", "timezone": "UTC"}, "working_days": []}'::jsonb`,
      })
      .where('id', '=', c.id)
      .execute();
    const res = await action(c.id, 'start');
    expect(res.status).toBe(422);
    expect(fields(res)).toEqual(['window.end', 'working_days']);
  });

  it('starts an always-on campaign without contacts, and only a draft (409 otherwise)', async () => {
    const c = await newCampaign(h, { mode: 'multi_day', always_on: true });
    const res = await action(c.id, 'start');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'running', ever_started: true, run_no: 1 });
    const again = await action(c.id, 'start');
    expect(again.status).toBe(409);
    expect(again.body.error).toEqual({
      request_id: expect.any(String),
      code: 'invalid_state',
      message: 'Only a draft campaign can be started. Current status: running.',
      details: [],
    });
    expect((await action(MISSING, 'start')).status).toBe(404);
  });

  it('rolls back and answers 503 engine_unavailable when the engine refuses the run', async () => {
    const c = await newCampaign(h, {}, 2);
    h.engine.failing.add('startRun');
    try {
      const res = await action(c.id, 'start');
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('engine_unavailable');
    } finally {
      h.engine.failing.delete('startRun');
    }
    const after = await h.get(`/api/v1/campaigns/${c.id}`);
    expect(after.body).toMatchObject({ status: 'draft', ever_started: false, run_no: 1 });
    const runs = await h.db
      .selectFrom('campaign_runs')
      .select('run_no')
      .where('campaign_id', '=', c.id)
      .execute();
    expect(runs).toEqual([]);
    // A later start works.
    expect((await action(c.id, 'start')).status).toBe(200);
    expect(h.engine.callsFor(c.id, 'startRun')).toHaveLength(1);
  });

  it('lets exactly one of two concurrent starts, and of two concurrent pauses, win', async () => {
    const c = await newCampaign(h, {}, 1);
    const starts = await Promise.all([action(c.id, 'start'), action(c.id, 'start')]);
    expect(starts.map((r) => r.status).sort()).toEqual([200, 409]);
    const pauses = await Promise.all([action(c.id, 'pause'), action(c.id, 'pause')]);
    expect(pauses.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(h.engine.callsFor(c.id, 'startRun')).toHaveLength(1);
    expect(h.engine.callsFor(c.id, 'pause')).toHaveLength(1);
  });
});

describe('the lifecycle', () => {
  it('draft → running → paused → running → completed → restart → cancel → restart → start (run 2)', async () => {
    const supervisor = (await createApiKey(h.db, 'supervisor')).key;
    const c = await newCampaign(h, { name: 'Lifecycle' }, 3);
    const contactIds = (
      await h.db.selectFrom('contacts').select('id').where('campaign_id', '=', c.id).orderBy('seq').execute()
    ).map((r) => r.id);

    // Start: run 1 with its snapshots; contacts ready.
    const started = await action(c.id, 'start');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({
      status: 'running',
      run_no: 1,
      ever_started: true,
      completion_reason: null,
    });
    expect(h.engine.callsFor(c.id)).toEqual([{ method: 'startRun', campaignId: c.id, runNo: 1 }]);
    const run1 = await h.db
      .selectFrom('campaign_runs')
      .selectAll()
      .where('campaign_id', '=', c.id)
      .where('run_no', '=', 1)
      .executeTakeFirstOrThrow();
    expect(run1).toMatchObject({
      status: 'running',
      workflow_id: `campaign-${c.id}-run-1`,
      started_by: 'ops',
      created_by: 'ops',
    });
    expect(run1.started_at).toBeInstanceOf(Date);
    expect(run1.setup).toMatchObject({
      bot: { id: setup.botId, name: 'Renewals bot', callback_enabled: true, endpoint: null },
      number_pool: [
        { id: setup.numberIds[0], gateway: 'carrier-a', carrier_id: setup.carrierId },
        { id: setup.numberIds[1], gateway: 'carrier-a', carrier_id: setup.carrierId },
      ],
      config: DEFAULT_CONFIG,
      run_no: 1,
      created_by: 'ops',
      started_at: expect.stringMatching(ISO),
    });
    const ready = await h.db
      .selectFrom('contacts')
      .select('ready_at')
      .where('campaign_id', '=', c.id)
      .execute();
    expect(ready.every((r) => r.ready_at instanceof Date)).toBe(true);

    // Pause and resume, by another key.
    const paused = await action(c.id, 'pause', supervisor);
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    const pausedAgain = await action(c.id, 'pause');
    expect(pausedAgain.status).toBe(409);
    expect(pausedAgain.body.error.message).toBe(
      'Only a running campaign can be paused. Current status: paused.',
    );
    const resumed = await action(c.id, 'resume', supervisor);
    expect(resumed.body.status).toBe('running');
    expect((await action(c.id, 'resume')).status).toBe(409);

    // The engine dialled: contact 1 completed (attempt 1 of run 1), contact 2 on a call, contact 3 waiting.
    const [first, second, third] = contactIds as [string, string, string];
    await h.db
      .insertInto('attempts')
      .values({
        attempt_id: '11111111-1111-4111-8111-111111111111',
        campaign_id: c.id,
        run_no: 1,
        contact_id: first,
        attempt_no: 1,
        pass: 1,
        phone: '+919700000001',
        lease_expires_at: new Date(),
        status: 'ended',
        outcome: 'completed',
        ended_at: new Date(),
      })
      .execute();
    await h.db
      .updateTable('contacts')
      .set({
        state: 'completed',
        attempts: 1,
        last_outcome: 'completed',
        final_at: new Date(),
        ready_at: null,
      })
      .where('id', '=', first)
      .execute();
    await h.db
      .updateTable('contacts')
      .set({ state: 'dialling', attempts: 1, ready_at: null })
      .where('id', '=', second)
      .execute();

    // Stop: waiting contacts final now; the one on a call is left to the engine.
    const stopped = await action(c.id, 'stop', supervisor);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({
      status: 'completed',
      completion_reason: 'manually_stopped',
      completion_message: 'Manually stopped',
      stopped_by: 'supervisor',
      stopped_at: expect.stringMatching(ISO),
    });
    expect(stopped.body.counts).toMatchObject({ total: 3, final: 2, in_flight: 1, waiting: 0 });
    const afterStop = await h.db
      .selectFrom('contacts')
      .select(['id', 'state', 'final_at'])
      .where('campaign_id', '=', c.id)
      .execute();
    const stateOf = (id: string) => afterStop.find((r) => r.id === id)?.state;
    expect([stateOf(first), stateOf(second), stateOf(third)]).toEqual([
      'completed',
      'dialling',
      'manually_stopped',
    ]);
    expect(afterStop.find((r) => r.id === third)?.final_at).toBeInstanceOf(Date);
    expect((await action(c.id, 'stop')).status).toBe(409);
    expect((await action(c.id, 'pause')).status).toBe(409);

    // Restart: a prepared run 2; contacts untouched until Start.
    const restarted = await action(c.id, 'restart');
    expect(restarted.status).toBe(200);
    expect(restarted.body).toMatchObject({
      status: 'draft',
      run_no: 2,
      completion_reason: null,
      stopped_by: null,
      ever_started: true,
      prepared_restart: { run_no: 2, created_by: 'ops', created_at: expect.stringMatching(ISO) },
    });
    expect(stateOf(third)).toBe('manually_stopped');
    expect((await action(c.id, 'restart')).status).toBe(409);

    // A contact arrives for the prepared run (a CRM trigger on the draft), then the restart is cancelled.
    await addContacts(h.db, c.id, phones(1), 2);
    const cancelled = await action(c.id, 'cancel-restart');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'completed',
      run_no: 1,
      completion_reason: 'manually_stopped',
      stopped_by: 'supervisor',
      prepared_restart: null,
    });
    expect(cancelled.body.counts.total).toBe(3);
    const runsAfterCancel = await h.db
      .selectFrom('campaign_runs')
      .select('run_no')
      .where('campaign_id', '=', c.id)
      .execute();
    expect(runsAfterCancel).toEqual([{ run_no: 1 }]);
    const cancelAgain = await action(c.id, 'cancel-restart');
    expect(cancelAgain.status).toBe(409);
    expect(cancelAgain.body.error.code).toBe('invalid_state');

    // Restart again, edit the prepared run (config yes, name no), start run 2.
    expect((await action(c.id, 'restart')).body.run_no).toBe(2);
    expect((await h.patch(`/api/v1/campaigns/${c.id}`, { name: 'Other' })).status).toBe(409);
    expect((await h.patch(`/api/v1/campaigns/${c.id}`, { concurrency: 10 })).status).toBe(200);
    // The engine finished the call of contact 2 meanwhile.
    await h.db
      .updateTable('contacts')
      .set({
        state: 'failed',
        final_at: new Date(),
        exhausted_retries: true,
        reached_phone_index: 0,
        redials_stopped: true,
      })
      .where('id', '=', second)
      .execute();
    const run2 = await action(c.id, 'start');
    expect(run2.status).toBe(200);
    expect(run2.body).toMatchObject({ status: 'running', run_no: 2, prepared_restart: null });
    expect(run2.body.counts).toMatchObject({ total: 3, pending: 3, final: 0 });
    expect(h.engine.callsFor(c.id, 'startRun').map((call) => call.runNo)).toEqual([1, 2]);

    const reset = await h.db.selectFrom('contacts').selectAll().where('campaign_id', '=', c.id).execute();
    for (const contact of reset) {
      expect(contact).toMatchObject({
        run_no: 2,
        state: 'pending',
        attempts: 0,
        pass: 1,
        phone_index: 0,
        priority: 1,
        next_due_at: null,
        workflow_started: false,
        last_outcome: null,
        final_at: null,
        callback_state: null,
        exhausted_retries: false,
        reached_phone_index: null,
        redials_stopped: false,
      });
      expect(contact.ready_at).toBeInstanceOf(Date);
    }
    const earlier = await h.db
      .selectFrom('attempts')
      .select(['run_no', 'outcome'])
      .where('campaign_id', '=', c.id)
      .execute();
    expect(earlier).toEqual([{ run_no: 1, outcome: 'completed' }]);
    const run2Row = await h.db
      .selectFrom('campaign_runs')
      .selectAll()
      .where('campaign_id', '=', c.id)
      .where('run_no', '=', 2)
      .executeTakeFirstOrThrow();
    expect(run2Row).toMatchObject({
      status: 'running',
      workflow_id: `campaign-${c.id}-run-2`,
      started_by: 'ops',
    });
    expect(run2Row.config.concurrency).toBe(10);
    expect(run2Row.setup.config.concurrency).toBe(10);

    // The engine heard every control, with the acting key.
    expect(h.engine.callsFor(c.id).map((call) => [call.method, call.runNo, call.actor ?? null])).toEqual([
      ['startRun', 1, null],
      ['pause', 1, 'supervisor'],
      ['resume', 1, 'supervisor'],
      ['stop', 1, 'supervisor'],
      ['startRun', 2, null],
    ]);

    // And the activity log has every action with its actor and run.
    const log = await h.db
      .selectFrom('activity_log')
      .select(['action', 'actor', 'run_no'])
      .where('campaign_id', '=', c.id)
      .orderBy('id')
      .execute();
    expect(log.map((e) => [e.action, e.actor, e.run_no])).toEqual([
      ['create', 'ops', 1],
      ['start', 'ops', 1],
      ['pause', 'supervisor', 1],
      ['resume', 'supervisor', 1],
      ['stop', 'supervisor', 1],
      ['restart', 'ops', 2],
      ['cancel_restart', 'ops', 2],
      ['restart', 'ops', 2],
      ['update', 'ops', 2],
      ['start', 'ops', 2],
    ]);
  });

  it('keeps excluded contacts excluded on a new run only with sticky exclusion', async () => {
    for (const sticky of [true, false]) {
      const c = await newCampaign(h, { sticky_exclusion: sticky }, 2);
      await action(c.id, 'start');
      const [excluded] = await h.db
        .selectFrom('contacts')
        .select('id')
        .where('campaign_id', '=', c.id)
        .orderBy('seq')
        .execute();
      await h.db
        .updateTable('contacts')
        .set({
          state: 'excluded',
          excluded_at: new Date(),
          exclusion_reason: 'opt-out by phone',
          final_at: new Date(),
        })
        .where('id', '=', excluded!.id)
        .execute();
      await action(c.id, 'stop');
      await action(c.id, 'restart');
      expect((await action(c.id, 'start')).status).toBe(200);
      const row = await h.db
        .selectFrom('contacts')
        .select(['state', 'excluded_at', 'ready_at', 'run_no'])
        .where('id', '=', excluded!.id)
        .executeTakeFirstOrThrow();
      if (sticky) {
        expect(row).toMatchObject({ state: 'excluded', ready_at: null, run_no: 2 });
        expect(row.excluded_at).toBeInstanceOf(Date);
      } else {
        expect(row).toMatchObject({ state: 'pending', excluded_at: null, run_no: 2 });
        expect(row.ready_at).toBeInstanceOf(Date);
      }
    }
  });

  it('keeps an exclusion made on the prepared run (after restart, before start) when that run starts', async () => {
    const c = await newCampaign(h, { sticky_exclusion: false }, 2);
    await action(c.id, 'start');
    await action(c.id, 'stop');
    await action(c.id, 'restart');
    const contacts = await h.db
      .selectFrom('contacts')
      .select(['id', 'phone'])
      .where('campaign_id', '=', c.id)
      .orderBy('seq')
      .execute();
    const excluded = await h.post(`/api/v1/contacts/exclude`, {
      campaign_id: c.id,
      mobile: contacts[0]!.phone,
    });
    expect(excluded.body).toEqual({ matched: 1 });
    expect((await action(c.id, 'start')).status).toBe(200);
    const rows = await h.db
      .selectFrom('contacts')
      .select(['id', 'state', 'ready_at', 'run_no'])
      .where('campaign_id', '=', c.id)
      .orderBy('seq')
      .execute();
    expect(rows[0]).toMatchObject({ state: 'excluded', ready_at: null, run_no: 2 });
    expect(rows[1]).toMatchObject({ state: 'pending', run_no: 2 });
    expect(rows[1]!.ready_at).toBeInstanceOf(Date);
  });

  it('keeps the prepared run when the engine refuses a restarted run', async () => {
    const c = await newCampaign(h, {}, 1);
    await action(c.id, 'start');
    await action(c.id, 'stop');
    await action(c.id, 'restart');
    h.engine.failing.add('startRun');
    try {
      expect((await action(c.id, 'start')).status).toBe(503);
    } finally {
      h.engine.failing.delete('startRun');
    }
    const after = await h.get(`/api/v1/campaigns/${c.id}`);
    expect(after.body).toMatchObject({ status: 'draft', run_no: 2, prepared_restart: { run_no: 2 } });
    const log = await h.db
      .selectFrom('activity_log')
      .select('action')
      .where('campaign_id', '=', c.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(log.action).toBe('start_failed');
    expect((await action(c.id, 'cancel-restart')).body).toMatchObject({ status: 'completed', run_no: 1 });
  });

  it('restarts a failed campaign and restores "failed" on cancel', async () => {
    const c = await newCampaign(h, {}, 1);
    await action(c.id, 'start');
    await h.db.updateTable('campaigns').set({ status: 'failed' }).where('id', '=', c.id).execute();
    await h.db
      .updateTable('campaign_runs')
      .set({ status: 'failed' })
      .where('campaign_id', '=', c.id)
      .execute();
    expect((await action(c.id, 'restart')).body.status).toBe('draft');
    expect((await action(c.id, 'cancel-restart')).body).toMatchObject({ status: 'failed', run_no: 1 });
  });

  it('answers 409 for an action the status does not allow and 404 for an unknown campaign', async () => {
    const c = await newCampaign(h, {}, 1);
    for (const name of ['pause', 'resume', 'stop', 'restart', 'cancel-restart']) {
      const res = await action(c.id, name);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('invalid_state');
      expect(res.body.error.message).toContain('Current status: draft.');
      expect((await action(MISSING, name)).status).toBe(404);
    }
    expect((await action('not-a-uuid', 'pause')).status).toBe(404);
    expect((await action(c.id, 'pause', 'wrong-key')).status).toBe(401);
  });

  it('answers within the control timeout when the engine does not acknowledge (no worker)', async () => {
    const c = await newCampaign(h, {}, 1);
    await action(c.id, 'start');
    h.engine.hanging.add('stop');
    try {
      const started = Date.now();
      const res = await action(c.id, 'stop');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'completed', completion_reason: 'manually_stopped' });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      h.engine.hanging.delete('stop');
    }
  });

  it('keeps the operator action when the engine cannot be told (the run re-reads Postgres)', async () => {
    const c = await newCampaign(h, {}, 1);
    await action(c.id, 'start');
    h.engine.failing.add('pause');
    try {
      const res = await action(c.id, 'pause');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('paused');
    } finally {
      h.engine.failing.delete('pause');
    }
  });
});

describe('POST /campaigns/:id/clone', () => {
  it('copies settings, number pool, bot and contacts into a fresh draft (201)', async () => {
    const c = await newCampaign(h, { name: 'Original', concurrency: 9, retry_on_custom: ['busy_later'] }, 3);
    await action(c.id, 'start');
    await h.db
      .updateTable('contacts')
      .set({ state: 'completed', attempts: 2 })
      .where('campaign_id', '=', c.id)
      .execute();
    await action(c.id, 'stop');

    await sql`insert into campaign_variables (campaign_id, key) values (${c.id}::uuid, 'account'), (${c.id}::uuid, 'branch')`.execute(
      h.db,
    );
    const res = await action(c.id, 'clone', (await createApiKey(h.db, 'cloner')).key);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Original (copy)',
      status: 'draft',
      run_no: 1,
      bot_id: setup.botId,
      number_ids: setup.numberIds,
      ever_started: false,
      created_by: 'cloner',
      counts: { total: 3, pending: 3 },
    });
    expect(res.body.id).not.toBe(c.id);
    expect(res.body.config).toEqual((await h.get(`/api/v1/campaigns/${c.id}`)).body.config);

    const pick = async (id: string) =>
      h.db
        .selectFrom('contacts')
        .select(['phone', 'phones', 'name', 'email', 'metadata', 'state', 'attempts'])
        .where('campaign_id', '=', id)
        .orderBy('seq')
        .execute();
    const [source, copy] = await Promise.all([pick(c.id), pick(res.body.id)]);
    const identity = (r: (typeof source)[number]) => [r.phone, r.phones, r.name, r.email, r.metadata];
    expect(copy.map(identity)).toEqual(source.map(identity));
    expect(copy.every((r) => r.state === 'pending' && r.attempts === 0)).toBe(true);
    expect(source.every((r) => r.state === 'completed')).toBe(true);

    const log = await h.db
      .selectFrom('activity_log')
      .select(['action', 'actor', 'run_no', 'details'])
      .where('campaign_id', '=', res.body.id)
      .execute();
    expect(log).toEqual([
      { action: 'clone', actor: 'cloner', run_no: 1, details: { source_campaign_id: c.id, contacts: 3 } },
    ]);
    const variables = await sql<{ key: string }>`
      select key from campaign_variables where campaign_id = ${res.body.id}::uuid order by position`.execute(
      h.db,
    );
    expect(variables.rows.map((r) => r.key)).toEqual(['account', 'branch']);
    expect((await action(MISSING, 'clone')).status).toBe(404);
  });
});
