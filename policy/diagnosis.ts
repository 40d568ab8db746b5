/**
 * The troubleshooting guide's checks as pure judgements (docs/troubleshooting.md: "Quick triage", "Escalate
 * when"; README "On call"). Each takes the evidence gathered from live state (Postgres, Temporal's task-queue
 * description, the workers' switch presence) and answers `ok`, `warn` (an operator can fix it from the
 * console) or `escalate` (a backend problem: hand it to engineering), with the evidence in words and the next
 * step phrased as the guide phrases it. The gathering lives in `db/repositories/diagnosis.repository.ts`; the
 * API answers these (`GET …/diagnose`) and the worker's stall detector keeps the failing ones as alerts.
 */

import type { RunStatus } from './explain';

export const CHECKS = [
  'start_gaps',
  'window_open',
  'contacts_due',
  'seats_free',
  'carrier_rate',
  'worker_polling',
  'run_workflow',
  'switch_connected',
  'sip_pattern',
  'stalled_in_flight',
  'overdue_retries',
  'seats_without_heartbeat',
  'report_complete',
] as const;
export type CheckName = (typeof CHECKS)[number];
export type CheckStatus = 'ok' | 'warn' | 'escalate';

export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  /** What was looked at and what it showed, in words an operator can paste into an escalation. */
  evidence: string;
  /** "Nothing to do", "You can fix: …" or "Escalate: …" (docs/troubleshooting.md "What you can fix vs escalate"). */
  next_step: string;
}

/** No dials for this long inside an open window with contacts due is a stall ("no dials for minutes"). */
export const NO_DIALS_STALL_MS = 2 * 60_000;
/** A due retry or callback whose timer has not made it ready this long after its time is overdue. */
export const OVERDUE_SLACK_MS = 60_000;
/** SIP pattern: the share of recent failures that is "most calls", and the share worth a warning. */
export const SIP_ESCALATE_SHARE = 0.5;
export const SIP_WARN_SHARE = 0.2;
/** Fewer recent attempts than this say nothing about a pattern. */
export const SIP_MIN_SAMPLE = 5;
/** A 404 that arrives after ringing this long is a genuine no-answer on some carriers, not a dead number. */
export const SIP_404_RANG_S = 5;
/**
 * A worker's poll older than this is no poller: Temporal records a poll when it arrives, and an idle worker's
 * long poll lasts about a minute before the next one arrives (measured: up to ~65 s on the dev server).
 */
export const POLLER_FRESH_MS = 90_000;
/**
 * A run may differ from Postgres this long after a status change before it is out of step: the API tells it
 * at once, and a paused run re-reads its record every minute whatever it was told.
 */
export const RUN_CATCH_UP_MS = 90_000;

export interface CampaignFacts {
  status: 'draft' | 'running' | 'paused' | 'completed' | 'failed';
  runNo: number;
  alwaysOn: boolean;
  /** Why a start would be refused (the start's own validation): empty when it could start. */
  startGaps: readonly { field: string; message: string }[];
  /** The latest start attempt, when it was refused by the engine after passing validation. */
  lastStartFailure: { at: Date; reason: string } | null;
  /** When the current run started (null for a draft). */
  runStartedAt: Date | null;
}

export interface WindowFacts {
  /** Inside the calling window on a working day, in the campaign's timezone. */
  insideWindow: boolean;
  workingDay: boolean;
  window: { start: string; end: string; timezone: string };
  workingDays: readonly string[];
  /** The next opening when closed (null when open, or when no opening exists within a week). */
  nextOpening: Date | null;
}

export interface ContactFacts {
  total: number;
  pending: number;
  retryScheduled: number;
  callbackScheduled: number;
  /** Waiting contacts whose timer fired (ready for a seat) now. */
  ready: number;
  /** Ready contacts that have waited longer than OVERDUE_SLACK_MS. */
  readyLongerThanSlack: number;
  inFlight: number;
  final: number;
}

export interface DialFacts {
  lastDialAt: Date | null;
}

export interface SeatFacts {
  concurrency: number;
  /** Calls holding a seat (originated, not ended). */
  callsUp: number;
  /** Contacts leased and waiting on deck (not yet dialled). */
  onDeck: number;
}

export interface CarrierFacts {
  carriers: readonly {
    name: string;
    gateway: string;
    cpsLimit: number | null;
    /** Originates sent through this carrier in the last 10 s. */
    dialsLast10s: number;
  }[];
  /** Contacts on deck whose carrier pacing slot is more than 5 s late (held by the carrier's rate). */
  heldByRate: number;
}

export interface PollerFacts {
  /** Whether Temporal answered the task-queue descriptions. */
  reachable: boolean;
  error: string | null;
  queues: readonly {
    taskQueue: string;
    kind: 'workflow' | 'activity';
    /** Pollers that polled within POLLER_FRESH_MS. */
    pollers: number;
    lastPollAt: Date | null;
  }[];
}

/** What the run's own workflow says of itself, beside what Postgres holds. */
export interface RunWorkflowFacts {
  /** Whether the run workflow was asked and answered (its description and its state query). */
  asked: boolean;
  /** Why it was not: Temporal did not answer, or no worker polls to answer a query. */
  error: string | null;
  /** The open run workflow's own report; null when no workflow of this run is open. */
  report: { status: RunStatus; reason: string; waitingFor: string | null } | null;
  /** When the campaign's status last changed in Postgres (its latest start, pause or resume). */
  statusSince: Date | null;
}

export interface SwitchFacts {
  /** Whether any worker reports its switch connection (null: nothing reported it yet). */
  known: boolean;
  connected: boolean;
  workers: number;
  since: Date | null;
}

export interface SipFacts {
  /** The recent ended attempts looked at (the run's latest, up to a fixed number). */
  sample: number;
  status429: number;
  status5xx: number;
  /** 404s that failed within SIP_404_RANG_S of ringing (likely a dead number) and after it (a no-answer). */
  notFoundFast: number;
  notFoundAfterRing: number;
}

export interface StallFacts {
  /** Ring timeout + longest call, in seconds: a call older than this should have ended. */
  thresholdS: number;
  stalled: number;
  oldestStartedAt: Date | null;
  /** Attempts of the run closed by the stale-state recovery (`timeout`) in the last 15 minutes. */
  recoveredRecently: number;
}

export interface OverdueFacts {
  /** Retries and callbacks past their due time (beyond OVERDUE_SLACK_MS) whose timer never made them ready. */
  notReady: number;
  oldestDueAt: Date | null;
}

export interface LeaseFacts {
  /** Calls whose seat lease ran out: the dial activity stopped renewing it (its worker died). */
  expiredInCall: number;
  oldestExpiredAt: Date | null;
}

export interface ReportFacts {
  /** Attempts marked ended without an end time, or with an end time and no outcome: not in the report. */
  endedButIncomplete: number;
  /** Open attempts of contacts that are already final: a finished call whose row never closed. */
  openOfFinalContacts: number;
}

export interface DiagnosisEvidence {
  now: Date;
  campaign: CampaignFacts;
  window: WindowFacts;
  contacts: ContactFacts;
  dials: DialFacts;
  seats: SeatFacts;
  carriers: CarrierFacts;
  pollers: PollerFacts;
  run: RunWorkflowFacts;
  switch: SwitchFacts;
  sip: SipFacts;
  stall: StallFacts;
  overdue: OverdueFacts;
  leases: LeaseFacts;
  report: ReportFacts;
}

export const NOTHING_TO_DO = 'Nothing to do.';
const fix = (what: string): string => `You can fix: ${what}`;
const escalate = (what: string): string =>
  `Escalate: ${what} Include the campaign id, the time and this diagnosis; do not stop or restart the campaign first.`;

const ok = (check: CheckName, evidence: string): CheckResult => ({
  check,
  status: 'ok',
  evidence,
  next_step: NOTHING_TO_DO,
});
const warn = (check: CheckName, evidence: string, nextStep: string): CheckResult => ({
  check,
  status: 'warn',
  evidence,
  next_step: fix(nextStep),
});
const esc = (check: CheckName, evidence: string, nextStep: string): CheckResult => ({
  check,
  status: 'escalate',
  evidence,
  next_step: escalate(nextStep),
});

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const agoS = (now: Date, at: Date): number => Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
const pct = (part: number, whole: number): string => `${Math.round((part / whole) * 100)}%`;
const isLive = (c: CampaignFacts): boolean => c.status === 'running';
const hasRun = (c: CampaignFacts): boolean => c.status === 'running' || c.status === 'paused';

/** "Campaign will not start": configuration gaps (you can fix) vs a valid campaign whose start failed. */
export function judgeStartGaps(e: DiagnosisEvidence): CheckResult {
  const c = e.campaign;
  if (c.status !== 'draft')
    return ok('start_gaps', `The campaign is ${c.status} (run ${c.runNo}): it started.`);
  if (c.startGaps.length > 0) {
    const gaps = c.startGaps.map((g) => `${g.field}: ${g.message}`).join('; ');
    return warn(
      'start_gaps',
      `The draft cannot start: ${gaps}.`,
      'fill every gap in the campaign wizard (a bot, an outbound number, a valid window, contacts), then Start.',
    );
  }
  if (c.lastStartFailure) {
    return esc(
      'start_gaps',
      `Every setting is valid but the last Start failed at ${c.lastStartFailure.at.toISOString()}: ${c.lastStartFailure.reason}.`,
      'Start fails although every setting is valid: a backend or dialler problem.',
    );
  }
  return ok('start_gaps', 'The draft has every setting a start needs.');
}

/** "Running but no calls go out": inside the calling window and a working day. */
export function judgeWindowOpen(e: DiagnosisEvidence): CheckResult {
  const w = e.window;
  const described = `window ${w.window.start}–${w.window.end} ${w.window.timezone}, working days ${w.workingDays.join(', ') || 'none'}`;
  if (w.insideWindow) return ok('window_open', `Inside the calling window (${described}).`);
  const why = w.workingDay ? 'outside the calling window' : 'today is not a working day';
  const next = w.nextOpening ? `; it opens next at ${w.nextOpening.toISOString()}` : '; it never opens';
  if (!isLive(e.campaign)) {
    return ok('window_open', `Now is ${why} (${described})${next}; the campaign is ${e.campaign.status}.`);
  }
  return warn(
    'window_open',
    `Now is ${why} (${described})${next}: the dialler holds every dial until then.`,
    'wait for the window to open, or adjust the time window and working days.',
  );
}

/**
 * Pending, retryable and due contacts; and the stall the guide names: inside the window, contacts due, seats
 * free, but no dial for minutes.
 */
export function judgeContactsDue(e: DiagnosisEvidence): CheckResult {
  const k = e.contacts;
  const waiting = k.pending + k.retryScheduled + k.callbackScheduled;
  const counts = `${k.pending} pending, ${k.retryScheduled} retry scheduled, ${k.callbackScheduled} callback scheduled, ${k.ready} due now, ${k.inFlight} in flight, ${k.final} final of ${k.total}`;
  if (!isLive(e.campaign))
    return ok('contacts_due', `Contacts: ${counts}; the campaign is ${e.campaign.status}.`);
  if (waiting === 0 && k.inFlight === 0) {
    // Nothing left is the end of a run, not a fault: the run completes on its next round.
    return ok(
      'contacts_due',
      `Contacts: ${counts}: nothing is left to dial${e.campaign.alwaysOn ? '; an always-on campaign waits for new contacts' : ', so the campaign moves to completed'}.`,
    );
  }
  const free = e.seats.concurrency - e.seats.callsUp;
  const since = e.dials.lastDialAt ?? e.campaign.runStartedAt;
  const quietMs = since ? e.now.getTime() - since.getTime() : 0;
  if (e.window.insideWindow && k.ready > 0 && free > 0 && quietMs > NO_DIALS_STALL_MS) {
    const last = e.dials.lastDialAt
      ? `the last dial was ${agoS(e.now, e.dials.lastDialAt)} s ago`
      : `nothing was dialled since the run started ${agoS(e.now, since ?? e.now)} s ago`;
    return esc(
      'contacts_due',
      `Inside the window with ${plural(k.ready, 'contact')} due and ${plural(free, 'free seat')}, but ${last}.`,
      'no dials inside an open window with contacts pending (a stall).',
    );
  }
  return ok('contacts_due', `Contacts: ${counts}.`);
}

/** Free seats: concurrency is the seat budget. Busy seats are the dialler working, unless nothing moves. */
export function judgeSeatsFree(e: DiagnosisEvidence): CheckResult {
  const s = e.seats;
  const free = Math.max(0, s.concurrency - s.callsUp);
  const evidence = `${s.callsUp} of ${s.concurrency} seats hold a call, ${s.onDeck} on deck, ${free} free.`;
  if (!isLive(e.campaign) || free > 0 || e.contacts.ready === 0) return ok('seats_free', evidence);
  const quiet = !e.dials.lastDialAt || e.now.getTime() - e.dials.lastDialAt.getTime() > NO_DIALS_STALL_MS;
  if (quiet) {
    return warn(
      'seats_free',
      `${evidence} ${plural(e.contacts.ready, 'contact')} wait for a seat and no call ended for minutes.`,
      'if calls are expected to be this long, raise the concurrency (within the fleet’s capacity); if calls should have ended, see stalled_in_flight.',
    );
  }
  return ok('seats_free', `${evidence} Every seat is busy: the dialler is at its concurrency.`);
}

/** The carrier's dial-rate cap (cps_limit): the tighter of seats and rate wins. */
export function judgeCarrierRate(e: DiagnosisEvidence): CheckResult {
  const list = e.carriers.carriers
    .map(
      (c) =>
        `${c.name} (${c.gateway}): ${c.cpsLimit === null ? 'no cap' : `${c.cpsLimit} dials/s cap`}, ${c.dialsLast10s} dials in the last 10 s`,
    )
    .join('; ');
  const evidence = list === '' ? 'No carrier behind the number pool.' : `Carriers: ${list}.`;
  if (!isLive(e.campaign) || e.carriers.heldByRate === 0) return ok('carrier_rate', evidence);
  return warn(
    'carrier_rate',
    `${evidence} ${plural(e.carriers.heldByRate, 'contact')} on deck wait for the carrier's rate.`,
    "the carrier's dial-rate cap holds the dials: raise cps_limit under Carriers if the carrier allows it, or add numbers on another carrier.",
  );
}

/** A worker polling each task queue (Temporal's task-queue description). */
export function judgeWorkerPolling(e: DiagnosisEvidence): CheckResult {
  const p = e.pollers;
  if (!p.reachable) {
    return esc(
      'worker_polling',
      `Temporal did not answer the task-queue description: ${p.error ?? 'unknown error'}.`,
      'the dialling engine (Temporal) is not reachable.',
    );
  }
  const missing = p.queues.filter((q) => q.pollers === 0);
  const described = p.queues
    .map(
      (q) =>
        `${q.taskQueue} (${q.kind}): ${plural(q.pollers, 'poller')}${q.lastPollAt ? `, last poll ${agoS(e.now, q.lastPollAt)} s ago` : ''}`,
    )
    .join('; ');
  if (missing.length === 0) return ok('worker_polling', `Every task queue has a worker: ${described}.`);
  const names = missing.map((q) => `${q.taskQueue} (${q.kind})`).join(', ');
  // Without a run to serve, a missing worker delays nothing yet; the next start would wait for it.
  return esc(
    'worker_polling',
    `No worker polls ${names}${hasRun(e.campaign) ? ' while the run needs it' : ''}. ${described}.`,
    'no dialler worker is polling; contacts cannot be dialled until one runs.',
  );
}

/**
 * The run workflow open and in step with Postgres: running when the campaign runs, paused when it is paused.
 * Postgres is the record and the API tells the run at once, but a run that missed it (a lost update, a stale
 * re-read) only catches up on its next re-read of its record, a minute later when paused: past that, a run
 * that says otherwise is not dialling as the campaign says, and no setting changes that.
 */
export function judgeRunWorkflow(e: DiagnosisEvidence): CheckResult {
  const c = e.campaign;
  const r = e.run;
  if (!hasRun(c)) return ok('run_workflow', `The campaign is ${c.status}: it has no run to be in step with.`);
  if (!r.asked) {
    // worker_polling escalates an unreachable Temporal or a missing worker; this check has nothing to add.
    return ok('run_workflow', `Could not ask the run workflow: ${r.error ?? 'unknown error'}.`);
  }
  const since = r.statusSince ?? c.runStartedAt;
  const settling = since !== null && e.now.getTime() - since.getTime() < RUN_CATCH_UP_MS;
  const changed = since ? ` since ${since.toISOString()}` : '';
  if (!r.report) {
    if (settling)
      return ok('run_workflow', `The run ${c.runNo} workflow is starting (the campaign is ${c.status}).`);
    return esc(
      'run_workflow',
      `The campaign is ${c.status}${changed} but no workflow of run ${c.runNo} is open: nothing admits its contacts.`,
      `the campaign is ${c.status} but its run workflow is gone.`,
    );
  }
  const says = `${r.report.status} (${r.report.reason}); ${r.report.waitingFor ?? 'admitting'}`;
  if (r.report.status === c.status) return ok('run_workflow', `The run ${c.runNo} workflow agrees: ${says}.`);
  if (settling) {
    return ok(
      'run_workflow',
      `The campaign is ${c.status}${changed}; the run ${c.runNo} workflow still says ${says}: it should catch up within ${RUN_CATCH_UP_MS / 1000} s of the change.`,
    );
  }
  return esc(
    'run_workflow',
    `The campaign is ${c.status}${changed} but the run ${c.runNo} workflow says ${says}.`,
    `the run workflow does not follow the campaign's ${c.status === 'paused' ? 'pause' : 'status'}.`,
  );
}

/** The switch connection, as the workers report it. */
export function judgeSwitchConnected(e: DiagnosisEvidence): CheckResult {
  const s = e.switch;
  if (!s.known) {
    if (!hasRun(e.campaign))
      return ok('switch_connected', 'No worker reports a switch connection; no run needs one now.');
    return esc(
      'switch_connected',
      'No live worker reports its switch (FreeSWITCH) connection.',
      'no worker is connected to the switch.',
    );
  }
  const since = s.since ? ` since ${s.since.toISOString()}` : '';
  if (s.connected)
    return ok('switch_connected', `${plural(s.workers, 'worker')} up; the switch is connected${since}.`);
  if (!hasRun(e.campaign))
    return ok(
      'switch_connected',
      `The switch is disconnected${since}; the campaign is ${e.campaign.status}.`,
    );
  return esc(
    'switch_connected',
    `${plural(s.workers, 'worker')} up, none connected to the switch${since}: dials wait, no attempts are spent.`,
    'the dialler cannot reach FreeSWITCH (the transport).',
  );
}

/** The SIP pattern of recent attempts: 429 and 5xx across most calls is a carrier or transport problem. */
export function judgeSipPattern(e: DiagnosisEvidence): CheckResult {
  const s = e.sip;
  if (s.sample < SIP_MIN_SAMPLE) {
    return ok('sip_pattern', `${plural(s.sample, 'recent attempt')}: too few to show a pattern.`);
  }
  const bad = s.status429 + s.status5xx;
  const fourOhFour =
    s.notFoundFast + s.notFoundAfterRing > 0
      ? `; 404: ${s.notFoundFast} failed at once (likely a dead number), ${s.notFoundAfterRing} after ringing ${SIP_404_RANG_S} s or more (a genuine no-answer on some carriers)`
      : '';
  const evidence = `Of the last ${s.sample} attempts: ${s.status429} SIP 429 (${pct(s.status429, s.sample)}), ${s.status5xx} SIP 5xx (${pct(s.status5xx, s.sample)})${fourOhFour}.`;
  if (bad / s.sample > SIP_ESCALATE_SHARE) {
    return esc(
      'sip_pattern',
      evidence,
      `the same SIP pattern (${s.status429 >= s.status5xx ? '429, rate limited by the carrier' : '5xx, carrier or transport'}) repeats across most calls. Do not change the bot prompt: SIP outcomes are decided before the bot joins.`,
    );
  }
  if (bad / s.sample >= SIP_WARN_SHARE) {
    return warn(
      'sip_pattern',
      evidence,
      'check the carrier behind the number pool and its rate; swap a flagged number under Carriers. Escalate if it grows to most calls.',
    );
  }
  if (s.notFoundFast / s.sample >= SIP_WARN_SHARE) {
    return warn(
      'sip_pattern',
      evidence,
      'check the numbers in the contact list: many fail at once with 404 (old, ported or wrong-format numbers).',
    );
  }
  return ok('sip_pattern', evidence);
}

/** In-flight contacts older than the ring timeout plus the longest call. */
export function judgeStalledInFlight(e: DiagnosisEvidence): CheckResult {
  const s = e.stall;
  if (s.stalled > 0) {
    const oldest = s.oldestStartedAt ? `, the oldest placed ${agoS(e.now, s.oldestStartedAt)} s ago` : '';
    return esc(
      'stalled_in_flight',
      `${plural(s.stalled, 'call')} in flight longer than the ring timeout plus the longest call (${s.thresholdS} s)${oldest}.`,
      'in-flight contact states are piling up and not recovering. Report how many and for how long.',
    );
  }
  if (s.recoveredRecently > 0) {
    return warn(
      'stalled_in_flight',
      `No call is in flight past ${s.thresholdS} s; ${plural(s.recoveredRecently, 'call')} were closed by the stale-state recovery (timeout) in the last 15 minutes.`,
      'nothing while they keep recovering; escalate if it keeps happening.',
    );
  }
  return ok('stalled_in_flight', `No call is in flight longer than ${s.thresholdS} s.`);
}

/** Due retries and callbacks not dialled past their time, while running inside the window. */
export function judgeOverdueRetries(e: DiagnosisEvidence): CheckResult {
  const o = e.overdue;
  if (o.notReady === 0 || !isLive(e.campaign) || !e.window.insideWindow) {
    return ok(
      'overdue_retries',
      o.notReady === 0
        ? 'No retry or callback is past its due time.'
        : `${plural(o.notReady, 'retry or callback', 'retries and callbacks')} past due, but the campaign is ${isLive(e.campaign) ? 'outside its window' : e.campaign.status}: they wait deliberately.`,
    );
  }
  const oldest = o.oldestDueAt ? `, the oldest due at ${o.oldestDueAt.toISOString()}` : '';
  return esc(
    'overdue_retries',
    `${plural(o.notReady, 'retry or callback', 'retries and callbacks')} more than ${OVERDUE_SLACK_MS / 1000} s past their due time were never made ready${oldest}, while the campaign runs inside its window.`,
    'eligible contacts never re-dial although the retry rules are correct.',
  );
}

/** Seats held by calls whose lease was not renewed: the dial activity's heartbeat stopped. */
export function judgeSeatsWithoutHeartbeat(e: DiagnosisEvidence): CheckResult {
  const l = e.leases;
  if (l.expiredInCall === 0) return ok('seats_without_heartbeat', 'Every call in flight renews its seat.');
  const oldest = l.oldestExpiredAt
    ? `, the oldest lease ran out ${agoS(e.now, l.oldestExpiredAt)} s ago`
    : '';
  return esc(
    'seats_without_heartbeat',
    `${plural(l.expiredInCall, 'call')} in flight whose seat lease was not renewed${oldest}: their dial activity stopped heartbeating.`,
    'calls are held without a worker following them.',
  );
}

/** Ended attempts missing from the attempt report. */
export function judgeReportComplete(e: DiagnosisEvidence): CheckResult {
  const r = e.report;
  if (r.endedButIncomplete === 0 && r.openOfFinalContacts === 0) {
    return ok('report_complete', 'Every ended attempt of the run is in the attempt report.');
  }
  return esc(
    'report_complete',
    `${r.endedButIncomplete} attempts marked ended without an end time or outcome, ${r.openOfFinalContacts} attempts still open for contacts that are final: they are missing from the attempt report.`,
    'a finished attempt never appears in the report.',
  );
}

const JUDGES: Record<CheckName, (e: DiagnosisEvidence) => CheckResult> = {
  start_gaps: judgeStartGaps,
  window_open: judgeWindowOpen,
  contacts_due: judgeContactsDue,
  seats_free: judgeSeatsFree,
  carrier_rate: judgeCarrierRate,
  worker_polling: judgeWorkerPolling,
  run_workflow: judgeRunWorkflow,
  switch_connected: judgeSwitchConnected,
  sip_pattern: judgeSipPattern,
  stalled_in_flight: judgeStalledInFlight,
  overdue_retries: judgeOverdueRetries,
  seats_without_heartbeat: judgeSeatsWithoutHeartbeat,
  report_complete: judgeReportComplete,
};

/** Every check, in the guide's order. */
export function diagnose(e: DiagnosisEvidence): CheckResult[] {
  return CHECKS.map((name) => JUDGES[name](e));
}

/** The checks that need someone: what the stall detector keeps as alerts. */
export function failing(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status !== 'ok');
}
