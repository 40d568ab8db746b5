import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sumOf } from '../../test/support/prometheus-text';
import { seedSetup, useApiHarness } from '../testing/harness';

const h = useApiHarness();

describe('GET /metrics (API)', () => {
  it('answers Prometheus text without a key, with seats held against concurrency per running campaign', async () => {
    const setup = await seedSetup(h);
    const created = await h.post('/api/v1/campaigns', {
      name: 'Metrics',
      bot_id: setup.botId,
      number_ids: setup.numberIds.slice(0, 1),
      concurrency: 4,
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    await h.db.updateTable('campaigns').set({ status: 'running' }).where('id', '=', id).execute();
    const res = await h.get('/metrics', { key: null });
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toContain('text/plain');
    const scrape = parsePrometheusText(res.text);
    expect(sumOf(scrape, 'ori_campaign_concurrency', { campaign_id: id })).toBe(4);
    expect(sumOf(scrape, 'ori_campaign_seats_held', { campaign_id: id })).toBe(0);
    expect(scrape.types.get('ori_campaign_seats_held')).toBe('gauge');
    expect(
      scrape.types.get('process_cpu_seconds_total') ?? scrape.types.get('process_cpu_seconds'),
    ).toBeDefined();

    await h.db.updateTable('campaigns').set({ status: 'completed' }).where('id', '=', id).execute();
    await new Promise((r) => setTimeout(r, 1_100)); // past the one-second read shared by a scrape
    const later = parsePrometheusText((await h.get('/metrics', { key: null })).text);
    expect(later.samples.filter((s) => s.labels.campaign_id === id)).toEqual([]);
  });
});
