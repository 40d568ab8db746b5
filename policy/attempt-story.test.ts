import { describe, expect, it } from 'vitest';
import { decisionsAfter, type StoryAttempt } from './attempt-story';

const a = (pass: number, phone: string, extra: Partial<StoryAttempt> = {}): StoryAttempt => ({
  pass,
  phone,
  is_callback: false,
  ended: true,
  ...extra,
});
const waiting = (state: string, next_due_at: string | null = null, callback_at: string | null = null) => ({
  state,
  next_due_at,
  callback_at,
});

describe('decisionsAfter', () => {
  it('reads a callback, the next phone and a retry from the attempt that followed', () => {
    const kinds = decisionsAfter(
      [a(1, '+1'), a(1, '+1', { is_callback: true }), a(1, '+2'), a(2, '+1'), a(2, '+2')],
      waiting('completed'),
    ).map((d) => d.kind);
    expect(kinds).toEqual(['callback', 'next_phone', 'retry', 'next_phone', 'final']);
  });

  it('after the last attempt: the contact waits for a retry or a callback with its due time', () => {
    expect(decisionsAfter([a(1, '+1')], waiting('retry_scheduled', '2026-12-06T10:00:00.000Z'))).toEqual([
      { kind: 'waiting_retry', due_at: '2026-12-06T10:00:00.000Z', final_state: null },
    ]);
    expect(
      decisionsAfter([a(1, '+1')], waiting('callback_scheduled', null, '2026-12-06T11:00:00.000Z')),
    ).toEqual([{ kind: 'waiting_callback', due_at: '2026-12-06T11:00:00.000Z', final_state: null }]);
  });

  it('a final contact names its state; an attempt still open is in flight', () => {
    expect(decisionsAfter([a(1, '+1')], waiting('failed'))).toEqual([
      { kind: 'final', due_at: null, final_state: 'failed' },
    ]);
    expect(decisionsAfter([a(1, '+1', { ended: false })], waiting('ringing'))[0]?.kind).toBe('in_flight');
    // A contact already leased for its next dial (in flight, attempt not yet written) was retried.
    expect(decisionsAfter([a(1, '+1')], waiting('dialling'))[0]?.kind).toBe('retry');
  });

  it('a same-phone attempt of the same pass (a re-dial of one phone) counts as a retry', () => {
    expect(decisionsAfter([a(1, '+1'), a(1, '+1')], waiting('completed'))[0]?.kind).toBe('retry');
  });
});
