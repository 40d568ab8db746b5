import { describe, expect, it } from 'vitest';
import { resolveCampaignConfig } from './campaign-config';
import { explainContact, type ContactDiagnosisFacts } from './contact-diagnosis';

const NOW = new Date('2026-12-07T10:00:00Z');
const at = (s: number): Date => new Date(NOW.getTime() + s * 1000);
const config = resolveCampaignConfig({
  max_attempts: 3,
  retry_delay_minutes: 30,
  retry_on_system: ['no_answer'],
  callback_detection: true,
}).config;

function facts(
  patch: Partial<Omit<ContactDiagnosisFacts, 'contact'>> & {
    contact?: Partial<ContactDiagnosisFacts['contact']>;
  } = {},
): ContactDiagnosisFacts {
  const { contact, ...rest } = patch;
  return {
    now: NOW,
    campaignStatus: 'running',
    config,
    botCallbackEnabled: true,
    insideWindow: true,
    nextOpening: null,
    openAttempt: null,
    lastDecision: null,
    ...rest,
    contact: {
      state: 'pending',
      attempts: 0,
      pass: 1,
      nextDueAt: null,
      readyAt: at(-5),
      callbackAt: null,
      excluded: false,
      exclusionReason: null,
      optedOut: false,
      redialsStopped: false,
      exhaustedRetries: false,
      ...contact,
    },
  };
}

const noAnswer = (reason: string) => ({
  reason,
  outcome: 'no_answer',
  sipCode: 480,
  disposition: null,
  endedAt: at(-60),
  callbackRequested: false,
});
const gate = (e: ReturnType<typeof explainContact>, name: string) => e.gates.find((g) => g.gate === name);

describe('explainContact', () => {
  it('a due pending contact in a running campaign waits for a seat; every gate open', () => {
    const e = explainContact(facts());
    expect(e.reason).toBe('waiting_for_seat');
    expect(e.gates.every((g) => g.ok)).toBe(true);
  });

  it('a retry waits for its delay, naming the rule that allowed it', () => {
    const e = explainContact(
      facts({
        contact: { state: 'retry_scheduled', pass: 2, attempts: 1, nextDueAt: at(1800), readyAt: null },
        lastDecision: noAnswer('retry_system_outcome'),
      }),
    );
    expect(e.reason).toBe('waiting_retry_delay');
    expect(e.explanation).toContain(at(1800).toISOString());
    expect(e.explanation).toContain('Retry on System Disposition');
    expect(gate(e, 'retry_delay')).toMatchObject({ ok: false });
    expect(gate(e, 'retry_rule')).toMatchObject({ ok: true });
  });

  it('a retry whose delay passed but whose timer did not fire: waiting for its timer', () => {
    const e = explainContact(
      facts({ contact: { state: 'retry_scheduled', nextDueAt: at(-120), readyAt: null } }),
    );
    expect(e.reason).toBe('waiting_for_timer');
    expect(gate(e, 'retry_delay')).toMatchObject({ ok: true });
  });

  it('final after max attempts or without a retry rule: the decision reason', () => {
    const max = explainContact(
      facts({
        contact: { state: 'failed', pass: 3, exhaustedRetries: true },
        lastDecision: noAnswer('max_attempts'),
      }),
    );
    expect(max.reason).toBe('max_attempts');
    expect(max.explanation).toBe('Final (failed): it reached Max Attempts.');
    expect(gate(max, 'max_attempts')).toMatchObject({ ok: false });
    const none = explainContact(
      facts({ contact: { state: 'failed' }, lastDecision: noAnswer('no_retry_rule') }),
    );
    expect(none.reason).toBe('no_retry_rule');
    expect(gate(none, 'retry_rule')).toMatchObject({ ok: false, detail: expect.stringContaining('SIP 480') });
  });

  it('the stop rule, opt-out request and exclusion are named', () => {
    expect(
      explainContact(
        facts({
          contact: { state: 'completed', redialsStopped: true },
          lastDecision: noAnswer('stop_after_connect'),
        }),
      ).reason,
    ).toBe('stop_after_connect');
    const excluded = explainContact(
      facts({ contact: { state: 'excluded', excluded: true, exclusionReason: 'CRM: paid' } }),
    );
    expect(excluded).toMatchObject({ reason: 'excluded' });
    expect(excluded.explanation).toContain('CRM: paid');
    expect(explainContact(facts({ contact: { state: 'excluded', optedOut: true } })).reason).toBe(
      'opted_out',
    );
    expect(explainContact(facts({ contact: { optedOut: true } })).reason).toBe('opted_out');
  });

  it('window-closed and stopped contacts', () => {
    expect(explainContact(facts({ contact: { state: 'window_closed' } })).reason).toBe('window_ended');
    expect(explainContact(facts({ contact: { state: 'manually_stopped' } })).reason).toBe('stopped');
  });

  it('in a call, or on deck, with the attempt', () => {
    const call = explainContact(
      facts({
        contact: { state: 'in_progress' },
        openAttempt: { attemptId: 'a-1', status: 'in_progress', originateSentAt: at(-42) },
      }),
    );
    expect(call.reason).toBe('in_call');
    expect(call.explanation).toContain('placed 42 s ago');
    const deck = explainContact(
      facts({ openAttempt: { attemptId: 'a-2', status: 'leased', originateSentAt: null } }),
    );
    expect(deck.reason).toBe('on_deck');
  });

  it('waiting contacts of a paused campaign, or outside the window', () => {
    expect(explainContact(facts({ campaignStatus: 'paused' })).reason).toBe('paused');
    expect(explainContact(facts({ campaignStatus: 'completed' })).reason).toBe('run_ended');
    const evening = resolveCampaignConfig({
      window: { start: '20:00', end: '22:00', timezone: 'UTC' },
    }).config;
    const closed = explainContact(facts({ config: evening, insideWindow: false, nextOpening: at(36_000) }));
    expect(closed.reason).toBe('outside_window');
    expect(closed.explanation).toContain(`it may be dialled from ${at(36_000).toISOString()}`);
    expect(gate(closed, 'calling_window')).toMatchObject({ ok: false });
  });

  it('a callback: scheduled, and its double gate', () => {
    const cb = explainContact(
      facts({
        contact: { state: 'callback_scheduled', nextDueAt: at(900), callbackAt: at(900), readyAt: null },
        lastDecision: { ...noAnswer('callback'), callbackRequested: true },
      }),
    );
    expect(cb.reason).toBe('callback_scheduled');
    expect(gate(cb, 'callback_gates')).toMatchObject({ ok: true });
    const off = explainContact(
      facts({
        botCallbackEnabled: false,
        contact: { state: 'failed' },
        lastDecision: { ...noAnswer('no_retry_rule'), callbackRequested: true },
      }),
    );
    expect(gate(off, 'callback_gates')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('the bot has callbacks disabled'),
    });
  });
});

describe('explainContact: recipient hours and the frequency cap', () => {
  const withHours = resolveCampaignConfig({
    window: { start: '00:00', end: '23:59', timezone: 'UTC' },
    recipient_hours: { start: '09:00', end: '20:00' },
  }).config;

  it('a waiting contact outside its own hours: the gate, its local time and when they open', () => {
    // 10:00Z: Los Angeles 02:00; opens 17:00Z.
    const e = explainContact(facts({ config: withHours, contact: { timezones: ['America/Los_Angeles'] } }));
    expect(e.reason).toBe('outside_recipient_hours');
    expect(e.explanation).toContain('2026-12-07T17:00:00.000Z');
    expect(gate(e, 'recipient_hours')).toEqual({
      gate: 'recipient_hours',
      ok: false,
      detail:
        'its local time is 02:00 (America/Los_Angeles); recipient hours 09:00–20:00; they open at 2026-12-07T17:00:00.000Z',
    });
    const inside = explainContact(facts({ config: withHours, contact: { timezones: ['Europe/Paris'] } }));
    expect(inside.reason).toBe('waiting_for_seat');
    expect(gate(inside, 'recipient_hours')?.ok).toBe(true);
    // No hours set: no such gate.
    expect(
      gate(explainContact(facts({ contact: { timezones: ['America/Los_Angeles'] } })), 'recipient_hours'),
    ).toBeUndefined();
  });

  it('zones that never share an open hour say so', () => {
    const short = resolveCampaignConfig({
      ...withHours,
      recipient_hours: { start: '09:00', end: '12:00' },
    }).config;
    const e = explainContact(
      facts({ config: short, contact: { timezones: ['Asia/Tokyo', 'Europe/London'] } }),
    );
    expect(gate(e, 'recipient_hours')?.detail).toContain('they never hold in all its zones at once');
  });

  it('a number at the cap: the count, and when the next call is allowed', () => {
    const e = explainContact(
      facts({
        frequency: { cap: { max_calls: 2, per_hours: 24 }, placedAt: [at(-7200), at(-60), at(-90_000)] },
      }),
    );
    expect(e.reason).toBe('frequency_cap');
    expect(gate(e, 'frequency_cap')).toEqual({
      gate: 'frequency_cap',
      ok: false,
      detail:
        '2 of at most 2 calls to its number in the last 24 h (every campaign); the next is allowed at 2026-12-08T08:00:00.000Z',
    });
    const under = explainContact(
      facts({ frequency: { cap: { max_calls: 3, per_hours: 24 }, placedAt: [at(-60)] } }),
    );
    expect(under.reason).toBe('waiting_for_seat');
    expect(gate(under, 'frequency_cap')?.ok).toBe(true);
  });

  it('a contact held by the claim names the hold and when its own timer marks it ready', () => {
    const e = explainContact(
      facts({
        contact: { state: 'pending', heldBy: 'frequency_cap', readyAt: null, nextDueAt: at(3600) },
      }),
    );
    expect(e.reason).toBe('frequency_cap');
    expect(e.explanation).toBe(
      "Held: its number had reached the organisation's frequency cap when its seat came; its workflow marks it ready at 2026-12-07T11:00:00.000Z.",
    );
  });
});
