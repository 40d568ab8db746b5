import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../config/settings';
import { useApiHarness } from '../testing/harness';
import { RecordingEngine } from '../testing/recording-engine';
import { contactsRoutes, TEMPLATE_CSV } from './contacts.routes';
import {
  addAttempt,
  API,
  bareApp,
  contactCount,
  contactsOf,
  createCampaign,
  multipartBody,
  setStatus,
  startCampaign,
  uploadCsv,
} from './contacts.testkit';

const h = useApiHarness();

const errorShape = (code: string) => ({
  error: { code, message: expect.any(String), details: expect.any(Array), request_id: expect.any(String) },
});

describe('POST /campaigns/:id/contacts (CSV upload)', () => {
  it('accepts a BOM, CRLF, quoted fields, empty lines and stores variables under their original headers', async () => {
    const c = await createCampaign(h);
    const csv =
      '\uFEFFphone_number,name,email,case number,amount\r\n' +
      '+91 98765 43210,"Rao, Asha",asha@example.com,CASE-1,"5,000"\r\n' +
      '\r\n' +
      '09876543211,"Lee ""Sam""",,CASE-2,\r\n' +
      '"+14155550101","Multi\r\nLine",x@y.z,"CASE-3",12\r\n';
    const res = await uploadCsv(h, c.id, csv);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      upload_id: expect.any(String),
      added: 3,
      skipped: 0,
      errors: [],
      columns: ['phone_number', 'name', 'email', 'case number', 'amount'],
      variables: ['case number', 'amount'],
    });
    const rows = await contactsOf(h.db, c.id);
    expect(rows.map((r) => [r.phone, r.phones, r.name, r.email, r.metadata, r.state, r.source])).toEqual([
      [
        '+919876543210',
        ['+919876543210'],
        'Rao, Asha',
        'asha@example.com',
        { 'case number': 'CASE-1', amount: '5,000' },
        'pending',
        'csv',
      ],
      ['+919876543211', ['+919876543211'], 'Lee "Sam"', null, { 'case number': 'CASE-2' }, 'pending', 'csv'],
      [
        '+14155550101',
        ['+14155550101'],
        'Multi\r\nLine',
        'x@y.z',
        { 'case number': 'CASE-3', amount: '12' },
        'pending',
        'csv',
      ],
    ]);
    // A draft's contacts wait for Start to make them ready.
    expect(rows.every((r) => r.ready_at === null && r.run_no === 1 && r.added_in_run === 1)).toBe(true);
  });

  it('takes phone1 … phone10 as several numbers of one person, in dialling order', async () => {
    const c = await createCampaign(h);
    const csv =
      'name,phone2,phone1,phone10,city\nAsha,+14155550102,+14155550101,9876500010,Pune\nBo,,,9876500011,Goa\n';
    const res = await uploadCsv(h, c.id, csv);
    expect(res.body).toMatchObject({ added: 2, skipped: 0, errors: [] });
    const rows = await contactsOf(h.db, c.id);
    expect(rows.map((r) => [r.phone, r.phones, r.metadata])).toEqual([
      ['+14155550101', ['+14155550101', '+14155550102', '+919876500010'], { city: 'Pune' }],
      ['+919876500011', ['+919876500011'], { city: 'Goa' }],
    ]);
  });

  it('skips rows without a valid number and duplicates, reporting spreadsheet row numbers (header = row 1)', async () => {
    const c = await createCampaign(h);
    const csv = [
      'phone_number,name', // row 1
      '9876543210,A', // row 2
      'not-a-number,B', // row 3
      '', // row 4: an empty line is a blank spreadsheet row
      '+91 98765 43210,C', // row 5: duplicate of row 2
      ',D', // row 6: no number at all
      '9876543212,E', // row 7
    ].join('\n');
    const res = await uploadCsv(h, c.id, csv);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      upload_id: expect.any(String),
      added: 2,
      skipped: 3,
      errors: [
        { row: 3, reason: 'invalid phone number "not-a-number"' },
        { row: 5, reason: 'duplicate of row 2 (+919876543210)' },
        { row: 6, reason: 'missing phone number' },
      ],
      columns: ['phone_number', 'name'],
      variables: [],
    });
    expect(await contactCount(h.db, c.id)).toBe(2);
  });

  it('reports at most 100 errors but counts every skipped row', async () => {
    const c = await createCampaign(h);
    const lines = ['phone_number', ...Array.from({ length: 150 }, (_, i) => `bad${i}`), '9876543210'];
    const res = await uploadCsv(h, c.id, lines.join('\n'));
    expect(res.body.added).toBe(1);
    expect(res.body.skipped).toBe(150);
    expect(res.body.errors).toHaveLength(100);
    expect(res.body.errors[0]).toEqual({ row: 2, reason: 'invalid phone number "bad0"' });
  });

  it('answers 422 with a detail when no phone column exists, importing nothing', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n');
    const res = await uploadCsv(h, c.id, 'mobile,name\n9876543211,A\n');
    expect(res.status).toBe(422);
    expect(res.body).toEqual(errorShape('validation_failed'));
    expect(res.body.error.details).toEqual([
      {
        field: 'phone_number',
        message: 'the CSV needs a phone_number column (or phone1 … phone10); columns found: "mobile", "name"',
      },
    ]);
    // The earlier list is untouched: the failed replace rolled back.
    expect((await contactsOf(h.db, c.id)).map((r) => r.phone)).toEqual(['+919876543210']);
  });

  it('answers 422 for an empty upload and for malformed CSV (unbalanced quote), importing nothing', async () => {
    const c = await createCampaign(h);
    expect((await uploadCsv(h, c.id, '')).status).toBe(422);
    const res = await uploadCsv(h, c.id, 'phone_number,name\n9876543210,"Asha\n9876543211,Bo\n');
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].field).toBe('file');
    expect(await contactCount(h.db, c.id)).toBe(0);
  });

  it('accepts a multipart upload in the field "file"', async () => {
    const c = await createCampaign(h);
    const { body, contentType } = multipartBody('phone_number,plan\n9876543210,gold\n');
    const res = await uploadCsv(h, c.id, body, contentType);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ added: 1, columns: ['phone_number', 'plan'] });
    const multipartWithoutFile = await h.request('POST', `${API}/campaigns/${c.id}/contacts`, '--x--\r\n', {
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    });
    expect(multipartWithoutFile.status).toBe(422);
  });

  it('replaces the list of a draft that never ran', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number,a\n9876543210,1\n9876543211,1\n');
    const res = await uploadCsv(h, c.id, 'phone_number,b\n9876543211,2\n9876543212,2\n');
    expect(res.body).toMatchObject({ added: 2, skipped: 0 });
    expect((await contactsOf(h.db, c.id)).map((r) => [r.phone, r.metadata])).toEqual([
      ['+919876543211', { b: '2' }],
      ['+919876543212', { b: '2' }],
    ]);
  });

  it('appends to a running campaign: new contacts are ready, duplicates skipped, the engine woken', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n');
    await startCampaign(h, c.id);
    const before = h.engine.callsFor(c.id, 'wake').length;
    const res = await uploadCsv(h, c.id, 'phone_number,tier\n9876543210,x\n9876543219,gold\n\n9876543218,\n');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      upload_id: expect.any(String),
      added: 2,
      skipped: 1,
      errors: [{ row: 2, reason: 'already in the campaign (+919876543210)' }],
      columns: ['phone_number', 'tier'],
      variables: ['tier'],
    });
    const rows = await contactsOf(h.db, c.id);
    expect(rows.map((r) => r.phone)).toEqual(['+919876543210', '+919876543219', '+919876543218']);
    const appended = rows.slice(1);
    expect(appended.every((r) => r.ready_at !== null && r.state === 'pending' && r.run_no === 1)).toBe(true);
    expect(h.engine.callsFor(c.id, 'wake').length).toBe(before + 1);
  });

  it('stores each contact’s zones: its timezone column, else its number’s (country, area code)', async () => {
    const c = await createCampaign(h);
    const csv =
      'phone_number,timezone\n' +
      '+12125550101,\n' + // New York area code
      '+13105550102,Asia/Tokyo\n' + // its own zone wins over the number's
      '+12083012345,\n' + // a prefix in two zones: both kept
      '+919876543210,Mars/Base\n'; // an unknown zone: the number's
    expect((await uploadCsv(h, c.id, csv)).body).toMatchObject({ added: 4, skipped: 0 });
    const zones = (await contactsOf(h.db, c.id)).map((r) => r.timezones);
    expect(zones).toEqual([
      ['America/New_York'],
      ['Asia/Tokyo'],
      ['America/Boise', 'America/Los_Angeles'],
      ['Asia/Calcutta'],
    ]);

    // Appended to the running campaign: zones stored the same way, and a re-add's own zone replaces them.
    await startCampaign(h, c.id);
    await uploadCsv(h, c.id, 'phone_number,timezone\n+13105550199,\n');
    const appended = (await contactsOf(h.db, c.id)).find((r) => r.phone === '+13105550199');
    expect(appended?.timezones).toEqual(['America/Los_Angeles']);
  });

  it('appends to a paused campaign too', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n');
    await startCampaign(h, c.id);
    expect((await h.post(`${API}/campaigns/${c.id}/pause`)).status).toBe(200);
    const res = await uploadCsv(h, c.id, 'phone_number\n9876543211\n');
    expect(res.body).toMatchObject({ added: 1 });
    expect(await contactCount(h.db, c.id)).toBe(2);
  });

  it('is locked (409) on a draft that already ran and on completed or failed campaigns', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n');
    await startCampaign(h, c.id);
    await setStatus(h.db, c.id, 'completed');
    const completed = await uploadCsv(h, c.id, 'phone_number\n9876543211\n');
    expect(completed.status).toBe(409);
    expect(completed.body).toEqual(errorShape('invalid_state'));
    await setStatus(h.db, c.id, 'failed');
    expect((await uploadCsv(h, c.id, 'phone_number\n9876543211\n')).status).toBe(409);
    await setStatus(h.db, c.id, 'draft', true);
    const ran = await uploadCsv(h, c.id, 'phone_number\n9876543211\n');
    expect(ran.status).toBe(409);
    expect(ran.body).toEqual(errorShape('contacts_locked'));
    expect(await contactCount(h.db, c.id)).toBe(1);
  });

  it('answers 404 for an unknown or malformed campaign id', async () => {
    expect((await uploadCsv(h, '00000000-0000-4000-8000-000000000000', 'phone_number\n1\n')).status).toBe(
      404,
    );
    expect((await uploadCsv(h, 'nope', 'phone_number\n1\n')).status).toBe(404);
  });

  it('skips opted-out numbers', async () => {
    const c = await createCampaign(h);
    await h.db
      .insertInto('opt_outs')
      .values({ phone: '+919876500001', reason: 'test' })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const res = await uploadCsv(h, c.id, 'phone_number\n9876500001\n9876500002\n');
    expect(res.body).toMatchObject({
      added: 1,
      skipped: 1,
      errors: [{ row: 2, reason: 'opted out (+919876500001)' }],
    });
    expect((await contactsOf(h.db, c.id)).map((r) => r.phone)).toEqual(['+919876500002']);
  });

  it('keeps an excluded number excluded with sticky exclusion (skipped, said so)', async () => {
    const c = await createCampaign(h, { sticky_exclusion: true });
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n9876543211\n');
    await startCampaign(h, c.id);
    expect(
      (await h.post(`${API}/contacts/exclude`, { campaign_id: c.id, mobile: '9876543210' })).body,
    ).toEqual({ matched: 1 });
    const res = await uploadCsv(h, c.id, 'phone_number\n9876543210\n');
    expect(res.body).toMatchObject({
      added: 0,
      skipped: 1,
      errors: [{ row: 2, reason: 'excluded (sticky exclusion) (+919876543210)' }],
    });
    const [first] = await contactsOf(h.db, c.id);
    expect(first?.state).toBe('excluded');
  });

  it('re-activates an excluded contact re-added without sticky exclusion (counted as added)', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number,v\n9876543210,1\n9876543211,1\n');
    await startCampaign(h, c.id);
    await h.post(`${API}/contacts/exclude`, { campaign_id: c.id, mobile: '9876543210' });
    const res = await uploadCsv(h, c.id, 'phone_number,v\n9876543210,2\n');
    expect(res.body).toMatchObject({ added: 1, skipped: 0, errors: [] });
    const [first] = await contactsOf(h.db, c.id);
    expect(first).toMatchObject({
      state: 'pending',
      excluded_at: null,
      final_at: null,
      metadata: { v: '2' },
    });
    expect(first?.ready_at).not.toBeNull();
  });

  it('keeps a sticky exclusion across a replace of a never-run draft (the exclusion outlives the row)', async () => {
    const c = await createCampaign(h, { sticky_exclusion: true });
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n');
    expect(
      (await h.post(`${API}/contacts/exclude`, { campaign_id: c.id, mobile: '+919876543210' })).body,
    ).toEqual({ matched: 1 });
    const res = await uploadCsv(h, c.id, 'phone_number\n9876543210\n9876543211\n');
    expect(res.body).toMatchObject({
      added: 1,
      skipped: 1,
      errors: [{ row: 2, reason: 'excluded (sticky exclusion) (+919876543210)' }],
    });
  });
});

describe('uploads racing other writers', () => {
  it('a Start and a trigger of the same number during a draft upload wait for it, then see its list', async () => {
    const { Readable } = await import('node:stream');
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n+14155550900\n');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slowCsv() {
      yield Buffer.from('phone_number,src\n+14155550901,csv\n');
      await gate;
      yield Buffer.from('+14155550902,csv\n');
    }
    const upload = h.app.inject({
      method: 'POST',
      url: `${API}/campaigns/${c.id}/contacts`,
      headers: {
        'content-type': 'text/csv',
        authorization: `Bearer ${h.key}`,
        'transfer-encoding': 'chunked',
      },
      payload: Readable.from(slowCsv()),
    });
    await new Promise((r) => setTimeout(r, 200));
    const start = h.post(`${API}/campaigns/${c.id}/start`);
    const trigger = h.post(`${API}/campaigns/trigger`, {
      campaign_id: c.id,
      mobile: '+14155550902',
      metadata: { src: 'api' },
    });
    await new Promise((r) => setTimeout(r, 200));
    release();
    const [u, s, t] = await Promise.all([upload, start, trigger]);
    expect(u.statusCode).toBe(200);
    expect(u.json()).toMatchObject({ added: 2 });
    expect(s.status).toBe(200);
    expect(t.status).toBe(200);
    const rows = await contactsOf(h.db, c.id);
    expect(rows.map((r) => [r.phone, r.metadata])).toEqual([
      ['+14155550901', { src: 'csv' }],
      ['+14155550902', { src: 'api' }],
    ]);
    // Start ran after the upload: the new list is the one made ready.
    expect(rows.every((r) => r.ready_at !== null)).toBe(true);
  });
});

describe('upload limits: 413 with nothing imported', () => {
  const settings = loadSettings({});

  it('refuses more rows than the limit, keeping the previous list', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n');
    const app = await bareApp({ db: h.db, engine: new RecordingEngine(), settings }, [
      { plugin: contactsRoutes, options: { importLimits: { maxRows: 5 } } },
    ]);
    try {
      const ok = await app.inject({
        method: 'POST',
        url: `${API}/campaigns/${c.id}/contacts`,
        headers: { 'content-type': 'text/csv' },
        payload:
          'phone_number\n' + Array.from({ length: 5 }, (_, i) => `98765000${10 + i}`).join('\n') + '\n\n\n',
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ added: 5 });
      const over = await app.inject({
        method: 'POST',
        url: `${API}/campaigns/${c.id}/contacts`,
        headers: { 'content-type': 'text/csv' },
        payload: 'phone_number\n' + Array.from({ length: 6 }, (_, i) => `98765001${10 + i}`).join('\n'),
      });
      expect(over.statusCode).toBe(413);
      expect(over.json()).toEqual(errorShape('payload_too_large'));
      expect((await contactsOf(h.db, c.id)).map((r) => r.phone)).toHaveLength(5);
    } finally {
      await app.close();
    }
  });

  it('refuses more bytes than the limit, declared or streamed, raw or multipart', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n');
    const app = await bareApp({ db: h.db, engine: new RecordingEngine(), settings }, [
      { plugin: contactsRoutes, options: { importLimits: { maxBytes: 2000 } } },
    ]);
    const big =
      'phone_number,pad\n' +
      Array.from({ length: 200 }, (_, i) => `98765${String(i).padStart(5, '0')},xxxxxxxxxx`).join('\n');
    try {
      const declared = await app.inject({
        method: 'POST',
        url: `${API}/campaigns/${c.id}/contacts`,
        headers: { 'content-type': 'text/csv' },
        payload: big,
      });
      expect(declared.statusCode).toBe(413);
      // Chunked (no content-length): the streamed byte count decides.
      const { Readable } = await import('node:stream');
      const streamed = await app.inject({
        method: 'POST',
        url: `${API}/campaigns/${c.id}/contacts`,
        headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
        payload: Readable.from([Buffer.from(big.slice(0, 1000)), Buffer.from(big.slice(1000))]),
      });
      expect(streamed.statusCode).toBe(413);
      const mp = multipartBody(big);
      const multipart = await app.inject({
        method: 'POST',
        url: `${API}/campaigns/${c.id}/contacts`,
        headers: { 'content-type': mp.contentType, 'transfer-encoding': 'chunked' },
        payload: Readable.from([mp.body]),
      });
      expect(multipart.statusCode).toBe(413);
      expect((await contactsOf(h.db, c.id)).map((r) => r.phone)).toEqual(['+919876543210']);
    } finally {
      await app.close();
    }
  });
});

describe('uploads kept with their skipped rows (import summary, skipped-rows CSV)', () => {
  const uploadsOf = (id: string) => h.get(`${API}/campaigns/${id}/uploads`);
  const skippedCsv = (id: string, uploadId: string) =>
    h.get(`${API}/campaigns/${id}/uploads/${uploadId}/skipped.csv`);
  const csvRows = (text: string) => text.trimEnd().split('\n');

  it('keeps every skipped row, not just the 100 the answer carries, with its reason and cells', async () => {
    const c = await createCampaign(h);
    const bad = Array.from({ length: 150 }, (_, i) => `bad${i},Name ${i},gold`);
    const csv = [
      'phone_number,name,tier',
      '9876543210,Asha,gold',
      ...bad,
      '+91 98765 43210,Dup,x',
      '=cmd(),Eve,',
    ];
    const res = await uploadCsv(h, c.id, csv.join('\n'));
    expect(res.body).toMatchObject({ added: 1, skipped: 152 });
    expect(res.body.errors).toHaveLength(100);

    const list = await uploadsOf(c.id);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      total: 1,
      items: [
        {
          id: res.body.upload_id,
          run_no: 1,
          mode: 'replace',
          added: 1,
          skipped: 152,
          columns: ['phone_number', 'name', 'tier'],
          uploaded_by: 'ops',
          uploaded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          skipped_rows_url: `${API}/campaigns/${c.id}/uploads/${res.body.upload_id}/skipped.csv`,
        },
      ],
    });

    const download = await h.get(list.body.items[0].skipped_rows_url);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(download.headers['content-disposition']).toContain('skipped-rows.csv');
    const lines = csvRows(download.text);
    expect(lines).toHaveLength(1 + 152);
    expect(lines[0]).toBe('row,reason,phone_number,name,tier');
    expect(lines[1]).toBe('3,"invalid phone number ""bad0""",bad0,Name 0,gold');
    expect(lines[150]).toBe('152,"invalid phone number ""bad149""",bad149,Name 149,gold');
    expect(lines[151]).toBe("153,duplicate of row 2 (+919876543210),'+91 98765 43210,Dup,x");
    // A cell a spreadsheet would run as a formula is neutralised, as in the attempt report.
    expect(lines[152]).toMatch(/^154,.*,'=cmd\(\),Eve,$/);
  });

  it('writes rows the database refused as the import read them, and lists uploads newest first', async () => {
    const c = await createCampaign(h);
    await h.db
      .insertInto('opt_outs')
      .values({ phone: '+919811100009', reason: 'test' })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const first = await uploadCsv(
      h,
      c.id,
      'phone_number,name,tier\n9811100001,Asha,gold\n9811100009,Opt,x\n',
    );
    expect(first.body).toMatchObject({ added: 1, skipped: 1 });
    await startCampaign(h, c.id);
    const second = await uploadCsv(
      h,
      c.id,
      'name,phone1,phone2,tier,\nAsha,9811100001,9811100002,silver,z\nNew,9811100003,,gold,\nOpt,9811100009,,,\n',
    );
    expect(second.body).toMatchObject({ added: 1, skipped: 2 });

    const list = await uploadsOf(c.id);
    expect(list.body.total).toBe(2);
    expect(list.body.items.map((u: { id: string; mode: string }) => [u.id, u.mode])).toEqual([
      [second.body.upload_id, 'append'],
      [first.body.upload_id, 'replace'],
    ]);
    expect(csvRows((await skippedCsv(c.id, first.body.upload_id)).text)).toEqual([
      'row,reason,phone_number,name,tier',
      "3,opted out (+919811100009),'+919811100009,Opt,x",
    ]);
    // The empty-header column stays empty; numbers read as E.164 in dialling order.
    expect(csvRows((await skippedCsv(c.id, second.body.upload_id)).text)).toEqual([
      'row,reason,name,phone1,phone2,tier,',
      "2,already in the campaign (+919811100001),Asha,'+919811100001,'+919811100002,silver,",
      "4,opted out (+919811100009),Opt,'+919811100009,,,",
    ]);
  });

  it('a replace drops the earlier uploads of the draft; an upload without skips has no download link', async () => {
    const c = await createCampaign(h);
    const old = await uploadCsv(h, c.id, 'phone_number\nbad\n9876543210\n');
    const replaced = await uploadCsv(h, c.id, 'phone_number\n9876543211\n');
    const list = await uploadsOf(c.id);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: replaced.body.upload_id, added: 1, skipped: 0 });
    expect(list.body.items[0]).not.toHaveProperty('skipped_rows_url');
    expect((await skippedCsv(c.id, old.body.upload_id)).status).toBe(404);
    expect(csvRows((await skippedCsv(c.id, replaced.body.upload_id)).text)).toEqual([
      'row,reason,phone_number',
    ]);
  });

  it('keeps a skipped row of any text: a long non-Latin "number" is stored with its reason', async () => {
    const c = await createCampaign(h);
    const script = '𝓣𝓱𝓮 𝓺𝓾𝓲𝓬𝓴 𝓫𝓻𝓸𝔀𝓷 𝓯𝓸𝔁 𝓳𝓾𝓶𝓹𝓼 𝓸𝓿𝓮𝓻 𝓽𝓱𝓮 𝓵𝓪𝔃𝔂 𝓭𝓸𝓰';
    const res = await uploadCsv(h, c.id, `phone_number,A\n${script},x`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ added: 0, skipped: 1 });
    const csv = await skippedCsv(c.id, res.body.upload_id);
    expect(csvRows(csv.text)[1]).toBe(`2,"${res.body.errors[0].reason.replace(/"/g, '""')}",${script},x`);
  });

  it('keeps nothing of a refused upload; 404 for another campaign, 422 for a bad limit', async () => {
    const c = await createCampaign(h);
    const other = await createCampaign(h);
    const ok = await uploadCsv(h, c.id, 'phone_number\nbad\n9876543210\n');
    expect((await uploadCsv(h, c.id, 'name\nx\n')).status).toBe(422);
    expect((await uploadsOf(c.id)).body.total).toBe(1);
    expect((await skippedCsv(other.id, ok.body.upload_id)).status).toBe(404);
    expect((await uploadsOf('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await h.get(`${API}/campaigns/${c.id}/uploads?limit=0`)).status).toBe(422);
    expect((await h.get(`${API}/campaigns/${c.id}/uploads?limit=1`)).body.items).toHaveLength(1);
  });
});

describe('the batched-INSERT path (PGlite cannot take COPY FROM STDIN)', () => {
  it('imports, skips and appends exactly like COPY', async () => {
    const { createDb } = await import('../../db/connection');
    const { preferInserts } = await import('../../db/repositories/contact-import.sink');
    const db = createDb(h.database.url, { max: 3 });
    preferInserts(db);
    const app = await bareApp({ db, engine: new RecordingEngine(), settings: loadSettings({}) }, [
      { plugin: contactsRoutes, options: {} },
    ]);
    const post = (id: string, csv: string) =>
      app.inject({
        method: 'POST',
        url: `${API}/campaigns/${id}/contacts`,
        headers: { 'content-type': 'text/csv' },
        payload: csv,
      });
    try {
      const c = await createCampaign(h);
      const rows = Array.from({ length: 4500 }, (_, i) => `+1415${String(5000000 + i)},N${i},"v\t${i}"`);
      const first = await post(
        c.id,
        `phone_number,name,note\n${rows.join('\n')}\nbad,x,y\n+14155000000,dup,z\n`,
      );
      expect(first.json()).toMatchObject({
        added: 4500,
        skipped: 2,
        errors: [
          { row: 4502, reason: 'invalid phone number "bad"' },
          { row: 4503, reason: 'duplicate of row 2 (+14155000000)' },
        ],
      });
      const stored = await contactsOf(h.db, c.id);
      expect(stored).toHaveLength(4500);
      expect(stored[4499]).toMatchObject({
        phone: '+14155004499',
        name: 'N4499',
        metadata: { note: 'v\t4499' },
        timezones: ['America/Los_Angeles'],
      });
      await startCampaign(h, c.id);
      const appended = await post(c.id, 'phone_number\n+14155000001\n+14155009999\n');
      expect(appended.json()).toMatchObject({
        added: 1,
        skipped: 1,
        errors: [{ row: 2, reason: 'already in the campaign (+14155000001)' }],
      });
      expect(await contactCount(h.db, c.id)).toBe(4501);
      const kept = await h.db
        .selectFrom('contact_upload_skips')
        .select(['upload_id', 'row_no', 'reason', 'cells'])
        .where('upload_id', 'in', [first.json().upload_id, appended.json().upload_id])
        .orderBy('row_no')
        .execute();
      expect(kept.map((k) => [k.upload_id, k.row_no, k.reason, k.cells])).toEqual([
        [appended.json().upload_id, 2, 'already in the campaign (+14155000001)', ['+14155000001']],
        [first.json().upload_id, 4502, 'invalid phone number "bad"', ['bad', 'x', 'y']],
        [first.json().upload_id, 4503, 'duplicate of row 2 (+14155000000)', ['+14155000000', 'dup', 'z']],
      ]);
      const added = (await contactsOf(h.db, c.id)).find((r) => r.phone === '+14155009999');
      expect(added?.timezones).toEqual(['America/Los_Angeles']);
    } finally {
      await app.close();
      await db.destroy();
    }
  });
});

describe('GET /campaigns/template.csv', () => {
  it('is a starter CSV that uploads cleanly', async () => {
    const res = await h.get(`${API}/campaigns/template.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('contacts-template.csv');
    expect(res.text).toBe(TEMPLATE_CSV);
    expect(res.text.split('\r\n')[0]).toBe('phone_number,name,email,case_number,amount,due_date');
    const c = await createCampaign(h);
    expect((await uploadCsv(h, c.id, res.text)).body).toMatchObject({ added: 2, skipped: 0 });
  });
});

describe('GET /campaigns/:id/contacts (call list)', () => {
  it('pages the list in upload order with every field, and the attempt trail of the current run', async () => {
    const c = await createCampaign(h, { max_attempts: 4 });
    await uploadCsv(
      h,
      c.id,
      'phone_number,name,email,acct\n9876543210,A,a@x.io,1\n9876543211,B,,2\n9876543212,C,,3\n',
    );
    await startCampaign(h, c.id);
    const [first] = await contactsOf(h.db, c.id);
    const t0 = new Date('2026-11-20T10:00:00.000Z');
    const a1 = await addAttempt(h.db, {
      campaignId: c.id,
      contactId: first!.id,
      attemptNo: 1,
      phone: first!.phone,
      createdAt: t0,
      sipCode: 480,
    });
    const a2 = await addAttempt(h.db, {
      campaignId: c.id,
      contactId: first!.id,
      attemptNo: 2,
      pass: 2,
      phone: first!.phone,
      createdAt: new Date(t0.getTime() + 60_000),
      status: 'ringing',
    });
    await h.db
      .updateTable('contacts')
      .set({ state: 'ringing', attempts: 2, last_outcome: 'no_answer', last_sip_code: 480 })
      .where('id', '=', first!.id)
      .execute();

    const page1 = await h.get(`${API}/campaigns/${c.id}/contacts?per_page=2`);
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ page: 1, per_page: 2, total: 3 });
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.items[0]).toEqual({
      id: first!.id,
      phone: '+919876543210',
      phones: ['+919876543210'],
      name: 'A',
      email: 'a@x.io',
      state: 'ringing',
      attempts: 2,
      attempts_used: 2,
      callback_dials: 0,
      max_attempts: 4,
      pass: 1,
      phone_index: 0,
      last_result: 'no_answer',
      last_disposition: null,
      callback_at: null,
      callback_state: null,
      next_due_at: null,
      // No timezone column: the zone of the number (+91).
      timezone: 'Asia/Calcutta',
      local_time: expect.stringMatching(/^\d\d:\d\d$/),
      held_by: null,
      metadata: { acct: '1' },
      attempt_trail: [
        {
          attempt_no: 1,
          attempt_id: a1,
          outcome: 'no_answer',
          sip_code: 480,
          at: t0.toISOString(),
          status: 'ended',
          disposition: null,
          pass: 1,
          phone: '+919876543210',
          from_number: '+14155550199',
          is_callback: false,
        },
        {
          attempt_no: 2,
          attempt_id: a2,
          outcome: null,
          sip_code: null,
          at: new Date(t0.getTime() + 60_000).toISOString(),
          status: 'ringing',
          disposition: null,
          pass: 2,
          phone: '+919876543210',
          from_number: '+14155550199',
          is_callback: false,
        },
      ],
      workflow_id: `contact-${c.id}-run-1-${first!.id}`,
      workflow_url: `http://127.0.0.1:8233/namespaces/default/workflows/contact-${c.id}-run-1-${first!.id}`,
    });
    const page2 = await h.get(`${API}/campaigns/${c.id}/contacts?page=2&per_page=2`);
    expect(page2.body.items.map((i: { phone: string }) => i.phone)).toEqual(['+919876543212']);
    const defaults = await h.get(`${API}/campaigns/${c.id}/contacts?page=1&per_page=50&state=&callback=`);
    expect(defaults.body).toMatchObject({ page: 1, per_page: 50, total: 3 });
  });

  it('filters by state (one or several) and by callback state', async () => {
    const c = await createCampaign(h, { callback_detection: true });
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n9876543211\n9876543212\n9876543213\n');
    await startCampaign(h, c.id);
    const rows = await contactsOf(h.db, c.id);
    const set = (i: number, v: Record<string, unknown>) =>
      h.db.updateTable('contacts').set(v).where('id', '=', rows[i]!.id).execute();
    await set(0, {
      state: 'callback_scheduled',
      callback_state: 'pending',
      callback_at: new Date('2026-12-01T10:00:00Z'),
    });
    await set(1, { state: 'completed', callback_state: 'completed' });
    await set(2, { state: 'window_closed', callback_state: 'cancelled' });
    const phones = async (q: string) =>
      ((await h.get(`${API}/campaigns/${c.id}/contacts?${q}`)).body.items as { phone: string }[]).map((i) =>
        i.phone.slice(-1),
      );
    expect(await phones('state=pending')).toEqual(['3']);
    expect(await phones('state=completed,window_closed')).toEqual(['1', '2']);
    expect(await phones('callback=requested')).toEqual(['0', '1', '2']);
    expect(await phones('callback=pending')).toEqual(['0']);
    expect(await phones('callback=completed')).toEqual(['1']);
    expect(await phones('callback=cancelled')).toEqual(['2']);
    const cb = (await h.get(`${API}/campaigns/${c.id}/contacts?callback=pending`)).body.items[0];
    expect(cb).toMatchObject({
      callback_at: '2026-12-01T10:00:00.000Z',
      callback_state: 'pending',
      state: 'callback_scheduled',
    });
    expect((await h.get(`${API}/campaigns/${c.id}/contacts?callback=pending`)).body.total).toBe(1);
  });

  it('counts callbacks apart from max_attempts: six dials of which five callbacks read 1 used of 3', async () => {
    const c = await createCampaign(h, { max_attempts: 3, callback_detection: true });
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n');
    await startCampaign(h, c.id);
    const [first] = await contactsOf(h.db, c.id);
    const t0 = new Date('2026-11-20T10:00:00.000Z');
    for (let n = 1; n <= 6; n++) {
      await addAttempt(h.db, {
        campaignId: c.id,
        contactId: first!.id,
        attemptNo: n,
        phone: first!.phone,
        createdAt: new Date(t0.getTime() + n * 60_000),
        answered: true,
        talkS: 5,
        outcome: 'completed',
        disposition: 'CALLBACK',
        admitPriority: n === 1 ? 1 : 0,
      });
    }
    await h.db
      .updateTable('contacts')
      .set({ state: 'callback_scheduled', attempts: 6, callback_state: 'pending' })
      .where('id', '=', first!.id)
      .execute();
    const item = (await h.get(`${API}/campaigns/${c.id}/contacts`)).body.items[0];
    expect(item).toMatchObject({ attempts: 6, attempts_used: 1, callback_dials: 5, max_attempts: 3 });
    expect(item.attempt_trail.map((t: { is_callback: boolean }) => t.is_callback)).toEqual([
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('filters by last outcome and disposition, and sorts by latest attempt, due time, dials and name', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number,name\n9876543210,Cyd\n9876543211,Abe\n9876543212,Bea\n');
    await startCampaign(h, c.id);
    const rows = await contactsOf(h.db, c.id);
    const set = (i: number, v: Record<string, unknown>) =>
      h.db.updateTable('contacts').set(v).where('id', '=', rows[i]!.id).execute();
    await set(0, {
      last_outcome: 'completed',
      last_disposition: 'INTERESTED',
      attempts: 1,
      last_attempt_at: new Date('2026-11-20T10:00:00Z'),
    });
    await set(1, {
      last_outcome: 'no_answer',
      attempts: 2,
      last_attempt_at: new Date('2026-11-20T11:00:00Z'),
      next_due_at: new Date('2026-11-20T12:00:00Z'),
      state: 'retry_scheduled',
    });
    await set(2, {
      last_outcome: 'completed',
      last_disposition: 'NOT_INTERESTED',
      attempts: 3,
      next_due_at: new Date('2026-11-20T11:30:00Z'),
    });
    const names = async (q: string) =>
      ((await h.get(`${API}/campaigns/${c.id}/contacts?${q}`)).body.items as { name: string }[]).map(
        (i) => i.name,
      );
    expect(await names('outcome=completed')).toEqual(['Cyd', 'Bea']);
    expect(await names('disposition=interested')).toEqual(['Cyd']);
    expect(await names('outcome=no_answer&state=retry_scheduled')).toEqual(['Abe']);
    expect(await names('sort=recent')).toEqual(['Abe', 'Cyd', 'Bea']);
    expect(await names('sort=next_due')).toEqual(['Bea', 'Abe', 'Cyd']);
    expect(await names('sort=attempts')).toEqual(['Bea', 'Abe', 'Cyd']);
    expect(await names('sort=name')).toEqual(['Abe', 'Bea', 'Cyd']);
    const bad = await h.get(`${API}/campaigns/${c.id}/contacts?sort=loudest`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].field).toBe('sort');
  });

  it("GET /contacts/:contact_id tells the contact's story: every attempt and the decision after it", async () => {
    const c = await createCampaign(h, { max_attempts: 3, callback_detection: true });
    await uploadCsv(h, c.id, 'phone1,phone2\n9876543210,9876543219\n');
    await startCampaign(h, c.id);
    const [first] = await contactsOf(h.db, c.id);
    const t0 = new Date('2026-11-20T10:00:00.000Z');
    const at = (m: number) => new Date(t0.getTime() + m * 60_000);
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: first!.id,
      attemptNo: 1,
      phone: '+919876543210',
      createdAt: at(0),
      outcome: 'rejected',
      sipCode: 486,
    });
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: first!.id,
      attemptNo: 2,
      phone: '+919876543219',
      createdAt: at(1),
      answered: true,
      ringS: 4,
      talkS: 30,
      outcome: 'completed',
      disposition: 'CALLBACK',
      summary: 'Asked to be called after lunch',
      callbackAt: at(60),
    });
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: first!.id,
      attemptNo: 3,
      phone: '+919876543219',
      createdAt: at(61),
      outcome: 'no_answer',
      sipCode: 480,
      admitPriority: 0,
    });
    await h.db
      .updateTable('contacts')
      .set({ state: 'retry_scheduled', attempts: 3, next_due_at: at(90), pass: 2 })
      .where('id', '=', first!.id)
      .execute();
    const res = await h.get(`${API}/campaigns/${c.id}/contacts/${first!.id}`);
    expect(res.status).toBe(200);
    expect(res.body.contact).toMatchObject({
      id: first!.id,
      attempts: 3,
      attempts_used: 1,
      callback_dials: 1,
    });
    expect(res.body.attempts).toMatchObject([
      { attempt_no: 1, sip_code: 486, phone: '+919876543210', decision: { kind: 'next_phone' } },
      {
        attempt_no: 2,
        ring_s: 4,
        talk_s: 30,
        disposition: 'CALLBACK',
        summary: 'Asked to be called after lunch',
        decision: { kind: 'callback' },
      },
      {
        attempt_no: 3,
        is_callback: true,
        decision: { kind: 'waiting_retry', due_at: at(90).toISOString() },
      },
    ]);
    const other = await createCampaign(h);
    expect((await h.get(`${API}/campaigns/${other.id}/contacts/${first!.id}`)).status).toBe(404);
  });

  it('shows the contacts of a prepared (restarted, not started) run as pending with no attempts', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n9876543210\n');
    await startCampaign(h, c.id);
    const [first] = await contactsOf(h.db, c.id);
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: first!.id,
      attemptNo: 1,
      phone: first!.phone,
      createdAt: new Date(),
    });
    await h.db
      .updateTable('contacts')
      .set({ state: 'failed', attempts: 1, last_outcome: 'no_answer' })
      .execute();
    await h.db.updateTable('campaigns').set({ status: 'draft', run_no: 2 }).where('id', '=', c.id).execute();
    const res = await h.get(`${API}/campaigns/${c.id}/contacts`);
    expect(res.body.items[0]).toMatchObject({
      state: 'pending',
      attempts: 0,
      last_result: null,
      attempt_trail: [],
    });
    expect((await h.get(`${API}/campaigns/${c.id}/contacts?state=pending`)).body.total).toBe(1);
    expect((await h.get(`${API}/campaigns/${c.id}/contacts?state=failed`)).body.total).toBe(0);
  });

  it('answers 422 for bad parameters and 404 for an unknown campaign', async () => {
    const c = await createCampaign(h);
    for (const q of [
      'per_page=501',
      'per_page=0',
      'page=0',
      'page=abc',
      'state=nope',
      'callback=maybe',
      'state=pending,nope',
    ]) {
      const res = await h.get(`${API}/campaigns/${c.id}/contacts?${q}`);
      expect(res.status, q).toBe(422);
      expect(res.body).toEqual(errorShape('validation_failed'));
      expect(res.body.error.details.length, q).toBeGreaterThan(0);
    }
    expect((await h.get(`${API}/campaigns/${c.id}/contacts?per_page=500`)).status).toBe(200);
    expect((await h.get(`${API}/campaigns/00000000-0000-4000-8000-000000000000/contacts`)).status).toBe(404);
  });
});
