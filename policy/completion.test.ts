import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  COMPLETION_REASON_LABELS,
  COMPLETION_REASONS,
  completionReason,
  completionReasonLabel,
  type CompletionCounts,
  type CompletionReason,
} from './completion';

const base: CompletionCounts = {
  total: 10,
  final: 4,
  exhaustedRetries: 0,
  dialled: 6,
  callable: 10,
  mode: 'single_day',
  alwaysOn: false,
  windowEnded: false,
  stopped: false,
};

describe('completionReason', () => {
  const cases: Array<[string, Partial<CompletionCounts>, CompletionReason | null]> = [
    ['work left → not complete', {}, null],
    ['all final, none exhausted → all_final', { final: 10 }, 'all_final'],
    ['all final, one exhausted → max_retries', { final: 10, exhaustedRetries: 1 }, 'max_retries'],
    ['all exhausted → max_retries', { final: 10, exhaustedRetries: 10 }, 'max_retries'],
    ['exhausted but work left → not complete', { final: 9, exhaustedRetries: 3 }, null],
    ['stopped → manually_stopped', { stopped: true }, 'manually_stopped'],
    ['stopped wins over all final', { stopped: true, final: 10 }, 'manually_stopped'],
    ['stopped wins over window ended', { stopped: true, windowEnded: true }, 'manually_stopped'],
    [
      'stopped always-on → manually_stopped',
      { stopped: true, mode: 'multi_day', alwaysOn: true },
      'manually_stopped',
    ],
    ['always-on never completes by itself', { mode: 'multi_day', alwaysOn: true, final: 10 }, null],
    [
      'always-on with no contacts stays running',
      { mode: 'multi_day', alwaysOn: true, total: 0, final: 0, dialled: 0, callable: 0 },
      null,
    ],
    ['single_day window ended → window_ended', { windowEnded: true }, 'window_ended'],
    [
      'window_ended wins over all-final (the close made them window_closed)',
      { windowEnded: true, final: 10 },
      'window_ended',
    ],
    ['multi_day window end is only a pause', { mode: 'multi_day', windowEnded: true }, null],
    [
      'multi_day window end, all final → all_final',
      { mode: 'multi_day', windowEnded: true, final: 10 },
      'all_final',
    ],
    ['no contacts → no_callable', { total: 0, final: 0, dialled: 0, callable: 0 }, 'no_callable'],
    ['all excluded before any dial → no_callable', { final: 10, dialled: 0, callable: 0 }, 'no_callable'],
    ['all excluded after some dials → all_final', { final: 10, dialled: 3, callable: 0 }, 'all_final'],
    ['nothing dialled yet but callable → not complete', { final: 0, dialled: 0, callable: 10 }, null],
    [
      'single_day window ended with nothing callable → window_ended',
      { windowEnded: true, dialled: 0, callable: 0 },
      'window_ended',
    ],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    expect(completionReason({ ...base, ...over })).toBe(expected);
  });

  it('is null exactly when the run has work left (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }).chain((total) =>
          fc.record({
            total: fc.constant(total),
            final: fc.integer({ min: 0, max: total }),
            exhaustedRetries: fc.integer({ min: 0, max: total }),
            dialled: fc.integer({ min: 1, max: total }),
            callable: fc.integer({ min: 0, max: total }),
            mode: fc.constantFrom('single_day' as const, 'multi_day' as const),
            alwaysOn: fc.boolean(),
            windowEnded: fc.boolean(),
            stopped: fc.boolean(),
          }),
        ),
        (c) => {
          const reason = completionReason(c);
          if (c.stopped) expect(reason).toBe('manually_stopped');
          else if (c.alwaysOn) expect(reason).toBeNull();
          else if (c.windowEnded && c.mode === 'single_day') expect(reason).toBe('window_ended');
          else if (c.final < c.total) expect(reason).toBeNull();
          else expect(reason).toBe(c.exhaustedRetries > 0 ? 'max_retries' : 'all_final');
        },
      ),
    );
  });
});

describe('labels', () => {
  it('has the docs/rules.md wording for every reason', () => {
    expect(COMPLETION_REASON_LABELS).toEqual({
      all_final: 'All contacts reached a final state',
      max_retries: 'Max retries completed',
      window_ended: 'Calling window ended',
      manually_stopped: 'Manually stopped',
      no_callable: 'No callable contacts',
    });
    expect(Object.keys(COMPLETION_REASON_LABELS).sort()).toEqual([...COMPLETION_REASONS].sort());
  });

  it('completionReasonLabel', () => {
    expect(completionReasonLabel('max_retries')).toBe('Max retries completed');
    expect(completionReasonLabel(null)).toBeNull();
    expect(completionReasonLabel(undefined)).toBeNull();
  });
});
