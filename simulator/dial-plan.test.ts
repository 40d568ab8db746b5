import { describe, expect, it } from 'vitest';
import {
  BRIEF_RING_S,
  drawDial,
  planCall,
  throttledPlan,
  type DialBehaviour,
  type NumberCounters,
} from './dial-plan';
import { compileScenario } from './scenario';
import { createSeededRandom } from './weighted-draw';

function behaviourOf(token: string): DialBehaviour {
  const { compiled } = compileScenario({ numbers: { '+15550000001': [token] } });
  return drawDial(compiled, '+15550000001', new Map(), createSeededRandom(1));
}

describe('drawDial', () => {
  it('takes a listed number’s tokens in order, the last repeating, matching with or without +', () => {
    const { compiled } = compileScenario({
      numbers: { '+14155550101': ['sip:486', 'no_answer:25', 'answer:40:INTERESTED'] },
    });
    const counters: NumberCounters = new Map();
    const random = createSeededRandom(1);
    const texts = ['+14155550101', '14155550101', '+14155550101', '14155550101'].map(
      (n) => drawDial(compiled, n, counters, random).text,
    );
    expect(texts).toEqual(['sip:486', 'no_answer:25', 'answer:40:INTERESTED', 'answer:40:INTERESTED']);
  });

  it('resolves listed tokens with the table’s defaults', () => {
    expect(behaviourOf('answer')).toMatchObject({ ringS: BRIEF_RING_S, talkS: 20, disposition: 'COMPLETED' });
    expect(behaviourOf('answer:5:COMPLETED:30')).toMatchObject({ talkS: 5, callbackInMin: 30 });
    expect(behaviourOf('no_answer')).toMatchObject({ ringS: 30 });
    expect(behaviourOf('sip:486')).toMatchObject({ ringS: 0, sipCode: 486 });
    expect(behaviourOf('sip:486:4')).toMatchObject({ ringS: 4 });
    expect(behaviourOf('nocode')).toMatchObject({ ringS: 0 });
    expect(behaviourOf('ring').ringS).toBe(Number.POSITIVE_INFINITY);
    expect(behaviourOf('machine')).toMatchObject({ ringS: BRIEF_RING_S, talkS: 10 });
    expect(behaviourOf('fleet_busy')).toMatchObject({ ringS: BRIEF_RING_S, talkS: 1 });
  });

  it('draws other numbers from the seeded default, repeatably', () => {
    const { compiled } = compileScenario({});
    const run = (seed: number) => {
      const random = createSeededRandom(seed);
      const counters: NumberCounters = new Map();
      return Array.from({ length: 30 }, (_, i) => drawDial(compiled, `+1555000${i}`, counters, random));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42).map((b) => b.text)).not.toEqual(run(43).map((b) => b.text));
    for (const b of run(42)) {
      expect(b.fromDefault).toBe(true);
      if (b.kind === 'answer') {
        expect(b.ringS).toBeGreaterThanOrEqual(2);
        expect(b.ringS).toBeLessThanOrEqual(20);
        expect(b.talkS).toBeGreaterThanOrEqual(10);
        expect(['COMPLETED', 'INTERESTED']).toContain(b.disposition);
      }
    }
  });

  it('lets a default key carry its own parameters', () => {
    const { compiled } = compileScenario({ default: { 'answer:7:HOT': 1, ring_s: [3, 3] } });
    const b = drawDial(compiled, '+1999', new Map(), createSeededRandom(1));
    expect(b).toMatchObject({ kind: 'answer', ringS: 3, talkS: 7, disposition: 'HOT' });
  });
});

describe('planCall', () => {
  it('answer: answered after the ring, posts a result', () => {
    expect(planCall(behaviourOf('answer:40'), 30)).toEqual({
      type: 'answers',
      outcome: 'answered',
      ringS: 1,
      answered: { talkS: 40, postsResult: true },
    });
  });

  it('no_answer: SIP 480, NO_USER_RESPONSE', () => {
    expect(planCall(behaviourOf('no_answer:25'), 30)).toEqual({
      type: 'fails',
      outcome: 'no_answer',
      ringS: 25,
      failure: {
        hangupCause: 'NO_USER_RESPONSE',
        sipTermStatus: 480,
        sipInviteFailureStatus: 480,
        sipHangupDisposition: 'recv_refuse',
      },
    });
  });

  it('a ring longer than originate_timeout is cut by it: rnr, NO_ANSWER, no sip_term_status', () => {
    for (const token of ['ring', 'no_answer:45', 'answer', 'sip:486:50']) {
      const plan = planCall(behaviourOf(token), token === 'answer' ? 0.5 : 30);
      expect(plan).toMatchObject({ type: 'fails', outcome: 'rnr' });
      if (plan.type !== 'fails') throw new Error('unreachable');
      expect(plan.failure).toEqual({
        hangupCause: 'NO_ANSWER',
        sipInviteFailureStatus: 487,
        sipHangupDisposition: 'send_cancel',
      });
    }
    // Equal is not longer: the 480 arrives as the timer would fire.
    expect(planCall(behaviourOf('no_answer:30'), 30).outcome).toBe('no_answer');
  });

  it('sip codes map through the FreeSWITCH table', () => {
    const plan = planCall(behaviourOf('sip:603'), 30);
    expect(plan).toMatchObject({
      outcome: 'sip:603',
      ringS: 0,
      failure: { hangupCause: 'CALL_REJECTED', sipTermStatus: 603 },
    });
  });

  it('nocode fails without any SIP variable', () => {
    expect(planCall(behaviourOf('nocode:2'), 30)).toEqual({
      type: 'fails',
      outcome: 'nocode',
      ringS: 2,
      failure: { hangupCause: 'NORMAL_UNSPECIFIED' },
    });
  });

  it('machine, fleet_busy, stall and drop answer with their markers', () => {
    expect(planCall(behaviourOf('machine:12'), 30)).toMatchObject({
      outcome: 'machine',
      answered: { talkS: 12, amdResult: 'MACHINE', postsResult: false },
    });
    expect(planCall(behaviourOf('fleet_busy'), 30)).toMatchObject({
      outcome: 'fleet_busy',
      answered: { talkS: 1, bridgeHangupCause: 'NORMAL_TEMPORARY_FAILURE', postsResult: false },
    });
    expect(planCall(behaviourOf('stall'), 30)).toMatchObject({ outcome: 'stall', answered: { talkS: null } });
    expect(planCall(behaviourOf('drop'), 30)).toMatchObject({
      outcome: 'dropped',
      answered: { talkS: 20, dropConnectionAfterS: 1, postsResult: true },
    });
  });

  it('error fails the job with no channel', () => {
    expect(planCall(behaviourOf('error'), 30)).toEqual({
      type: 'no_channel',
      outcome: 'error',
      cause: 'DESTINATION_OUT_OF_ORDER',
    });
  });

  it('a throttled dial is an immediate 429', () => {
    expect(throttledPlan()).toMatchObject({
      outcome: 'sip:429',
      ringS: 0,
      failure: { hangupCause: 'BAD_IDENTITY_INFO', sipTermStatus: 429 },
    });
  });
});
