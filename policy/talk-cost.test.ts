import { describe, expect, it } from 'vitest';
import { talkByDay, talkTotal } from './talk-cost';

describe('talkByDay', () => {
  it("prices each carrier's seconds at its own rate and sums a day's carriers", () => {
    expect(
      talkByDay([
        { day: '2026-12-02', seconds: 90, cost_per_minute: 0.02 },
        { day: '2026-12-01', seconds: 120, cost_per_minute: 0.01 },
        { day: '2026-12-01', seconds: 30, cost_per_minute: 0.1 },
      ]),
    ).toEqual([
      // 2 min × 0.01 + 0.5 min × 0.1
      { day: '2026-12-01', minutes: 2.5, cost: 0.07, unpriced_minutes: 0 },
      { day: '2026-12-02', minutes: 1.5, cost: 0.03, unpriced_minutes: 0 },
    ]);
  });

  it('leaves a day without any rate unpriced (null, not zero) and says which minutes a cost leaves out', () => {
    expect(
      talkByDay([
        { day: '2026-12-01', seconds: 60, cost_per_minute: null },
        { day: '2026-12-02', seconds: 60, cost_per_minute: null },
        { day: '2026-12-02', seconds: 120, cost_per_minute: 0.05 },
      ]),
    ).toEqual([
      { day: '2026-12-01', minutes: 1, cost: null, unpriced_minutes: 1 },
      { day: '2026-12-02', minutes: 3, cost: 0.1, unpriced_minutes: 1 },
    ]);
  });

  it('a zero rate is a price (free minutes), and a day without talk on a priced carrier costs 0', () => {
    expect(
      talkByDay([
        { day: '2026-12-01', seconds: 600, cost_per_minute: 0 },
        { day: '2026-12-02', seconds: 0, cost_per_minute: 0.02 },
      ]),
    ).toEqual([
      { day: '2026-12-01', minutes: 10, cost: 0, unpriced_minutes: 0 },
      { day: '2026-12-02', minutes: 0, cost: 0, unpriced_minutes: 0 },
    ]);
  });

  it('keeps fractions of a cent (to 1/10,000) and minutes to a tenth', () => {
    expect(talkByDay([{ day: '2026-12-01', seconds: 61, cost_per_minute: 0.0075 }])).toEqual([
      { day: '2026-12-01', minutes: 1, cost: 0.0076, unpriced_minutes: 0 },
    ]);
    expect(talkByDay([])).toEqual([]);
  });
});

describe('talkTotal', () => {
  it('sums the exact seconds, so rounding per day does not add up to a different total', () => {
    const rows = [1, 2, 3].map((d) => ({ day: `2026-12-0${d}`, seconds: 20, cost_per_minute: 0.0075 }));
    // Each day is 0.3 min (rounded from 0.333…); the run is 1 min.
    expect(talkByDay(rows).map((d) => d.minutes)).toEqual([0.3, 0.3, 0.3]);
    expect(talkTotal(rows)).toEqual({ minutes: 1, cost: 0.0075, unpriced_minutes: 0 });
    expect(talkTotal([])).toEqual({ minutes: 0, cost: null, unpriced_minutes: 0 });
  });
});
