/**
 * The dial follower as explicit states: what to do next about one placed call, decided by a pure function
 * of what is known now (the call's events so far, the ESL connection, the answers to earlier checks) and
 * one clock reading. The dial activity (dial.activity.ts) runs the I/O it asks for and feeds the answers
 * back; tests drive it with a fake clock.
 *
 * Phases:
 *  - `following`: the call is (believed) up; its events come through the switch client.
 *  - `job_failed`: the originate answered `-ERR` with no channel; a late CHANNEL_CREATE gets a moment.
 *  - `missing`: the switch says it has no such call and we did not see it end: the call journal (every
 *    worker's record of hangups) gets a moment to tell how it ended.
 *  - `killing`: the call outlived every expectation (stale); it was killed and its hangup is awaited.
 * Along the way: the progress writes, and the voicemail action once a machine answers.
 * Ends: `observed` (we have the hangup, seen or from the journal), `recorded` (another try of this dial
 * already recorded the end), `untracked` (gone, nobody saw how), `stale` (we killed it: its hangup, or none
 * within the grace),
 * `not_placed` (an originate whose write was cut off never reached the switch).
 */

export type Progress = 'none' | 'ringing' | 'in_progress';

export type FollowerEnd = 'observed' | 'recorded' | 'untracked' | 'stale' | 'not_placed';

export interface FollowerConfig {
  /** When the call becomes stale (ring timeout + longest call + grace after it started). */
  staleAt: number;
  /** After the kill of a stale call, how long its hangup may take. */
  killGraceMs: number;
  /** A `-ERR` without channel: how long a late CHANNEL_CREATE may take. */
  jobFailGraceMs: number;
  /** How long a missing call waits for the journal (another worker's record of its hangup). */
  missingGraceMs: number;
  /** Temporal heartbeat period (cheap: the SDK batches them). */
  heartbeatMs: number;
  /** Seat lease renewal period (a Postgres write). */
  leaseMs: number;
  /** How often the journal is read while nobody can see the call (no ESL connection, or it is missing). */
  journalPollMs: number;
  /** A call whose start we did not see is checked with the switch after this long (reconciling only). */
  unconfirmedCheckMs: number;
  /** When the switch has no such call: `untracked` (it was placed) or `not_placed` (the write was cut off). */
  missingMeans: 'untracked' | 'not_placed';
}

/** What the call's events have shown so far. */
export interface CallView {
  ended: boolean;
  failedWithoutChannel: boolean;
  started: boolean;
  ringing: boolean;
  answered: boolean;
  /** Answered by a machine (detection said so while the call is up). */
  machine: boolean;
}

export interface FollowerState {
  phase: 'following' | 'job_failed' | 'missing' | 'killing';
  /** When the phase began. */
  since: number;
  startedAt: number;
  progress: Progress;
  beatAt: number;
  leaseAt: number;
  journalAt: number;
  /** A uuid_exists check is due (after a reconnect, or to confirm a call we did not see start). */
  verify: boolean;
  /** The switch confirmed the call, or we saw its events: no unconfirmed-start check needed. */
  confirmed: boolean;
  /** The voicemail action ran for a machine that answered (once per call). */
  machineHandled: boolean;
}

/** What the driver learnt since the last step. */
export interface Observation {
  now: number;
  call: CallView;
  connected: boolean;
  /** The ESL connection came back since the last step (events of the gap are lost). */
  reconnected?: boolean;
  /** Answer to `check_exists`. */
  exists?: boolean;
  /** Answer to `renew_lease`: false when the attempt is already ended (recorded by another try). */
  attemptOpen?: boolean;
}

export type FollowerAction =
  | { kind: 'write_progress'; progress: 'ringing' | 'in_progress' }
  | { kind: 'heartbeat'; phase: string }
  | { kind: 'renew_lease' }
  | { kind: 'check_exists' }
  | { kind: 'read_journal' }
  | { kind: 'kill' }
  /** The run's voicemail action: leave the message, or hang up. */
  | { kind: 'handle_machine' };

export interface FollowerStep {
  state: FollowerState;
  actions: FollowerAction[];
  /** Set when following is over. */
  end?: FollowerEnd;
  /** Wake no later than this (absolute ms) unless an event comes first. */
  wakeAt: number;
}

export function startFollowing(now: number, opts: { confirmed: boolean; verify: boolean }): FollowerState {
  return {
    phase: 'following',
    since: now,
    startedAt: now,
    progress: 'none',
    beatAt: Number.NEGATIVE_INFINITY,
    leaseAt: now,
    journalAt: Number.NEGATIVE_INFINITY,
    verify: opts.verify,
    confirmed: opts.confirmed,
    machineHandled: false,
  };
}

/** One step: the next state, the I/O to run now, and when to look again. */
export function stepFollower(prev: FollowerState, obs: Observation, cfg: FollowerConfig): FollowerStep {
  const { now, call } = obs;
  let state: FollowerState = { ...prev };
  const actions: FollowerAction[] = [];
  const done = (end: FollowerEnd): FollowerStep => ({ state, actions, end, wakeAt: now });
  const enter = (phase: FollowerState['phase']): void => {
    if (state.phase !== phase) state = { ...state, phase, since: now };
  };

  if (obs.attemptOpen === false) return done('recorded');
  // A call we killed for being stale is stale however its hangup reads (its kill is not its outcome).
  if (call.ended) return done(state.phase === 'killing' ? 'stale' : 'observed');
  if (call.started) state.confirmed = true;

  if (call.failedWithoutChannel) {
    enter('job_failed');
    if (now - state.since >= cfg.jobFailGraceMs) return done('observed');
  }

  if (call.answered && state.progress !== 'in_progress') {
    state.progress = 'in_progress';
    actions.push({ kind: 'write_progress', progress: 'in_progress' });
  } else if ((call.started || call.ringing) && state.progress === 'none') {
    state.progress = 'ringing';
    actions.push({ kind: 'write_progress', progress: 'ringing' });
  }

  if (call.machine && !state.machineHandled) {
    state.machineHandled = true;
    actions.push({ kind: 'handle_machine' });
  }

  if (obs.reconnected) state.verify = true;
  if (obs.exists === true) {
    state.confirmed = true;
    if (state.phase === 'missing') enter('following');
  } else if (obs.exists === false) {
    enter('missing');
  }

  if (!state.confirmed && !state.verify && now - state.startedAt >= cfg.unconfirmedCheckMs) {
    // Reconciling a call we did not see start: make sure the switch still has it (once).
    state.verify = true;
    state.confirmed = true;
  }

  if (state.phase !== 'killing' && now >= cfg.staleAt) {
    enter('killing');
    actions.push({ kind: 'kill' });
  }

  if (state.phase === 'missing') {
    if (now - state.since >= cfg.missingGraceMs) {
      return done(cfg.missingMeans);
    }
  } else if (state.phase === 'killing' && now - state.since >= cfg.killGraceMs) {
    return done('stale');
  }

  if (state.verify && obs.connected && state.phase !== 'killing') {
    state.verify = false;
    actions.push({ kind: 'check_exists' });
  }

  // Nobody can see this call's end right now: the journal may have it (another worker's connection).
  const blind = state.phase === 'missing' || state.phase === 'killing' || !obs.connected;
  const journalPollMs = state.phase === 'missing' ? Math.min(cfg.journalPollMs, 250) : cfg.journalPollMs;
  if (blind && now - state.journalAt >= journalPollMs) {
    state.journalAt = now;
    actions.push({ kind: 'read_journal' });
  }

  if (now - state.beatAt >= cfg.heartbeatMs) {
    state.beatAt = now;
    actions.push({ kind: 'heartbeat', phase: obs.connected ? state.progress : 'switch_unreachable' });
  }
  if (now - state.leaseAt >= cfg.leaseMs) {
    state.leaseAt = now;
    actions.push({ kind: 'renew_lease' });
  }

  const wakes = [state.beatAt + cfg.heartbeatMs, state.leaseAt + cfg.leaseMs];
  if (state.phase !== 'killing') wakes.push(cfg.staleAt);
  if (state.phase === 'job_failed') wakes.push(state.since + cfg.jobFailGraceMs);
  if (state.phase === 'missing') wakes.push(state.since + cfg.missingGraceMs);
  if (state.phase === 'killing') wakes.push(state.since + cfg.killGraceMs);
  if (blind) wakes.push(state.journalAt + journalPollMs);
  if (!state.confirmed) wakes.push(state.startedAt + cfg.unconfirmedCheckMs);
  return { state, actions, wakeAt: Math.max(now, Math.min(...wakes)) };
}

/**
 * A call the switch does not know and nobody saw, written to a switch that has restarted since (its
 * Core-UUID changed): the switch answered the `bgapi` (`+OK Job-UUID`) and died before its job created the
 * channel — no CHANNEL_CREATE reached any worker, no hangup is journalled, the restarted switch has no such
 * uuid. It never rang: the contact goes back to the queue instead of being spent as `timeout`. A call whose
 * channel anyone saw, or a switch that is still the one written to, stays untracked: never placed twice.
 * (Every worker of a task queue points at the same switch, README "Running at scale", so a Core-UUID that
 * differs means that switch restarted, not another switch.)
 */
export function diedWithItsSwitch(facts: {
  /** Any event of the call was seen (by this try or, for a retry, recorded by an earlier one). */
  channelSeen: boolean;
  /** A worker's journal, or the switch's job result, told how the call ended. */
  endKnown: boolean;
  coreAtWrite: string | null;
  coreNow: string | null;
}): boolean {
  return (
    !facts.channelSeen &&
    !facts.endKnown &&
    facts.coreAtWrite !== null &&
    facts.coreNow !== null &&
    facts.coreAtWrite !== facts.coreNow
  );
}
