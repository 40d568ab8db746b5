import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCampaign, eventually, NumberPlan, startStack, waitForCompletion, type Stack } from './stack';
import { familyNames, parsePrometheusText, sumOf, type Exposition } from '../support/prometheus-text';
import { dashboardMetricNames, loadDashboard } from '../support/dashboard';

/**
 * Metrics and logs on the real stack: after a campaign with a mix of outcomes, the worker's `/metrics`
 * parses as Prometheus text, carries the Temporal SDK's metrics beside ours, and its dial counters equal
 * the switch's call log call for call; the API's `/metrics` reports seats held against concurrency while
 * the campaign runs; every worker line about a call carries the call's four ids.
 */

const plan = new NumberPlan('+9195');
const TOKENS = ['answer:20:COMPLETED', 'no_answer:5', 'sip:486:1', 'sip:503', 'nocode:2', 'sip:404'];
const PHONES = Array.from({ length: 24 }, (_, i) => plan.add([TOKENS[i % TOKENS.length] ?? 'sip:503']));
const CONCURRENCY = 3;

let stack: Stack;
const workerLines: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    scenario: { time_scale: 0.05, default: { 'sip:503': 1 }, numbers: plan.numbers },
    workerEnv: { ORI_LOG_LEVEL: 'info' },
  });
  const worker = await stack.startWorker();
  // Everything the worker prints from here on (tail() keeps only the last lines).
  let partial = '';
  worker.child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    workerLines.push(...parts);
  });
});
afterAll(async () => {
  await stack?.stop();
});

async function scrape(url: string): Promise<{ text: string; exposition: Exposition; contentType: string }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, exposition: parsePrometheusText(text), contentType: res.headers.get('content-type') ?? '' };
}

interface LogLine {
  time: string;
  level: string;
  msg: string;
  service?: string;
  campaign_id?: string;
  run_no?: number;
  contact_id?: string;
  attempt_id?: string;
  outcome?: string;
}

describe('metrics and logs after a campaign', () => {
  it('counts every call of the switch log once, by outcome and SIP code, and logs each with its four ids', async () => {
    const campaign = await buildCampaign(stack, {
      phones: PHONES,
      config: { concurrency: CONCURRENCY, max_attempts: 1 },
    });

    // While it runs, the API reports its seats against its concurrency.
    const apiMetrics = `${stack.apiUrl}/metrics`;
    const running = await eventually('the API to report the campaign’s seats', async () => {
      const { exposition } = await scrape(apiMetrics);
      const concurrency = sumOf(exposition, 'ori_campaign_concurrency', { campaign_id: campaign.id });
      return concurrency === CONCURRENCY ? exposition : null;
    });
    const held = sumOf(running, 'ori_campaign_seats_held', { campaign_id: campaign.id });
    expect(held).toBeGreaterThanOrEqual(0);
    expect(held).toBeLessThanOrEqual(CONCURRENCY);

    await waitForCompletion(stack, campaign.id);
    const calls = stack.sim.calls();
    expect(calls).toHaveLength(PHONES.length);
    const attempts = await stack.db.db
      .selectFrom('attempts')
      .select(['attempt_id', 'contact_id', 'run_no', 'outcome', 'sip_code'])
      .where('campaign_id', '=', campaign.id)
      .execute();
    const byId = new Map(attempts.map((a) => [a.attempt_id, a]));

    // The call log, grouped the way the counter is labelled: each call's recorded outcome and SIP code.
    const expected = new Map<string, number>();
    for (const call of calls) {
      const attempt = byId.get(call.uuid);
      expect(attempt, `attempt of call ${call.uuid}`).toBeDefined();
      // The switch's own SIP failure is the code the counter carries.
      if (call.outcome.startsWith('sip:')) expect(String(attempt?.sip_code)).toBe(call.outcome.slice(4));
      const key = `${attempt?.outcome}|${attempt?.sip_code ?? 'none'}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    expect(expected.size).toBeGreaterThanOrEqual(5);

    // The worker's counters: settled once the last call ended (the counter is bumped as its end is written).
    const metrics = await eventually('the worker to count every call', async () => {
      const scraped = await scrape(stack.workerMetricsUrl!);
      const total = sumOf(scraped.exposition, 'ori_dials_total', { campaign_id: campaign.id });
      return total === calls.length ? scraped : null;
    });
    expect(metrics.contentType).toContain('text/plain');
    const counted = new Map<string, number>();
    for (const s of metrics.exposition.samples) {
      if (s.name !== 'ori_dials_total' || s.labels.campaign_id !== campaign.id) continue;
      counted.set(`${s.labels.outcome}|${s.labels.sip_code}`, s.value);
    }
    expect(counted).toEqual(expected);
    expect(sumOf(metrics.exposition, 'ori_dial_originates_total', { campaign_id: campaign.id })).toBe(
      calls.length,
    );
    expect(metrics.exposition.types.get('ori_dials_total')).toBe('counter');
    expect(sumOf(metrics.exposition, 'ori_switch_connected')).toBe(1);
    expect(sumOf(metrics.exposition, 'ori_carrier_pacing_wait_seconds_count')).toBe(calls.length);
    expect(sumOf(metrics.exposition, 'ori_admission_duration_seconds_count')).toBeGreaterThan(0);
    // The Temporal SDK's own metrics, merged into the same scrape.
    const families = [...familyNames(metrics.exposition)];
    expect(families.filter((n) => n.startsWith('temporal_')).length).toBeGreaterThan(3);
    expect(families).toContain('temporal_activity_execution_latency');

    // The API's scrape parses too, and names the seat gauges.
    const api = await scrape(apiMetrics);
    expect(api.exposition.types.get('ori_campaign_seats_held')).toBe('gauge');

    // Every metric the Grafana dashboard queries is in one of the two scrapes Prometheus takes.
    const scraped = new Set([...familyNames(metrics.exposition), ...familyNames(api.exposition)]);
    // The alert gauge comes with the worker's stall detector; until that runs, its panel stays empty.
    const detector = existsSync(path.resolve(__dirname, '..', '..', 'worker', 'stall-detector.ts'));
    const missing = [...dashboardMetricNames(loadDashboard())].filter(
      (n) => !scraped.has(n) && (detector || !n.startsWith('ori_alerts_')),
    );
    expect(missing).toEqual([]);

    // Every worker line about a call carries the call's four ids, and each call has its 'call ended' line.
    const lines = workerLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
    const ended = new Map<string, LogLine>();
    for (const line of lines) {
      expect(line.service).toBe('worker');
      expect(Date.parse(line.time)).not.toBeNaN();
      if (line.attempt_id === undefined) continue;
      expect(line.campaign_id).toBe(campaign.id);
      expect(line.run_no).toBe(byId.get(line.attempt_id)?.run_no);
      expect(line.contact_id).toBe(byId.get(line.attempt_id)?.contact_id);
      if (line.msg === 'call ended') ended.set(line.attempt_id, line);
    }
    for (const call of calls) {
      expect(ended.get(call.uuid)?.outcome, `the log line of call ${call.uuid}`).toBe(
        byId.get(call.uuid)?.outcome,
      );
    }

    // So does every simulator line about a call: its end, and the post of an answered call's result.
    const simCallLines = stack.simLog.filter((l) => l.attempt_id !== undefined);
    expect(simCallLines.filter((l) => l.msg === 'call ended')).toHaveLength(calls.length);
    expect(simCallLines.some((l) => String(l.msg).startsWith('result for attempt'))).toBe(true);
    for (const line of simCallLines) {
      const attempt = byId.get(String(line.attempt_id));
      expect(line).toMatchObject({
        campaign_id: campaign.id,
        run_no: attempt?.run_no,
        contact_id: attempt?.contact_id,
      });
    }
  });

  it('echoes a caller’s X-Request-Id over real HTTP, in the header and the error body', async () => {
    const res = await fetch(`${stack.apiUrl}/api/v1/campaigns/not-a-uuid`, {
      headers: { authorization: `Bearer ${stack.apiKey}`, 'x-request-id': 'escalation-1234' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('escalation-1234');
    expect(((await res.json()) as { error: { request_id: string } }).error.request_id).toBe(
      'escalation-1234',
    );
  });
});
