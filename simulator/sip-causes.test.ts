import { describe, expect, it } from 'vitest';
import { hangupCauseNumber, isKnownHangupCause, sipCodeToHangupCause, sipReasonPhrase } from './sip-causes';

describe('sipCodeToHangupCause (docs/limits.md "Classifying")', () => {
  it.each([
    [486, 'USER_BUSY'],
    [600, 'USER_BUSY'],
    [480, 'NO_USER_RESPONSE'],
    [408, 'RECOVERY_ON_TIMER_EXPIRE'],
    [504, 'RECOVERY_ON_TIMER_EXPIRE'],
    [404, 'UNALLOCATED_NUMBER'],
    [603, 'CALL_REJECTED'],
    [403, 'CALL_REJECTED'],
    [503, 'NORMAL_TEMPORARY_FAILURE'],
    [500, 'NORMAL_TEMPORARY_FAILURE'],
    [502, 'NETWORK_OUT_OF_ORDER'],
    [429, 'BAD_IDENTITY_INFO'],
    [484, 'INVALID_NUMBER_FORMAT'],
    [488, 'INCOMPATIBLE_DESTINATION'],
    [487, 'ORIGINATOR_CANCEL'],
    [485, 'NO_ROUTE_DESTINATION'],
    [499, 'NORMAL_UNSPECIFIED'],
    [599, 'NORMAL_UNSPECIFIED'],
  ])('%i → %s', (code, cause) => {
    expect(sipCodeToHangupCause(code)).toBe(cause);
  });
});

describe('hangup cause numbers and phrases', () => {
  it('knows the Q.850 numbers of switch_types.h', () => {
    expect(hangupCauseNumber('NORMAL_CLEARING')).toBe(16);
    expect(hangupCauseNumber('USER_BUSY')).toBe(17);
    expect(hangupCauseNumber('NO_ANSWER')).toBe(19);
    expect(hangupCauseNumber('MANAGER_REQUEST')).toBe(703);
    expect(hangupCauseNumber('BAD_IDENTITY_INFO')).toBe(821);
    expect(isKnownHangupCause('ALLOTTED_TIMEOUT')).toBe(true);
    expect(isKnownHangupCause('NOT_A_CAUSE')).toBe(false);
  });

  it('has the reason phrases that go into sip_invite_failure_phrase', () => {
    expect(sipReasonPhrase(486)).toBe('Busy Here');
    expect(sipReasonPhrase(487)).toBe('Request Terminated');
    expect(sipReasonPhrase(299)).toBeUndefined();
  });
});
