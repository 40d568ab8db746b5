import { IN_FLIGHT_STATES, type ContactState } from './contact-state';

/**
 * What the trigger API answers about the contact it added or re-used (docs/rules.md "The integration
 * surface"): `suppressed` with its reason, `dialled` when a call is under way or admission leased it a seat
 * just now, else `queued`. The answer is stored with the idempotency key, so a repeated request gets it
 * again word for word.
 */

export type TriggerStatus = 'dialled' | 'queued' | 'suppressed';

export interface TriggerAnswer {
  status: TriggerStatus;
  contact_id: string;
  reason?: string;
}

/** The `reason` of a suppressed trigger. */
export const SUPPRESSION_REASONS = {
  optedOut: 'the number is on the do-not-call list',
  stickyExclusion: 'the number was excluded from this campaign (sticky exclusion)',
  excluded: 'the contact is excluded from this run',
} as const;

/** What the contact upsert found and left (contacts.repository.ts `upsertTriggeredContact`). */
export interface TriggeredFacts {
  state: ContactState;
  /** The number is on the do-not-call list. */
  opted_out: boolean;
  /** The campaign has sticky exclusion and this number was excluded from it (whatever the contact's state). */
  sticky_excluded: boolean;
  excluded_at: Date | null;
}

/**
 * The answer that needs no admission: a suppression, a call already under way, or — when admission cannot
 * give a seat now (a draft, a paused run, every seat taken) — `queued`. `null`: ask admission.
 */
export function answerWithoutAdmission(
  facts: TriggeredFacts,
  campaign: { stickyExclusion: boolean; mayAdmitNow: boolean },
): { status: TriggerStatus; reason?: string } | null {
  if (facts.opted_out) return { status: 'suppressed', reason: SUPPRESSION_REASONS.optedOut };
  // A sticky exclusion outlives the contact it matched, or found none (a finished contact is not touched
  // by the exclusion): a re-add of the number stays suppressed whatever the contact's state.
  if (facts.sticky_excluded || (facts.excluded_at !== null && campaign.stickyExclusion)) {
    return { status: 'suppressed', reason: SUPPRESSION_REASONS.stickyExclusion };
  }
  if (facts.state === 'excluded') return { status: 'suppressed', reason: SUPPRESSION_REASONS.excluded };
  if (isInFlight(facts.state)) return { status: 'dialled' };
  return campaign.mayAdmitNow ? null : { status: 'queued' };
}

function isInFlight(state: ContactState): boolean {
  return (IN_FLIGHT_STATES as readonly string[]).includes(state);
}

/**
 * The same rules as one SQL expression over the upsert's results, so the contact and its stored answer are
 * written by one statement (one commit per request): `opted`, `sticky_excluded`, `state`, `excluded_at` are
 * the column names of `TriggeredFacts` in the statement, `sticky` the campaign's sticky exclusion and
 * `may_admit` whether admission may give a seat now. Null where `answerWithoutAdmission` says null.
 * `policy/trigger-answer.test.ts` checks both against each other on every combination.
 */
export function answerWithoutAdmissionSql(cols: {
  opted: string;
  stickyExcluded: string;
  state: string;
  excludedAt: string;
  sticky: string;
  mayAdmit: string;
  contactId: string;
}): string {
  const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  const suppressed = (reason: string): string =>
    `jsonb_build_object('status', 'suppressed', 'contact_id', ${cols.contactId}, 'reason', ${lit(reason)})`;
  const inFlight = IN_FLIGHT_STATES.map(lit).join(', ');
  return `case
    when ${cols.opted} then ${suppressed(SUPPRESSION_REASONS.optedOut)}
    when ${cols.stickyExcluded} or (${cols.excludedAt} is not null and ${cols.sticky})
      then ${suppressed(SUPPRESSION_REASONS.stickyExclusion)}
    when ${cols.state} = 'excluded' then ${suppressed(SUPPRESSION_REASONS.excluded)}
    when ${cols.state} in (${inFlight}) then jsonb_build_object('status', 'dialled', 'contact_id', ${cols.contactId})
    when not ${cols.mayAdmit} then jsonb_build_object('status', 'queued', 'contact_id', ${cols.contactId})
  end`;
}
