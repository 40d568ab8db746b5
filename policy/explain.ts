/**
 * How the workflows explain themselves in their Temporal history: the one-line summary of every timer and
 * activity (what it waits for and why), the decision record after an attempt, and the current details and
 * view an engineer reads on escalation. Pure text from facts the workflows already hold; replay never
 * compares these texts, so improving one is not a workflow change.
 */
import type { RedialMovedBy } from './after-attempt';

/** "Mon 09:00 America/New_York": the weekday and time where the campaign's calendar is kept. */
export function localTime(at: Date | string, timezone: string): string {
  const when = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(when.getTime())) return String(at);
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(when);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('hour')}:${part('minute')} ${timezone}`;
}

/** "2 min", "30 min", "1 h 30 min", "45 s": a wait as a person says it. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (h < 48) return rest ? `${h} h ${rest} min` : `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/** What the contact's timer to its next attempt says: why it waits and until when. */
export interface NextAttemptWait {
  /** The outcome of the attempt that just ended. */
  outcome: string | null;
  /** The pass of that attempt and of the next one. */
  passFrom: number;
  passTo: number;
  /** The number (index) of that attempt and of the next one, and how many the contact has. */
  phoneFrom: number;
  phoneTo: number;
  phones: number;
  isCallback: boolean;
  dueAt: string;
  /** What moved the due time to its next opening: the calling window, or the contact's own hours. */
  movedBy: RedialMovedBy | null;
  timezone: string;
  /** The contact's own zone(s), said with a move by its recipient hours. */
  contactTimezones?: readonly string[] | null;
}

export function nextAttemptSummary(w: NextAttemptWait): string {
  const after = w.outcome ?? 'an attempt with no outcome';
  const at = localTime(w.dueAt, w.timezone);
  let why: string;
  if (w.isCallback) why = `callback requested for ${at}`;
  else if (w.passTo !== w.passFrom) why = `retry delay after ${after}, pass ${w.passFrom} → ${w.passTo}`;
  else if (w.phoneTo !== w.phoneFrom)
    why = `next number (${w.phoneTo + 1} of ${w.phones}) after ${after} on number ${w.phoneFrom + 1}, pass ${w.passTo}`;
  else why = `redial after ${after}, pass ${w.passTo}`;
  if (w.movedBy === 'window') return `${why}; window closed until ${at}`;
  if (w.movedBy === 'recipient_hours') {
    const own = w.contactTimezones?.[0];
    const local = own && own !== w.timezone ? ` (${localTime(w.dueAt, own)})` : '';
    return `${why}; outside the contact's own hours until ${at}${local}`;
  }
  return w.isCallback ? why : `${why}, due ${at}`;
}

export function resultWaitSummary(attemptNo: number, attemptId: string, waitMs: number): string {
  return `waiting for the post-call result of attempt ${attemptNo} (${attemptId}), up to ${duration(waitMs)}`;
}

/** The grace for a post-call result ran out: asking how much of it no API instance could take results. */
export function resultOutageCheckSummary(attemptNo: number, graceMs: number): string {
  return `no post-call result for attempt ${attemptNo} in ${duration(graceMs)}: was part of it an API outage?`;
}

/** Waiting on for the time results could not be delivered (policy/result-wait.ts). */
export function resultOutageWaitSummary(attemptNo: number, moreMs: number): string {
  return `post-call result of attempt ${attemptNo}: ${duration(moreMs)} more, for the time results could not be delivered`;
}

export function admissionRecheckSummary(everyMs: number, attempts: number): string {
  return `waiting for admission (a seat) after ${attempts} attempt(s); admission re-check: is the contact still callable, every ${duration(everyMs)}`;
}

/** A contact held back, until its own time, by its recipient hours or the frequency cap. */
export function heldSummary(reason: string, until: string): string {
  const why =
    reason === 'recipient_hours'
      ? 'outside its own recipient hours'
      : reason === 'frequency_cap'
        ? "the number reached the organisation's frequency cap"
        : reason;
  return `held: ${why}; its own timer marks it ready at ${until}`;
}

export function windowWaitSummary(opening: Date | null, timezone: string): string {
  return opening
    ? `window closed until ${localTime(opening, timezone)}`
    : 'window closed and no opening ahead: waiting for a config change or a stop';
}

export function pausedSummary(everyMs: number): string {
  return `paused: waiting for resume or stop; re-reading the run every ${duration(everyMs)}`;
}

export function idleSummary(ms: number): string {
  return `nothing ready to dial: looking again in ${duration(ms)} (a wake, control or added contact cuts it short)`;
}

export function admissionRoundSummary(maxHandoffs: number, waitMs: number): string {
  return `admission round: lease up to ${maxHandoffs} seat(s) to ready contacts, waiting up to ${duration(waitMs)} for one`;
}

export function dialSummary(h: {
  attemptNo: number;
  pass: number;
  phone: string;
  fromNumber: string;
}): string {
  return `dial attempt ${h.attemptNo} (pass ${h.pass}) to ${h.phone} from ${h.fromNumber}`;
}

/** The inputs and the reason of a decision after an attempt, as it is written into the contact's history. */
export interface DecisionRecord {
  attempt: {
    id: string;
    no: number;
    phone: string;
    outcome: string | null;
    sipCode: number | null;
    disposition: string | null;
    callbackAt: string | null;
    talkS: number | null;
  };
  inputs: {
    attempts: number;
    maxAttempts: number;
    pass: number;
    phoneIndex: number;
    phones: number;
    retryOnSystem: readonly string[];
    campaignStatus: string;
    excluded: boolean;
    optedOut: boolean;
  };
  decision: string;
  dueAt: string | null;
  /** The policy's reason code (`retry_system_outcome`, `max_attempts`…) and what it means here. */
  reason: string;
  because: string;
}

/** The policy's reason codes in words, with the facts that made them apply. */
export function reasonText(reason: string, r: Pick<DecisionRecord, 'attempt' | 'inputs'>): string {
  const used = `${r.inputs.attempts} of ${r.inputs.maxAttempts} attempts used`;
  const outcome = r.attempt.outcome ?? 'no outcome';
  switch (reason) {
    case 'retry_system_outcome':
      return `${outcome} is retried (retry_on_system: ${r.inputs.retryOnSystem.join(', ') || 'none'}); ${used}`;
    case 'retry_custom_disposition':
      return `disposition ${r.attempt.disposition ?? '—'} is retried by the campaign's rules; ${used}`;
    case 'retry_short_connect':
      return `a short completed call (${r.attempt.talkS ?? 0} s) counts as not reached; ${used}`;
    case 'max_attempts':
      return `${outcome} would be retried but ${used}`;
    case 'no_retry_rule':
      return `no retry rule covers ${outcome}${r.attempt.disposition ? ` / ${r.attempt.disposition}` : ''}`;
    case 'callback':
      return `the bot asked for a callback at ${r.attempt.callbackAt ?? '—'}`;
    case 'next_phone':
      return `${outcome} on number ${r.inputs.phoneIndex + 1} of ${r.inputs.phones}: the next number in this pass`;
    case 'stop_after_connect':
      return 'a connected call stopped further redials (only callbacks may follow)';
    case 'excluded':
      return 'the contact was excluded';
    case 'opted_out':
    case 'opt_out':
      return 'the number is on the do-not-call list or the caller asked to opt out';
    default:
      return reason;
  }
}

/** What `decisionRecord` reads: the facts the contact loaded, the plan, and the attempt it followed. */
export interface DecisionInput {
  facts: {
    config: { max_attempts: number; retry_on_system: readonly string[] };
    campaignStatus: string;
    contact: {
      phones: readonly string[];
      attempts: number;
      pass: number;
      phoneIndex: number;
      excluded: boolean;
      optedOut: boolean;
    };
    last: {
      attemptId: string;
      outcome: string;
      disposition: string | null;
      callbackAt: string | null;
      talkS: number | null;
    } | null;
  };
  plan: {
    step: { kind: 'final'; state: string } | { kind: 'redial'; dueAt: string; isCallback: boolean };
    reason: string;
    movedBy: RedialMovedBy | null;
  };
  handoff: { attemptId: string; attemptNo: number; phone: string };
  sipCode: number | null;
}

export function decisionRecord(d: DecisionInput): DecisionRecord {
  const record = recordWithoutReason(d);
  return { ...record, because: reasonText(d.plan.reason, record) };
}

function recordWithoutReason(d: DecisionInput): DecisionRecord {
  const { facts, plan, handoff } = d;
  const step = plan.step;
  let decision: string;
  if (step.kind === 'final') decision = `final: ${step.state}`;
  else
    decision = step.isCallback
      ? 'callback'
      : plan.movedBy === 'window'
        ? 'redial at the window opening'
        : plan.movedBy === 'recipient_hours'
          ? "redial at the contact's own hours opening"
          : 'redial';
  return {
    attempt: {
      id: handoff.attemptId,
      no: handoff.attemptNo,
      phone: handoff.phone,
      outcome: facts.last?.outcome ?? null,
      sipCode: d.sipCode,
      disposition: facts.last?.disposition ?? null,
      callbackAt: facts.last?.callbackAt ?? null,
      talkS: facts.last?.talkS ?? null,
    },
    inputs: {
      attempts: facts.contact.attempts,
      maxAttempts: facts.config.max_attempts,
      pass: facts.contact.pass,
      phoneIndex: facts.contact.phoneIndex,
      phones: facts.contact.phones.length,
      retryOnSystem: facts.config.retry_on_system,
      campaignStatus: facts.campaignStatus,
      excluded: facts.contact.excluded,
      optedOut: facts.contact.optedOut,
    },
    decision,
    dueAt: step.kind === 'redial' ? step.dueAt : null,
    reason: plan.reason,
    because: '',
  };
}

export function decisionSummary(
  d: Pick<DecisionRecord, 'decision' | 'attempt' | 'reason' | 'because'>,
): string {
  return `decision after attempt ${d.attempt.no} (${d.attempt.outcome ?? 'no outcome'}): ${d.decision} — ${d.reason}: ${d.because}`;
}

/** Where a contact is, for the `state` query, the current details and its search attributes. */
export type ContactPhase =
  | 'dialling'
  | 'waiting_result'
  | 'deciding'
  | 'retry_scheduled'
  | 'callback_scheduled'
  | 'waiting_admission'
  /** Not dialled: held until its own time (recipient hours, frequency cap). */
  | 'held'
  | 'final';

export interface ContactView {
  campaignId: string;
  runNo: number;
  contactId: string;
  phones: string[];
  phase: ContactPhase;
  /** The contact's state as Postgres names it once final (`completed`, `failed`…), else the phase. */
  state: string;
  attempts: number;
  lastOutcome: string | null;
  lastReason: string | null;
  nextDueAt: string | null;
  /** What the workflow waits for now, in the words of its timer summary. */
  waitingFor: string | null;
}

/** The current details shown above the history: one line per fact, markdown. */
export function contactDetails(v: ContactView): string {
  const lines = [
    `**${v.state}** — ${v.waitingFor ?? 'working'}`,
    `attempts: ${v.attempts}; last outcome: ${v.lastOutcome ?? '—'}; next due: ${v.nextDueAt ?? '—'}`,
  ];
  if (v.lastReason) lines.push(`last decision: ${v.lastReason}`);
  lines.push(`phones: ${v.phones.join(', ')}`);
  return lines.join('\n');
}

export type RunStatus = 'running' | 'paused' | 'stopping' | 'completed';

export interface RunStatusView {
  campaignId: string;
  runNo: number;
  status: RunStatus;
  /** Why the run is in that status (who paused it, the completion reason, the window). */
  reason: string;
  waitingFor: string | null;
  childrenStarted: number;
}

export function runDetails(v: RunStatusView): string {
  return `**${v.status}** — ${v.reason}\n${v.waitingFor ?? 'admitting'}; contacts started in this run: ${v.childrenStarted}`;
}
