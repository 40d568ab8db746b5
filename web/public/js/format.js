// Labels and number formatting shared by the pages.
import { h } from './dom.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const DAY_LABEL = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};
export const SYSTEM_OUTCOMES = ['no_answer', 'rejected', 'rnr', 'error', 'timeout'];
export const OUTCOME_LABEL = {
  no_answer: 'no_answer',
  rejected: 'rejected',
  rnr: 'RNR',
  error: 'error',
  timeout: 'timeout',
};
export const TIMEZONES = [
  'Asia/Kolkata',
  'Asia/Dubai',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Europe/London',
  'Europe/Berlin',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'UTC',
];
export const CONTACT_STATES = [
  'pending',
  'retry_scheduled',
  'callback_scheduled',
  'dialling',
  'ringing',
  'in_progress',
  'completed',
  'failed',
  'abandoned',
  'machine',
  'window_closed',
  'manually_stopped',
  'excluded',
];
const WAITING = ['pending', 'retry_scheduled', 'callback_scheduled'];
const IN_FLIGHT = ['dialling', 'ringing', 'in_progress'];

export const COMPLETION_REASON = {
  all_final: 'All contacts reached a final state',
  max_retries: 'Max retries completed',
  window_ended: 'Calling window ended',
  manually_stopped: 'Manually stopped',
  no_callable: 'No callable contacts',
};

/**
 * What holds a waiting contact back until its own time (contacts.held_by): a short badge for the call list,
 * and the reason in the operator's words for the contact's story.
 */
export const HELD_BY = {
  recipient_hours: { badge: 'Local hours', reason: 'Waiting for its own calling hours' },
  frequency_cap: { badge: 'Frequency cap', reason: "Held by the organisation's frequency cap" },
};

/** SIP codes with a friendly label in the attempt trail; others show the raw code. */
export const SIP_LABEL = {
  408: 'No answer',
  480: 'Temporarily unavailable',
  486: 'Line busy',
  487: 'Cancelled',
  603: 'Declined',
};

export function statusBadge(status) {
  return h('span', { class: `badge badge-${status}`, dataset: { status } }, status);
}

export function alwaysOnBadge() {
  return h('span', { class: 'badge badge-always-on' }, 'Always-on · runs until stopped');
}

export function contactStateBadge(state) {
  const group = WAITING.includes(state) ? 'waiting' : IN_FLIGHT.includes(state) ? 'inflight' : 'final';
  return h('span', { class: `badge badge-state badge-${group} state-${state}` }, state);
}

export const shortId = (c) => c?.short_id ?? String(c?.id ?? '').slice(0, 8);

/** The campaign's bot, number pool and whether it ever ran, wherever the API puts them. */
export const botIdOf = (c) => c?.bot_id ?? c?.config?.bot_id ?? c?.bot?.id ?? null;
export const numberIdsOf = (c) =>
  c?.number_ids ?? c?.config?.number_ids ?? (Array.isArray(c?.numbers) ? c.numbers.map((n) => n.id) : []);
export const hasRun = (c) =>
  Boolean(c?.ever_started ?? c?.identity_locked ?? c?.locked ?? (c?.run_no > 1 || c?.started_at));
export const isAlwaysOn = (c) => Boolean(c?.always_on ?? c?.config?.always_on);
export const canDelete = (c) =>
  c?.status === 'draft' && !hasRun(c) && !c?.prepared_restart && (c?.run_no ?? 1) <= 1;
export const canEdit = (c) => c?.status === 'draft' || c?.status === 'paused';

export function fmtInt(n) {
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : '--';
}

export function fmtNum(n, digits = 1) {
  return typeof n === 'number' && Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits })
    : '--';
}

/** A cost in the billing currency: cents, or hundredths of a cent below one cent (rates are often that small). */
export function fmtCost(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '--';
  const digits = n !== 0 && Math.abs(n) < 0.01 ? 4 : 2;
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Rates may arrive as fractions (0.42) or percents (42); `_pct` fields are always percents. */
export function fmtPct(n, alreadyPercent = false) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '--';
  const pct = alreadyPercent || n > 1 ? n : n * 100;
  return `${pct.toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;
}

/** A date and time with its timezone named (the browser's, or `timeZone` when given). */
export function fmtTime(iso, timeZone) {
  if (!iso) return '--';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  try {
    return d.toLocaleString(undefined, { timeZoneName: 'short', ...(timeZone ? { timeZone } : {}) });
  } catch {
    return d.toLocaleString(undefined, { timeZoneName: 'short' });
  }
}

export function fmtClock(iso) {
  if (!iso) return '--';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? String(iso)
    : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function secondsSince(iso, now = Date.now()) {
  if (!iso) return null;
  const t = new Date(iso).getTime();
  return Number.isNaN(t) ? null : Math.max(0, Math.round((now - t) / 1000));
}

/** 8s ago, 3m ago, 2h ago, 4d ago. */
export function fmtAgo(seconds) {
  if (seconds === null || seconds === undefined) return '--';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

/** ~XhYm */
export function fmtEta(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return null;
  const hh = Math.floor(seconds / 3600);
  const mm = Math.ceil((seconds % 3600) / 60);
  return hh > 0 ? `~${hh}h${mm}m` : `~${Math.max(1, mm)}m`;
}

export function fmtBytes(bytes) {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return `${(bytes / 1000).toFixed(1)} KB`;
}

export function fmtDays(days) {
  if (!Array.isArray(days) || days.length === 0) return 'None';
  if (WEEKDAYS.every((d) => days.includes(d))) return 'All days';
  return WEEKDAYS.filter((d) => days.includes(d))
    .map((d) => DAY_LABEL[d])
    .join(', ');
}

export function fmtList(list) {
  return Array.isArray(list) && list.length ? list.join(', ') : 'None';
}

export function numberLabel(n) {
  return n.label ? `${n.e164} (${n.label})` : n.e164;
}

export function poolSummary(count) {
  if (!count) return 'No outbound numbers configured';
  return count === 1 ? '1 outbound number' : `${count} outbound numbers`;
}
