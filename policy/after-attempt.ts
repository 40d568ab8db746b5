import type { AttemptFacts, ContactStep } from '../db/repositories/attempts.repository';
import type { Outcome } from './outcome';
import { decideNext } from './next-step';
import { nextOpening } from './calendar';

/**
 * What follows an attempt, from everything the contact workflow loaded about it: the retry/redial/callback
 * rules of `decideNext`, then what the run's own state imposes (a stopped or window-ended run dials no
 * more; an excluded contact is never dialled again), then the calling window (a due time outside it moves
 * to the next opening). Pure, so the workflow replays it deterministically and tests cover every branch.
 */
export interface AfterAttemptPlan {
  step: ContactStep;
  /** The caller asked to be removed: the number goes on the organisation's opt-out list. */
  optOut: boolean;
  reason: string;
}

export function planAfterAttempt(facts: AttemptFacts, now: Date): AfterAttemptPlan {
  const last = facts.last;
  const outcome = last?.outcome ?? null;
  const disposition = last?.disposition ?? null;
  const optOut = (disposition ?? '').trim().toUpperCase() === 'OPT_OUT';
  const final = (
    state: Extract<ContactStep, { kind: 'final' }>['state'],
    reason: string,
    exhaustedRetries = false,
  ): AfterAttemptPlan => ({
    step: { kind: 'final' as const, state, outcome, disposition, exhaustedRetries },
    optOut,
    reason,
  });

  if (!last) return final('failed', 'attempt has no recorded end');

  const next = decideNext({
    config: facts.config,
    botCallbackEnabled: facts.botCallbackEnabled,
    contact: {
      phones: facts.contact.phones,
      attempts: facts.contact.attempts,
      pass: facts.contact.pass,
      phoneIndex: facts.contact.phoneIndex,
      optedOut: facts.contact.optedOut,
      excluded: facts.contact.excluded,
      reachedPhoneIndex: facts.contact.reachedPhoneIndex,
      redialsStopped: facts.contact.redialsStopped,
      passHistory: facts.contact.passHistory.map((a) => ({ ...a, outcome: a.outcome as Outcome })),
    },
    last: {
      outcome: last.outcome as Outcome,
      talkS: last.talkS,
      disposition: last.disposition,
      turns: last.turns,
      callbackAt: last.callbackAt ? new Date(last.callbackAt) : null,
      endedAt: new Date(last.endedAt),
    },
    now,
  });
  if (next.kind === 'final') return final(next.state, next.reason, next.exhaustedRetries);

  // The run ended while this call was in flight: no more dials in it.
  const runEnded = !['running', 'paused'].includes(facts.campaignStatus);
  if (runEnded) {
    return facts.completionReason === 'window_ended'
      ? final('window_closed', 'the calling window ended')
      : final('manually_stopped', 'the run was stopped');
  }
  if (facts.contact.excluded) return final('excluded', 'excluded while the call was in flight');

  const due = new Date(Math.max(next.dueAt.getTime(), now.getTime()));
  const opening = nextOpening(facts.config.window, facts.config.working_days, due);
  return {
    step: {
      kind: 'redial',
      dueAt: opening.toISOString(),
      pass: next.pass,
      phoneIndex: next.phoneIndex,
      priority: next.priority,
      isCallback: next.isCallback,
      reachedPhoneIndex: next.reachedPhoneIndex ?? facts.contact.reachedPhoneIndex,
      redialsStopped: next.redialsStopped ?? facts.contact.redialsStopped,
      outcome,
      disposition,
    },
    optOut,
    reason: next.reason,
  };
}
