import { afterEach, describe, expect, it } from 'vitest';
import { BotResultPoster, simulatedResult } from './bot-result-poster';
import { ResultReceiver } from './test-support/result-receiver';

let receiver: ResultReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const result = { disposition: 'COMPLETED', turns: 2, summary: 's' };

describe('BotResultPoster', () => {
  it('posts JSON with the bearer key to /api/v1/attempts/:id/result', async () => {
    receiver = await ResultReceiver.start([200]);
    const poster = new BotResultPoster({ resultUrl: `${receiver.url}/`, apiKey: 'k1', retryDelaysMs: [0] });
    expect(await poster.post('a/1', result)).toEqual({ status: 200 });
    expect(receiver.requests).toEqual([
      {
        method: 'POST',
        path: '/api/v1/attempts/a%2F1/result',
        authorization: 'Bearer k1',
        contentType: 'application/json',
        body: result,
      },
    ]);
  });

  it('retries 5xx until it succeeds', async () => {
    receiver = await ResultReceiver.start([503, 500, 200]);
    const poster = new BotResultPoster({ resultUrl: receiver.url, retryDelaysMs: [0, 0, 0] });
    expect(await poster.post('a2', result)).toEqual({ status: 200 });
    expect(receiver.requests).toHaveLength(3);
  });

  it('takes a 4xx as final', async () => {
    receiver = await ResultReceiver.start([409, 200]);
    const poster = new BotResultPoster({ resultUrl: receiver.url, retryDelaysMs: [0, 0, 0] });
    expect(await poster.post('a3', result)).toEqual({ status: 409 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('retries network errors and gives up after the last retry', async () => {
    const down = await ResultReceiver.start();
    const url = down.url;
    await down.close();
    const poster = new BotResultPoster({ resultUrl: url, retryDelaysMs: [0, 0] });
    const outcome = await poster.post('a4', result);
    expect('error' in outcome).toBe(true);
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
