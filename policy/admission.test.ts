import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  carrierSlots,
  effectiveCps,
  freeSeats,
  IDLE_AFTER_MS,
  liveActivity,
  liveActivityReason,
  nextSlotAfter,
  originateSpacingMs,
  ON_DECK_MAX,
  ON_DECK_SHARE,
  onDeckSeats,
  pickNumbers,
  type LiveActivity,
  type LiveActivityInput,
} from './admission';

const NOW = new Date('2024-05-15T10:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const offsets = (slots: Date[]) => slots.map((s) => s.getTime() - NOW.getTime());

describe('freeSeats', () => {
  it.each([
    [50, 0, 50],
    [50, 49, 1],
    [50, 50, 0],
    [50, 60, 0], // concurrency lowered while calls were in flight
    [1, 0, 1],
    [10, -3, 10],
    [Number.NaN, 0, 0],
    [10, Number.NaN, 0],
  ])('freeSeats(%s, %s) = %s', (concurrency, inFlight, expected) => {
    expect(freeSeats(concurrency, inFlight)).toBe(expected);
  });
});

describe('onDeckSeats', () => {
  it.each([
    [0, 0],
    [-3, 0],
    [Number.NaN, 0],
    [0.5, 0],
    [1, 1],
    [3, 1],
    [4, 1],
    [5, 2],
    [12.9, 3],
    [200, 50],
    [999, 250],
    [1000, 250],
    [5000, 250],
  ])('concurrency %s keeps %s on deck', (concurrency, expected) => {
    expect(onDeckSeats(concurrency)).toBe(expected);
  });

  it('never exceeds the cap nor a quarter of the seats (rounded up), for every concurrency up to 3,000', () => {
    for (let c = 1; c <= 3000; c++) {
      const n = onDeckSeats(c);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(Math.min(ON_DECK_MAX, Math.ceil(c * ON_DECK_SHARE)));
    }
  });
});

describe('effectiveCps', () => {
  it.each([
    [null, null],
    [undefined, null],
    [0, null],
    [-5, null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    [10, 10],
    [2.5, 2],
    [1, 1],
    [0.5, 0.5],
  ] as Array<[number | null | undefined, number | null]>)('%s → %s', (input, expected) => {
    expect(effectiveCps(input)).toBe(expected);
  });
});

describe('carrierSlots', () => {
  it('uncapped: every wanted slot now, no cursor', () => {
    const r = carrierSlots({ cpsLimit: null, nextSlotAt: at(5000), now: NOW, want: 3, horizonMs: 1000 });
    expect(offsets(r.slots)).toEqual([0, 0, 0]);
    expect(r.nextSlotAt).toBeNull();
  });

  it('10 cps: 100 ms apart from now, limited by the horizon (inclusive)', () => {
    const r = carrierSlots({ cpsLimit: 10, nextSlotAt: null, now: NOW, want: 50, horizonMs: 1000 });
    expect(offsets(r.slots)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(r.nextSlotAt).toEqual(at(1100));
  });

  it('limited by want', () => {
    const r = carrierSlots({ cpsLimit: 10, nextSlotAt: null, now: NOW, want: 3, horizonMs: 1000 });
    expect(offsets(r.slots)).toEqual([0, 100, 200]);
    expect(r.nextSlotAt).toEqual(at(300));
  });

  it('starts at the stored cursor when it is later than now', () => {
    const r = carrierSlots({ cpsLimit: 5, nextSlotAt: at(300), now: NOW, want: 10, horizonMs: 1000 });
    expect(offsets(r.slots)).toEqual([300, 500, 700, 900]);
    expect(r.nextSlotAt).toEqual(at(1100));
  });

  it('a stale cursor in the past does not let dials burst', () => {
    const r = carrierSlots({ cpsLimit: 2, nextSlotAt: at(-60_000), now: NOW, want: 10, horizonMs: 1000 });
    expect(offsets(r.slots)).toEqual([0, 500, 1000]);
  });

  it('cursor beyond the horizon: no slot, cursor unchanged', () => {
    const r = carrierSlots({ cpsLimit: 1, nextSlotAt: at(5000), now: NOW, want: 4, horizonMs: 1000 });
    expect(r.slots).toEqual([]);
    expect(r.nextSlotAt).toEqual(at(5000));
  });

  it('want 0: nothing, cursor unchanged', () => {
    const r = carrierSlots({ cpsLimit: 3, nextSlotAt: null, now: NOW, want: 0, horizonMs: 1000 });
    expect(r).toEqual({ slots: [], nextSlotAt: null });
  });

  it('horizon 0 gives only a slot at now', () => {
    expect(
      offsets(carrierSlots({ cpsLimit: 3, nextSlotAt: null, now: NOW, want: 5, horizonMs: 0 }).slots),
    ).toEqual([0]);
  });

  it('3 cps: offsets round up so no second ever holds 4', () => {
    const r = carrierSlots({ cpsLimit: 3, nextSlotAt: null, now: NOW, want: 7, horizonMs: 2000 });
    expect(offsets(r.slots)).toEqual([0, 334, 667, 1000, 1334, 1667, 2000]);
  });

  it('fractional caps: 2.5 is enforced as 2, 0.5 as one dial per 2 s', () => {
    expect(
      offsets(carrierSlots({ cpsLimit: 2.5, nextSlotAt: null, now: NOW, want: 5, horizonMs: 1000 }).slots),
    ).toEqual([0, 500, 1000]);
    expect(
      offsets(carrierSlots({ cpsLimit: 0.5, nextSlotAt: null, now: NOW, want: 5, horizonMs: 4000 }).slots),
    ).toEqual([0, 2000, 4000]);
  });

  it('an invalid cap counts as no cap', () => {
    expect(
      offsets(carrierSlots({ cpsLimit: 0, nextSlotAt: null, now: NOW, want: 2, horizonMs: 1000 }).slots),
    ).toEqual([0, 0]);
  });

  it("a guard widens the spacing and a lead moves an idle carrier's first slot out", () => {
    const now = new Date(1_000_000);
    const r = carrierSlots({
      cpsLimit: 5,
      nextSlotAt: null,
      now,
      want: 10,
      horizonMs: 1000,
      guard: 0.15,
      leadMs: 300,
    });
    const t = r.slots.map((d) => d.getTime() - now.getTime());
    expect(t).toEqual([300, 530, 760, 990, 1220]);
    expect(r.nextSlotAt?.getTime()).toBe(now.getTime() + 1450);
    expect(nextSlotAfter(new Date(0), 5, 0.15)?.getTime()).toBe(230);
    // A cursor later than the lead wins; the lead never pulls slots earlier than the cursor.
    const later = carrierSlots({
      cpsLimit: 5,
      nextSlotAt: new Date(1_000_900),
      now,
      want: 1,
      horizonMs: 1000,
      leadMs: 300,
    });
    expect(later.slots[0]?.getTime()).toBe(1_000_900);
  });

  it('nextSlotAfter rounds the spacing up', () => {
    expect(nextSlotAfter(at(0), 3)).toEqual(at(334));
    expect(nextSlotAfter(at(0), 10)).toEqual(at(100));
    expect(nextSlotAfter(at(0), 0.5)).toEqual(at(2000));
    expect(nextSlotAfter(at(0), null)).toBeNull();
  });

  /** At most `cps` slots in every half-open 1 s window ⇔ slot[i + cps] − slot[i] ≥ 1000 for sorted slots. */
  function assertRate(all: number[], cps: number) {
    const sorted = [...all].sort((a, b) => a - b);
    const perWindow = Math.max(1, Math.floor(cps));
    for (let i = 0; i + perWindow < sorted.length; i++) {
      expect((sorted[i + perWindow] as number) - (sorted[i] as number)).toBeGreaterThanOrEqual(1000);
    }
    if (cps < 1) {
      for (let i = 0; i + 1 < sorted.length; i++) {
        expect((sorted[i + 1] as number) - (sorted[i] as number)).toBeGreaterThanOrEqual(
          Math.ceil(1000 / cps),
        );
      }
    }
  }

  it('never exceeds cps in any 1 s window across successive admissions that use some of their slots (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constantFrom(0.25, 0.5, 1.5, 2.5, 7.9)),
        fc.array(
          fc.record({
            advanceMs: fc.integer({ min: 0, max: 1500 }),
            want: fc.integer({ min: 0, max: 60 }),
            usedFraction: fc.double({ min: 0, max: 1, noNaN: true }),
            horizonMs: fc.integer({ min: 0, max: 3000 }),
            storeReturnedCursor: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (cps, rounds) => {
          let now = NOW.getTime();
          let cursor: Date | null = null;
          const dialled: number[] = [];
          for (const r of rounds) {
            now += r.advanceMs;
            const { slots, nextSlotAt } = carrierSlots({
              cpsLimit: cps,
              nextSlotAt: cursor,
              now: new Date(now),
              want: r.want,
              horizonMs: r.horizonMs,
            });
            expect(slots.length).toBeLessThanOrEqual(r.want);
            for (const s of slots) {
              expect(s.getTime()).toBeGreaterThanOrEqual(now);
              expect(s.getTime()).toBeLessThanOrEqual(now + r.horizonMs);
              if (cursor) expect(s.getTime()).toBeGreaterThanOrEqual(cursor.getTime());
            }
            if (r.storeReturnedCursor) {
              dialled.push(...slots.map((s) => s.getTime()));
              cursor = nextSlotAt;
            } else {
              const used = slots.slice(0, Math.floor(slots.length * r.usedFraction));
              dialled.push(...used.map((s) => s.getTime()));
              const last = used[used.length - 1];
              if (last) cursor = nextSlotAfter(last, cps);
            }
          }
          assertRate(dialled, cps);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('pickNumbers', () => {
  const pool = [
    { id: 'a', lastUsedAt: at(-1000) },
    { id: 'b', lastUsedAt: null },
    { id: 'c', lastUsedAt: at(-5000) },
    { id: 'd', lastUsedAt: at(-1000) },
  ];

  it.each([
    [0, []],
    [1, ['b']],
    [2, ['b', 'c']],
    [4, ['b', 'c', 'a', 'd']],
    [6, ['b', 'c', 'a', 'd', 'b', 'c']],
    [9, ['b', 'c', 'a', 'd', 'b', 'c', 'a', 'd', 'b']],
    [-1, []],
  ])('n = %i → %j (never used first, then oldest, ties by id, cycling)', (n, expected) => {
    expect(pickNumbers(pool, n)).toEqual(expected);
  });

  it('empty pool → nothing', () => {
    expect(pickNumbers([], 5)).toEqual([]);
  });

  it('does not reorder its input', () => {
    const copy = pool.map((p) => ({ ...p }));
    pickNumbers(copy, 3);
    expect(copy).toEqual(pool);
  });

  it('spreads use evenly: counts differ by at most one, and every number is used when n ≥ pool size (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            id: fc.string({ minLength: 1, maxLength: 4 }),
            lastUsedAt: fc.option(fc.date({ noInvalidDate: true }), { nil: null }),
          }),
          {
            selector: (p) => p.id,
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.integer({ min: 0, max: 100 }),
        (numbers, n) => {
          const picked = pickNumbers(numbers, n);
          expect(picked).toHaveLength(n);
          const counts = new Map(numbers.map((p) => [p.id, 0]));
          for (const id of picked) counts.set(id, (counts.get(id) ?? 0) + 1);
          const values = [...counts.values()];
          expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
          // The first pick is a least recently used number.
          if (n > 0) {
            const t = (p: (typeof numbers)[number]) => (p.lastUsedAt ? p.lastUsedAt.getTime() : -Infinity);
            const oldest = Math.min(...numbers.map(t));
            expect(t(numbers.find((p) => p.id === picked[0]) as (typeof numbers)[number])).toBe(oldest);
          }
        },
      ),
    );
  });
});

describe('liveActivity', () => {
  const base: LiveActivityInput = {
    status: 'running',
    insideWindow: true,
    lastDialAt: at(-5000),
    now: NOW,
    ringing: 0,
    inProgress: 0,
  };
  const cases: Array<[string, Partial<LiveActivityInput>, LiveActivity]> = [
    ['dialled 5 s ago → live', {}, 'live'],
    ['dialled exactly 30 s ago → still live', { lastDialAt: at(-IDLE_AFTER_MS) }, 'live'],
    ['dialled 30.001 s ago → idle', { lastDialAt: at(-IDLE_AFTER_MS - 1) }, 'idle'],
    ['never dialled → idle', { lastDialAt: null }, 'idle'],
    ['no recent dial but calls ringing → live', { lastDialAt: at(-120_000), ringing: 2 }, 'live'],
    [
      'no recent dial but calls connected (seats full) → live',
      { lastDialAt: at(-600_000), inProgress: 50 },
      'live',
    ],
    ['outside the window → outside_window', { insideWindow: false }, 'outside_window'],
    [
      'outside the window with calls finishing → outside_window',
      { insideWindow: false, inProgress: 3 },
      'outside_window',
    ],
    ['paused → paused', { status: 'paused' }, 'paused'],
    ['paused outside window → paused', { status: 'paused', insideWindow: false }, 'paused'],
    ['completed → stopped', { status: 'completed' }, 'stopped'],
    ['failed → stopped', { status: 'failed' }, 'stopped'],
    ['draft → stopped', { status: 'draft', lastDialAt: null }, 'stopped'],
    ['a last dial in the future (clock skew) → live', { lastDialAt: at(2000) }, 'live'],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    expect(liveActivity({ ...base, ...over })).toBe(expected);
  });
});

describe('liveActivityReason', () => {
  const cases: Array<[LiveActivity, boolean, string | null]> = [
    ['live', false, 'switch_unreachable'],
    ['idle', false, 'switch_unreachable'],
    ['live', true, null],
    ['idle', true, null],
    ['paused', false, null],
    ['stopped', false, null],
    ['outside_window', false, null],
  ];
  it.each(cases)('%s with switch connected=%s → %s', (activity, switchConnected, expected) => {
    expect(liveActivityReason({ activity, switchConnected })).toBe(expected);
  });
});

describe('originateSpacingMs', () => {
  it('is 1000/cps widened by the guard, rounded up; null when uncapped', () => {
    expect(originateSpacingMs(5)).toBe(200);
    expect(originateSpacingMs(5, 0.15)).toBe(230);
    expect(originateSpacingMs(3, 0.15)).toBe(384);
    expect(originateSpacingMs(0.5)).toBe(2000);
    expect(originateSpacingMs(null)).toBeNull();
    expect(originateSpacingMs(0)).toBeNull();
  });
  it('writes that far apart never put more than cps into any sliding second', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (cps, guard) => {
          const spacing = originateSpacingMs(cps, guard) as number;
          // cps + 1 consecutive writes span cps gaps: at least 1000 ms, so never inside one [t, t + 1000).
          expect(cps * spacing).toBeGreaterThanOrEqual(1000);
        },
      ),
    );
  });
});
