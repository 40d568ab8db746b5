import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answerRate,
  BUCKET_WIDTHS_S,
  bucketStarts,
  bucketWidthS,
  cumulative,
  MAX_BUCKETS,
} from './run-charts';

describe('bucketWidthS', () => {
  it('takes the smallest round width that draws the span in at most 60 buckets', () => {
    expect(bucketWidthS(0)).toBe(1);
    expect(bucketWidthS(30)).toBe(1);
    expect(bucketWidthS(59)).toBe(1);
    // 59.5 s can straddle 61 one-second buckets.
    expect(bucketWidthS(59.5)).toBe(2);
    expect(bucketWidthS(60)).toBe(2);
    expect(bucketWidthS(10 * 60)).toBe(15);
    expect(bucketWidthS(3600)).toBe(120);
    expect(bucketWidthS(9 * 3600)).toBe(600);
    expect(bucketWidthS(3 * 86_400)).toBe(7200);
    expect(bucketWidthS(59 * 86_400)).toBe(86_400);
    // Beyond the round widths: whole days.
    expect(bucketWidthS(90 * 86_400)).toBe(2 * 86_400);
    expect(bucketWidthS(-5)).toBe(1);
  });

  it('never needs more than maxBuckets buckets, and no smaller round width would do (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 * 86_400 * 1000 }),
        fc.integer({ min: 0, max: 10 ** 12 }),
        fc.integer({ min: 2, max: 120 }),
        (spanMs, fromMs, max) => {
          const w = bucketWidthS(spanMs / 1000, max);
          expect(bucketStarts(fromMs, fromMs + spanMs, w).length).toBeLessThanOrEqual(max);
          const smaller = BUCKET_WIDTHS_S.filter((x) => x < w);
          // A smaller width overflows for the worst alignment of the span.
          for (const x of smaller) expect(Math.ceil(spanMs / 1000 / x) + 1).toBeGreaterThan(max);
        },
      ),
    );
  });

  it('uses the default of 60 buckets', () => {
    expect(MAX_BUCKETS).toBe(60);
  });
});

describe('bucketStarts', () => {
  it('starts on multiples of the width since the epoch and covers both ends', () => {
    const t = Date.parse('2026-12-07T10:00:07.500Z');
    expect(bucketStarts(t, t + 20_000, 10).map((ms) => new Date(ms).toISOString())).toEqual([
      '2026-12-07T10:00:00.000Z',
      '2026-12-07T10:00:10.000Z',
      '2026-12-07T10:00:20.000Z',
    ]);
    expect(bucketStarts(t, t, 60)).toEqual([Date.parse('2026-12-07T10:00:00Z')]);
    // An end before the start is one bucket, not none.
    expect(bucketStarts(t, t - 60_000, 60)).toHaveLength(1);
  });
});

describe('cumulative', () => {
  it('runs a total over the buckets, holding it through buckets without counts', () => {
    expect(
      cumulative(
        [0, 10, 20, 30],
        new Map([
          [0, 2],
          [20, 3],
          [99, 5],
        ]),
      ),
    ).toEqual([2, 2, 5, 5]);
    expect(cumulative([], new Map())).toEqual([]);
  });
});

describe('answerRate', () => {
  it('is answered over dials to a tenth of a percent, and null without a dial', () => {
    expect(answerRate(1, 3)).toBe(0.333);
    expect(answerRate(0, 4)).toBe(0);
    expect(answerRate(0, 0)).toBeNull();
  });
});
