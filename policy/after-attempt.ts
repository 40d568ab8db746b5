import type { CampaignConfig } from './campaign-config';
import type { ContactState } from './contact-state';
import type { Outcome } from './outcome';
import { decideNext } from './next-step';
import { dialGate } from './dial-gate';
import { isOptOutDisposition } from './opt-out';

/** Everything the contact workflow needs to decide what follows an attempt (pure policy input). */
export interface AttemptFacts {
  config: CampaignConfig;
  botCallbackEnabled: boolean;
  campaignStatus: string;
  campaignRunNo: number;
  completionReason: string | null;
  contact: {
    phones: string[];
    attempts: number;
    pass: number;
    phoneIndex: number;
    excluded: boolean;
    optedOut: boolean;
    final: boolean;
    reachedPhoneIndex: number | null;
    redialsStopped: boolean;
    /**
     * The zones its recipient hours are judged in (policy/contact-timezone.ts); absent from facts recorded
     * before the redial waited for them, which replay as they were decided.
     */
    timezones?: string[];
    /** The earlier attempts of the current pass (the contact's other phones), oldest first. */
    passHistory: {
      outcome: Outcome;
      talkS: number | null;
      disposition: string | null;
      turns: number | null;
    }[];
  };
  last: {
    attemptId: string;
    outcome: Outcome;
    talkS: number | null;
    disposition: string | null;
    turns: number | null;
    callbackAt: string | null;
    endedAt: string;
    hasResult: boolean;
  } | null;
}

/** What the workflow decided after an attempt, written for the call list and admission. */
export type ContactStep =
  | {
      kind: 'final';
      state: ContactState;
      outcome: Outcome | null;
      disposition: string | null;
      exhaustedRetries: boolean;
    }
  | {
      kind: 'redial';
      dueAt: string;
      pass: number;
      phoneIndex: number;
      priority: number;
      isCallback: boolean;
      reachedPhoneIndex: number | null;
      redialsStopped: boolean;
      outcome: Outcome | null;
      disposition: string | null;
    };

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
  /** What moved the redial past its due time; null when it is dialled when due. */
  movedBy: RedialMovedBy | null;
}

/**
 * What moved a redial that was due earlier to its next opening: the campaign's calling window (or working
 * days), or the contact's own recipient hours.
 */
export type RedialMovedBy = 'window' | 'recipient_hours';

const DAY_MS = 24 * 3_600_000;

export function planAfterAttempt(facts: AttemptFacts, now: Date): AfterAttemptPlan {
  const last = facts.last;
  const outcome = last?.outcome ?? null;
  const disposition = last?.disposition ?? null;
  const optOut = isOptOutDisposition(disposition);
  const final = (
    state: Extract<ContactStep, { kind: 'final' }>['state'],
    reason: string,
    exhaustedRetries = false,
  ): AfterAttemptPlan => ({
    step: { kind: 'final' as const, state, outcome, disposition, exhaustedRetries },
    optOut,
    reason,
    movedBy: null,
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
      passHistory: facts.contact.passHistory,
    },
    last: {
      outcome: last.outcome,
      talkS: last.talkS,
      disposition: last.disposition,
      turns: last.turns,
      callbackAt: last.callbackAt ? new Date(last.callbackAt) : null,
      endedAt: new Date(last.endedAt),
    },
    now,
  });
  if (next.kind === 'final') return final(next.state, next.reason, next.exhaustedRetries);

  // The gate says when the redial may happen: not before it is due, and then at the window's next opening.
  // A paused run still schedules it (the pause holds admission, not the contact's timer); a run that ended
  // while this call was in flight dials no more.
  const runEnded = !['running', 'paused'].includes(facts.campaignStatus);
  const gateFor = (timezones: string[] | undefined) =>
    dialGate({
      campaign: facts.config,
      ...(runEnded ? { run: { state: 'ended' as const } } : {}),
      contact: {
        suppressed: facts.contact.excluded,
        dueAt: next.dueAt,
        // The redial waits for the contact's own hours too: its timer runs to its own next opening.
        ...(timezones ? { timezones } : {}),
      },
      now,
    });
  const gate = gateFor(facts.contact.timezones ?? undefined);
  if (!gate.allowed && gate.reason === 'suppressed') {
    return final('excluded', 'excluded while the call was in flight');
  }
  if (!gate.allowed && gate.reason === 'run_ended') {
    return facts.completionReason === 'window_ended'
      ? final('window_closed', 'the calling window ended')
      : final('manually_stopped', 'the run was stopped');
  }
  // A number whose zones never share an open hour has no opening: it is looked at again a day later (as the
  // claim does), never dialled outside them.
  const noSharedHour = !gate.allowed && gate.until === null && gate.reason === 'outside_recipient_hours';
  const opening = gate.allowed ? now : noSharedHour ? new Date(now.getTime() + DAY_MS) : gate.until;
  // A validated config always has an opening within a week; failing the workflow task (retried until the
  // config is fixed) is what an invalid one did before.
  if (!opening) throw new RangeError(`no calling window opens for ${JSON.stringify(facts.config.window)}`);
  // Which rule moved the redial past its due time: the contact's own hours when the campaign's alone would
  // have let it go earlier.
  let movedBy: AfterAttemptPlan['movedBy'] = null;
  if (opening.getTime() > Math.max(next.dueAt.getTime(), now.getTime())) {
    const campaignOnly = facts.contact.timezones ? gateFor(undefined) : null;
    const campaignOpening = campaignOnly && (campaignOnly.allowed ? now : campaignOnly.until);
    movedBy = campaignOpening && campaignOpening.getTime() < opening.getTime() ? 'recipient_hours' : 'window';
  }
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
    movedBy,
  };
}
