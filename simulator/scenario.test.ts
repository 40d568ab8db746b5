import { describe, expect, it } from 'vitest';
import { compileScenario, DEFAULT_SCENARIO, numberKey, parseToken, ScenarioError } from './scenario';

describe('parseToken', () => {
  it.each([
    ['answer', { kind: 'answer' }],
    ['answer:40', { kind: 'answer', talkS: 40 }],
    ['answer:40:INTERESTED', { kind: 'answer', talkS: 40, disposition: 'INTERESTED' }],
    ['answer:5:COMPLETED:30', { kind: 'answer', talkS: 5, disposition: 'COMPLETED', callbackInMin: 30 }],
    ['answer::CALLBACK', { kind: 'answer', disposition: 'CALLBACK' }],
    ['no_answer', { kind: 'no_answer' }],
    ['no_answer:25', { kind: 'no_answer', ringS: 25 }],
    ['ring', { kind: 'ring' }],
    ['nocode', { kind: 'nocode' }],
    ['nocode:3.5', { kind: 'nocode', ringS: 3.5 }],
    ['sip:486', { kind: 'sip', code: 486 }],
    ['sip:503:2', { kind: 'sip', code: 503, ringS: 2 }],
    ['machine', { kind: 'machine' }],
    ['machine:12', { kind: 'machine', talkS: 12 }],
    ['fleet_busy', { kind: 'fleet_busy' }],
    ['error', { kind: 'error' }],
    ['stall', { kind: 'stall' }],
    ['drop', { kind: 'drop' }],
  ])('%s', (text, expected) => {
    expect(parseToken(text)).toEqual(expected);
  });

  it.each([
    ['', /non-empty/],
    ['hello', /unknown token/],
    ['sip', /failure code/],
    ['sip:200', /failure code/],
    ['sip:abc', /failure code/],
    ['sip:486:x', /ring_s/],
    ['answer:-1', /talk_s/],
    ['answer:10:bad disposition', /disposition/],
    ['answer:1:A:2:3', /too many fields/],
    ['ring:10', /too many fields/],
    ['no_answer:soon', /ring_s/],
  ])('rejects %j', (text, message) => {
    expect(() => parseToken(text)).toThrow(ScenarioError);
    expect(() => parseToken(text)).toThrow(message);
  });
});

describe('numberKey', () => {
  it('matches numbers by their digits, with or without +', () => {
    expect(numberKey('+14155550101')).toBe('14155550101');
    expect(numberKey('14155550101')).toBe('14155550101');
  });
});

describe('compileScenario', () => {
  it('fills every default from docs/simulator.md when given nothing', () => {
    const { scenario, compiled } = compileScenario({});
    expect(scenario).toEqual(DEFAULT_SCENARIO);
    expect(compiled.timeScale).toBe(1);
    expect(compiled.cpsLimit).toBeNull();
    expect(compiled.defaultTokens.map((t) => t.text)).toEqual([
      'answer',
      'no_answer',
      'sip:486',
      'sip:603',
      'machine',
      'error',
    ]);
    expect(compiled.ringRangeS).toEqual([2, 20]);
  });

  it('accepts the documented example and keys numbers by digits', () => {
    const { scenario, compiled } = compileScenario({
      time_scale: 0.01,
      cps_limit: 5,
      default: { answer: 1, ring_s: [1, 2], talk_s: [3, 4], disposition: { COMPLETED: 1 } },
      numbers: { '+14155550101': ['sip:486', 'no_answer:25', 'answer:40:INTERESTED'] },
    });
    expect(scenario.time_scale).toBe(0.01);
    expect(scenario.cps_limit).toBe(5);
    expect(scenario.numbers).toEqual({ '+14155550101': ['sip:486', 'no_answer:25', 'answer:40:INTERESTED'] });
    expect(compiled.numbers.get('14155550101')?.map((t) => t.token.kind)).toEqual([
      'sip',
      'no_answer',
      'answer',
    ]);
  });

  it.each([
    [[], /JSON object/],
    [{ time_scale: 0 }, /time_scale/],
    [{ time_scale: 'fast' }, /time_scale/],
    [{ cps_limit: -1 }, /cps_limit/],
    [{ speed: 2 }, /unknown scenario field "speed"/],
    [{ default: { bogus: 1 } }, /unknown token "bogus"/],
    [{ default: { answer: 0 } }, /positive weight/],
    [{ default: { answer: -1 } }, /weight/],
    [{ default: { answer: 1, ring_s: [5, 1] } }, /min 5 is above max 1/],
    [{ default: { answer: 1, talk_s: 10 } }, /talk_s/],
    [{ default: { answer: 1, disposition: { COMPLETED: 0 } } }, /disposition/],
    [{ numbers: { '+1555': [] } }, /non-empty list/],
    [{ numbers: { '+1555': ['answer', 'sip:99'] } }, /failure code/],
    [{ numbers: { '+1555': [1] } }, /strings/],
    [{ numbers: { abc: ['answer'] } }, /no digits/],
    [{ numbers: { '+1555': ['answer'], '1555': ['error'] } }, /listed twice/],
  ])('rejects %j with a message', (input, message) => {
    expect(() => compileScenario(input)).toThrow(ScenarioError);
    expect(() => compileScenario(input)).toThrow(message);
  });
});
