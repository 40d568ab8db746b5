import { describe, expect, it } from 'vitest';
import { buildOriginateArgument, OriginateRequestError } from './originate-command';

const base = {
  uuid: '5f1c0b9e-7a51-4f0e-9a55-0b1b8a2d4c11',
  gateway: 'carrier1',
  destination: '+15557654321',
  callerIdNumber: '15550001111',
  timeoutS: 30,
};

describe('buildOriginateArgument', () => {
  it('builds the dial string of docs/architecture.md "Dialling exactly once" with &park() by default', () => {
    expect(
      buildOriginateArgument({ ...base, variables: { 'sip_h_X-Attempt-Id': 'a42', ori_attempt_id: 'a42' } }),
    ).toBe(
      '{origination_uuid=5f1c0b9e-7a51-4f0e-9a55-0b1b8a2d4c11,origination_caller_id_number=15550001111,' +
        'originate_timeout=30,ignore_early_media=true,sip_h_X-Attempt-Id=a42,ori_attempt_id=a42}' +
        'sofia/gateway/carrier1/+15557654321 &park()',
    );
  });

  it('escapes commas in values and takes another application', () => {
    expect(
      buildOriginateArgument({
        ...base,
        variables: { note: 'a,b,,c' },
        application: '&bridge(sofia/external/bot@10.0.0.1)',
      }),
    ).toMatch(
      /,note=a\\,b\\,\\,c}sofia\/gateway\/carrier1\/\+15557654321 &bridge\(sofia\/external\/bot@10\.0\.0\.1\)$/,
    );
  });

  it.each([
    [{ uuid: 'has space' }, /bad uuid/],
    [{ gateway: 'gw/evil' }, /bad gateway/],
    [{ destination: '123 456' }, /bad destination/],
    [{ timeoutS: 0 }, /timeoutS/],
    [{ timeoutS: 1.5 }, /timeoutS/],
    [{ variables: { 'bad name': 'x' } }, /bad variable name/],
    [{ variables: { origination_uuid: 'other' } }, /set from the request/],
    [{ variables: { note: 'two words' } }, /whitespace/],
    [{ variables: { note: 'a}b' } }, /whitespace/],
    [{ callerIdNumber: "o'clock" }, /whitespace/],
    [{ application: '&park()\napi hupall' }, /one line/],
  ])('refuses %j', (override, message) => {
    expect(() => buildOriginateArgument({ ...base, ...override })).toThrow(OriginateRequestError);
    expect(() => buildOriginateArgument({ ...base, ...override })).toThrow(message);
  });
});
