/**
 * Whether a run is complete, and why (docs/api.md, docs/rules.md "Operating a campaign"). Pure.
 */
import type { CampaignMode } from './campaign-config';

export const COMPLETION_REASONS = [
  'all_final',
  'max_retries',
  'window_ended',
  'manually_stopped',
  'no_callable',
] as const;
export type CompletionReason = (typeof COMPLETION_REASONS)[number];

export const COMPLETION_REASON_LABELS: Readonly<Record<CompletionReason, string>> = {
  all_final: 'All contacts reached a final state',
  max_retries: 'Max retries completed',
  window_ended: 'Calling window ended',
  manually_stopped: 'Manually stopped',
  no_callable: 'No callable contacts',
};

export interface CompletionCounts {
  /** Contacts in the run. */
  total: number;
  /** Contacts in a final state (completed, failed, abandoned, machine, window_closed, manually_stopped, excluded). */
  final: number;
  /** Final contacts that ended because max_attempts ran out on a retryable outcome. */
  exhaustedRetries: number;
  /** Contacts dialled at least once in this run. */
  dialled: number;
  /** Contacts not excluded or opted out (whether or not already final). */
  callable: number;
  mode: CampaignMode;
  alwaysOn: boolean;
  /** The calling window of the run's day has ended (the caller passes it; it matters for single_day only). */
  windowEnded: boolean;
  /** An operator stopped the run. */
  stopped: boolean;
}

/**
 * The reason the run is complete, or null while it is not. In order:
 * 1. `manually_stopped`: the operator's stop ends any run, always-on included.
 * 2. Always-on runs never complete by themselves → null.
 * 3. `window_ended`: single_day only (multi_day pauses until the next opening). It wins over the
 *    all-final reasons because the window close itself makes the remaining contacts final (window_closed).
 * 4. `no_callable`: nothing was ever dialled and nothing can be (no contacts when the run started, or every
 *    contact excluded / opted out before any dial).
 * 5. Every contact final: `max_retries` when at least one ended by exhausting its retries, else `all_final`.
 */
export function completionReason(c: CompletionCounts): CompletionReason | null {
  if (c.stopped) return 'manually_stopped';
  if (c.alwaysOn) return null;
  if (c.windowEnded && c.mode === 'single_day') return 'window_ended';
  if (c.dialled <= 0 && c.callable <= 0) return 'no_callable';
  if (c.total > 0 && c.final >= c.total) return c.exhaustedRetries > 0 ? 'max_retries' : 'all_final';
  return null;
}

export function completionReasonLabel(reason: CompletionReason | null | undefined): string | null {
  return reason ? COMPLETION_REASON_LABELS[reason] : null;
}
