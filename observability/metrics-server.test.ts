import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText, sumOf } from '../test/support/prometheus-text';
import { silentLogger } from './log';
import { createDialObserver } from './dial-observer';
import { observeSwitch } from './metrics';
import { startMetricsServer, type RunningMetricsServer } from './metrics-server';

/** A stand-in for the Temporal SDK's Prometheus exporter. */
async function fakeSdkExporter(text: string): Promise<{ address: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end(text),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function serve(sdkMetricsAddress?: string): Promise<RunningMetricsServer> {
  const server = await startMetricsServer({
    port: 0,
    host: '127.0.0.1',
    sdkMetricsAddress,
    log: silentLogger,
  });
  cleanups.push(() => server.close());
  return server;
}

describe("the worker's /metrics", () => {
  it("serves our registry and the SDK exporter's text as one valid scrape", async () => {
    const sdk = await fakeSdkExporter(
      '# HELP temporal_request Client requests\n# TYPE temporal_request counter\ntemporal_request{operation="PollWorkflowTaskQueue"} 7\n',
    );
    cleanups.push(() => sdk.close());
    observeSwitch({ connected: true });
    const call = { campaign_id: 'metrics-test', run_no: 1, contact_id: 'k', attempt_id: 'a' };
    createDialObserver({ log: silentLogger }).ended(call, {
      outcome: 'rejected',
      sip_code: 486,
      hangup_cause: 'USER_BUSY',
      ring_s: 1,
      talk_s: null,
      answered_at: null,
    });
    const server = await serve(sdk.address);

    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const scrape = parsePrometheusText(await res.text());
    expect(sumOf(scrape, 'temporal_request', { operation: 'PollWorkflowTaskQueue' })).toBe(7);
    expect(
      sumOf(scrape, 'ori_dials_total', { campaign_id: 'metrics-test', outcome: 'rejected', sip_code: '486' }),
    ).toBe(1);
    expect(sumOf(scrape, 'ori_switch_connected')).toBe(1);

    observeSwitch({ connected: false });
    const after = parsePrometheusText(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text());
    expect(sumOf(after, 'ori_switch_connected')).toBe(0);
  });

  it('still answers with our metrics when the SDK exporter does not', async () => {
    const server = await serve('127.0.0.1:1');
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('# Temporal SDK metrics unavailable');
    expect(parsePrometheusText(text).types.get('ori_dials_total')).toBe('counter');
  });

  it('answers 404 for anything but GET /metrics', async () => {
    const server = await serve();
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
  });
});

describe('the dial observer', () => {
  it('measures a freed seat to the originate of the dial on deck that took it, and nothing for a dial that never waited', async () => {
    let now = 1_000;
    const observer = createDialObserver({ log: silentLogger, nowMs: () => now });
    const call = { campaign_id: 'seat-test', run_no: 1, contact_id: 'k', attempt_id: 'a' };
    const ended = {
      outcome: 'completed',
      sip_code: 200,
      hangup_cause: 'NORMAL_CLEARING',
      ring_s: 1,
      talk_s: 3,
      answered_at: new Date(),
    };
    const { seatToOriginateSeconds } = await import('./metrics');
    const count = async (): Promise<{ count: number; sum: number }> => {
      const values = (await seatToOriginateSeconds.get()).values;
      return {
        count: values.find((v) => v.metricName === 'ori_seat_to_originate_seconds_count')?.value ?? 0,
        sum: values.find((v) => v.metricName === 'ori_seat_to_originate_seconds_sum')?.value ?? 0,
      };
    };
    const before = await count();
    observer.originateSent(call, { onDeckSince: null });
    observer.ended(call, ended); // a seat frees at 1000
    now = 1_180;
    observer.originateSent(call, { onDeckSince: 500 }); // waited on deck since 500: took it 180 ms later
    observer.originateSent(call, { onDeckSince: 1_100 }); // started waiting after that seat freed: not its seat
    const after = await count();
    expect(after.count - before.count).toBe(1);
    expect(after.sum - before.sum).toBeCloseTo(0.18, 5);
  });
});
