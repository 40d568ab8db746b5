import { describe, expect, it } from 'vitest';
import { ORIGINATE_SYNTAX, parseOriginate, separateArguments, splitVariables } from './dial-string';

describe('separateArguments', () => {
  it('splits on spaces and lets single quotes group', () => {
    expect(separateArguments("a  b 'c d' &socket('127.0.0.1:8084 async full')")).toEqual([
      'a',
      'b',
      'c d',
      '&socket(127.0.0.1:8084 async full)',
    ]);
  });
});

describe('splitVariables', () => {
  it('splits on commas, keeping escaped ones in the value', () => {
    expect(splitVariables('a=1,b=x\\,y,c=,d=e=f')).toEqual([
      ['a', '1'],
      ['b', 'x,y'],
      ['c', ''],
      ['d', 'e=f'],
    ]);
  });
});

describe('parseOriginate', () => {
  it('parses the dialler’s dial string', () => {
    const parsed = parseOriginate(
      '{origination_uuid=5f1c,origination_caller_id_number=15550001111,originate_timeout=30,ignore_early_media=true,' +
        'sip_h_X-Attempt-Id=a42,ori_attempt_id=a42,note=x\\,y}sofia/gateway/carrier1/+15557654321 &park()',
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        variables: [
          ['origination_uuid', '5f1c'],
          ['origination_caller_id_number', '15550001111'],
          ['originate_timeout', '30'],
          ['ignore_early_media', 'true'],
          ['sip_h_X-Attempt-Id', 'a42'],
          ['ori_attempt_id', 'a42'],
          ['note', 'x,y'],
        ],
        endpoint: 'sofia/gateway/carrier1/+15557654321',
        gateway: 'carrier1',
        number: '+15557654321',
        application: { name: 'park', arg: '' },
        callerIdNumber: '15550001111',
        timeoutS: 30,
      },
    });
  });

  it('cuts the application argument at the first )', () => {
    const parsed = parseOriginate('sofia/gateway/gw/123 &bridge(sofia/external/bot@10.0.0.1)extra)');
    expect(parsed.ok && parsed.value.application).toEqual({
      name: 'bridge',
      arg: 'sofia/external/bot@10.0.0.1',
    });
  });

  it('takes caller id and timeout from the positional arguments when no variable gives them', () => {
    const parsed = parseOriginate('sofia/gateway/gw/123 1000 XML default Alice 15551234 45');
    expect(parsed.ok && parsed.value).toMatchObject({
      application: { extension: '1000', dialplan: 'XML', context: 'default' },
      callerIdName: 'Alice',
      callerIdNumber: '15551234',
      timeoutS: 45,
    });
  });

  it('defaults the timeout to 60 s and accepts [leg] variables and sofia/<profile>/<n>@<host>', () => {
    const parsed = parseOriginate('[leg=1]sofia/external/15551234@carrier.example &park()');
    expect(parsed.ok && parsed.value).toMatchObject({
      variables: [['leg', '1']],
      gateway: 'carrier.example',
      number: '15551234',
      timeoutS: 60,
    });
  });

  it('answers -USAGE or -ERR as mod_commands would', () => {
    expect(parseOriginate(undefined)).toEqual({ ok: false, reply: `-USAGE: ${ORIGINATE_SYNTAX}\n` });
    expect(parseOriginate('sofia/gateway/gw/1')).toEqual({
      ok: false,
      reply: `-USAGE: ${ORIGINATE_SYNTAX}\n`,
    });
    expect(parseOriginate('loopback/1000 &park()')).toEqual({
      ok: false,
      reply: '-ERR CHAN_NOT_IMPLEMENTED\n',
    });
    expect(parseOriginate('sofia/gateway/gw &park()')).toEqual({
      ok: false,
      reply: '-ERR INVALID_GATEWAY\n',
    });
  });
});
