import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capAllowsAt, validateFrequencyCap } from './frequency-cap';

const H = 3_600_000;
const t0 = new Date('2026-12-06T12:00:00Z');
const ago = (hours: number) => new Date(t0.getTime() - hours * H);

describe('capAllowsAt', () => {
  const cap = { max_calls: 2, per_hours: 24 };

  it('allows at once below the cap', () => {
    expect(capAllowsAt(cap, [], t0)).toEqual(t0);
    expect(capAllowsAt(cap, [ago(1)], t0)).toEqual(t0);
    // Outside the window: not counted.
    expect(capAllowsAt(cap, [ago(30), ago(24), ago(1)], t0)).toEqual(t0);
  });

  it('at the cap, waits until the oldest counted dial leaves the window', () => {
    expect(capAllowsAt(cap, [ago(5), ago(1)], t0)).toEqual(new Date(ago(5).getTime() + 24 * H));
    // Over the cap (three already): two must leave, so the second oldest decides.
    expect(capAllowsAt(cap, [ago(1), ago(10), ago(5)], t0)).toEqual(new Date(ago(5).getTime() + 24 * H));
  });

  it('counts dials placed for a moment after `at` (a carrier moment reserved ahead)', () => {
    const ahead = new Date(t0.getTime() + 800);
    expect(capAllowsAt(cap, [ago(1), ahead], t0)).toEqual(new Date(ago(1).getTime() + 24 * H));
    expect(capAllowsAt(cap, [ahead], t0)).toEqual(t0);
    // Both ahead: waits for the earlier of them to leave the window.
    expect(capAllowsAt(cap, [new Date(t0.getTime() + 900), ahead], t0)).toEqual(
      new Date(ahead.getTime() + 24 * H),
    );
  });

  it('never answers a time at which the window would still hold max_calls dials (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 48 }),
        fc.array(fc.integer({ min: 0, max: 100 * H }), { maxLength: 12 }),
        (max, hours, offsets) => {
          const c = { max_calls: max, per_hours: hours };
          const placed = offsets.map((o) => new Date(t0.getTime() - o));
          const at = capAllowsAt(c, placed, t0);
          const counted = placed.filter((p) => p.getTime() > at.getTime() - hours * H && p <= at).length;
          expect(counted).toBeLessThan(max);
          expect(at.getTime()).toBeGreaterThanOrEqual(t0.getTime());
          // And it is the earliest such instant: a millisecond earlier is still capped (unless it is now).
          if (at > t0) {
            const before = new Date(at.getTime() - 1);
            const c2 = placed.filter((p) => p.getTime() > before.getTime() - hours * H && p <= before).length;
            expect(c2).toBeGreaterThanOrEqual(max);
          }
        },
      ),
    );
  });
});

describe('validateFrequencyCap', () => {
  it('takes whole calls and hours', () => {
    expect(validateFrequencyCap({ max_calls: 3, per_hours: 24 })).toEqual([]);
  });
  it.each([
    [{ max_calls: 0, per_hours: 24 }, ['frequency_cap.max_calls']],
    [{ max_calls: 1.5, per_hours: 24 }, ['frequency_cap.max_calls']],
    [{ max_calls: 3, per_hours: 0 }, ['frequency_cap.per_hours']],
    [{ max_calls: 3, per_hours: 10_000 }, ['frequency_cap.per_hours']],
    [{}, ['frequency_cap.max_calls', 'frequency_cap.per_hours']],
    [{ max_calls: '3', per_hours: '24' }, ['frequency_cap.max_calls', 'frequency_cap.per_hours']],
  ])('%j → %j', (cap, fields) => {
    expect(validateFrequencyCap(cap).map((p) => p.field)).toEqual(fields);
  });
});
