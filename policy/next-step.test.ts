import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  resolveCampaignConfig,
  SYSTEM_RETRY_OUTCOMES,
  type CampaignConfig,
  type CampaignConfigInput,
} from './campaign-config';
import { OUTCOMES, type Outcome } from './outcome';
import {
  decideNext,
  dispositionKey,
  isReached,
  nextStep,
  retryReason,
  type AttemptSummary,
  type NextStep,
  type NextStepInput,
} from './next-step';

const NOW = new Date('2024-05-15T10:00:00Z');
const MIN = 60_000;
const at = (msFromNow: number) => new Date(NOW.getTime() + msFromNow);

function config(over: CampaignConfigInput = {}): CampaignConfig {
  return resolveCampaignConfig(over).config;
}

interface Spec {
  cfg?: CampaignConfigInput;
  bot?: boolean;
  contact?: Partial<NextStepInput['contact']>;
  last?: Partial<NextStepInput['last']>;
}

function run(spec: Spec): NextStep {
  return decideNext({
    config: config(spec.cfg),
    botCallbackEnabled: spec.bot ?? false,
    contact: { phones: ['+14155550100'], attempts: 1, pass: 1, phoneIndex: 0, ...spec.contact },
    last: {
      outcome: 'completed',
      talkS: null,
      disposition: null,
      turns: null,
      callbackAt: null,
      endedAt: at(-1000),
      ...spec.last,
    },
    now: NOW,
  });
}

const final = (state: string, reason: string, exhaustedRetries = false) => ({
  kind: 'final',
  state,
  reason,
  exhaustedRetries,
});
const retry = (pass: number, reason: string, dueAt = at(-1000 + 30 * MIN), phoneIndex = 0) =>
  expect.objectContaining({
    kind: 'redial',
    pass,
    phoneIndex,
    priority: 2,
    isCallback: false,
    reason,
    dueAt,
  });

const THREE = ['+911111111111', '+912222222222', '+913333333333'];

describe('decideNext: single phone, retry rules', () => {
  const cases: Array<[string, Spec, unknown]> = [
    ['completed, no rules → final completed', {}, final('completed', 'no_retry_rule')],
    [
      'machine, no rules → final machine',
      { last: { outcome: 'machine' } },
      final('machine', 'no_retry_rule'),
    ],
    [
      'abandoned, no rules → final abandoned',
      { last: { outcome: 'abandoned' } },
      final('abandoned', 'no_retry_rule'),
    ],
    ['no_answer not listed → failed', { last: { outcome: 'no_answer' } }, final('failed', 'no_retry_rule')],
    ['rejected not listed → failed', { last: { outcome: 'rejected' } }, final('failed', 'no_retry_rule')],
    ['timeout not listed → failed', { last: { outcome: 'timeout' } }, final('failed', 'no_retry_rule')],
    [
      'no_answer listed → next pass after the retry delay from endedAt',
      { cfg: { retry_on_system: ['no_answer'] }, last: { outcome: 'no_answer' } },
      retry(2, 'retry_system_outcome'),
    ],
    [
      'retry delay is counted from the end of the attempt, not from now',
      {
        cfg: { retry_on_system: ['rnr'], retry_delay_minutes: 45 },
        last: { outcome: 'rnr', endedAt: at(-10 * MIN) },
      },
      retry(2, 'retry_system_outcome', at(35 * MIN)),
    ],
    [
      'a retry already overdue is due now',
      { cfg: { retry_on_system: ['rnr'] }, last: { outcome: 'rnr', endedAt: at(-2 * 60 * MIN) } },
      retry(2, 'retry_system_outcome', NOW),
    ],
    [
      'pass 2 of 3 may still retry',
      { cfg: { retry_on_system: ['error'] }, contact: { pass: 2, attempts: 2 }, last: { outcome: 'error' } },
      retry(3, 'retry_system_outcome'),
    ],
    [
      'pass 3 of 3: retries exhausted',
      { cfg: { retry_on_system: ['error'] }, contact: { pass: 3, attempts: 3 }, last: { outcome: 'error' } },
      final('failed', 'max_attempts', true),
    ],
    [
      'max_attempts 1: the first attempt is the last',
      { cfg: { retry_on_system: ['no_answer'], max_attempts: 1 }, last: { outcome: 'no_answer' } },
      final('failed', 'max_attempts', true),
    ],
    [
      'exhausted but not retryable is not exhaustedRetries',
      { cfg: { retry_on_system: ['error'] }, contact: { pass: 3 }, last: { outcome: 'no_answer' } },
      final('failed', 'no_retry_rule'),
    ],
    [
      'custom disposition, case-insensitive and trimmed',
      { cfg: { retry_on_custom: ['callback_requested'] }, last: { disposition: ' CALLBACK_Requested ' } },
      retry(2, 'retry_custom_disposition'),
    ],
    [
      'custom disposition listed in upper case matches a lower-case disposition',
      { cfg: { retry_on_custom: ['Not_Available'] }, last: { disposition: 'not_available' } },
      retry(2, 'retry_custom_disposition'),
    ],
    [
      'custom disposition not listed → final completed',
      { cfg: { retry_on_custom: ['not_available'] }, last: { disposition: 'INTERESTED' } },
      final('completed', 'no_retry_rule'),
    ],
    [
      'custom list does not match outcome names',
      { cfg: { retry_on_custom: ['no_answer'] }, last: { outcome: 'no_answer' } },
      final('failed', 'no_retry_rule'),
    ],
    [
      'custom disposition exhausts like any other',
      { cfg: { retry_on_custom: ['busy'] }, contact: { pass: 3 }, last: { disposition: 'busy' } },
      final('completed', 'max_attempts', true),
    ],
  ];
  it.each(cases)('%s', (_name, spec, expected) => {
    expect(run(spec)).toEqual(expected);
  });

  it.each(SYSTEM_RETRY_OUTCOMES.map((o) => [o]))('%s is retried only when listed', (outcome) => {
    expect(run({ cfg: { retry_on_system: [outcome] }, last: { outcome } })).toMatchObject({
      kind: 'redial',
      pass: 2,
    });
    const others = SYSTEM_RETRY_OUTCOMES.filter((o) => o !== outcome);
    expect(run({ cfg: { retry_on_system: others }, last: { outcome } })).toEqual(
      final('failed', 'no_retry_rule'),
    );
  });

  it('is also exported as nextStep', () => {
    expect(nextStep).toBe(decideNext);
  });
});

describe('decideNext: short COMPLETED calls (≤ 1 turn) count as no_answer for retry purposes', () => {
  const cfg = { retry_on_system: ['no_answer'] } as CampaignConfigInput;
  it.each([
    ['1 turn → retried as no_answer', { cfg, last: { turns: 1 } }, retry(2, 'retry_system_outcome')],
    ['0 turns → retried as no_answer', { cfg, last: { turns: 0 } }, retry(2, 'retry_system_outcome')],
    ['2 turns → a real conversation', { cfg, last: { turns: 2 } }, final('completed', 'no_retry_rule')],
    [
      'unknown turns are not assumed short',
      { cfg, last: { turns: null } },
      final('completed', 'no_retry_rule'),
    ],
    [
      'no_answer not listed → final, still completed',
      { last: { turns: 1 } },
      final('completed', 'no_retry_rule'),
    ],
    [
      'exhausted → completed with exhaustedRetries',
      { cfg, contact: { pass: 3 }, last: { turns: 1 } },
      final('completed', 'max_attempts', true),
    ],
    [
      'only COMPLETED calls: a 1-turn machine is not no_answer',
      { cfg, last: { outcome: 'machine', turns: 1 } },
      final('machine', 'no_retry_rule'),
    ],
  ] as Array<[string, Spec, unknown]>)('%s', (_name, spec, expected) => {
    expect(run(spec)).toEqual(expected);
  });
});

describe('decideNext: redial after a short connect', () => {
  const cfg = { redial_short_connect_s: 15 } as CampaignConfigInput;
  it.each([
    [
      'completed, talk 5 < 15 → redial though completed is in no list',
      { cfg, last: { talkS: 5 } },
      retry(2, 'retry_short_connect'),
    ],
    ['talk 0 → redial', { cfg, last: { talkS: 0 } }, retry(2, 'retry_short_connect')],
    ['talk 14.9 → redial', { cfg, last: { talkS: 14.9 } }, retry(2, 'retry_short_connect')],
    ['talk 15 is not shorter than 15', { cfg, last: { talkS: 15 } }, final('completed', 'no_retry_rule')],
    [
      'talk unknown → rule does not apply',
      { cfg, last: { talkS: null } },
      final('completed', 'no_retry_rule'),
    ],
    [
      'abandoned, talk 2 → redial',
      { cfg, last: { outcome: 'abandoned', talkS: 2 } },
      retry(2, 'retry_short_connect'),
    ],
    [
      'machine, talk 3 → redial',
      { cfg, last: { outcome: 'machine', talkS: 3 } },
      retry(2, 'retry_short_connect'),
    ],
    [
      'an unanswered call is not a connect',
      { cfg, last: { outcome: 'no_answer', talkS: 0 } },
      final('failed', 'no_retry_rule'),
    ],
    ['rule off (null) → no redial', { last: { talkS: 1 } }, final('completed', 'no_retry_rule')],
    [
      'within max_attempts only',
      { cfg, contact: { pass: 3 }, last: { talkS: 5 } },
      final('completed', 'max_attempts', true),
    ],
  ] as Array<[string, Spec, unknown]>)('%s', (_name, spec, expected) => {
    expect(run(spec)).toEqual(expected);
  });
});

describe('decideNext: stop redials after a meaningful connect (wins over every retry reason)', () => {
  it.each([
    ['talk 31 > 30 → final', { cfg: { stop_redials_after_connect_s: 30 }, last: { talkS: 31 } }],
    [
      'wins over a custom retry disposition',
      {
        cfg: { stop_redials_after_connect_s: 30, retry_on_custom: ['not_available'] },
        last: { talkS: 60, disposition: 'not_available' },
      },
    ],
    [
      'wins over the short-connect rule in the ambiguous band (stop 10 < redial 15, talk 12)',
      { cfg: { stop_redials_after_connect_s: 10, redial_short_connect_s: 15 }, last: { talkS: 12 } },
    ],
    [
      'wins over a short COMPLETED (1 turn) retried as no_answer',
      {
        cfg: { stop_redials_after_connect_s: 30, retry_on_system: ['no_answer'] },
        last: { talkS: 40, turns: 1 },
      },
    ],
    [
      'ends redials even with passes and phones left',
      {
        cfg: { stop_redials_after_connect_s: 30, retry_on_system: ['no_answer'] },
        contact: { phones: THREE },
        last: { talkS: 45, turns: 0 },
      },
    ],
  ] as Array<[string, Spec]>)('%s', (_name, spec) => {
    expect(run(spec)).toEqual(final('completed', 'stop_after_connect'));
  });

  it('keeps the call’s own final state (machine, abandoned)', () => {
    const cfg = { stop_redials_after_connect_s: 30 };
    expect(run({ cfg, contact: { phones: THREE }, last: { outcome: 'machine', talkS: 45 } })).toEqual(
      final('machine', 'stop_after_connect'),
    );
    expect(run({ cfg, last: { outcome: 'abandoned', talkS: 45 } })).toEqual(
      final('abandoned', 'stop_after_connect'),
    );
  });

  it('talk equal to the threshold does not stop', () => {
    expect(
      run({
        cfg: { stop_redials_after_connect_s: 30, retry_on_custom: ['x'] },
        last: { talkS: 30, disposition: 'x' },
      }),
    ).toEqual(retry(2, 'retry_custom_disposition'));
  });

  it('does not apply when off, or to unanswered calls', () => {
    expect(run({ cfg: { retry_on_custom: ['x'] }, last: { talkS: 1000, disposition: 'x' } })).toEqual(
      retry(2, 'retry_custom_disposition'),
    );
    expect(
      run({
        cfg: { stop_redials_after_connect_s: 30, retry_on_system: ['no_answer'] },
        last: { outcome: 'no_answer', talkS: 100 },
      }),
    ).toEqual(retry(2, 'retry_system_outcome'));
  });
});

describe('decideNext: callbacks', () => {
  const gates = { cfg: { callback_detection: true } as CampaignConfigInput, bot: true };
  const cb = (dueAt: Date, pass = 1, phoneIndex = 0) => ({
    kind: 'redial',
    dueAt,
    pass,
    phoneIndex,
    priority: 0,
    isCallback: true,
    reason: 'callback',
    reachedPhoneIndex: phoneIndex,
    redialsStopped: false,
  });

  it('schedules a callback at callbackAt with priority 0, same pass and phone', () => {
    expect(run({ ...gates, last: { disposition: 'CALLBACK', callbackAt: at(2 * 60 * MIN) } })).toEqual(
      cb(at(2 * 60 * MIN)),
    );
  });

  it('a callback time in the past is due now', () => {
    expect(run({ ...gates, last: { disposition: 'CALLBACK', callbackAt: at(-5 * MIN) } })).toEqual(cb(NOW));
  });

  it('needs both gates: campaign callback_detection and bot callback_enabled', () => {
    const last = { disposition: 'CALLBACK', callbackAt: at(60 * MIN) };
    expect(run({ cfg: { callback_detection: true }, bot: false, last })).toEqual(
      final('completed', 'no_retry_rule'),
    );
    expect(run({ cfg: { callback_detection: false }, bot: true, last })).toEqual(
      final('completed', 'no_retry_rule'),
    );
  });

  it('with a gate off, a custom retry disposition still retries', () => {
    expect(
      run({
        cfg: { retry_on_custom: ['callback'] },
        bot: true,
        last: { disposition: 'CALLBACK', callbackAt: at(60 * MIN) },
      }),
    ).toEqual(retry(2, 'retry_custom_disposition'));
  });

  it('does not consume max_attempts: scheduled on the last pass, keeping the pass', () => {
    expect(run({ ...gates, contact: { pass: 3, attempts: 5 }, last: { callbackAt: at(60 * MIN) } })).toEqual(
      cb(at(60 * MIN), 3),
    );
  });

  it('is not cancelled by the stop rule, which stays in force after it', () => {
    const cfg = {
      callback_detection: true,
      stop_redials_after_connect_s: 30,
      retry_on_system: ['no_answer'],
    } as CampaignConfigInput;
    expect(
      run({ cfg, bot: true, last: { talkS: 300, disposition: 'CALLBACK', callbackAt: at(60 * MIN) } }),
    ).toEqual({
      ...cb(at(60 * MIN)),
      redialsStopped: true,
    });
    // The callback dial is not answered: no retry, the stop rule still holds.
    expect(
      run({ cfg, bot: true, contact: { redialsStopped: true }, last: { outcome: 'no_answer' } }),
    ).toEqual(final('failed', 'stop_after_connect'));
    // Nor another phone.
    expect(
      run({
        cfg,
        bot: true,
        contact: { phones: THREE, redialsStopped: true },
        last: { outcome: 'no_answer' },
      }),
    ).toEqual(final('failed', 'stop_after_connect'));
    // But a second callback request is honoured again.
    expect(
      run({
        cfg,
        bot: true,
        contact: { redialsStopped: true },
        last: { talkS: 10, callbackAt: at(120 * MIN) },
      }),
    ).toEqual({ ...cb(at(120 * MIN)), redialsStopped: true });
    // Without the flag the same attempt would retry.
    expect(run({ cfg, bot: true, last: { outcome: 'no_answer' } })).toMatchObject({
      kind: 'redial',
      pass: 2,
    });
  });

  it('on the second phone: called back on that phone, which is now the reached one', () => {
    expect(
      run({ ...gates, contact: { phones: THREE, phoneIndex: 1 }, last: { callbackAt: at(60 * MIN) } }),
    ).toEqual(cb(at(60 * MIN), 1, 1));
  });

  it('exclusion, opt-out and an OPT_OUT disposition win over a callback', () => {
    const last = { callbackAt: at(60 * MIN) };
    expect(run({ ...gates, contact: { excluded: true }, last })).toEqual(final('excluded', 'excluded'));
    expect(run({ ...gates, contact: { optedOut: true }, last })).toEqual(final('excluded', 'opted_out'));
    expect(run({ ...gates, last: { ...last, disposition: 'OPT_OUT' } })).toEqual(
      final('completed', 'opt_out'),
    );
  });

  it('ignores an invalid callback time', () => {
    expect(run({ ...gates, last: { callbackAt: new Date(Number.NaN) } })).toEqual(
      final('completed', 'no_retry_rule'),
    );
  });
});

describe('decideNext: opt-out and exclusion', () => {
  it.each(['OPT_OUT', 'opt_out', 'opt-out', 'Opt Out', ' OPT_OUT '])(
    'disposition %j → final completed (opt_out)',
    (disposition) => {
      expect(run({ cfg: { retry_on_custom: ['opt_out'] }, last: { disposition } })).toEqual(
        final('completed', 'opt_out'),
      );
    },
  );

  it('opt-out beats untried phones and the stop rule', () => {
    expect(
      run({
        cfg: { stop_redials_after_connect_s: 5 },
        contact: { phones: THREE },
        last: { outcome: 'machine', talkS: 50, disposition: 'OPT_OUT' },
      }),
    ).toEqual(final('completed', 'opt_out'));
  });

  it('excluded or opted-out contacts end as excluded whatever the call did', () => {
    const cfg = { retry_on_system: ['no_answer'] } as CampaignConfigInput;
    expect(run({ cfg, contact: { excluded: true }, last: { outcome: 'no_answer' } })).toEqual(
      final('excluded', 'excluded'),
    );
    expect(run({ cfg, contact: { optedOut: true }, last: { outcome: 'no_answer' } })).toEqual(
      final('excluded', 'opted_out'),
    );
    expect(run({ contact: { phones: THREE, excluded: true }, last: { outcome: 'no_answer' } })).toEqual(
      final('excluded', 'excluded'),
    );
    expect(run({ contact: { excluded: false, optedOut: false }, last: { outcome: 'no_answer' } })).toEqual(
      final('failed', 'no_retry_rule'),
    );
  });
});

describe('decideNext: several phones, breadth-first', () => {
  const nextPhone = (pass: number, phoneIndex: number) => ({
    kind: 'redial',
    dueAt: NOW,
    pass,
    phoneIndex,
    priority: pass === 1 ? 1 : 2,
    isCallback: false,
    reason: 'next_phone',
    reachedPhoneIndex: null,
    redialsStopped: false,
  });

  const notReached: Array<[string, Partial<NextStepInput['last']>]> = [
    ['no_answer', { outcome: 'no_answer' }],
    ['rejected', { outcome: 'rejected' }],
    ['rnr', { outcome: 'rnr' }],
    ['error', { outcome: 'error' }],
    ['timeout', { outcome: 'timeout' }],
    ['machine', { outcome: 'machine', talkS: 20 }],
    ['VOICEMAIL disposition', { outcome: 'completed', talkS: 20, turns: 3, disposition: 'VOICEMAIL' }],
    ['WRONG_NUMBER disposition', { outcome: 'completed', talkS: 20, turns: 3, disposition: 'wrong_number' }],
    ['NO_ANSWER disposition', { outcome: 'completed', talkS: 20, turns: 3, disposition: 'no-answer' }],
    ['short COMPLETED (1 turn)', { outcome: 'completed', talkS: 3, turns: 1 }],
  ];
  it.each(notReached)(
    '%s on phone 1 of pass 1 → phone 2 at once, priority 1, whatever the retry rules',
    (_n, last) => {
      expect(run({ contact: { phones: THREE }, last })).toEqual(nextPhone(1, 1));
    },
  );

  it('in pass 2 the next phone has retry priority 2', () => {
    expect(
      run({ contact: { phones: THREE, pass: 2, phoneIndex: 1 }, last: { outcome: 'no_answer' } }),
    ).toEqual(nextPhone(2, 2));
  });

  it.each([
    ['completed', { outcome: 'completed', talkS: 60, turns: 6 }, 'completed'],
    ['abandoned (a person answered)', { outcome: 'abandoned', talkS: 1 }, 'abandoned'],
    ['completed with unknown turns', { outcome: 'completed', talkS: 60 }, 'completed'],
  ] as Array<[string, Partial<NextStepInput['last']>, string]>)(
    '%s on phone 1 → never the other phones',
    (_n, last, state) => {
      expect(run({ contact: { phones: THREE }, last })).toEqual(final(state, 'no_retry_rule'));
    },
  );

  it('after the last phone: the next pass from phone 1 after the retry delay', () => {
    expect(
      run({
        cfg: { retry_on_system: ['no_answer'] },
        contact: { phones: THREE, phoneIndex: 2, attempts: 3 },
        last: { outcome: 'no_answer' },
      }),
    ).toEqual(retry(2, 'retry_system_outcome'));
    const step = run({
      cfg: { retry_on_system: ['no_answer'] },
      contact: { phones: THREE, phoneIndex: 2 },
      last: { outcome: 'no_answer' },
    });
    expect(step).toMatchObject({
      kind: 'redial',
      pass: 2,
      phoneIndex: 0,
      priority: 2,
      reachedPhoneIndex: null,
    });
  });

  it('after the last phone: the next pass when an earlier outcome of the pass is retryable', () => {
    const cfg = { retry_on_system: ['no_answer'] } as CampaignConfigInput;
    const passHistory: AttemptSummary[] = [
      { outcome: 'no_answer', talkS: null, disposition: null, turns: null },
      { outcome: 'error', talkS: null, disposition: null, turns: null },
    ];
    expect(
      run({ cfg, contact: { phones: THREE, phoneIndex: 2, passHistory }, last: { outcome: 'rejected' } }),
    ).toMatchObject({
      kind: 'redial',
      pass: 2,
      phoneIndex: 0,
      reason: 'retry_system_outcome',
    });
    // Without that history nothing of the pass is retryable.
    expect(run({ cfg, contact: { phones: THREE, phoneIndex: 2 }, last: { outcome: 'rejected' } })).toEqual(
      final('failed', 'no_retry_rule'),
    );
  });

  it('after the last phone of the last pass: exhausted', () => {
    expect(
      run({
        cfg: { retry_on_system: ['rnr'] },
        contact: { phones: THREE, pass: 3, phoneIndex: 2, attempts: 9 },
        last: { outcome: 'rnr' },
      }),
    ).toEqual(final('failed', 'max_attempts', true));
  });

  it('max_attempts counts passes per phone: 3 phones × 2 passes', () => {
    const cfg = { retry_on_system: ['no_answer'], max_attempts: 2 } as CampaignConfigInput;
    expect(
      run({
        cfg,
        contact: { phones: THREE, pass: 2, phoneIndex: 1, attempts: 5 },
        last: { outcome: 'no_answer' },
      }),
    ).toEqual(nextPhone(2, 2));
    expect(
      run({
        cfg,
        contact: { phones: THREE, pass: 2, phoneIndex: 2, attempts: 6 },
        last: { outcome: 'no_answer' },
      }),
    ).toEqual(final('failed', 'max_attempts', true));
  });

  it('reached on phone 2 with a retryable disposition: the next pass dials phone 2 only', () => {
    const step = run({
      cfg: { retry_on_custom: ['not_available'] },
      contact: { phones: THREE, phoneIndex: 1 },
      last: { outcome: 'completed', talkS: 40, turns: 4, disposition: 'not_available' },
    });
    expect(step).toMatchObject({ kind: 'redial', pass: 2, phoneIndex: 1, reachedPhoneIndex: 1, priority: 2 });
  });

  it('once reached (reachedPhoneIndex), a later not-reached outcome does not move to another phone', () => {
    const cfg = { retry_on_system: ['no_answer'] } as CampaignConfigInput;
    const step = run({
      cfg,
      contact: { phones: THREE, phoneIndex: 1, pass: 2, reachedPhoneIndex: 1 },
      last: { outcome: 'no_answer' },
    });
    expect(step).toMatchObject({ kind: 'redial', pass: 3, phoneIndex: 1, reachedPhoneIndex: 1 });
    expect(
      run({
        contact: { phones: THREE, phoneIndex: 1, reachedPhoneIndex: 1 },
        last: { outcome: 'no_answer' },
      }),
    ).toEqual(final('failed', 'no_retry_rule'));
  });

  it('once reached, earlier attempts of the pass on other phones do not make it retryable', () => {
    const passHistory: AttemptSummary[] = [
      { outcome: 'no_answer', talkS: null, disposition: null, turns: null },
    ];
    expect(
      run({
        cfg: { retry_on_system: ['no_answer'] },
        contact: { phones: THREE, phoneIndex: 1, passHistory },
        last: { outcome: 'completed', talkS: 60, turns: 5 },
      }),
    ).toEqual(final('completed', 'no_retry_rule'));
  });

  it('a pass beyond max_attempts (config lowered while paused) dials no further phone', () => {
    expect(
      run({ cfg: { max_attempts: 1 }, contact: { phones: THREE, pass: 2 }, last: { outcome: 'no_answer' } }),
    ).toEqual(final('failed', 'no_retry_rule'));
  });

  it('tolerates odd input: no phones, an out-of-range index, pass 0', () => {
    expect(run({ contact: { phones: [] }, last: { outcome: 'no_answer' } })).toEqual(
      final('failed', 'no_retry_rule'),
    );
    expect(run({ contact: { phones: THREE, phoneIndex: 7 }, last: { outcome: 'no_answer' } })).toEqual(
      nextPhone(1, 1),
    );
    expect(
      run({ cfg: { retry_on_system: ['no_answer'] }, contact: { pass: 0 }, last: { outcome: 'no_answer' } }),
    ).toMatchObject({
      pass: 2,
    });
    expect(run({ contact: { phones: THREE, reachedPhoneIndex: 9 }, last: { outcome: 'no_answer' } })).toEqual(
      nextPhone(1, 1),
    );
  });
});

describe('helpers', () => {
  it.each([
    ['opt-out', 'OPT_OUT'],
    ['  Wrong Number ', 'WRONG_NUMBER'],
    ['no--answer', 'NO_ANSWER'],
    [null, ''],
  ] as Array<[string | null, string]>)('dispositionKey(%j) = %s', (input, key) => {
    expect(dispositionKey(input)).toBe(key);
  });

  it('isReached', () => {
    const s = (o: Outcome, extra: Partial<AttemptSummary> = {}): AttemptSummary => ({
      outcome: o,
      talkS: null,
      disposition: null,
      turns: null,
      ...extra,
    });
    expect(isReached(s('completed'))).toBe(true);
    expect(isReached(s('abandoned'))).toBe(true);
    expect(isReached(s('machine'))).toBe(false);
    expect(isReached(s('completed', { turns: 1 }))).toBe(false);
    expect(isReached(s('completed', { disposition: 'Voicemail' }))).toBe(false);
    expect(isReached(s('completed', { disposition: 'INTERESTED' }))).toBe(true);
  });

  it('retryReason prefers the short-connect rule, then system outcome, then custom disposition', () => {
    const c = config({ redial_short_connect_s: 15, retry_on_system: ['no_answer'], retry_on_custom: ['x'] });
    expect(retryReason(c, { outcome: 'completed', talkS: 3, turns: 1, disposition: 'x' })).toBe(
      'retry_short_connect',
    );
    expect(retryReason(c, { outcome: 'completed', talkS: 30, turns: 1, disposition: 'x' })).toBe(
      'retry_system_outcome',
    );
    expect(retryReason(c, { outcome: 'completed', talkS: 30, turns: 4, disposition: 'X' })).toBe(
      'retry_custom_disposition',
    );
    expect(retryReason(c, { outcome: 'completed', talkS: 30, turns: 4, disposition: '' })).toBeNull();
  });
});

describe('decideNext properties', () => {
  const arbOutcome = fc.constantFrom(...OUTCOMES);
  const arbDisposition = fc.option(
    fc.constantFrom(
      'COMPLETED',
      'INTERESTED',
      'NOT_INTERESTED',
      'CALLBACK',
      'VOICEMAIL',
      'WRONG_NUMBER',
      'NO_ANSWER',
      'not_available',
    ),
    { nil: null },
  );
  type GeneratedAttempt = AttemptSummary & { callback: boolean };
  const arbAttempt: fc.Arbitrary<GeneratedAttempt> = fc.record({
    outcome: arbOutcome,
    talkS: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
    disposition: arbDisposition,
    turns: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }),
    callback: fc.boolean(),
  });
  const arbConfig = fc
    .record({
      max_attempts: fc.integer({ min: 1, max: 4 }),
      retry_delay_minutes: fc.integer({ min: 1, max: 120 }),
      retry_on_system: fc.subarray([...SYSTEM_RETRY_OUTCOMES]),
      retry_on_custom: fc.subarray(['not_available', 'CALLBACK', 'voicemail']),
      stop_redials_after_connect_s: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
      redial_short_connect_s: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }),
      callback_detection: fc.boolean(),
    })
    .map((c) => config(c as CampaignConfigInput));

  /** Follow the decisions from a first dial, feeding back reachedPhoneIndex and passHistory as the engine should. */
  function simulate(cfg: CampaignConfig, bot: boolean, phones: number, attempts: GeneratedAttempt[]) {
    const dials: Array<{
      pass: number;
      phoneIndex: number;
      isCallback: boolean;
      reached: boolean;
      stops: boolean;
    }> = [];
    let state = { pass: 1, phoneIndex: 0, isCallback: false };
    let reachedPhoneIndex: number | null = null;
    let redialsStopped = false;
    let passHistory: AttemptSummary[] = [];
    let now = NOW;
    let step: NextStep | null = null;
    for (const a of attempts) {
      const last = {
        outcome: a.outcome,
        talkS:
          a.outcome === 'completed' || a.outcome === 'machine' || a.outcome === 'abandoned' ? a.talkS : null,
        disposition: a.disposition,
        turns: a.turns,
        callbackAt: a.callback ? new Date(now.getTime() + 3600_000) : null,
        endedAt: now,
      };
      step = decideNext({
        config: cfg,
        botCallbackEnabled: bot,
        contact: {
          phones: Array.from({ length: phones }, (_, i) => `+9100000000${i}`),
          attempts: dials.length + 1,
          pass: state.pass,
          phoneIndex: state.phoneIndex,
          reachedPhoneIndex,
          redialsStopped,
          passHistory,
        },
        last,
        now,
      });
      const talk = last.talkS;
      dials.push({
        ...state,
        reached: isReached(last),
        stops:
          cfg.stop_redials_after_connect_s !== null &&
          talk !== null &&
          talk > cfg.stop_redials_after_connect_s,
      });
      if (step.kind === 'final') return { dials, step };
      expect(step.dueAt.getTime()).toBeGreaterThanOrEqual(now.getTime());
      passHistory =
        step.pass === state.pass && !step.isCallback
          ? [...passHistory, last]
          : step.pass === state.pass
            ? passHistory
            : [];
      reachedPhoneIndex = step.reachedPhoneIndex ?? null;
      redialsStopped = step.redialsStopped ?? false;
      state = { pass: step.pass, phoneIndex: step.phoneIndex, isCallback: step.isCallback };
      now = step.dueAt;
    }
    return { dials, step };
  }

  it('never exceeds max_attempts passes, never dials another phone once reached, honours the stop rule', () => {
    fc.assert(
      fc.property(
        arbConfig,
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(arbAttempt, { minLength: 1, maxLength: 30 }),
        (cfg, bot, phones, attempts) => {
          const { dials } = simulate(cfg, bot, phones, attempts);
          const nonCallback = dials.filter((d) => !d.isCallback);
          for (const d of dials) {
            expect(d.pass).toBeLessThanOrEqual(cfg.max_attempts);
            expect(d.phoneIndex).toBeLessThan(phones);
          }
          // Without callbacks a phone is dialled at most once per pass, so at most max_attempts times.
          const perPhone = new Map<number, number>();
          for (const d of nonCallback) perPhone.set(d.phoneIndex, (perPhone.get(d.phoneIndex) ?? 0) + 1);
          for (const count of perPhone.values()) expect(count).toBeLessThanOrEqual(cfg.max_attempts);
          if (phones === 1) expect(nonCallback.length).toBeLessThanOrEqual(cfg.max_attempts);
          // Once reached on one phone, no other phone is dialled.
          const firstReach = dials.findIndex((d) => d.reached);
          if (firstReach >= 0) {
            const phone = dials[firstReach]?.phoneIndex;
            for (const d of dials.slice(firstReach + 1)) expect(d.phoneIndex).toBe(phone);
          }
          // After a stop-rule connect only callbacks may follow.
          const stop = dials.findIndex((d) => d.stops);
          if (stop >= 0) for (const d of dials.slice(stop + 1)) expect(d.isCallback).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('redials are well-formed; callbacks only through both gates', () => {
    fc.assert(
      fc.property(
        arbConfig,
        fc.boolean(),
        arbAttempt,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: -600, max: 600 }),
        (cfg, bot, a, phones, pass, cbOffsetMin) => {
          const callbackAt = a.callback ? at(cbOffsetMin * MIN) : null;
          const step = decideNext({
            config: cfg,
            botCallbackEnabled: bot,
            contact: {
              phones: Array.from({ length: phones }, () => '+910000000000'),
              attempts: pass,
              pass,
              phoneIndex: 0,
            },
            last: {
              outcome: a.outcome,
              talkS: a.talkS,
              disposition: a.disposition,
              turns: a.turns,
              callbackAt,
              endedAt: at(-MIN),
            },
            now: NOW,
          });
          if (step.kind === 'final') {
            if (step.exhaustedRetries) expect(step.reason).toBe('max_attempts');
            return;
          }
          expect(step.dueAt.getTime()).toBeGreaterThanOrEqual(NOW.getTime());
          expect([0, 1, 2]).toContain(step.priority);
          expect(step.phoneIndex).toBeLessThan(phones);
          if (step.isCallback) {
            expect(cfg.callback_detection && bot && callbackAt !== null).toBe(true);
            expect(step.priority).toBe(0);
            expect(step.pass).toBe(pass);
            expect(step.dueAt.getTime()).toBe(Math.max(NOW.getTime(), (callbackAt as Date).getTime()));
          } else {
            expect(step.pass).toBeLessThanOrEqual(cfg.max_attempts);
            expect(step.priority).toBe(step.pass === 1 ? 1 : 2);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
