import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coveredMs, RESULT_WAIT_CAP_MS, resultWaitLeftMs, type UptimeSpell } from './result-wait';

const S = 1000;
const MIN = 60 * S;
const GRACE = 10 * MIN;

describe('coveredMs', () => {
  it('measures the union of spells inside the range', () => {
    expect(coveredMs([], 0, 100)).toBe(0);
    expect(coveredMs([{ from: -50, to: 150 }], 0, 100)).toBe(100);
    // Two instances overlapping count once; a gap between them does not count.
    expect(
      coveredMs(
        [
          { from: 0, to: 40 },
          { from: 20, to: 50 },
          { from: 70, to: 90 },
        ],
        0,
        100,
      ),
    ).toBe(70);
    // Outside the range, or empty: nothing.
    expect(coveredMs([{ from: 200, to: 300 }], 0, 100)).toBe(0);
    expect(coveredMs([{ from: 50, to: 50 }], 0, 100)).toBe(0);
  });

  it('is never more than the range nor less than its largest spell inside it', () => {
    const spell = fc
      .tuple(fc.integer({ min: -100, max: 1100 }), fc.integer({ min: 0, max: 600 }))
      .map(([from, len]): UptimeSpell => ({ from, to: from + len }));
    fc.assert(
      fc.property(fc.array(spell, { maxLength: 8 }), (spells) => {
        const c = coveredMs(spells, 0, 1000);
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c).toBeLessThanOrEqual(1000);
        for (const s of spells) expect(c).toBeGreaterThanOrEqual(coveredMs([s], 0, 1000));
      }),
    );
  });
});

describe('resultWaitLeftMs', () => {
  const endedAt = 1_000_000;

  it('an API up the whole time: the grace is spent, close now', () => {
    const uptime = [{ from: 0, to: endedAt + GRACE + S }];
    expect(resultWaitLeftMs({ endedAt, now: endedAt + GRACE, graceMs: GRACE, uptime })).toBe(0);
  });

  it('an API away for 15 minutes of the wait: the wait goes on for those 15 minutes', () => {
    const downFrom = endedAt + MIN;
    const downTo = downFrom + 15 * MIN;
    const uptime = [
      { from: 0, to: downFrom },
      { from: downTo, to: endedAt + 30 * MIN },
    ];
    // At the end of the grace only one minute of it was deliverable.
    expect(resultWaitLeftMs({ endedAt, now: endedAt + GRACE, graceMs: GRACE, uptime })).toBe(GRACE - MIN);
    // Once the API has been back for the rest of the grace, close.
    const now = downTo + 9 * MIN;
    expect(resultWaitLeftMs({ endedAt, now, graceMs: GRACE, uptime })).toBe(0);
  });

  it('an API that never came back: wait until the cap, not forever', () => {
    const uptime = [{ from: 0, to: endedAt }];
    expect(resultWaitLeftMs({ endedAt, now: endedAt + GRACE, graceMs: GRACE, uptime })).toBe(GRACE);
    const nearCap = endedAt + RESULT_WAIT_CAP_MS - 2 * MIN;
    expect(resultWaitLeftMs({ endedAt, now: nearCap, graceMs: GRACE, uptime })).toBe(2 * MIN);
    expect(resultWaitLeftMs({ endedAt, now: endedAt + RESULT_WAIT_CAP_MS, graceMs: GRACE, uptime })).toBe(0);
  });

  it('no uptime ever recorded (an API older than the rule): the grace alone', () => {
    expect(resultWaitLeftMs({ endedAt, now: endedAt + GRACE, graceMs: GRACE, uptime: null })).toBe(0);
    expect(resultWaitLeftMs({ endedAt, now: endedAt + MIN, graceMs: GRACE, uptime: null })).toBe(GRACE - MIN);
  });

  it('never negative, never beyond the cap, and never less than the grace not yet elapsed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 * RESULT_WAIT_CAP_MS }),
        fc.integer({ min: 0, max: 3600 * S }),
        fc.array(
          fc
            .tuple(
              fc.integer({ min: -MIN, max: 2 * RESULT_WAIT_CAP_MS }),
              fc.integer({ min: 0, max: 3600 * S }),
            )
            .map(([from, len]) => ({ from: endedAt + from, to: endedAt + from + len })),
          { maxLength: 6 },
        ),
        (elapsed, grace, uptime) => {
          const left = resultWaitLeftMs({ endedAt, now: endedAt + elapsed, graceMs: grace, uptime });
          expect(left).toBeGreaterThanOrEqual(0);
          expect(elapsed + left).toBeLessThanOrEqual(Math.max(elapsed, RESULT_WAIT_CAP_MS));
          if (elapsed < RESULT_WAIT_CAP_MS)
            expect(left).toBeGreaterThanOrEqual(Math.min(grace - elapsed, RESULT_WAIT_CAP_MS - elapsed));
        },
      ),
    );
  });
});
