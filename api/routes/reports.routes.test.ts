import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { middayTimezone, useApiHarness } from '../testing/harness';
import { ATTEMPT_REPORT_COLUMNS } from '../../db/repositories/reports.repository';
import { recordPresence } from '../../db/repositories/worker-presence.repository';
import { addAttempt, API, contactsOf, createCampaign, startCampaign, uploadCsv } from './contacts.testkit';

const h = useApiHarness();
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const connectedWorker = {
  workerId: 'reports-test-worker',
  hostname: 'test',
  pid: 1,
  taskQueue: 'q',
  startedAt: new Date(),
  eslConnected: true,
  eslChangedAt: new Date(),
};

const HEADER =
  'campaign_id,run_no,contact_id,attempt_id,attempt_no,pass,phone,from_number,started_at,answered_at,ended_at,ring_s,talk_s,outcome,sip_code,hangup_cause,disposition,callback_at,voicemail_left';

describe('GET /campaigns/:id/attempts.csv', () => {
  it('has the exact header, one column per variable in upload order, one row per finished attempt of every run', async () => {
    const c = await createCampaign(h);
    await uploadCsv(
      h,
      c.id,
      'phone_number,zeta,alpha\n+14155550300,"=cmd|\' /C calc\'!A0",a1\n+14155550301,z2,\n',
    );
    await h.post(`${API}/campaigns/trigger`, {
      campaign_id: c.id,
      mobile: '+14155550302',
      metadata: { mid: '@SUM(A1)' },
    });
    await startCampaign(h, c.id);
    const [a, b] = await contactsOf(h.db, c.id);
    const t0 = new Date('2026-11-20T10:00:00.000Z');
    const first = await addAttempt(h.db, {
      campaignId: c.id,
      contactId: a!.id,
      attemptNo: 1,
      phone: a!.phone,
      createdAt: t0,
      answered: true,
      ringS: 4.25,
      talkS: 61.5,
      disposition: '-INTERESTED',
      callbackAt: new Date('2026-11-21T09:00:00Z'),
    });
    const second = await addAttempt(h.db, {
      campaignId: c.id,
      contactId: b!.id,
      attemptNo: 1,
      phone: b!.phone,
      createdAt: new Date(t0.getTime() + 1000),
      sipCode: 486,
      outcome: 'rejected',
    });
    // The column's spelling (true/false, not Postgres' t/f) is what is checked here.
    await h.db
      .updateTable('attempts')
      .set({ voicemail_left: true })
      .where('attempt_id', '=', second)
      .execute();
    // In flight: not in the report.
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: b!.id,
      attemptNo: 2,
      phone: b!.phone,
      createdAt: new Date(t0.getTime() + 2000),
      status: 'ringing',
    });
    // An earlier run's attempt is reported too.
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: b!.id,
      runNo: 0,
      attemptNo: 1,
      phone: b!.phone,
      createdAt: new Date(t0.getTime() - 86_400_000),
    });

    const res = await h.get(`${API}/campaigns/${c.id}/attempts.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="campaign-${c.id.slice(0, 8)}-attempts.csv"`,
    );
    const lines = res.text.split('\n');
    expect(lines[0]).toBe(`${HEADER},zeta,alpha,mid`);
    expect(ATTEMPT_REPORT_COLUMNS.join(',')).toBe(HEADER);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(3);
    // Per run, by end time: b's unanswered attempt ended before a's call did.
    expect(rows.map((r) => [r.run_no, r.contact_id])).toEqual([
      ['0', b!.id],
      ['1', b!.id],
      ['1', a!.id],
    ]);
    expect(rows[2]).toEqual({
      campaign_id: c.id,
      run_no: '1',
      contact_id: a!.id,
      attempt_id: first,
      attempt_no: '1',
      pass: '1',
      // Every cell a spreadsheet would evaluate is prefixed, E.164 numbers included.
      phone: "'+14155550300",
      from_number: "'+14155550199",
      started_at: '2026-11-20T10:00:00.000Z',
      answered_at: '2026-11-20T10:00:04.250Z',
      ended_at: '2026-11-20T10:01:05.750Z',
      ring_s: '4.250',
      talk_s: '61.500',
      outcome: 'completed',
      sip_code: '',
      hangup_cause: 'NORMAL_CLEARING',
      disposition: "'-INTERESTED",
      callback_at: '2026-11-21T09:00:00.000Z',
      voicemail_left: 'false',
      zeta: "'=cmd|' /C calc'!A0",
      alpha: 'a1',
      mid: '',
    });
    expect(rows[1]).toMatchObject({
      phone: "'+14155550301",
      voicemail_left: 'true',
      outcome: 'rejected',
      sip_code: '486',
      zeta: 'z2',
      alpha: '',
    });
  });

  it('neutralises formula-like variable names in the header too, and answers a header alone when nothing ended', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number,=1+1\n+14155550310,x\n');
    const res = await h.get(`${API}/campaigns/${c.id}/attempts.csv`);
    expect(res.text).toBe(`${HEADER},'=1+1\n`);
  });

  it('answers 404 for an unknown campaign', async () => {
    expect((await h.get(`${API}/campaigns/00000000-0000-4000-8000-000000000000/attempts.csv`)).status).toBe(
      404,
    );
  });

  it('streams many rows over a real socket, and survives a client that hangs up mid-download', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number,v\n+14155550320,x\n');
    const [contact] = await contactsOf(h.db, c.id);
    const n = 60_000;
    await sql`
      insert into attempts (attempt_id, campaign_id, run_no, contact_id, attempt_no, pass, phone, status,
                            lease_expires_at, created_at, started_at, ended_at, outcome, ring_s)
      select gen_random_uuid(), ${c.id}, 1, ${contact!.id}, g, 1, '+14155550320', 'ended',
             now(), now(), now() - make_interval(secs => ${n} - g), now() - make_interval(secs => ${n} - g), 'no_answer', 3
      from generate_series(1, ${n}) g`.execute(h.db);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = h.app.server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}${API}/campaigns/${c.id}/attempts.csv`;
      const headers = { authorization: `Bearer ${h.key}` };
      const started = Date.now();
      const full = await fetch(url, { headers });
      const text = await full.text();
      const ms = Date.now() - started;
      expect(text.split('\n').filter((l) => l !== '')).toHaveLength(n + 1);
      // Far above the 100,000 rows/s target in CI terms; a loose bound so slow machines pass.
      expect(n / (ms / 1000)).toBeGreaterThan(20_000);

      // Hang up after the first chunk: the COPY is cancelled and the pool stays healthy.
      const abort = new AbortController();
      const partial = await fetch(url, { headers, signal: abort.signal });
      const reader = partial.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.cancel().catch(() => undefined);
      for (let i = 0; i < 3; i++) {
        const again = await fetch(url, { headers });
        expect((await again.text()).length).toBe(text.length);
      }
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity where query ilike 'copy (select%' and state = 'active'`.execute(
        h.db,
      );
      expect(rows[0]?.n).toBe(0);
    } finally {
      await new Promise<void>((resolve) => h.app.server.close(() => resolve()));
    }
  });
});

describe('GET /campaigns/:id/activity and /config', () => {
  it('lists the activity log newest first with actor and run', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n+14155550330\n');
    await startCampaign(h, c.id);
    await h.post(`${API}/campaigns/${c.id}/pause`);
    const res = await h.get(`${API}/campaigns/${c.id}/activity`);
    expect(res.status).toBe(200);
    expect(res.body.map((a: { action: string }) => a.action).slice(0, 2)).toEqual(['pause', 'start']);
    expect(res.body[0]).toEqual({
      action: 'pause',
      actor: 'ops',
      at: expect.any(String),
      run_no: 1,
      details: null,
    });
    expect((await h.get(`${API}/campaigns/00000000-0000-4000-8000-000000000000/activity`)).status).toBe(404);
  });

  it('answers the current config and a setup built from the bot and pool for a never-started draft', async () => {
    const c = await createCampaign(h, { concurrency: 7 });
    const draft = await h.get(`${API}/campaigns/${c.id}/config`);
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({
      run_no: 1,
      status: 'draft',
      config: { concurrency: 7, max_attempts: 3 },
      setup: { run_no: 1, started_at: null, bot: { id: c.botId }, config: { concurrency: 7 } },
    });
    expect(draft.body.setup.number_pool.map((n: { id: string }) => n.id)).toEqual(c.numberIds);
  });

  it("answers the started run's own snapshot once it runs", async () => {
    const c = await createCampaign(h, { concurrency: 9 });
    await uploadCsv(h, c.id, 'phone_number\n+14155550331\n');
    await startCampaign(h, c.id);
    const res = await h.get(`${API}/campaigns/${c.id}/config`);
    expect(res.body).toMatchObject({
      run_no: 1,
      status: 'running',
      config: { concurrency: 9 },
      setup: { run_no: 1, created_by: 'ops' },
    });
    expect(res.body.setup.started_at).toEqual(expect.any(String));
    expect((await h.get(`${API}/campaigns/00000000-0000-4000-8000-000000000000/config`)).status).toBe(404);
  });

  it('a mid-run edit is a new config version: who changed what and when; earlier versions stay readable', async () => {
    const c = await createCampaign(h, { concurrency: 20, stop_redials_after_connect_s: 10 });
    await uploadCsv(h, c.id, 'phone_number\n+14155550332\n');
    // A draft's edits are not versions: the run has not started.
    expect((await h.patch(`${API}/campaigns/${c.id}`, { concurrency: 21 })).status).toBe(200);
    expect((await h.get(`${API}/campaigns/${c.id}/config`)).body).toMatchObject({
      version: null,
      versions: 0,
    });
    await startCampaign(h, c.id);
    const first = (await h.get(`${API}/campaigns/${c.id}/config`)).body;
    expect(first).toMatchObject({ versions: 1, version: { version: 1, changes: [], changed_by: 'ops' } });
    expect((await h.post(`${API}/campaigns/${c.id}/pause`)).status).toBe(200);
    const edit = await h.patch(`${API}/campaigns/${c.id}`, {
      concurrency: 25,
      stop_redials_after_connect_s: 30,
    });
    expect(edit.status).toBe(200);
    // The same values again change nothing: no empty version.
    expect((await h.patch(`${API}/campaigns/${c.id}`, { concurrency: 25 })).status).toBe(200);
    const now = (await h.get(`${API}/campaigns/${c.id}/config`)).body;
    expect(now).toMatchObject({
      config: { concurrency: 25, stop_redials_after_connect_s: 30 },
      versions: 2,
      version: {
        version: 2,
        config: { concurrency: 25, stop_redials_after_connect_s: 30 },
        changes: [
          { field: 'concurrency', from: 21, to: 25 },
          { field: 'stop_redials_after_connect_s', from: 10, to: 30 },
        ],
        changed_by: 'ops',
        changed_at: expect.stringMatching(ISO),
      },
    });
    // The run's raw start snapshot is untouched (audit).
    expect(now.setup.config).toMatchObject({ concurrency: 21, stop_redials_after_connect_s: 10 });
    const all = await h.get(`${API}/campaigns/${c.id}/config/versions`);
    expect(all.status).toBe(200);
    expect(all.body.run_no).toBe(1);
    expect(
      all.body.versions.map((v: { version: number; config: { concurrency: number } }) => [
        v.version,
        v.config.concurrency,
      ]),
    ).toEqual([
      [1, 21],
      [2, 25],
    ]);
    const activity = (await h.get(`${API}/campaigns/${c.id}/activity`)).body as {
      action: string;
      details: { config_version?: number } | null;
    }[];
    expect(
      activity.filter((a) => a.action === 'update').map((a) => a.details?.config_version ?? null),
    ).toEqual([2, null]);
  });
});

describe('GET /campaigns/:id/live', () => {
  it('computes every field from Postgres on seeded data', async () => {
    const c = await createCampaign(h, {
      window: { start: '00:00', end: '23:59', timezone: middayTimezone() },
      max_attempts: 3,
    });
    const phones = Array.from({ length: 8 }, (_, i) => `+1415555034${i}`);
    await uploadCsv(h, c.id, `phone_number\n${phones.join('\n')}\n`);
    await startCampaign(h, c.id);
    const rows = await contactsOf(h.db, c.id);
    const now = new Date('2026-11-23T12:00:00.000Z');
    h.clock.now = now;
    const ago = (s: number) => new Date(now.getTime() - s * 1000);
    const set = (i: number, v: Record<string, unknown>) =>
      h.db.updateTable('contacts').set(v).where('id', '=', rows[i]!.id).execute();
    // Pass 1: contacts 0-5 attempted (0, 1 answered: one completed, one abandoned), 6-7 still pending.
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: rows[0]!.id,
      attemptNo: 1,
      phone: phones[0]!,
      createdAt: ago(600),
      answered: true,
      ringS: 4,
      talkS: 100,
    });
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: rows[1]!.id,
      attemptNo: 1,
      phone: phones[1]!,
      createdAt: ago(120),
      answered: true,
      ringS: 6,
      talkS: 2,
      outcome: 'abandoned',
    });
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: rows[2]!.id,
      attemptNo: 1,
      phone: phones[2]!,
      createdAt: ago(100),
      ringS: 20,
      sipCode: 480,
    });
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: rows[3]!.id,
      attemptNo: 1,
      phone: phones[3]!,
      createdAt: ago(90),
      ringS: 10,
      sipCode: 486,
      outcome: 'rejected',
    });
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: rows[4]!.id,
      attemptNo: 1,
      phone: phones[4]!,
      createdAt: ago(5),
      status: 'ringing',
    });
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: rows[5]!.id,
      attemptNo: 1,
      phone: phones[5]!,
      createdAt: ago(3),
      status: 'in_progress',
      answered: true,
    });
    // Pass 2 for contact 2 (retry after no answer) ended with a callback request; contact 3 waits for pass 2.
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: rows[2]!.id,
      attemptNo: 2,
      pass: 2,
      phone: phones[2]!,
      createdAt: ago(40),
      answered: true,
      ringS: 2,
      talkS: 10,
      callbackAt: ago(-3600),
    });
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: rows[2]!.id,
      attemptNo: 3,
      pass: 2,
      phone: phones[2]!,
      createdAt: ago(8),
      ringS: 3,
      sipCode: 480,
    });
    await set(0, { state: 'completed', final_at: ago(500), ready_at: null });
    await set(1, { state: 'abandoned', final_at: ago(100), ready_at: null });
    await set(2, {
      state: 'callback_scheduled',
      pass: 2,
      callback_state: 'pending',
      callback_at: ago(-3600),
      ready_at: null,
    });
    await set(3, { state: 'retry_scheduled', pass: 2, ready_at: null });
    await set(4, { state: 'ringing', ready_at: null });
    await set(5, { state: 'in_progress', ready_at: null });

    await recordPresence(h.db, connectedWorker, now);
    const res = await h.get(`${API}/campaigns/${c.id}/live`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'running',
      activity: 'live',
      activity_reason: null,
      run_no: 1,
      ringing: 1,
      in_progress: 1,
      dials_per_sec: 0.3, // three dials in the last 10 s
      connected_per_hr: 36, // three answers in the last 5 minutes × 12
      avg_ring_s: 7.5, // (4+6+20+10+2+3)/6
      last_dial_at: ago(3).toISOString(),
      pending: 4, // 2 and 3 (waiting for pass 2) + 6 and 7
      retries_left: 1,
      held: { frequency_cap: 0, recipient_hours: 0 },
      passes: [
        {
          pass: 1,
          attempted: 6,
          eligible: 8,
          connected_pct: 50, // 2 answered of 4 finished
          started_at: ago(600).toISOString(),
          ended_at: expect.any(String), // pass 2 began
        },
        {
          pass: 2,
          attempted: 1,
          eligible: 2,
          connected_pct: 50,
          started_at: ago(40).toISOString(),
          ended_at: null,
        },
      ],
      progress: { processed: 2, total: 8 },
      eta_s: expect.any(Number),
      metrics: {
        answer_rate: 50, // 3 answered of 6 finished
        completion_rate: 66.7, // 2 completed of 3 answered
        abandon_rate: 33.3,
        aht_s: 55, // (100 + 10) / 2
      },
      callbacks: { requested: 1, pending: 1, completed: 0, cancelled: 0, avg_delay_s: 20 },
      // 8 dials, 3 connected, from the first dial (600 s ago) to the last hang-up (5 s ago): 595 s.
      run: {
        dials: 8,
        connected: 3,
        started_at: ago(600).toISOString(),
        ended_at: ago(5).toISOString(),
        dials_per_sec: 0.01,
        connected_per_hr: 18.15,
        calls_per_min: 0.81,
      },
      // No stall detector runs in this test: no alerts.
      alerts: [],
    });
    expect(res.body.eta_s).toBeGreaterThan(0);
    h.clock.now = null;
  });

  it("a pass's time range is its own wave: a late callback kept in pass 1 does not stretch it past pass 2", async () => {
    const c = await createCampaign(h, {
      window: { start: '00:00', end: '23:59', timezone: middayTimezone() },
      max_attempts: 2,
      callback_detection: true,
    });
    await uploadCsv(h, c.id, 'phone_number\n+14155550361\n+14155550362\n');
    await startCampaign(h, c.id);
    const [a, b] = await contactsOf(h.db, c.id);
    const t0 = new Date('2026-11-23T10:00:00.000Z');
    const at = (m: number) => new Date(t0.getTime() + m * 60_000);
    const dial = (contact: typeof a, attemptNo: number, pass: number, m: number, admitPriority = 1) =>
      addAttempt(h.db, {
        campaignId: c.id,
        contactId: contact!.id,
        attemptNo,
        pass,
        phone: contact!.phone,
        createdAt: at(m),
        ringS: 5,
        admitPriority,
      });
    await dial(a, 1, 1, 0);
    await dial(b, 1, 1, 1);
    await dial(b, 2, 2, 31); // the retry: pass 2
    await dial(a, 2, 1, 90, 0); // a callback asked in pass 1, dialled an hour later
    await h.db.updateTable('contacts').set({ state: 'completed' }).where('campaign_id', '=', c.id).execute();
    const live = (await h.get(`${API}/campaigns/${c.id}/live`)).body;
    const [p1, p2] = live.passes;
    expect(p1.ended_at).toBe(new Date(at(1).getTime() + 5000).toISOString());
    expect(p2.ended_at).toBe(new Date(at(31).getTime() + 5000).toISOString());
    expect(Date.parse(p1.ended_at)).toBeLessThan(Date.parse(p2.started_at));
    // The run's own span still reaches the callback's hang-up.
    expect(live.run.ended_at).toBe(new Date(at(90).getTime() + 5000).toISOString());
  });

  it('says switch_unreachable while a running campaign has no worker connected to the switch', async () => {
    const c = await createCampaign(h, {
      window: { start: '00:00', end: '23:59', timezone: middayTimezone() },
    });
    await uploadCsv(h, c.id, 'phone_number\n+14155550351\n');
    await startCampaign(h, c.id);
    await h.db.deleteFrom('worker_presence').execute();
    const down = await h.get(`${API}/campaigns/${c.id}/live`);
    expect(down.body).toMatchObject({ status: 'running', activity_reason: 'switch_unreachable' });
    // A worker that lost the switch says so: still unreachable.
    await recordPresence(h.db, { ...connectedWorker, eslConnected: false }, new Date());
    expect((await h.get(`${API}/campaigns/${c.id}/live`)).body).toMatchObject({
      activity_reason: 'switch_unreachable',
    });
    await recordPresence(h.db, connectedWorker, new Date());
    expect((await h.get(`${API}/campaigns/${c.id}/live`)).body).toMatchObject({ activity_reason: null });
  });

  it('is stopped for a draft and outside_window outside the calling window, and 404 for an unknown campaign', async () => {
    const c = await createCampaign(h, {
      mode: 'multi_day',
      window: { start: '09:00', end: '10:00', timezone: 'UTC' },
    });
    h.clock.now = new Date('2026-11-23T03:00:00Z');
    const draft = await h.get(`${API}/campaigns/${c.id}/live`);
    expect(draft.body).toMatchObject({
      status: 'draft',
      activity: 'stopped',
      pending: 0,
      passes: [],
      eta_s: null,
    });
    await uploadCsv(h, c.id, 'phone_number\n+14155550350\n');
    await startCampaign(h, c.id);
    const live = await h.get(`${API}/campaigns/${c.id}/live`);
    expect(live.body).toMatchObject({
      activity: 'outside_window',
      pending: 1,
      passes: [{ pass: 1, attempted: 0, eligible: 1, connected_pct: null, started_at: null, ended_at: null }],
      metrics: { answer_rate: null, completion_rate: null, abandon_rate: null, aht_s: null },
    });
    h.clock.now = null;
    expect((await h.get(`${API}/campaigns/00000000-0000-4000-8000-000000000000/live`)).status).toBe(404);
  });
});

describe('GET /campaigns/:id/results', () => {
  it('answers KPIs, dispositions, each pool number with its outcomes and SIP codes, and talk minutes per day', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n+14155550371\n+14155550372\n+14155550373\n');
    await startCampaign(h, c.id);
    const rows = await contactsOf(h.db, c.id);
    const day1 = new Date('2026-11-20T10:00:00.000Z');
    const day2 = new Date('2026-11-21T10:00:00.000Z');
    const dial = (
      i: number,
      n: number,
      extra: Parameters<typeof addAttempt>[1] extends infer T ? Partial<T> : never,
    ) =>
      addAttempt(h.db, {
        campaignId: c.id,
        contactId: rows[i]!.id,
        attemptNo: n,
        phone: rows[i]!.phone,
        createdAt: day1,
        ...extra,
      });
    await dial(0, 1, { answered: true, talkS: 90, disposition: 'INTERESTED', fromNumber: '+14155550001' });
    await dial(1, 1, { answered: true, talkS: 30, disposition: 'OPT_OUT', fromNumber: '+14155550001' });
    await dial(2, 1, { outcome: 'rejected', sipCode: 486, fromNumber: '+14155550002' });
    await dial(2, 2, { outcome: 'rejected', sipCode: 603, fromNumber: '+14155550002', createdAt: day2 });
    await dial(0, 2, {
      answered: true,
      talkS: 60,
      disposition: 'INTERESTED',
      fromNumber: '+14155550002',
      createdAt: day2,
    });
    const res = await h.get(`${API}/campaigns/${c.id}/results`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      run_no: 1,
      kpis: { calls_made: 5, reached: 3, interested: 2, opted_out: 1 },
      dispositions: [
        { disposition: 'INTERESTED', count: 2 },
        { disposition: 'OPT_OUT', count: 1 },
      ],
      numbers: [
        {
          from_number: '+14155550002',
          dials: 3,
          answered: 1,
          outcomes: { rejected: 2, completed: 1 },
          sip_codes: { '486': 1, '603': 1 },
        },
        { from_number: '+14155550001', dials: 2, answered: 2, outcomes: { completed: 2 }, sip_codes: {} },
      ],
      timezone: 'UTC',
      // No carrier rate: the minutes are counted and left unpriced.
      talk_by_day: [
        { day: '2026-11-20', minutes: 2, cost: null, unpriced_minutes: 2 },
        { day: '2026-11-21', minutes: 1, cost: null, unpriced_minutes: 1 },
      ],
      talk: { minutes: 3, cost: null, unpriced_minutes: 3 },
    });
    expect((await h.get(`${API}/campaigns/00000000-0000-4000-8000-000000000000/results`)).status).toBe(404);
  });

  it("prices each day's talk minutes at each carrier's cost_per_minute, on the campaign's days", async () => {
    const cheap = await h.post(`${API}/carriers`, { name: 'Cheap', gateway: 'cheap', cost_per_minute: 0.01 });
    const dear = await h.post(`${API}/carriers`, { name: 'Dear', gateway: 'dear', cost_per_minute: 0.04 });
    const unpriced = await h.post(`${API}/carriers`, { name: 'Unpriced', gateway: 'unpriced' });
    // Kolkata is UTC+5:30: 20:00Z is already the next day there.
    const c = await createCampaign(h, { window: { start: '09:00', end: '18:00', timezone: 'Asia/Kolkata' } });
    await uploadCsv(h, c.id, 'phone_number\n+14155550381\n+14155550382\n');
    await startCampaign(h, c.id);
    const rows = await contactsOf(h.db, c.id);
    const talk = (i: number, n: number, carrierId: string, at: string, talkS: number) =>
      addAttempt(h.db, {
        campaignId: c.id,
        contactId: rows[i]!.id,
        attemptNo: n,
        phone: rows[i]!.phone,
        createdAt: new Date(at),
        answered: true,
        ringS: 0,
        talkS,
        carrierId,
      });
    await talk(0, 1, cheap.body.id, '2026-11-20T10:00:00Z', 120);
    await talk(1, 1, dear.body.id, '2026-11-20T11:00:00Z', 90);
    await talk(0, 2, dear.body.id, '2026-11-20T20:00:00Z', 60);
    await talk(1, 2, unpriced.body.id, '2026-11-20T21:00:00Z', 30);

    const res = await h.get(`${API}/campaigns/${c.id}/results`);
    expect(res.status).toBe(200);
    expect(res.body.timezone).toBe('Asia/Kolkata');
    expect(res.body.talk_by_day).toEqual([
      // 2 min × 0.01 + 1.5 min × 0.04
      { day: '2026-11-20', minutes: 3.5, cost: 0.08, unpriced_minutes: 0 },
      // 1 min × 0.04, and half a minute on a carrier without a rate
      { day: '2026-11-21', minutes: 1.5, cost: 0.04, unpriced_minutes: 0.5 },
    ]);
    expect(res.body.talk).toEqual({ minutes: 5, cost: 0.12, unpriced_minutes: 0.5 });

    // A rate changed later prices the run's minutes at the new rate.
    await h.patch(`${API}/carriers/${unpriced.body.id}`, { cost_per_minute: 0.2 });
    const again = await h.get(`${API}/campaigns/${c.id}/results`);
    expect(again.body.talk_by_day[1]).toEqual({
      day: '2026-11-21',
      minutes: 1.5,
      cost: 0.14,
      unpriced_minutes: 0,
    });
  });
});

describe('GET /campaigns/:id/charts', () => {
  it('cuts the run into buckets: dials, dials per second, seats in use, pass progression, answer rate by hour', async () => {
    const c = await createCampaign(h, { window: { start: '09:00', end: '18:00', timezone: 'Asia/Kolkata' } });
    const empty = await h.get(`${API}/campaigns/${c.id}/charts`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({
      run_no: 1,
      timezone: 'Asia/Kolkata',
      bucket_s: null,
      timeline: [],
      passes: [],
      answer_by_hour: [],
    });

    await uploadCsv(h, c.id, 'phone_number\n+14155550391\n+14155550392\n+14155550393\n');
    await startCampaign(h, c.id);
    const rows = await contactsOf(h.db, c.id);
    const t0 = new Date('2026-11-20T10:00:00.000Z');
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    const dial = (
      i: number,
      n: number,
      pass: number,
      s: number,
      extra: { answered?: boolean; talkS?: number; status?: 'ringing' } = {},
    ) =>
      addAttempt(h.db, {
        campaignId: c.id,
        contactId: rows[i]!.id,
        attemptNo: n,
        pass,
        phone: rows[i]!.phone,
        createdAt: at(s),
        ringS: 5,
        ...extra,
      });
    await dial(0, 1, 1, 0, { answered: true, talkS: 20 }); // up 0–25 s
    await dial(1, 1, 1, 10); // up 10–15 s, not answered
    await dial(2, 1, 1, 20); // up 20–25 s
    await dial(1, 2, 2, 40, { answered: true, talkS: 10 }); // up 40–55 s
    await dial(2, 2, 2, 50, { status: 'ringing' }); // still ringing at 60 s: holds its seat until now
    h.clock.now = at(60);
    const res = await h.get(`${API}/campaigns/${c.id}/charts`);
    h.clock.now = null;
    expect(res.status).toBe(200);
    const body = res.body as {
      bucket_s: number;
      timeline: { at: string; dials: number; dials_per_sec: number; seats_in_use: number }[];
      passes: { pass: number; dialled: number[] }[];
      answer_by_hour: unknown[];
    };
    // 60 s cannot be drawn in 60 one-second buckets (61 would be needed): two-second buckets, 0 s to 60 s.
    expect(body.bucket_s).toBe(2);
    expect(body.timeline).toHaveLength(31);
    expect(body.timeline[0]!.at).toBe(t0.toISOString());
    expect(body.timeline.at(-1)!.at).toBe(at(60).toISOString());
    const bucket = (s: number) => body.timeline[s / 2]!;
    expect(bucket(0)).toEqual({ at: t0.toISOString(), dials: 1, dials_per_sec: 0.5, seats_in_use: 1 });
    // 10–12 s: the first call and the second are up.
    expect(bucket(10)).toEqual({ at: at(10).toISOString(), dials: 1, dials_per_sec: 0.5, seats_in_use: 2 });
    // 24–26 s: two calls up for the first of the two seconds.
    expect(bucket(24)).toMatchObject({ dials: 0, seats_in_use: 1 });
    expect(bucket(30)).toMatchObject({ dials: 0, seats_in_use: 0 });
    expect(bucket(50)).toMatchObject({ dials: 1, seats_in_use: 2 });
    expect(bucket(58)).toMatchObject({ dials: 0, seats_in_use: 1 });
    expect(body.timeline.reduce((n, b) => n + b.dials, 0)).toBe(5);

    // Pass 1's three contacts by 20 s; pass 2 begins at 40 s and has two by 50 s.
    const dialled = Object.fromEntries(body.passes.map((p) => [p.pass, p.dialled]));
    expect(Object.keys(dialled)).toEqual(['1', '2']);
    expect([0, 8, 10, 20, 60].map((s) => dialled[1]![s / 2])).toEqual([1, 1, 2, 3, 3]);
    expect([38, 40, 48, 50, 60].map((s) => dialled[2]![s / 2])).toEqual([0, 1, 1, 2, 2]);

    // Finished dials only, by the hour of the campaign's clock: 10:00 UTC is 15:30 in Kolkata.
    expect(body.answer_by_hour).toEqual([{ hour: 15, dials: 4, answered: 2, answer_rate: 0.5 }]);
    expect((await h.get(`${API}/campaigns/00000000-0000-4000-8000-000000000000/charts`)).status).toBe(404);
  });
});
