import { describe, expect, it } from 'vitest';
import { CONTACT_STATES } from './contact-state';
import { answerWithoutAdmission, SUPPRESSION_REASONS } from './trigger-answer';

const facts = (over: Partial<Parameters<typeof answerWithoutAdmission>[0]> = {}) => ({
  state: 'pending' as const,
  opted_out: false,
  sticky_excluded: false,
  excluded_at: null,
  ...over,
});
const open = { stickyExclusion: false, mayAdmitNow: true };
const full = { stickyExclusion: false, mayAdmitNow: false };

describe('answerWithoutAdmission', () => {
  it('suppresses an opted-out number first, whatever else holds', () => {
    expect(
      answerWithoutAdmission(
        facts({ opted_out: true, sticky_excluded: true, state: 'dialling', excluded_at: new Date() }),
        { stickyExclusion: true, mayAdmitNow: true },
      ),
    ).toEqual({ status: 'suppressed', reason: SUPPRESSION_REASONS.optedOut });
  });

  it('suppresses a sticky exclusion: a matched number, or an excluded contact when the campaign is sticky', () => {
    const sticky = { status: 'suppressed', reason: SUPPRESSION_REASONS.stickyExclusion };
    expect(answerWithoutAdmission(facts({ sticky_excluded: true }), open)).toEqual(sticky);
    expect(
      answerWithoutAdmission(facts({ excluded_at: new Date(), state: 'completed' }), {
        stickyExclusion: true,
        mayAdmitNow: true,
      }),
    ).toEqual(sticky);
    // Without sticky exclusion an exclusion mark alone suppresses nothing.
    expect(answerWithoutAdmission(facts({ excluded_at: new Date() }), full)).toEqual({ status: 'queued' });
  });

  it('suppresses an excluded contact with its own reason', () => {
    expect(answerWithoutAdmission(facts({ state: 'excluded' }), open)).toEqual({
      status: 'suppressed',
      reason: SUPPRESSION_REASONS.excluded,
    });
  });

  it('answers dialled for a contact in a call, and asks admission only when a seat may be leased now', () => {
    for (const state of ['dialling', 'ringing', 'in_progress'] as const) {
      expect(answerWithoutAdmission(facts({ state }), open)).toEqual({ status: 'dialled' });
      expect(answerWithoutAdmission(facts({ state }), full)).toEqual({ status: 'dialled' });
    }
    for (const state of CONTACT_STATES.filter(
      (s) => !['dialling', 'ringing', 'in_progress', 'excluded'].includes(s),
    )) {
      expect(answerWithoutAdmission(facts({ state }), open), state).toBeNull();
      expect(answerWithoutAdmission(facts({ state }), full), state).toEqual({ status: 'queued' });
    }
  });
});
