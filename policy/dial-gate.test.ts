import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WEEKDAYS, type CallingWindow, type Weekday } from './campaign-config';
import { isDialAllowed, nextOpening, windowCloseAt } from './calendar';
import {
  admissionBounds,
  CALENDAR_BLOCK_REASONS,
  DIAL_BLOCK_REASONS,
  DIAL_RULES,
  dialGate,
  earliestDial,
  isCalendarBlock,
  MAX_GATE_STEPS,
  openTimezoneSets,
  type DialGateInput,
  type DialRuleFactory,
  type DialRunState,
} from './dial-gate';

const WEEKDAYS_9_TO_6 = {
  window: { start: '09:00', end: '18:00', timezone: 'Asia/Kolkata' },
  working_days: ['mon', 'tue', 'wed', 'thu', 'fri'] as Weekday[],
};
// Wednesday 2026-12-09: 10:00 IST is 04:30Z, 18:00 IST is 12:30Z.
const WED_10_IST = new Date('2026-12-09T04:30:00Z');
const WED_18_IST = new Date('2026-12-09T12:30:00Z');
const THU_09_IST = new Date('2026-12-10T03:30:00Z');
const SAT_10_IST = new Date('2026-12-12T04:30:00Z');
const MON_09_IST = new Date('2026-12-14T03:30:00Z');

const blockedWith = (input: DialGateInput) => {
  const v = dialGate(input);
  if (v.allowed) throw new Error('expected a block');
  return v;
};

describe('dialGate: the calendar', () => {
  it('allows inside the window and says when it closes', () => {
    expect(dialGate({ campaign: WEEKDAYS_9_TO_6, now: WED_10_IST })).toEqual({
      allowed: true,
      closesAt: WED_18_IST,
    });
  });

  it('blocks after hours until the next opening, the end itself excluded', () => {
    const v = blockedWith({ campaign: WEEKDAYS_9_TO_6, now: WED_18_IST });
    expect(v).toMatchObject({ reason: 'outside_window', until: THU_09_IST });
    expect(v.detail).toContain('09:00–18:00 Asia/Kolkata');
  });

  it('names a day off as not_working_day, and waits over the weekend', () => {
    const v = blockedWith({ campaign: WEEKDAYS_9_TO_6, now: SAT_10_IST });
    expect(v).toMatchObject({ reason: 'not_working_day', until: MON_09_IST });
    expect(isCalendarBlock(v)).toBe(true);
  });

  it('has no opening to offer for a window that never opens (until null, no throw)', () => {
    const never = {
      window: { start: '18:00', end: '09:00', timezone: 'UTC' },
      working_days: WEEKDAYS_9_TO_6.working_days,
    };
    expect(blockedWith({ campaign: never, now: WED_10_IST })).toMatchObject({
      reason: 'outside_window',
      until: null,
    });
    const noDays = { window: WEEKDAYS_9_TO_6.window, working_days: [] as Weekday[] };
    expect(blockedWith({ campaign: noDays, now: WED_10_IST })).toMatchObject({
      reason: 'not_working_day',
      until: null,
    });
    const badZone = {
      window: { start: '09:00', end: '18:00', timezone: 'Mars/Olympus' },
      working_days: [...WEEKDAYS],
    };
    expect(blockedWith({ campaign: badZone, now: WED_10_IST })).toMatchObject({
      reason: 'outside_window',
      until: null,
    });
  });

  // The run workflow's histories depend on these being exactly what it computed before the gate existed.
  const ZONES = ['UTC', 'Asia/Kolkata', 'America/New_York', 'Europe/London', 'Australia/Sydney'];
  const pad = (n: number) => String(n).padStart(2, '0');
  const arbWindow = fc
    .tuple(fc.integer({ min: 0, max: 1438 }), fc.integer({ min: 1, max: 1439 }), fc.constantFrom(...ZONES))
    .map(([a, len, tz]): CallingWindow => {
      const end = Math.min(1439, a + len);
      return {
        start: `${pad(Math.floor(a / 60))}:${pad(a % 60)}`,
        end: `${pad(Math.floor(end / 60))}:${pad(end % 60)}`,
        timezone: tz,
      };
    })
    .filter((w) => w.start < w.end);
  const arbDays = fc.subarray([...WEEKDAYS], { minLength: 1 });
  const arbInstant = fc
    .integer({ min: Date.parse('2023-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') })
    .map((ms) => new Date(ms));

  it('agrees with calendar.ts at every instant: allowed, the opening and the close', () => {
    fc.assert(
      fc.property(arbWindow, arbDays, arbInstant, (window, days, now) => {
        const v = dialGate({ campaign: { window, working_days: days }, now });
        expect(v.allowed).toBe(isDialAllowed(window, days, now));
        if (v.allowed) expect(v.closesAt).toEqual(windowCloseAt(window, days, now));
        else {
          expect(isCalendarBlock(v)).toBe(true);
          expect(v.until).toEqual(nextOpening(window, days, now));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('with a due time, waits for the first opening at or after it (what a redial is scheduled for)', () => {
    fc.assert(
      fc.property(
        arbWindow,
        arbDays,
        arbInstant,
        fc.integer({ min: -3 * 86_400_000, max: 10 * 86_400_000 }),
        (window, days, now, dueIn) => {
          const dueAt = new Date(now.getTime() + dueIn);
          const at = earliestDial({ campaign: { window, working_days: days }, contact: { dueAt }, now });
          const expected = nextOpening(window, days, new Date(Math.max(now.getTime(), dueAt.getTime())));
          expect(at).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is minimal: every instant before `until` is blocked, `until` itself is allowed', () => {
    fc.assert(
      fc.property(
        arbWindow,
        arbDays,
        arbInstant,
        fc.integer({ min: 0, max: 5 * 86_400_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (window, days, now, dueIn, frac) => {
          const campaign = { window, working_days: days };
          const contact = { dueAt: new Date(now.getTime() + dueIn) };
          const v = dialGate({ campaign, contact, now });
          if (v.allowed) return;
          expect(v.until).not.toBeNull();
          const until = v.until as Date;
          expect(dialGate({ campaign, contact, now: until }).allowed).toBe(true);
          const before = new Date(now.getTime() + Math.floor((until.getTime() - now.getTime()) * frac));
          expect(dialGate({ campaign, contact, now: before }).allowed).toBe(false);
          expect(dialGate({ campaign, contact, now: new Date(until.getTime() - 1) }).allowed).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('dialGate: the run and the contact', () => {
  const open = { campaign: WEEKDAYS_9_TO_6, now: WED_10_IST };

  it.each<[DialRunState, string | null]>([
    ['running', null],
    ['paused', 'paused'],
    ['stopping', 'stopping'],
    ['ended', 'run_ended'],
    ['not_running', 'not_running'],
  ])('a run %s → %s, with no clock to wait for', (state, reason) => {
    const v = dialGate({ ...open, run: { state } });
    if (reason === null) expect(v.allowed).toBe(true);
    else expect(v).toMatchObject({ allowed: false, reason, until: null });
  });

  it('blocks a suppressed or final contact for good', () => {
    expect(dialGate({ ...open, contact: { suppressed: true } })).toMatchObject({
      reason: 'suppressed',
      until: null,
    });
    expect(dialGate({ ...open, contact: { final: true } })).toMatchObject({
      reason: 'contact_final',
      until: null,
    });
    expect(dialGate({ ...open, contact: { suppressed: false, final: false } }).allowed).toBe(true);
  });

  it('blocks a contact not waiting for a dial, and one not yet due until its due time', () => {
    expect(dialGate({ ...open, contact: { dueAt: null } })).toMatchObject({ reason: 'not_due', until: null });
    const in5 = new Date(WED_10_IST.getTime() + 5 * 60_000);
    expect(dialGate({ ...open, contact: { dueAt: in5 } })).toMatchObject({ reason: 'not_due', until: in5 });
    expect(dialGate({ ...open, contact: { dueAt: WED_10_IST } }).allowed).toBe(true);
  });

  it('a callback due after hours waits for the next opening; the reason is the first gate that blocks now', () => {
    const tonight = new Date(WED_18_IST.getTime() + 3_600_000);
    expect(dialGate({ ...open, contact: { dueAt: tonight } })).toMatchObject({
      reason: 'not_due',
      until: THU_09_IST,
    });
  });

  // Every combination of facts: the reason is the first in DIAL_BLOCK_REASONS that applies, and `until` is
  // null exactly when a gate without a clock (suppression, final, the run's state) blocks.
  it('reports reasons in DIAL_BLOCK_REASONS order for every combination of facts', () => {
    const states: (DialRunState | undefined)[] = [
      undefined,
      'running',
      'paused',
      'stopping',
      'ended',
      'not_running',
    ];
    const instants = [WED_10_IST, WED_18_IST, SAT_10_IST];
    const dues: (Date | null | undefined)[] = [
      undefined,
      null,
      new Date(WED_10_IST.getTime() - 1),
      new Date(WED_10_IST.getTime() + 60_000),
    ];
    const runReason: Record<DialRunState, string | null> = {
      running: null,
      paused: 'paused',
      stopping: 'stopping',
      ended: 'run_ended',
      not_running: 'not_running',
    };
    let cases = 0;
    for (const suppressed of [false, true])
      for (const final of [false, true])
        for (const state of states)
          for (const now of instants)
            for (const dueAt of dues) {
              const input: DialGateInput = {
                campaign: WEEKDAYS_9_TO_6,
                ...(state ? { run: { state } } : {}),
                contact: { suppressed, final, ...(dueAt !== undefined ? { dueAt } : {}) },
                now,
              };
              const calendar = dialGate({ campaign: WEEKDAYS_9_TO_6, now });
              const applies: string[] = [];
              if (suppressed) applies.push('suppressed');
              if (final) applies.push('contact_final');
              const r = state ? runReason[state] : null;
              if (r) applies.push(r);
              if (!calendar.allowed) applies.push(calendar.reason);
              if (dueAt === null || (dueAt && dueAt > now)) applies.push('not_due');
              const v = dialGate(input);
              cases++;
              if (applies.length === 0) {
                expect(v.allowed).toBe(true);
                continue;
              }
              const ordered = [...applies].sort(
                (a, b) => DIAL_BLOCK_REASONS.indexOf(a as never) - DIAL_BLOCK_REASONS.indexOf(b as never),
              );
              expect(v).toMatchObject({ allowed: false, reason: ordered[0] });
              const clockless = suppressed || final || r !== null || dueAt === null;
              if (v.allowed) continue;
              expect(v.until === null).toBe(clockless);
              if (!clockless) expect(dialGate({ ...input, now: v.until as Date }).allowed).toBe(true);
            }
    expect(cases).toBe(2 * 2 * 6 * 3 * 4);
  });

  it('lists calendar reasons that are reasons', () => {
    for (const r of CALENDAR_BLOCK_REASONS) expect(DIAL_BLOCK_REASONS).toContain(r);
  });
});

describe('dialGate: further rules', () => {
  // A stand-in for rules a later change adds (the recipient's local hours, a per-number cap): the gate
  // finds the earliest instant every rule allows, without any caller changing.
  const HOUR = 3_600_000;
  const evenUtcHours: DialRuleFactory = () => (at) =>
    new Date(at).getUTCHours() % 2 === 0
      ? { allowed: true, closesAt: new Date(Math.floor(at.getTime() / HOUR + 1) * HOUR) }
      : {
          allowed: false,
          reason: 'outside_window',
          until: new Date(Math.ceil(at.getTime() / HOUR) * HOUR),
          detail: 'odd hour',
        };

  it('answers the earliest instant all rules allow, and the earliest close among them', () => {
    // 09:00–18:00 IST is 03:30–12:30Z: the first even UTC hour inside it on Thursday is 04:00Z.
    const rules = [...DIAL_RULES, evenUtcHours];
    const v = dialGate({ campaign: WEEKDAYS_9_TO_6, now: WED_18_IST }, rules);
    expect(v).toMatchObject({
      allowed: false,
      reason: 'outside_window',
      until: new Date('2026-12-10T04:00:00Z'),
    });
    const at = new Date('2026-12-09T06:15:00Z'); // inside both
    expect(dialGate({ campaign: WEEKDAYS_9_TO_6, now: at }, rules)).toEqual({
      allowed: true,
      closesAt: new Date('2026-12-09T07:00:00Z'),
    });
  });

  it('gives up with null when a rule never moves forward or the search does not settle', () => {
    const stuck: DialRuleFactory = () => (at) => ({
      allowed: false,
      reason: 'not_due',
      until: at,
      detail: 'stuck',
    });
    expect(dialGate({ campaign: WEEKDAYS_9_TO_6, now: WED_10_IST }, [stuck])).toMatchObject({ until: null });
    let calls = 0;
    const creeping: DialRuleFactory = () => (at) => {
      calls++;
      return { allowed: false, reason: 'not_due', until: new Date(at.getTime() + 1), detail: 'creeping' };
    };
    expect(dialGate({ campaign: WEEKDAYS_9_TO_6, now: WED_10_IST }, [creeping])).toMatchObject({
      until: null,
    });
    expect(calls).toBe(MAX_GATE_STEPS + 1);
  });

  it('leaves out rules whose facts the caller did not give', () => {
    expect(dialGate({ campaign: WEEKDAYS_9_TO_6, now: WED_10_IST }, [])).toEqual({
      allowed: true,
      closesAt: null,
    });
  });
});

describe('admissionBounds', () => {
  it('is closed with the gate verdict when the run or the calendar blocks', () => {
    expect(
      admissionBounds({ campaign: WEEKDAYS_9_TO_6, run: { state: 'paused' }, now: WED_10_IST }),
    ).toMatchObject({
      open: false,
      verdict: { reason: 'paused' },
    });
    expect(admissionBounds({ campaign: WEEKDAYS_9_TO_6, now: SAT_10_IST })).toMatchObject({
      open: false,
      verdict: { reason: 'not_working_day', until: MON_09_IST },
    });
  });

  it('when open, bounds the due time at now: exactly the contacts the per-contact gate lets through', () => {
    const bounds = admissionBounds({ campaign: WEEKDAYS_9_TO_6, run: { state: 'running' }, now: WED_10_IST });
    expect(bounds).toEqual({ open: true, dueBy: WED_10_IST, closesAt: WED_18_IST });
    if (!bounds.open) return;
    fc.assert(
      fc.property(fc.option(fc.integer({ min: -86_400_000, max: 86_400_000 })), (offset) => {
        const dueAt = offset === null ? null : new Date(WED_10_IST.getTime() + offset);
        const setWise = dueAt !== null && dueAt <= bounds.dueBy;
        const gate = dialGate({
          campaign: WEEKDAYS_9_TO_6,
          run: { state: 'running' },
          contact: { dueAt },
          now: WED_10_IST,
        });
        expect(gate.allowed).toBe(setWise);
      }),
    );
  });
});

describe('recipient hours and the frequency cap', () => {
  const allDay = { window: { start: '00:00', end: '23:59', timezone: 'UTC' }, working_days: [...WEEKDAYS] };
  const hours = { start: '09:00', end: '20:00' };

  it('recipient hours block outside the contact zone and name the next local opening', () => {
    const verdict = dialGate({
      campaign: { ...allDay, recipient_hours: hours },
      contact: { timezones: ['America/New_York'] },
      now: new Date('2026-12-07T02:00:00Z'),
    });
    expect(verdict).toMatchObject({ allowed: false, reason: 'outside_recipient_hours' });
    expect(!verdict.allowed && verdict.until).toEqual(new Date('2026-12-07T14:00:00Z'));
    // Off, or a contact without a zone: the rule does not apply.
    expect(
      dialGate({
        campaign: allDay,
        contact: { timezones: ['America/New_York'] },
        now: new Date('2026-12-07T02:00:00Z'),
      }).allowed,
    ).toBe(true);
    expect(
      dialGate({
        campaign: { ...allDay, recipient_hours: hours },
        contact: {},
        now: new Date('2026-12-07T02:00:00Z'),
      }).allowed,
    ).toBe(true);
  });

  it('the campaign window and the recipient hours must both allow: until is when they first agree', () => {
    // The campaign calls 15:00–16:00 UTC on weekdays; Kolkata's 09:00–20:00 is 03:30–14:30 UTC: never together.
    const narrow = { window: { start: '15:00', end: '16:00', timezone: 'UTC' }, working_days: [...WEEKDAYS] };
    const none = dialGate({
      campaign: { ...narrow, recipient_hours: hours },
      contact: { timezones: ['Asia/Kolkata'] },
      now: new Date('2026-12-07T15:30:00Z'),
    });
    expect(none).toMatchObject({ allowed: false, reason: 'outside_recipient_hours', until: null });
    // New York (14:00–01:00 UTC in winter) overlaps it at once on the next day's window.
    const ny = dialGate({
      campaign: { ...narrow, recipient_hours: hours },
      contact: { timezones: ['America/New_York'] },
      now: new Date('2026-12-07T16:30:00Z'),
    });
    expect(ny).toMatchObject({
      allowed: false,
      reason: 'outside_window',
      until: new Date('2026-12-08T15:00:00Z'),
    });
  });

  it('the frequency cap blocks until the oldest counted dial leaves the window', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const placedAt = [new Date('2026-12-07T01:00:00Z'), new Date('2026-12-07T11:00:00Z')];
    const verdict = dialGate({
      campaign: allDay,
      contact: { frequency: { cap: { max_calls: 2, per_hours: 24 }, placedAt } },
      now,
    });
    expect(verdict).toMatchObject({
      allowed: false,
      reason: 'frequency_cap',
      until: new Date('2026-12-08T01:00:00Z'),
    });
    expect(dialGate({ campaign: allDay, contact: { frequency: { cap: null, placedAt } }, now }).allowed).toBe(
      true,
    );
    expect(
      dialGate({
        campaign: allDay,
        contact: { frequency: { cap: { max_calls: 3, per_hours: 24 }, placedAt } },
        now,
      }).allowed,
    ).toBe(true);
  });
});

describe('openTimezoneSets (the recipient-hours rule for admission, per zone set)', () => {
  const campaign = {
    window: { start: '00:00', end: '23:59', timezone: 'UTC' },
    working_days: [...WEEKDAYS],
    recipient_hours: { start: '09:00', end: '20:00' },
  };
  const sets = [['America/New_York'], ['America/Los_Angeles'], ['Asia/Kolkata'], [], null];

  it('keeps the sets whose hours hold now; an empty set is the campaign zone; null is left to the claim', () => {
    // 15:00Z: New York 10:00, Los Angeles 07:00, Kolkata 20:30, UTC 15:00.
    expect(openTimezoneSets(campaign, sets, new Date('2026-12-07T15:00:00Z'))).toEqual([
      ['America/New_York'],
      [],
      null,
    ]);
    // 01:30Z: only Los Angeles (17:30); New York 20:30, Kolkata 07:00 and UTC are closed.
    expect(openTimezoneSets(campaign, sets, new Date('2026-12-08T01:30:00Z'))).toEqual([
      ['America/Los_Angeles'],
      null,
    ]);
  });

  it('keeps a set of several zones only when the hours hold in all of them', () => {
    const both = [['America/Boise', 'America/Los_Angeles']];
    // 16:30Z: Boise 09:30, Los Angeles 08:30.
    expect(openTimezoneSets(campaign, both, new Date('2026-12-07T16:30:00Z'))).toEqual([]);
    expect(openTimezoneSets(campaign, both, new Date('2026-12-07T17:00:00Z'))).toEqual(both);
  });

  it('agrees with the gate asked contact by contact, DST days included', () => {
    for (const at of [
      '2027-03-14T12:30:00Z',
      '2027-03-14T13:00:00Z',
      '2027-11-07T13:30:00Z',
      '2027-11-07T14:00:00Z',
    ]) {
      const now = new Date(at);
      const open = openTimezoneSets(campaign, sets.slice(0, 4), now);
      for (const set of sets.slice(0, 4) as string[][]) {
        const zones = set.length > 0 ? set : ['UTC'];
        const one = dialGate({ campaign, contact: { timezones: zones }, now }).allowed;
        expect([at, set, open !== 'all' && open.includes(set)]).toEqual([at, set, one]);
      }
    }
  });

  it('answers all when the campaign has no recipient hours', () => {
    expect(openTimezoneSets({ ...campaign, recipient_hours: null }, sets, new Date())).toBe('all');
  });
});
