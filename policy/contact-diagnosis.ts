/**
 * Why one contact is where it is (GET …/contacts/:contact_id/diagnose, troubleshooting "Retries are not
 * happening", "Contacts stuck in a working state"): its state and the reason, from the same rules that put
 * it there — the decision `planAfterAttempt` made after its last attempt (retry rules against the last
 * outcome, max attempts, the stop rule, callbacks), exclusion and opt-out, the run's status and the calling
 * window — and every gate a dial must pass, each with whether it is open now. Pure.
 */
import type { CampaignConfig } from './campaign-config';
import { localClock } from './contact-timezone';
import { dialGate, type DialRunState } from './dial-gate';
import { capAllowsAt, capWindowMs, type FrequencyCap } from './frequency-cap';
import { insideRecipientHours, nextRecipientOpening } from './recipient-hours';

export interface ContactDiagnosisFacts {
  now: Date;
  campaignStatus: string;
  config: CampaignConfig;
  botCallbackEnabled: boolean;
  insideWindow: boolean;
  nextOpening: Date | null;
  contact: {
    /** The state in the current run (a contact of an earlier run reads as the coming start makes it). */
    state: string;
    attempts: number;
    pass: number;
    nextDueAt: Date | null;
    /** Set when its timer fired and it waits for a seat. */
    readyAt: Date | null;
    callbackAt: Date | null;
    excluded: boolean;
    exclusionReason: string | null;
    /** One of its numbers is on the do-not-call list. */
    optedOut: boolean;
    redialsStopped: boolean;
    exhaustedRetries: boolean;
    /** The zones its recipient hours are judged in (policy/contact-timezone.ts `contactTimezones`). */
    timezones?: string[];
    /** What holds it back until `nextDueAt` on its workflow's own timer (`recipient_hours`, `frequency_cap`). */
    heldBy?: string | null;
  };
  /** The organisation's frequency cap and the dials placed to its number in the cap's window; null: no cap. */
  frequency?: { cap: FrequencyCap; placedAt: Date[] } | null;
  /** The attempt holding a place for it now: on deck (leased) or a call in flight. */
  openAttempt: { attemptId: string; status: string; originateSentAt: Date | null } | null;
  /** The decision after its last ended attempt, replayed with the pure rules. */
  lastDecision: {
    reason: string;
    outcome: string;
    sipCode: number | null;
    disposition: string | null;
    endedAt: Date;
    callbackRequested: boolean;
  } | null;
}

export interface Gate {
  gate:
    | 'campaign_running'
    | 'calling_window'
    | 'not_excluded'
    | 'not_opted_out'
    | 'max_attempts'
    | 'retry_rule'
    | 'retry_delay'
    | 'callback_gates'
    | 'stop_rule'
    | 'recipient_hours'
    | 'frequency_cap';
  ok: boolean;
  detail: string;
}

export interface ContactExplanation {
  /** A stable machine name of the reason (e.g. `waiting_retry_delay`, `max_attempts`, `in_call`). */
  reason: string;
  /** One sentence an operator can read out. */
  explanation: string;
  gates: Gate[];
}

const WAITING = ['pending', 'retry_scheduled', 'callback_scheduled'];
const IN_FLIGHT = ['dialling', 'ringing', 'in_progress'];

/** What each decision reason of the pure rules means, in the guide's words. */
export const DECISION_WORDS: Readonly<Record<string, string>> = {
  excluded: 'it was excluded',
  opted_out: 'its number is on the do-not-call list',
  opt_out: 'the person asked not to be called again (OPT_OUT)',
  callback: 'the person asked for a callback',
  stop_after_connect: 'the stop rule ended redials after a meaningful connect',
  next_phone: 'the next of its phones is dialled in the same pass',
  retry_system_outcome: 'its last outcome is a ticked Retry on System Disposition',
  retry_custom_disposition: 'its last disposition is listed under Custom Retry Dispositions',
  retry_short_connect: 'the call was shorter than the Redial after a short connect threshold',
  max_attempts: 'it reached Max Attempts',
  no_retry_rule: 'its last outcome is not in the retry rules',
};

const words = (reason: string): string => DECISION_WORDS[reason] ?? reason;

function runStateOf(campaignStatus: string): DialRunState {
  if (campaignStatus === 'running') return 'running';
  if (campaignStatus === 'paused') return 'paused';
  return campaignStatus === 'draft' ? 'not_running' : 'ended';
}

export function explainContact(f: ContactDiagnosisFacts): ContactExplanation {
  const c = f.contact;
  const last = f.lastDecision;
  const gates: Gate[] = [
    {
      gate: 'campaign_running',
      ok: f.campaignStatus === 'running',
      detail: `the campaign is ${f.campaignStatus}`,
    },
    {
      gate: 'calling_window',
      ok: f.insideWindow,
      detail: f.insideWindow
        ? 'inside the calling window on a working day'
        : `outside the calling window${f.nextOpening ? `; it opens at ${f.nextOpening.toISOString()}` : ''}`,
    },
    {
      gate: 'not_excluded',
      ok: !c.excluded,
      detail: c.excluded ? `excluded${c.exclusionReason ? ` (${c.exclusionReason})` : ''}` : 'not excluded',
    },
    {
      gate: 'not_opted_out',
      ok: !c.optedOut,
      detail: c.optedOut ? 'a number is on the do-not-call list' : 'no number on the do-not-call list',
    },
    {
      gate: 'max_attempts',
      ok: !c.exhaustedRetries && c.pass <= f.config.max_attempts,
      detail: `pass ${c.pass} of max ${f.config.max_attempts} (${c.attempts} dials this run)`,
    },
    {
      gate: 'stop_rule',
      ok: !c.redialsStopped,
      detail: c.redialsStopped ? 'redials were stopped after a meaningful connect' : 'redials not stopped',
    },
  ];
  const hours = f.config.recipient_hours;
  const zones = c.timezones ?? [];
  if (hours && zones.length > 0) {
    const open = insideRecipientHours(hours, zones, f.now);
    const clock = localClock(zones, f.now);
    const opens = open ? null : nextRecipientOpening(hours, zones, f.now);
    gates.push({
      gate: 'recipient_hours',
      ok: open,
      detail:
        `its local time is ${clock.local_time} (${clock.timezone}); recipient hours ${hours.start}–${hours.end}` +
        (open
          ? ''
          : opens
            ? `; they open at ${opens.toISOString()}`
            : '; they never hold in all its zones at once'),
    });
  }
  if (f.frequency) {
    const { cap, placedAt } = f.frequency;
    const since = f.now.getTime() - capWindowMs(cap);
    const counted = placedAt.filter((p) => p.getTime() > since).length;
    const allowsAt = capAllowsAt(cap, placedAt, f.now);
    const ok = allowsAt.getTime() <= f.now.getTime();
    gates.push({
      gate: 'frequency_cap',
      ok,
      detail:
        `${counted} of at most ${cap.max_calls} calls to its number in the last ${cap.per_hours} h (every campaign)` +
        (ok ? '' : `; the next is allowed at ${allowsAt.toISOString()}`),
    });
  }
  if (last) {
    gates.push({
      gate: 'retry_rule',
      ok: last.reason.startsWith('retry_') || last.reason === 'next_phone' || last.reason === 'callback',
      detail: `last outcome ${last.outcome}${last.sipCode ? ` (SIP ${last.sipCode})` : ''}${last.disposition ? `, disposition ${last.disposition}` : ''}: ${words(last.reason)}`,
    });
  }
  if (c.state === 'retry_scheduled' && c.nextDueAt) {
    gates.push({
      gate: 'retry_delay',
      ok: c.nextDueAt.getTime() <= f.now.getTime(),
      detail: `due at ${c.nextDueAt.toISOString()} (retry delay ${f.config.retry_delay_minutes} min)`,
    });
  }
  if (last?.callbackRequested) {
    const open = f.config.callback_detection && f.botCallbackEnabled;
    gates.push({
      gate: 'callback_gates',
      ok: open,
      detail: open
        ? 'callback detection is on and the bot has callbacks enabled'
        : `a callback was asked for but ${f.config.callback_detection ? 'the bot has callbacks disabled' : 'callback detection is off for the campaign'}`,
    });
  }

  const say = (reason: string, explanation: string): ContactExplanation => ({ reason, explanation, gates });

  if (c.state === 'excluded') {
    return c.optedOut && !c.excluded
      ? say('opted_out', 'Final: its number is on the do-not-call list, so it is never dialled.')
      : say(
          'excluded',
          `Final: it was excluded${c.exclusionReason ? ` (${c.exclusionReason})` : ''}; never dialled again in this run.`,
        );
  }
  if (c.state === 'window_closed') {
    return say('window_ended', 'Final: the single-day calling window ended before it was reached.');
  }
  if (c.state === 'manually_stopped')
    return say('stopped', 'Final: the run was stopped before it was reached.');
  if (!WAITING.includes(c.state) && !IN_FLIGHT.includes(c.state)) {
    // completed, failed, abandoned, machine: the decision after its last attempt.
    return last
      ? say(last.reason, `Final (${c.state}): ${words(last.reason)}.`)
      : say('final', `Final (${c.state}).`);
  }
  if (IN_FLIGHT.includes(c.state) || (f.openAttempt && f.openAttempt.status !== 'leased')) {
    const a = f.openAttempt;
    const age = a?.originateSentAt
      ? Math.round((f.now.getTime() - a.originateSentAt.getTime()) / 1000)
      : null;
    return say(
      'in_call',
      `A call is in flight (${c.state}${a ? `, attempt ${a.attemptId}` : ''}${age !== null ? `, placed ${age} s ago` : ''}).`,
    );
  }
  if (f.openAttempt?.status === 'leased') {
    return say(
      'on_deck',
      `It is on deck (attempt ${f.openAttempt.attemptId}): it takes the next free seat or carrier slot.`,
    );
  }
  // Waiting: the dial gate (policy/dial-gate.ts) says whether it may be dialled now, and if not why and from when.
  const verdict = dialGate({
    campaign: f.config,
    run: { state: runStateOf(f.campaignStatus) },
    contact: {
      suppressed: c.excluded || c.optedOut,
      final: false,
      dueAt: c.nextDueAt ?? c.readyAt,
      ...(zones.length > 0 ? { timezones: zones } : {}),
      ...(f.frequency ? { frequency: f.frequency } : {}),
    },
    now: f.now,
  });
  // Held by the claim: it sleeps on its workflow's own timer to `nextDueAt`, then asks for a seat again.
  const held = c.heldBy === 'recipient_hours' || c.heldBy === 'frequency_cap' ? c.heldBy : null;
  const timer = held && c.nextDueAt ? `; its workflow marks it ready at ${c.nextDueAt.toISOString()}` : '';
  if (verdict.allowed) {
    return c.readyAt
      ? say('waiting_for_seat', `It is due since ${c.readyAt.toISOString()} and waits for a free seat.`)
      : say('waiting_for_timer', 'It waits for its workflow to make it ready (its due time has passed).');
  }
  const from = verdict.until ? `; it may be dialled from ${verdict.until.toISOString()}` : '';
  if (verdict.reason === 'suppressed') {
    return c.optedOut
      ? say('opted_out', 'Its number is on the do-not-call list: it will not be dialled.')
      : say('excluded', 'It was excluded: it will not be dialled again in this run.');
  }
  if (verdict.reason === 'outside_recipient_hours' || verdict.reason === 'frequency_cap') {
    return say(verdict.reason, `It waits: ${verdict.detail}${from}${timer}.`);
  }
  if (verdict.reason === 'not_due' && held) {
    const why =
      held === 'recipient_hours'
        ? 'it was outside its own recipient hours'
        : "its number had reached the organisation's frequency cap";
    return say(
      held === 'recipient_hours' ? 'outside_recipient_hours' : 'frequency_cap',
      `Held: ${why} when its seat came${timer}.`,
    );
  }
  if (verdict.reason === 'not_due' && c.state === 'callback_scheduled') {
    return say('callback_scheduled', `A callback is scheduled for ${c.nextDueAt?.toISOString() ?? 'later'}.`);
  }
  if (verdict.reason === 'not_due' && c.state === 'retry_scheduled') {
    return say(
      'waiting_retry_delay',
      `It waits for its retry delay until ${c.nextDueAt?.toISOString() ?? 'later'}${last ? ` (${words(last.reason)})` : ''}.`,
    );
  }
  return say(verdict.reason, `It waits: ${verdict.detail}${from}.`);
}
