import { describe, expect, it } from 'vitest';
import { middayTimezone, useApiHarness } from '../testing/harness';
import { API, contactsOf, createCampaign, startCampaign, uploadCsv } from './contacts.testkit';

const h = useApiHarness();

const listed = async (phone: string) =>
  h.db.selectFrom('opt_outs').selectAll().where('phone', '=', phone).executeTakeFirst();
const postCsv = (csv: string) =>
  h.request('POST', `${API}/opt-outs`, csv, { headers: { 'content-type': 'text/csv' } });

describe('POST /opt-outs', () => {
  it('lists one number in E.164 with its reason (source api); a second time it is skipped', async () => {
    const res = await h.post(`${API}/opt-outs`, { phone: '+1 (415) 555-0170', reason: ' asked by email ' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ added: 1, skipped: 0, errors: [] });
    expect(await listed('+14155550170')).toMatchObject({ reason: 'asked by email', source: 'api' });
    const again = await h.post(`${API}/opt-outs`, { phone: '+14155550170', reason: 'other' });
    expect(again.body).toEqual({ added: 0, skipped: 1, errors: [] });
    expect(await listed('+14155550170')).toMatchObject({ reason: 'asked by email' });
  });

  it('answers 422 with the field for a bad number or body, and lists nothing', async () => {
    const before = await h.db
      .selectFrom('opt_outs')
      .select((e) => e.fn.countAll<string>().as('n'))
      .executeTakeFirst();
    for (const [body, field] of [
      [{ phone: 'not a number' }, 'phone'],
      [{ phone: '' }, 'phone'],
      [{}, 'phone'],
      [{ phone: '+14155550171', reason: 7 }, 'reason'],
      [{ phone: '+14155550171', reason: 'x'.repeat(1001) }, 'reason'],
    ] as const) {
      const res = await h.post(`${API}/opt-outs`, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.details).toContainEqual({ field, message: expect.any(String) });
    }
    const after = await h.db
      .selectFrom('opt_outs')
      .select((e) => e.fn.countAll<string>().as('n'))
      .executeTakeFirst();
    expect(after?.n).toBe(before?.n);
  });

  it('takes a CSV with a phone_number column and a reason: bad rows skipped with their row number', async () => {
    const csv =
      '\uFEFFName,Phone_Number,Reason\r\n' +
      'Asha,+14155550172,complaint\r\n' +
      'Sam,+1 (415) 555-0173,\r\n' +
      'Bad,12,\r\n' +
      ',,\r\n' +
      'Dup,+1 415 555 0172,again\r\n';
    const res = await h.request('POST', `${API}/opt-outs`, csv, {
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(200);
    // The blank row is ignored; the repeated number is skipped like the bad one, which is also reported.
    expect(res.body).toEqual({
      added: 2,
      skipped: 2,
      errors: [{ row: 4, reason: 'invalid phone number "12"' }],
    });
    expect(await listed('+14155550173')).toMatchObject({ reason: null, source: 'csv' });
    expect(await listed('+14155550172')).toMatchObject({ reason: 'complaint', source: 'csv' });
  });

  it('takes a CSV with a phone column; without one it answers 422 and lists nothing', async () => {
    const ok = await postCsv('phone\n+14155550174\n+14155550175\n');
    expect(ok.body).toEqual({ added: 2, skipped: 0, errors: [] });
    expect(await listed('+14155550175')).toMatchObject({ reason: null, source: 'csv' });
    const bad = await postCsv('mobile\n+14155550176\n');
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([{ field: 'file', message: expect.stringContaining('phone') }]);
    expect(await listed('+14155550176')).toBeUndefined();
    expect((await postCsv('')).status).toBe(422);
  });

  it('imports a CSV of 10,000 numbers in one request', async () => {
    const phones = Array.from({ length: 10_000 }, (_, i) => `+1212555${String(i).padStart(4, '0')}`);
    const res = await postCsv(`phone_number,reason\n${phones.map((p) => `${p},bulk`).join('\n')}\n`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ added: 10_000, skipped: 0, errors: [] });
    const list = await h.get(`${API}/opt-outs?search=1212555&per_page=1`);
    expect(list.body.total).toBe(10_000);
  });

  it('answers 401 without a key', async () => {
    expect((await h.post(`${API}/opt-outs`, { phone: '+14155550177' }, { key: null })).status).toBe(401);
    expect((await h.get(`${API}/opt-outs`, { key: null })).status).toBe(401);
  });
});

describe('GET /opt-outs', () => {
  it('pages newest first and searches any part of the number by its digits', async () => {
    for (const [i, phone] of ['+442071830001', '+442071830002', '+442071830003'].entries()) {
      h.clock.now = new Date(Date.UTC(2030, 0, 1, 0, 0, i));
      await h.post(`${API}/opt-outs`, { phone, reason: `r${i}` });
    }
    h.clock.now = null;
    const first = await h.get(`${API}/opt-outs?search=2071830&per_page=2`);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      items: [
        { phone: '+442071830003', reason: 'r2', source: 'api', created_at: '2030-01-01T00:00:02.000Z' },
        { phone: '+442071830002', reason: 'r1', source: 'api', created_at: '2030-01-01T00:00:01.000Z' },
      ],
      page: 1,
      per_page: 2,
      total: 3,
    });
    const second = await h.get(`${API}/opt-outs?search=2071830&per_page=2&page=2`);
    expect(second.body.items.map((i: { phone: string }) => i.phone)).toEqual(['+442071830001']);
    // As a person types it: spaces, a plus, a dash.
    const typed = await h.get(`${API}/opt-outs?search=${encodeURIComponent('+44 20 7183-0002')}`);
    expect(typed.body.items.map((i: { phone: string }) => i.phone)).toEqual(['+442071830002']);
    expect((await h.get(`${API}/opt-outs?search=abc`)).body).toEqual({
      items: [],
      page: 1,
      per_page: 50,
      total: 0,
    });
    expect((await h.get(`${API}/opt-outs?per_page=0`)).status).toBe(422);
  });
});

describe('DELETE /opt-outs/:phone', () => {
  it('takes a number off the list (204); an unlisted one is 404, a bad one 422', async () => {
    await h.post(`${API}/opt-outs`, { phone: '+14155550178' });
    const res = await h.del(`${API}/opt-outs/${encodeURIComponent('+14155550178')}`);
    expect(res.status).toBe(204);
    expect(await listed('+14155550178')).toBeUndefined();
    expect((await h.del(`${API}/opt-outs/${encodeURIComponent('+14155550178')}`)).status).toBe(404);
    expect((await h.del(`${API}/opt-outs/nonsense`)).status).toBe(422);
  });
});

describe('listed numbers are suppressed everywhere', () => {
  it('a trigger answers suppressed with the reason; a CSV import skips the number with a reason', async () => {
    await h.post(`${API}/opt-outs`, { phone: '+14155550179', reason: 'lawyer letter' });
    const c = await createCampaign(h, {
      mode: 'multi_day',
      window: { start: '00:00', end: '23:59', timezone: middayTimezone() },
    });
    const imported = await uploadCsv(h, c.id, 'phone_number\n+14155550179\n+14155550180\n');
    expect(imported.body).toMatchObject({
      added: 1,
      skipped: 1,
      errors: [{ row: 2, reason: expect.stringMatching(/opted out.*\+14155550179/) }],
    });
    await startCampaign(h, c.id);
    const res = await h.post(`${API}/campaigns/trigger`, { campaign_id: c.id, mobile: '+14155550179' });
    expect(res.body).toEqual({
      status: 'suppressed',
      contact_id: expect.any(String),
      reason: 'the number is on the do-not-call list',
    });
    const rows = await contactsOf(h.db, c.id);
    expect(rows.find((r) => r.phone === '+14155550179')).toMatchObject({ state: 'excluded' });
    // Off the list, the number may be added again.
    await h.del(`${API}/opt-outs/${encodeURIComponent('+14155550179')}`);
    const again = await h.post(`${API}/campaigns/trigger`, { campaign_id: c.id, mobile: '+14155550179' });
    expect(again.body.status).not.toBe('suppressed');
  });
});
