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
