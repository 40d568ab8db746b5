/**
 * The dial gate: "may this contact be dialled now, and if not, why and from when?" — the one answer every
 * place that dials, admits, schedules or reports asks for (the run workflow's window wait, admission, the
 * dial's claim, the plan after an attempt, the live panel, the trigger API).
 *
 * The gate is a list of rules, each a pure function of the facts it was given and an instant. The verdict
 * at `now` is the first rule that blocks, in the order of DIAL_RULES (so the reason names what an operator
 * must change first: a suppressed contact is suppressed whatever the hour); `until` is the earliest instant
 * at which every rule allows a dial, found by moving to each blocking rule's own `until` until all agree.
 * A rule that cannot say when it will allow (a pause, a suppression) makes `until` null.
 *
 * A rule only applies when its facts are given: a caller that asks about the calendar alone passes only the
 * campaign, one that asks about a contact passes its facts too. New gates (the recipient's local hours, a
 * per-number frequency cap) are further entries in DIAL_RULES reading further optional facts: no caller that
 * does not supply those facts changes.
 *
 * Pure and deterministic (no clock, no I/O, only Intl via calendar.ts): workflow code calls it.
 */
import type { CallingWindow, CampaignMode, RecipientHours, Weekday } from './campaign-config';
import { isDialAllowed, localDateOf, nextOpening, weekdayOf, windowCloseAt } from './calendar';
import { capAllowsAt, type FrequencyCap } from './frequency-cap';
import { insideRecipientHours, nextRecipientOpening, recipientHoursCloseAt } from './recipient-hours';

/** Why a dial is not allowed, in the order the gate asks. */
export const DIAL_BLOCK_REASONS = [
  /** Excluded, or its number is on the opt-out list: never dialled again. */
  'suppressed',
  /** The contact reached a final state. */
  'contact_final',
  /** The run this dial belongs to ended (stopped, window ended, completed). */
  'run_ended',
  /** An operator stopped the run; it is winding down. */
  'stopping',
  'paused',
  /** The campaign is not running this run (a draft, or a newer run took over). */
  'not_running',
  /** Today (in the campaign's timezone) is not one of its working days. */
  'not_working_day',
  /** A working day, outside the calling window's hours (or the window is invalid). */
  'outside_window',
  /** Outside the calling hours in the contact's own timezone(s) (the campaign's recipient_hours). */
  'outside_recipient_hours',
  /** The number has had the organisation's most calls in its rolling window (frequency_cap). */
  'frequency_cap',
  /** The contact is not due yet (retry delay, callback time) or not waiting for a dial at all. */
  'not_due',
] as const;
export type DialBlockReason = (typeof DIAL_BLOCK_REASONS)[number];

/** The reasons that come from the calendar (window and working days), not from the run or the contact. */
export const CALENDAR_BLOCK_REASONS: readonly DialBlockReason[] = ['not_working_day', 'outside_window'];

/** Where the run stands, as far as dialling goes. */
export type DialRunState = 'running' | 'paused' | 'stopping' | 'ended' | 'not_running';

export interface DialGateInput {
  /** The campaign's calendar (its effective config carries these fields). */
  campaign: {
    window: CallingWindow;
    working_days: readonly Weekday[];
    mode?: CampaignMode;
    /** Calling hours in each contact's own timezone; null or missing: off. */
    recipient_hours?: RecipientHours | null;
  };
  /** The run's lifecycle; omitted when the caller is the run itself (its pause is its own state). */
  run?: { state: DialRunState };
  /** The contact's dial-relevant facts; omitted when the question is about the campaign as a whole. */
  contact?: {
    /** Excluded or opted out. */
    suppressed?: boolean;
    final?: boolean;
    /**
     * Since when the contact is due for a dial (its retry or callback time, or when it became ready);
     * null when it is not waiting for one. Omitted: not asked.
     */
    dueAt?: Date | null;
    /** The IANA zones the contact may be in (its own, or those its number maps to). Omitted: not asked. */
    timezones?: readonly string[];
    /** The organisation's frequency cap and when dials to the number were placed. Omitted or null cap: off. */
    frequency?: { cap: FrequencyCap | null; placedAt: readonly Date[] };
  };
  now: Date;
}

export type DialVerdict =
  | {
      allowed: true;
      /** The first instant a rule stops allowing (the window closes); null when nothing closes by the clock. */
      closesAt: Date | null;
    }
  | {
      allowed: false;
      reason: DialBlockReason;
      /** The earliest instant every rule allows a dial; null when no clock will (a pause, a suppression). */
      until: Date | null;
      /** One sentence for people: logs, the live panel, diagnostics. */
      detail: string;
    };

/** One rule's answer at one instant. */
export type RuleAnswer =
  | { allowed: true; closesAt: Date | null }
  | { allowed: false; reason: DialBlockReason; until: Date | null; detail: string };

/** A rule bound to its facts: asked at the instants the gate tries. `until` must lie after `at`. */
export type DialRule = (at: Date) => RuleAnswer;

/** Builds a rule from the input, or null when the input does not carry the rule's facts. */
export type DialRuleFactory = (input: DialGateInput) => DialRule | null;

const open = (closesAt: Date | null = null): RuleAnswer => ({ allowed: true, closesAt });
const blocked = (reason: DialBlockReason, until: Date | null, detail: string): RuleAnswer => ({
  allowed: false,
  reason,
  until,
  detail,
});

const suppression: DialRuleFactory = ({ contact }) =>
  contact?.suppressed ? () => blocked('suppressed', null, 'the contact is excluded or opted out') : null;

const contactFinal: DialRuleFactory = ({ contact }) =>
  contact?.final ? () => blocked('contact_final', null, 'the contact reached a final state') : null;

const runState: DialRuleFactory = ({ run }) => {
  switch (run?.state) {
    case undefined:
    case 'running':
      return null;
    case 'ended':
      return () => blocked('run_ended', null, 'the run ended');
    case 'stopping':
      return () => blocked('stopping', null, 'the run is stopping');
    case 'paused':
      return () => blocked('paused', null, 'the run is paused');
    case 'not_running':
      return () => blocked('not_running', null, 'the campaign is not running this run');
  }
};

/** The campaign's calling window and working days, in its timezone (calendar.ts). */
const calendar: DialRuleFactory = ({ campaign }) => {
  const { window, working_days: days } = campaign;
  return (at) => {
    if (isDialAllowed(window, days, at)) return open(windowCloseAt(window, days, at));
    let until: Date | null;
    try {
      until = nextOpening(window, days, at);
    } catch {
      // An invalid window or no working day: no opening to wait for (a validated config never has this).
      until = null;
    }
    let workingDay = true;
    try {
      workingDay = days.includes(weekdayOf(localDateOf(at, window.timezone)));
    } catch {
      // unknown timezone: reported as outside the window
    }
    return workingDay
      ? blocked(
          'outside_window',
          until,
          `outside the calling window ${window.start}–${window.end} ${window.timezone}`,
        )
      : blocked('not_working_day', until, `not a working day in ${window.timezone}`);
  };
};

const due: DialRuleFactory = ({ contact }) => {
  if (contact?.dueAt === undefined) return null;
  const dueAt = contact.dueAt;
  if (dueAt === null) return () => blocked('not_due', null, 'the contact is not waiting for a dial');
  return (at) =>
    at.getTime() >= dueAt.getTime()
      ? open()
      : blocked('not_due', dueAt, `the contact is due at ${dueAt.toISOString()}`);
};

/** The campaign's recipient hours in every zone the contact may be in. */
const recipientHours: DialRuleFactory = ({ campaign, contact }) => {
  const hours = campaign.recipient_hours;
  const zones = contact?.timezones;
  if (!hours || !zones || zones.length === 0) return null;
  return (at) => {
    if (insideRecipientHours(hours, zones, at)) return open(recipientHoursCloseAt(hours, zones, at));
    return blocked(
      'outside_recipient_hours',
      nextRecipientOpening(hours, zones, at),
      `outside ${hours.start}–${hours.end} in the contact's timezone (${zones.join(', ')})`,
    );
  };
};

/** The organisation's cap on dials to one number across campaigns, in a rolling window. */
const frequencyCap: DialRuleFactory = ({ contact }) => {
  const frequency = contact?.frequency;
  const cap = frequency?.cap;
  if (!frequency || !cap) return null;
  return (at) => {
    const allowsAt = capAllowsAt(cap, frequency.placedAt, at);
    return allowsAt.getTime() <= at.getTime()
      ? open()
      : blocked(
          'frequency_cap',
          allowsAt,
          `the number had ${cap.max_calls} calls in ${cap.per_hours} h (the organisation's frequency cap)`,
        );
  };
};

/** Every gate, in the order a blocked dial reports its reason. */
export const DIAL_RULES: readonly DialRuleFactory[] = [
  suppression,
  contactFinal,
  runState,
  calendar,
  recipientHours,
  frequencyCap,
  due,
];

/** How many times the gate moves its candidate instant forward before it gives up (answers null). */
export const MAX_GATE_STEPS = 64;

/** Asks every rule at `at`: the first block, or the earliest close among them. */
function askAll(rules: readonly DialRule[], at: Date): RuleAnswer {
  let closesAt: Date | null = null;
  for (const rule of rules) {
    const answer = rule(at);
    if (!answer.allowed) return answer;
    if (answer.closesAt && (!closesAt || answer.closesAt < closesAt)) closesAt = answer.closesAt;
  }
  return open(closesAt);
}

/** May this contact (or, without contact facts, this campaign) dial at `now`; if not, why and when. */
export function dialGate(input: DialGateInput, rules: readonly DialRuleFactory[] = DIAL_RULES): DialVerdict {
  const bound = rules.map((f) => f(input)).filter((r): r is DialRule => r !== null);
  const first = askAll(bound, input.now);
  if (first.allowed) return first;
  // The earliest instant all agree: each blocking rule moves the candidate to its own `until`.
  let at = first.until;
  for (let step = 0; at !== null && step < MAX_GATE_STEPS; step++) {
    const answer = askAll(bound, at);
    if (answer.allowed) return { ...first, until: at };
    at = answer.until && answer.until > at ? answer.until : null;
  }
  return { ...first, until: null };
}

/** The earliest instant at or after `now` the gate allows a dial; null when no clock will. */
export function earliestDial(
  input: DialGateInput,
  rules: readonly DialRuleFactory[] = DIAL_RULES,
): Date | null {
  const verdict = dialGate(input, rules);
  return verdict.allowed ? input.now : verdict.until;
}

/** Whether a verdict blocks on the calendar alone (window or working day). */
export function isCalendarBlock(verdict: DialVerdict): boolean {
  return !verdict.allowed && CALENDAR_BLOCK_REASONS.includes(verdict.reason);
}

/**
 * The set-wise form of the gate, for a query that picks many contacts at once (admission): the campaign
 * and run rules are asked here once, and what is left per contact becomes the query's parameters. A
 * contact is dialable exactly when the query holds `ready_at <= dueBy` and the per-contact gate (the
 * suppression and final facts, checked on the rows it returns) allows it: admission.repository.test.ts
 * checks that the two forms agree.
 */
export type AdmissionBounds =
  | { open: false; verdict: Extract<DialVerdict, { allowed: false }> }
  | {
      open: true;
      /** Contacts due at or before this instant (`ready_at <= dueBy`) pass the per-contact due rule. */
      dueBy: Date;
      closesAt: Date | null;
    };

export function admissionBounds(input: Omit<DialGateInput, 'contact'>): AdmissionBounds {
  const verdict = dialGate({
    campaign: input.campaign,
    ...(input.run ? { run: input.run } : {}),
    now: input.now,
  });
  if (!verdict.allowed) return { open: false, verdict };
  return { open: true, dueBy: input.now, closesAt: verdict.closesAt };
}

/**
 * The recipient-hours rule set-wise: of the zone sets the due contacts carry (`contacts.timezones`; null for
 * contacts stored before zones were kept, which the claim judges one by one), those whose hours hold at
 * `now` — the same rule the gate asks of one contact, asked once per set. 'all' when the campaign has no
 * recipient hours (every set passes, no filter needed).
 */
export function openTimezoneSets(
  campaign: DialGateInput['campaign'],
  sets: readonly (readonly string[] | null)[],
  now: Date,
): 'all' | (readonly string[] | null)[] {
  if (!campaign.recipient_hours) return 'all';
  return sets.filter((set) => {
    if (set === null) return true;
    const zones = set.length > 0 ? set : [campaign.window.timezone];
    return dialGate({ campaign, contact: { timezones: zones }, now }, [recipientHours]).allowed;
  });
}
