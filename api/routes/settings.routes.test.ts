import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../testing/harness';

const h = useApiHarness();
const API = '/api/v1';

describe('GET/PATCH /settings', () => {
  it('has no frequency cap until one is set; null turns it off again', async () => {
    expect((await h.get(`${API}/settings`)).body).toEqual({ frequency_cap: null });
    const set = await h.patch(`${API}/settings`, { frequency_cap: { max_calls: 3, per_hours: 24 } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ frequency_cap: { max_calls: 3, per_hours: 24 } });
    expect((await h.get(`${API}/settings`)).body).toEqual({ frequency_cap: { max_calls: 3, per_hours: 24 } });
    // A PATCH without the field changes nothing.
    expect((await h.patch(`${API}/settings`, {})).body).toEqual({
      frequency_cap: { max_calls: 3, per_hours: 24 },
    });
    expect((await h.patch(`${API}/settings`, { frequency_cap: null })).body).toEqual({ frequency_cap: null });
    expect((await h.get(`${API}/settings`)).body).toEqual({ frequency_cap: null });
  });

  it.each([
    [{ frequency_cap: { max_calls: 0, per_hours: 24 } }, 'frequency_cap.max_calls'],
    [{ frequency_cap: { max_calls: 2.5, per_hours: 24 } }, 'frequency_cap.max_calls'],
    [{ frequency_cap: { max_calls: 3 } }, 'frequency_cap.per_hours'],
    [{ frequency_cap: { max_calls: 3, per_hours: -1 } }, 'frequency_cap.per_hours'],
    [{ frequency_cap: 3 }, 'frequency_cap'],
    [{ frequency_cap: [] }, 'frequency_cap'],
  ])('answers 422 naming the field for %j and changes nothing', async (body, field) => {
    await h.patch(`${API}/settings`, { frequency_cap: { max_calls: 2, per_hours: 12 } });
    const res = await h.patch(`${API}/settings`, body);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toContainEqual({ field, message: expect.any(String) });
    expect((await h.get(`${API}/settings`)).body).toEqual({ frequency_cap: { max_calls: 2, per_hours: 12 } });
  });

  it('answers 401 without a key', async () => {
    expect((await h.get(`${API}/settings`, { key: null })).status).toBe(401);
    expect((await h.patch(`${API}/settings`, { frequency_cap: null }, { key: null })).status).toBe(401);
  });
});
