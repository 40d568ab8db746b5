import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../testing/harness';

const h = useApiHarness();
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('bots', () => {
  it('POST creates a bot (201) with defaults; GET lists it', async () => {
    const res = await h.post('/api/v1/bots', { name: 'Collections bot' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Collections bot',
      greeting: null,
      system_prompt: null,
      callback_enabled: false,
      endpoint: null,
      created_at: expect.stringMatching(ISO),
    });
    const full = await h.post('/api/v1/bots', {
      name: 'Renewals',
      greeting: 'Hello {{name}}',
      system_prompt: 'Be brief',
      callback_enabled: true,
      endpoint: 'sip:renewals@bots.example.com',
    });
    expect(full.status).toBe(201);
    expect(full.body).toMatchObject({ callback_enabled: true, endpoint: 'sip:renewals@bots.example.com' });

    const list = await h.get('/api/v1/bots');
    expect(list.status).toBe(200);
    expect(list.body.map((b: { id: string }) => b.id)).toEqual(
      expect.arrayContaining([res.body.id, full.body.id]),
    );
  });

  it('answers 422 per bad field and 401 without a key', async () => {
    const res = await h.post('/api/v1/bots', { name: '', callback_enabled: 'yes' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'name',
      'callback_enabled',
    ]);
    expect((await h.post('/api/v1/bots', { name: 'x' }, { key: null })).status).toBe(401);
    expect((await h.get('/api/v1/bots', { key: null })).status).toBe(401);
  });
});

describe('carriers', () => {
  it('POST creates a carrier with or without cps_limit; GET lists them', async () => {
    const capped = await h.post('/api/v1/carriers', { name: 'Tata', gateway: 'tata-sip', cps_limit: 2.5 });
    expect(capped.status).toBe(201);
    expect(capped.body).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Tata',
      gateway: 'tata-sip',
      cps_limit: 2.5,
      cost_per_minute: null,
      created_at: expect.stringMatching(ISO),
    });
    const open = await h.post('/api/v1/carriers', { name: 'Open', gateway: 'open' });
    expect(open.status).toBe(201);
    expect(open.body.cps_limit).toBeNull();
    const list = await h.get('/api/v1/carriers');
    expect(list.status).toBe(200);
    expect(list.body).toEqual(expect.arrayContaining([capped.body, open.body]));
  });

  it('answers 422 for a missing gateway, a gateway that breaks a dial string and a non-positive cps_limit', async () => {
    const res = await h.post('/api/v1/carriers', { name: 'Bad', gateway: 'has space', cps_limit: 0 });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['gateway', 'cps_limit']);
    const missing = await h.post('/api/v1/carriers', { name: 'Bad' });
    expect(missing.body.error.details).toEqual([{ field: 'gateway', message: 'is required' }]);
  });
});

describe("a carrier's per-minute rate", () => {
  it('is set on creation, changed and cleared by PATCH, and read back by GET', async () => {
    const created = await h.post('/api/v1/carriers', {
      name: 'Priced',
      gateway: 'priced',
      cost_per_minute: 0.0125,
    });
    expect(created.status).toBe(201);
    expect(created.body.cost_per_minute).toBe(0.0125);
    const id = created.body.id as string;

    const changed = await h.request('PATCH', `/api/v1/carriers/${id}`, { cost_per_minute: 0.02 });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ ...created.body, cost_per_minute: 0.02 });
    // Fields left out keep their values; a rename and a cap change go through the same route.
    const renamed = await h.request('PATCH', `/api/v1/carriers/${id}`, { name: 'Priced 2', cps_limit: 3 });
    expect(renamed.body).toMatchObject({ name: 'Priced 2', cps_limit: 3, cost_per_minute: 0.02 });
    const list = await h.get('/api/v1/carriers');
    expect(list.body.find((c: { id: string }) => c.id === id)).toEqual(renamed.body);

    const cleared = await h.request('PATCH', `/api/v1/carriers/${id}`, { cost_per_minute: null });
    expect(cleared.body.cost_per_minute).toBeNull();
    const stored = await h.db
      .selectFrom('carriers')
      .select(['name', 'cost_per_minute'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ name: 'Priced 2', cost_per_minute: null });
  });

  it('refuses a negative or non-numeric rate, an empty update and an unknown carrier, changing nothing', async () => {
    const bad = await h.post('/api/v1/carriers', { name: 'Neg', gateway: 'neg', cost_per_minute: -0.01 });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toEqual(['cost_per_minute']);

    const created = await h.post('/api/v1/carriers', {
      name: 'Kept',
      gateway: 'kept',
      cost_per_minute: 0.01,
    });
    const id = created.body.id as string;
    const word = await h.request('PATCH', `/api/v1/carriers/${id}`, { cost_per_minute: 'cheap', name: 'X' });
    expect(word.status).toBe(422);
    expect(word.body.error.details.map((d: { field: string }) => d.field)).toEqual(['cost_per_minute']);
    const empty = await h.request('PATCH', `/api/v1/carriers/${id}`, {});
    expect(empty.status).toBe(422);
    const after = await h.get('/api/v1/carriers');
    expect(after.body.find((c: { id: string }) => c.id === id)).toEqual(created.body);

    const unknown = await h.request('PATCH', '/api/v1/carriers/00000000-0000-4000-8000-000000000000', {
      cost_per_minute: 0.01,
    });
    expect(unknown.status).toBe(404);
    expect(
      (await h.request('PATCH', `/api/v1/carriers/${id}`, { cost_per_minute: 1 }, { key: null })).status,
    ).toBe(401);
  });
});

describe('numbers', () => {
  it('normalises to E.164 (DEFAULT_PHONE_REGION IN for numbers without +) and lists them', async () => {
    const carrier = await h.post('/api/v1/carriers', { name: 'N', gateway: 'n-gw' });
    const local = await h.post('/api/v1/numbers', {
      e164: '098765 43210',
      carrier_id: carrier.body.id,
      label: 'Sales',
    });
    expect(local.status).toBe(201);
    expect(local.body).toEqual({
      id: expect.stringMatching(UUID),
      e164: '+919876543210',
      label: 'Sales',
      carrier_id: carrier.body.id,
      inbound_only: false,
      created_at: expect.stringMatching(ISO),
    });
    const us = await h.post('/api/v1/numbers', {
      e164: '+1 (415) 555-0101',
      carrier_id: carrier.body.id,
      inbound_only: true,
    });
    expect(us.status).toBe(201);
    expect(us.body).toMatchObject({ e164: '+14155550101', inbound_only: true, label: null });
    const list = await h.get('/api/v1/numbers');
    expect(list.body).toEqual(expect.arrayContaining([local.body, us.body]));
  });

  it('answers 422 on a bad number and an unknown carrier, one detail each', async () => {
    const res = await h.post('/api/v1/numbers', {
      e164: '12345',
      carrier_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([
      { field: 'e164', message: expect.stringContaining('not a valid phone number') },
      { field: 'carrier_id', message: expect.stringContaining('does not exist') },
    ]);
    const malformed = await h.post('/api/v1/numbers', { e164: '+919876500000', carrier_id: 'nope' });
    expect(malformed.status).toBe(422);
    expect(malformed.body.error.details).toEqual([{ field: 'carrier_id', message: 'must be a UUID' }]);
  });

  it('answers 409 for a number that already exists, in any notation', async () => {
    const carrier = await h.post('/api/v1/carriers', { name: 'D', gateway: 'd-gw' });
    expect(
      (await h.post('/api/v1/numbers', { e164: '+919812300000', carrier_id: carrier.body.id })).status,
    ).toBe(201);
    const dup = await h.post('/api/v1/numbers', { e164: '09812300000', carrier_id: carrier.body.id });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('already_exists');
  });
});
