import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useApiHarness } from '../testing/harness';
import { parseIsoDateTime } from './integration.routes';
import {
  addAttempt,
  API,
  contactCount,
  contactsOf,
  createCampaign,
  startCampaign,
  uploadCsv,
} from './contacts.testkit';

const h = useApiHarness();

const errorShape = (code: string) => ({
  error: { code, message: expect.any(String), details: expect.any(Array), request_id: expect.any(String) },
});
const trigger = (body: unknown) => h.post(`${API}/campaigns/trigger`, body);

/** The app's clock is fixed at noon UTC (beforeAll): a window is open or closed whatever the real time. */
const NOON = new Date('2026-11-23T12:00:00.000Z');
const windowAround = (open: boolean) =>
  open
    ? { start: '09:00', end: '18:00', timezone: 'UTC' }
    : { start: '02:00', end: '03:00', timezone: 'UTC' };

beforeAll(() => {
  h.clock.now = NOON;
});

async function runningCampaign(config: Record<string, unknown> = {}) {
  const c = await createCampaign(h, { window: windowAround(true), ...config });
  await uploadCsv(h, c.id, 'phone_number\n+14155550100\n');
  await startCampaign(h, c.id);
  return c;
}

describe('POST /campaigns/trigger', () => {
  it('queues a contact on a draft, with its metadata, and re-uses it for the same number', async () => {
    const c = await createCampaign(h);
    const res = await trigger({
      campaign_id: c.id,
      mobile: '+91 98765 43210',
      metadata: { 'case number': 'C-1', amount: 500 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'queued', contact_id: expect.any(String) });
    const again = await trigger({ campaign_id: c.id, mobile: '09876543210', metadata: { plan: 'gold' } });
    expect(again.body).toEqual({ status: 'queued', contact_id: res.body.contact_id });
    const rows = await contactsOf(h.db, c.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      phone: '+919876543210',
      phones: ['+919876543210'],
      source: 'api',
      state: 'pending',
      ready_at: null,
      metadata: { 'case number': 'C-1', amount: '500', plan: 'gold' },
    });
    // The keys join the campaign's variable columns (report header order).
    const { rows: vars } = await sql<{ key: string }>`
      select key from campaign_variables where campaign_id = ${c.id} order by position`.execute(h.db);
    expect(vars.map((v) => v.key)).toEqual(['case number', 'amount', 'plan']);
  });

  it('dials at once on a running campaign inside its window with a free seat (admission leased it)', async () => {
    const c = await runningCampaign();
    const wakes = h.engine.callsFor(c.id, 'wake').length;
    const res = await trigger({ campaign_id: c.id, mobile: '+14155550101' });
    expect(res.body.status).toBe('dialled');
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from attempts where contact_id = ${res.body.contact_id}`.execute(h.db);
    expect(rows[0]?.n).toBe(1);
    expect(h.engine.callsFor(c.id, 'wake').length).toBe(wakes + 1);
  });

  it('queues when no seat is free, and on a paused campaign', async () => {
    const c = await runningCampaign({ concurrency: 1 });
    expect((await trigger({ campaign_id: c.id, mobile: '+14155550102' })).body.status).toBe('dialled');
    expect((await trigger({ campaign_id: c.id, mobile: '+14155550103' })).body.status).toBe('queued');
    await h.post(`${API}/campaigns/${c.id}/pause`);
    expect((await trigger({ campaign_id: c.id, mobile: '+14155550104' })).body.status).toBe('queued');
  });

  it('queues outside the window of a multi-day campaign; 409 for a single-day one', async () => {
    const multi = await runningCampaign({ mode: 'multi_day', window: windowAround(false) });
    expect((await trigger({ campaign_id: multi.id, mobile: '+14155550105' })).body.status).toBe('queued');
    const single = await runningCampaign({ mode: 'single_day', window: windowAround(false) });
    const res = await trigger({ campaign_id: single.id, mobile: '+14155550106' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual(errorShape('outside_window'));
    expect(await contactCount(h.db, single.id)).toBe(1);
  });

  it('suppresses opted-out numbers and sticky-excluded contacts', async () => {
    const c = await runningCampaign({ sticky_exclusion: true });
    await h.db.insertInto('opt_outs').values({ phone: '+14155550107', reason: 't' }).execute();
    const opted = await trigger({ campaign_id: c.id, mobile: '+14155550107' });
    expect(opted.body).toEqual({
      status: 'suppressed',
      contact_id: expect.any(String),
      reason: 'the number is on the do-not-call list',
    });
    expect((await contactsOf(h.db, c.id)).find((r) => r.id === opted.body.contact_id)).toMatchObject({
      state: 'excluded',
      exclusion_reason: 'opted out',
    });
    await h.post(`${API}/contacts/exclude`, { campaign_id: c.id, mobile: '+14155550100' });
    const sticky = await trigger({ campaign_id: c.id, mobile: '+14155550100' });
    expect(sticky.body.status).toBe('suppressed');
    expect(await contactCount(h.db, c.id)).toBe(2);
  });

  it('suppresses a re-add of a number whose finished contact was excluded with sticky exclusion', async () => {
    const c = await runningCampaign({ sticky_exclusion: true });
    // The contact finished before the exclusion came: the exclusion matches nothing, and is recorded.
    await h.db
      .updateTable('contacts')
      .set({ state: 'completed', final_at: NOON, ready_at: null })
      .where('campaign_id', '=', c.id)
      .execute();
    const excluded = await h.post(`${API}/contacts/exclude`, { campaign_id: c.id, mobile: '+14155550100' });
    expect(excluded.body).toEqual({ matched: 0 });
    for (let i = 0; i < 2; i++) {
      const res = await trigger({ campaign_id: c.id, mobile: '+1 415 555 0100' });
      expect(res.body).toEqual({
        status: 'suppressed',
        contact_id: expect.any(String),
        reason: 'the number was excluded from this campaign (sticky exclusion)',
      });
    }
    const [row] = await contactsOf(h.db, c.id);
    expect(row).toMatchObject({ state: 'completed', ready_at: null });
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from attempts where campaign_id = ${c.id}`.execute(h.db);
    expect(rows[0]?.n).toBe(0);
  });

  it('recipient hours: a contact outside its own hours is queued, one inside them dialled; the call list shows its zone', async () => {
    const c = await runningCampaign({ recipient_hours: true });
    // Noon UTC: Tokyo 21:00 (closed), London 12:00 (open), New York 07:00 (closed).
    const tokyo = await trigger({ campaign_id: c.id, mobile: '+14155559140', timezone: 'Asia/Tokyo' });
    expect(tokyo.body.status).toBe('queued');
    // No timezone given (or a blank one): the number's.
    const london = await trigger({ campaign_id: c.id, mobile: '+442071234567', timezone: '' });
    expect(london.body.status).toBe('dialled');
    const newYork = await trigger({ campaign_id: c.id, mobile: '+12125550143' });
    expect(newYork.body.status).toBe('queued');
    const stored = Object.fromEntries((await contactsOf(h.db, c.id)).map((r) => [r.phone, r.timezones]));
    expect(stored).toMatchObject({
      '+14155559140': ['Asia/Tokyo'],
      '+442071234567': ['Europe/London'],
      '+12125550143': ['America/New_York'],
    });
    // A re-add with its own zone replaces the number's (still closed: no dial, which would take a rate slot
    // the later tests need at this fixed clock).
    const again = await trigger({ campaign_id: c.id, mobile: '+12125550143', timezone: 'Asia/Seoul' });
    expect(again.body.status).toBe('queued');
    const readded = (await contactsOf(h.db, c.id)).find((r) => r.phone === '+12125550143');
    expect(readded?.timezones).toEqual(['Asia/Seoul']);
    const list = await h.get(`${API}/campaigns/${c.id}/contacts?per_page=10`);
    const tz = Object.fromEntries(
      list.body.items.map((i: { phone: string; timezone: string }) => [i.phone, i.timezone]),
    );
    expect(tz).toMatchObject({
      '+14155559140': 'Asia/Tokyo',
      '+442071234567': 'Europe/London',
      '+14155550100': 'America/Los_Angeles',
    });
    const bad = await trigger({ campaign_id: c.id, mobile: '+14155559142', timezone: 'Mars/Olympus' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([{ field: 'timezone', message: expect.any(String) }]);
  });

  it('re-activates an excluded contact when sticky exclusion is off', async () => {
    const c = await runningCampaign();
    await h.post(`${API}/contacts/exclude`, { campaign_id: c.id, mobile: '+14155550100' });
    const res = await trigger({ campaign_id: c.id, mobile: '+14155550100' });
    expect(res.body.status).toBe('dialled');
    const [row] = await contactsOf(h.db, c.id);
    expect(row).toMatchObject({
      id: res.body.contact_id,
      state: 'dialling',
      excluded_at: null,
      final_at: null,
    });
  });

  it('answers 404 for an unknown campaign, 409 for completed/failed, 422 for a bad body or number', async () => {
    expect(
      (await trigger({ campaign_id: '00000000-0000-4000-8000-000000000000', mobile: '+14155550101' })).status,
    ).toBe(404);
    const c = await createCampaign(h);
    await h.db
      .updateTable('campaigns')
      .set({ status: 'completed', ever_started: true })
      .where('id', '=', c.id)
      .execute();
    const done = await trigger({ campaign_id: c.id, mobile: '+14155550101' });
    expect(done.status).toBe(409);
    expect(done.body).toEqual(errorShape('invalid_state'));
    await h.db.updateTable('campaigns').set({ status: 'failed' }).where('id', '=', c.id).execute();
    expect((await trigger({ campaign_id: c.id, mobile: '+14155550101' })).status).toBe(409);

    const d = await createCampaign(h);
    const bad = await trigger({ campaign_id: d.id, mobile: 'call me maybe' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([
      { field: 'mobile', message: 'invalid phone number "call me maybe"' },
    ]);
    for (const body of [
      {},
      { campaign_id: d.id },
      { campaign_id: 'x', mobile: '+14155550101' },
      { campaign_id: d.id, mobile: '+14155550101', metadata: [1] },
    ]) {
      const res = await trigger(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body).toEqual(errorShape('validation_failed'));
    }
    expect(
      (
        await h.request('POST', `${API}/campaigns/trigger`, '{"campaign_id":', {
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(422);
  });

  it('returns the first answer for a repeated idempotency key and never adds a second contact', async () => {
    const c = await createCampaign(h);
    const first = await trigger({ campaign_id: c.id, mobile: '+14155550110', idempotency_key: 'k-1' });
    const again = await trigger({ campaign_id: c.id, mobile: '+14155550111', idempotency_key: 'k-1' });
    expect(again.body).toEqual(first.body);
    expect(await contactCount(h.db, c.id)).toBe(1);
    // The same key on another campaign is another request.
    const other = await createCampaign(h);
    const o = await trigger({ campaign_id: other.id, mobile: '+14155550110', idempotency_key: 'k-1' });
    expect(o.body.contact_id).not.toBe(first.body.contact_id);
  });

  it('writes the contact and the answer of a key in one transaction when no admission is needed', async () => {
    const xmins = async (campaignId: string, key: string) => {
      const { rows } = await sql<{ contact: string; answer: string; response: unknown }>`
        select c.xmin::text as contact, k.xmin::text as answer, k.response
        from idempotency_keys k join contacts c on c.id = k.contact_id
        where k.campaign_id = ${campaignId} and k.key = ${key}`.execute(h.db);
      return rows[0];
    };
    // A draft: queued. A running campaign with every seat taken: queued. An opted-out number: suppressed.
    const draft = await createCampaign(h);
    const queued = await trigger({ campaign_id: draft.id, mobile: '+14155559140', idempotency_key: 'one-1' });
    expect(queued.body.status).toBe('queued');
    const full = await runningCampaign({ concurrency: 1 });
    expect((await trigger({ campaign_id: full.id, mobile: '+14155559143' })).body.status).toBe('dialled');
    const busy = await trigger({ campaign_id: full.id, mobile: '+14155559141', idempotency_key: 'one-2' });
    expect(busy.body.status).toBe('queued');
    await h.db.insertInto('opt_outs').values({ phone: '+14155559142', reason: 't' }).execute();
    const optedOut = await trigger({
      campaign_id: draft.id,
      mobile: '+14155559142',
      idempotency_key: 'one-3',
    });
    expect(optedOut.body.status).toBe('suppressed');
    for (const [campaignId, key, answer] of [
      [draft.id, 'one-1', queued.body],
      [full.id, 'one-2', busy.body],
      [draft.id, 'one-3', optedOut.body],
    ] as const) {
      const row = await xmins(campaignId, key);
      expect(row?.response, key).toEqual(answer);
      // The same transaction id on both rows: one statement, one commit.
      expect(row?.answer, key).toBe(row?.contact);
    }
  });

  it('holds under concurrency on a draft: 50 simultaneous requests per key → one contact, identical answers', async () => {
    const c = await createCampaign(h);
    const send = (key: string, i: number) =>
      trigger({
        campaign_id: c.id,
        mobile: `+1415555${String(3000 + i).padStart(4, '0')}`,
        idempotency_key: key,
      });
    const keys = ['draft-a', 'draft-b'];
    const answers = await Promise.all(
      keys.flatMap((key, k) => Array.from({ length: 50 }, (_, i) => send(key, k * 50 + i))),
    );
    for (const [k, key] of keys.entries()) {
      const mine = answers.slice(k * 50, k * 50 + 50);
      expect(new Set(mine.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).size, key).toBe(1);
      expect(mine[0]?.status, key).toBe(200);
    }
    expect(await contactCount(h.db, c.id)).toBe(2);
  });

  it('holds under concurrency: 50 simultaneous requests per key over a real server → one contact, identical answers', async () => {
    const c = await runningCampaign({ concurrency: 10 });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = h.app.server.address() as AddressInfo;
      const send = (key: string, i: number) =>
        fetch(`http://127.0.0.1:${port}${API}/campaigns/trigger`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
          // Different numbers per request: only the key may decide which one wins.
          body: JSON.stringify({
            campaign_id: c.id,
            mobile: `+1415555${String(2000 + i).padStart(4, '0')}`,
            idempotency_key: key,
          }),
        }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { status: string; contact_id: string },
        }));
      const keys = ['burst-a', 'burst-b', 'burst-c'];
      const answers = await Promise.all(
        keys.flatMap((key, k) => Array.from({ length: 50 }, (_, i) => send(key, k * 50 + i))),
      );
      for (const [k, key] of keys.entries()) {
        const mine = answers.slice(k * 50, k * 50 + 50);
        expect(
          mine.every((a) => a.status === 200),
          key,
        ).toBe(true);
        expect(new Set(mine.map((a) => JSON.stringify(a.body))).size, key).toBe(1);
      }
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from contacts where campaign_id = ${c.id} and source = 'api'`.execute(h.db);
      expect(rows[0]?.n).toBe(3);
      const { rows: keyRows } = await sql<{ n: number }>`
        select count(*)::int as n from idempotency_keys where campaign_id = ${c.id} and response is not null`.execute(
        h.db,
      );
      expect(keyRows[0]?.n).toBe(3);
    } finally {
      // The harness closes the app; stop listening only.
      await new Promise<void>((resolve) => h.app.server.close(() => resolve()));
    }
  });
});

describe('POST /contacts/exclude', () => {
  async function campaignWithContacts() {
    const c = await createCampaign(h);
    await uploadCsv(
      h,
      c.id,
      'phone1,phone2,account id,region\n' +
        '+14155550120,+14155550130,A-1,north\n' +
        '+14155550121,,A-2,north\n' +
        '+14155550122,,A-2,south\n' +
        '+14155550123,,A-3,south\n',
    );
    await startCampaign(h, c.id);
    return c;
  }
  const states = async (id: string) => (await contactsOf(h.db, id)).map((r) => r.state);

  it('excludes by mobile (primary or secondary number), waiting contacts at once', async () => {
    const c = await campaignWithContacts();
    expect(
      (
        await h.post(`${API}/contacts/exclude`, {
          campaign_id: c.id,
          mobile: '415 555 0121'.replace(/^/, '+1 '),
          reason: 'asked',
        })
      ).body,
    ).toEqual({ matched: 1 });
    expect(
      (await h.post(`${API}/contacts/exclude`, { campaign_id: c.id, mobile: '+14155550130' })).body,
    ).toEqual({ matched: 1 });
    expect(await states(c.id)).toEqual(['excluded', 'excluded', 'pending', 'pending']);
    const rows = await contactsOf(h.db, c.id);
    expect(rows[1]).toMatchObject({ exclusion_reason: 'asked', ready_at: null });
    expect(rows[1]?.final_at).not.toBeNull();
    const { rows: recorded } = await sql<{ mobile: string; matched: number; actor: string }>`
      select mobile, matched, actor from exclusions where campaign_id = ${c.id} order by created_at`.execute(
      h.db,
    );
    expect(recorded).toEqual([
      { mobile: '+14155550121', matched: 1, actor: 'ops' },
      { mobile: '+14155550130', matched: 1, actor: 'ops' },
    ]);
    expect(h.engine.callsFor(c.id, 'wake').length).toBeGreaterThan(0);
  });

  it('excludes by one metadata key, original or normalised, and by two keys ANDed', async () => {
    const c = await campaignWithContacts();
    expect(
      (
        await h.post(`${API}/contacts/exclude`, {
          campaign_id: c.id,
          match: { ACCOUNT_ID: 'A-2', region: 'south' },
        })
      ).body,
    ).toEqual({
      matched: 1,
    });
    expect(await states(c.id)).toEqual(['pending', 'pending', 'excluded', 'pending']);
    expect(
      (await h.post(`${API}/contacts/exclude`, { campaign_id: c.id, match: { 'account id': 'A-2' } })).body,
    ).toEqual({ matched: 1 });
    expect(
      (await h.post(`${API}/contacts/exclude`, { campaign_id: c.id, match: { region: 'nowhere' } })).body,
    ).toEqual({ matched: 0 });
    expect(await states(c.id)).toEqual(['pending', 'excluded', 'excluded', 'pending']);
  });

  it('does not cut calls in flight: they are marked for exclusion after the call', async () => {
    const c = await campaignWithContacts();
    const rows = await contactsOf(h.db, c.id);
    await h.db
      .updateTable('contacts')
      .set({ state: 'in_progress', ready_at: null })
      .where('id', '=', rows[3]!.id)
      .execute();
    expect(
      (await h.post(`${API}/contacts/exclude`, { campaign_id: c.id, match: { account_id: 'A-3' } })).body,
    ).toEqual({ matched: 1 });
    const after = (await contactsOf(h.db, c.id))[3];
    expect(after).toMatchObject({ state: 'in_progress', final_at: null });
    expect(after?.excluded_at).not.toBeNull();
  });

  it('answers 422 unless exactly one of mobile and match (1–2 keys), 404 for an unknown campaign', async () => {
    const c = await createCampaign(h);
    for (const body of [
      { campaign_id: c.id },
      { campaign_id: c.id, mobile: '+14155550120', match: { a: '1' } },
      { campaign_id: c.id, match: {} },
      { campaign_id: c.id, match: { a: '1', b: '2', c: '3' } },
      { campaign_id: c.id, match: { a: '' } },
      { campaign_id: c.id, mobile: 'nope' },
      { campaign_id: 'x', mobile: '+14155550120' },
    ]) {
      const res = await h.post(`${API}/contacts/exclude`, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body).toEqual(errorShape('validation_failed'));
    }
    const unknown = await h.post(`${API}/contacts/exclude`, {
      campaign_id: '00000000-0000-4000-8000-000000000000',
      mobile: '+14155550120',
    });
    expect(unknown.status).toBe(404);
  });
});

describe('POST /attempts/:attempt_id/result', () => {
  let n = 40;
  async function attempt() {
    const c = await createCampaign(h);
    // opt_outs is organisation-wide: a fresh number per test.
    await uploadCsv(h, c.id, `phone_number\n+141555501${n++}\n`);
    await startCampaign(h, c.id);
    const [row] = await contactsOf(h.db, c.id);
    const attemptId = await addAttempt(h.db, {
      campaignId: c.id,
      contactId: row!.id,
      attemptNo: 1,
      phone: row!.phone,
      createdAt: new Date(),
      answered: true,
      talkS: 30,
    });
    return { c, contactId: row!.id, attemptId };
  }

  it('stores the result, echoes it, tells the engine; the same result again is 200, a different one 409', async () => {
    const { c, contactId, attemptId } = await attempt();
    const body = {
      disposition: 'CALLBACK',
      callback_at: '2026-12-01T10:30:00+05:30',
      turns: 7,
      summary: 'call back tomorrow',
      extra: 'kept',
    };
    const res = await h.post(`${API}/attempts/${attemptId}/result`, body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      attempt_id: attemptId,
      disposition: 'CALLBACK',
      callback_at: '2026-12-01T05:00:00.000Z',
      turns: 7,
      summary: 'call back tomorrow',
      result_at: expect.any(String),
    });
    const stored = await h.db
      .selectFrom('attempts')
      .selectAll()
      .where('attempt_id', '=', attemptId)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      disposition: 'CALLBACK',
      turns: 7,
      summary: 'call back tomorrow',
      result: body,
    });
    expect(h.engine.callsFor(c.id, 'deliverResult')).toEqual([
      { method: 'deliverResult', campaignId: c.id, runNo: 1, contactId, attemptId },
    ]);
    const same = await h.post(`${API}/attempts/${attemptId}/result`, body);
    expect(same.status).toBe(200);
    expect(same.body).toEqual(res.body);
    const different = await h.post(`${API}/attempts/${attemptId}/result`, {
      ...body,
      disposition: 'INTERESTED',
    });
    expect(different.status).toBe(409);
    expect(different.body).toEqual(errorShape('result_conflict'));
  });

  it('sends the contact no signal when the call’s dial activity waits for the result itself', async () => {
    const { c, attemptId } = await attempt();
    await h.db
      .updateTable('attempts')
      .set({ result_awaited: true })
      .where('attempt_id', '=', attemptId)
      .execute();
    const res = await h.post(`${API}/attempts/${attemptId}/result`, { disposition: 'INTERESTED' });
    expect(res.status).toBe(200);
    expect(
      (
        await h.db
          .selectFrom('attempts')
          .select('disposition')
          .where('attempt_id', '=', attemptId)
          .executeTakeFirst()
      )?.disposition,
    ).toBe('INTERESTED');
    expect(h.engine.callsFor(c.id, 'deliverResult')).toEqual([]);
  });

  it.each(['opt_out', 'OPT_OUT', 'opt-out', 'Opt Out'])(
    'adds the number to the opt-out list for the disposition %j (source bot)',
    async (disposition) => {
      const { attemptId } = await attempt();
      expect((await h.post(`${API}/attempts/${attemptId}/result`, { disposition })).status).toBe(200);
      const { phone } = await h.db
        .selectFrom('attempts')
        .select('phone')
        .where('attempt_id', '=', attemptId)
        .executeTakeFirstOrThrow();
      const row = await h.db.selectFrom('opt_outs').selectAll().where('phone', '=', phone).executeTakeFirst();
      expect(row).toMatchObject({ source_attempt_id: attemptId, source: 'bot' });
    },
  );

  it('adds nothing to the opt-out list for other dispositions', async () => {
    const { attemptId } = await attempt();
    expect((await h.post(`${API}/attempts/${attemptId}/result`, { disposition: 'OPT_IN' })).status).toBe(200);
    const { phone } = await h.db
      .selectFrom('attempts')
      .select('phone')
      .where('attempt_id', '=', attemptId)
      .executeTakeFirstOrThrow();
    const row = await h.db.selectFrom('opt_outs').selectAll().where('phone', '=', phone).executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('answers 404 for an unknown attempt and 422 for a bad body', async () => {
    expect(
      (await h.post(`${API}/attempts/00000000-0000-4000-8000-000000000000/result`, { disposition: 'X' }))
        .status,
    ).toBe(404);
    expect((await h.post(`${API}/attempts/not-a-uuid/result`, { disposition: 'X' })).status).toBe(404);
    const { attemptId } = await attempt();
    for (const body of [
      {},
      { disposition: '' },
      { disposition: 'X', callback_at: 'tomorrow' },
      { disposition: 'X', turns: -1 },
      { disposition: 'X', turns: 'many' },
    ]) {
      const res = await h.post(`${API}/attempts/${attemptId}/result`, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body).toEqual(errorShape('validation_failed'));
    }
    const cb = await h.post(`${API}/attempts/${attemptId}/result`, {
      disposition: 'X',
      callback_at: 'tomorrow',
    });
    expect(cb.body.error.details).toEqual([
      { field: 'callback_at', message: 'must be an ISO-8601 date-time' },
    ]);
  });
});

describe('parseIsoDateTime', () => {
  it.each([
    ['2026-12-01T10:30:00Z', '2026-12-01T10:30:00.000Z'],
    ['2026-12-01T10:30:00.123+05:30', '2026-12-01T05:00:00.123Z'],
    ['2026-12-01T10:30', '2026-12-01T10:30:00.000Z'],
    ['2026-12-01 10:30:00-0100', '2026-12-01T11:30:00.000Z'],
  ])('%s → %s', (input, iso) => {
    expect(parseIsoDateTime(input)?.toISOString()).toBe(iso);
  });
  it.each(['tomorrow', '2026-13-01T10:00:00Z', '2026-12-01', '12/01/2026 10:00', ''])(
    '%s is refused',
    (input) => {
      expect(parseIsoDateTime(input)).toBeNull();
    },
  );
});
