import { afterEach, describe, expect, it } from 'vitest';
import { BotResultPoster, simulatedResult } from './bot-result-poster';
import { ResultReceiver } from './test-support/result-receiver';

let receiver: ResultReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const result = { disposition: 'COMPLETED', turns: 2, summary: 's' };

/** Fast backoff for tests: the policy's shape, in milliseconds instead of seconds. */
const FAST = { firstDelayMs: 10, maxDelayMs: 80, giveUpAfterMs: 10_000 };

describe('BotResultPoster', () => {
  it('posts JSON with the bearer key to /api/v1/attempts/:id/result', async () => {
    receiver = await ResultReceiver.start([200]);
    const poster = new BotResultPoster({ resultUrl: `${receiver.url}/`, apiKey: 'k1', retry: FAST });
    expect(await poster.post('a/1', result)).toEqual({ status: 200, tries: 1 });
    expect(receiver.requests).toEqual([
      {
        method: 'POST',
        path: '/api/v1/attempts/a%2F1/result',
        authorization: 'Bearer k1',
        contentType: 'application/json',
        body: result,
        at: expect.any(Number),
      },
    ]);
  });

  it('retries 5xx and 429 with growing waits until it succeeds', async () => {
    receiver = await ResultReceiver.start([503, 500, 429, 502, 200]);
    const poster = new BotResultPoster({ resultUrl: receiver.url, retry: { ...FAST, firstDelayMs: 40 } });
    expect(await poster.post('a2', result)).toEqual({ status: 200, tries: 5 });
    const gaps = receiver.requests.slice(1).map((r, i) => r.at - (receiver?.requests[i]?.at ?? 0));
    // 40, 80, 80 (capped), 80 ms: each wait at least the backoff asked for.
    expect(gaps).toHaveLength(4);
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    for (const gap of gaps.slice(1)) expect(gap).toBeGreaterThanOrEqual(75);
  });

  it.each([409, 404, 422, 401])('takes a %i as final', async (status) => {
    receiver = await ResultReceiver.start([status, 200]);
    const poster = new BotResultPoster({ resultUrl: receiver.url, retry: FAST });
    expect(await poster.post('a3', result)).toEqual({ status, tries: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("waits what the dialler's Retry-After asks", async () => {
    receiver = await ResultReceiver.start([503, 200], { retryAfter: '1' });
    const poster = new BotResultPoster({
      resultUrl: receiver.url,
      retry: { firstDelayMs: 10, maxDelayMs: 5_000, giveUpAfterMs: 10_000 },
    });
    expect(await poster.post('a5', result)).toEqual({ status: 200, tries: 2 });
    const [first, second] = receiver.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('keeps retrying while the dialler is unreachable and delivers once it is back on its port', async () => {
    const first = await ResultReceiver.start();
    const port = Number(new URL(first.url).port);
    await first.close();
    const poster = new BotResultPoster({ resultUrl: first.url, retry: FAST });
    const posting = poster.post('a4', result);
    await new Promise((r) => setTimeout(r, 600)); // refused for a while
    receiver = await ResultReceiver.start([200], { port });
    const outcome = await posting;
    expect(outcome.tries).toBeGreaterThan(2);
    expect(outcome).toMatchObject({ status: 200 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('gives up once the dialler has stopped waiting, with the last answer', async () => {
    receiver = await ResultReceiver.start([503]);
    const poster = new BotResultPoster({ resultUrl: receiver.url, retry: { ...FAST, giveUpAfterMs: 300 } });
    const outcome = await poster.post('a6', result);
    expect(outcome).toMatchObject({ status: 503 });
    expect(outcome.tries).toBeGreaterThan(2);
    expect((receiver.requests.at(-1)?.at ?? 0) - (receiver.requests[0]?.at ?? 0)).toBeLessThanOrEqual(300);
  });

  it('close() ends a post waiting between retries', async () => {
    receiver = await ResultReceiver.start([503]);
    let waiting!: () => void;
    const backingOff = new Promise<void>((r) => (waiting = r));
    const poster = new BotResultPoster({
      resultUrl: receiver.url,
      retry: { firstDelayMs: 60_000, maxDelayMs: 60_000, giveUpAfterMs: 600_000 },
      log: (m) => m.includes('retrying') && waiting(),
    });
    const posting = poster.post('a7', result);
    await backingOff;
    poster.close();
    expect(await posting).toEqual({ status: 503, tries: 1 });
  });
});

describe('simulatedResult', () => {
  it('puts the callback callback_in_min minutes ahead', () => {
    const now = new Date('2026-01-01T10:00:00.000Z');
    expect(simulatedResult({ disposition: 'INTERESTED', talkS: 40, callbackInMin: 30, now })).toEqual({
      disposition: 'INTERESTED',
      callback_at: '2026-01-01T10:30:00.000Z',
      turns: 7,
      summary: 'Simulated conversation of 40 s ending INTERESTED.',
    });
    expect(simulatedResult({ disposition: 'COMPLETED', talkS: 2, now }).callback_at).toBeUndefined();
  });
});
