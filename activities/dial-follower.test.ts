import { describe, expect, it } from 'vitest';
import {
  diedWithItsSwitch,
  startFollowing,
  stepFollower,
  type CallView,
  type FollowerConfig,
  type FollowerState,
  type FollowerStep,
  type Observation,
} from './dial-follower';

const cfg: FollowerConfig = {
  staleAt: 100_000,
  killGraceMs: 30_000,
  jobFailGraceMs: 1_000,
  missingGraceMs: 2_000,
  heartbeatMs: 1_000,
  leaseMs: 5_000,
  journalPollMs: 2_000,
  unconfirmedCheckMs: 10_000,
  missingMeans: 'untracked',
};
const quiet: CallView = {
  ended: false,
  failedWithoutChannel: false,
  started: false,
  ringing: false,
  answered: false,
  machine: false,
};

/** A follower driven by a fake clock: each `at` is one step at that time. */
class Driver {
  state: FollowerState;
  last!: FollowerStep;
  constructor(
    private readonly config: FollowerConfig = cfg,
    opts: { confirmed: boolean; verify: boolean } = { confirmed: false, verify: false },
  ) {
    this.state = startFollowing(0, opts);
  }
  at(now: number, over: Partial<Omit<Observation, 'now'>> = {}): FollowerStep {
    this.last = stepFollower(this.state, { now, call: quiet, connected: true, ...over }, this.config);
    this.state = this.last.state;
    return this.last;
  }
  kinds(): string[] {
    return this.last.actions.map((a) => a.kind);
  }
}

describe('dial follower', () => {
  it('writes ringing then in progress once each, and ends when the hangup is seen', () => {
    const d = new Driver();
    expect(d.at(0, { call: { ...quiet, started: true } }).actions).toContainEqual({
      kind: 'write_progress',
      progress: 'ringing',
    });
    expect(d.at(100, { call: { ...quiet, started: true } }).actions).not.toContainEqual(
      expect.objectContaining({ kind: 'write_progress' }),
    );
    expect(d.at(200, { call: { ...quiet, started: true, answered: true } }).actions).toContainEqual({
      kind: 'write_progress',
      progress: 'in_progress',
    });
    expect(d.at(300, { call: { ...quiet, started: true, answered: true, ended: true } }).end).toBe(
      'observed',
    );
  });

  it('heartbeats every second and renews the seat every five, and wakes for them', () => {
    const d = new Driver();
    d.at(0);
    expect(d.kinds()).toEqual(['heartbeat']);
    expect(d.last.wakeAt).toBe(1_000);
    d.at(500);
    expect(d.kinds()).toEqual([]);
    d.at(1_000);
    expect(d.kinds()).toEqual(['heartbeat']);
    d.at(5_000);
    expect(d.kinds()).toEqual(['heartbeat', 'renew_lease']);
  });

  it('a -ERR with no channel gives a late CHANNEL_CREATE a second, then ends', () => {
    const d = new Driver();
    const failed = { ...quiet, failedWithoutChannel: true };
    expect(d.at(0, { call: failed }).end).toBeUndefined();
    expect(d.state.phase).toBe('job_failed');
    expect(d.at(999, { call: failed }).end).toBeUndefined();
    expect(d.at(1_000, { call: failed }).end).toBe('observed');
  });

  it('after a reconnect it asks the switch; a call it no longer has waits for the journal, then is untracked', () => {
    const d = new Driver();
    d.at(0, { call: { ...quiet, started: true } });
    // Disconnected: nothing to ask yet, but the journal is read (another worker may see the end).
    d.at(1_000, { connected: false, call: { ...quiet, started: true } });
    expect(d.kinds()).toContain('read_journal');
    expect(d.last.actions.find((a) => a.kind === 'heartbeat')).toEqual({
      kind: 'heartbeat',
      phase: 'switch_unreachable',
    });
    d.at(1_500, { reconnected: true, call: { ...quiet, started: true } });
    expect(d.kinds()).toContain('check_exists');
    d.at(1_600, { exists: false, call: { ...quiet, started: true } });
    expect(d.state.phase).toBe('missing');
    expect(d.kinds()).toContain('read_journal');
    expect(d.at(3_599, { call: { ...quiet, started: true } }).end).toBeUndefined();
    expect(d.at(3_600, { call: { ...quiet, started: true } }).end).toBe('untracked');
  });

  it('a missing call that the journal knows ends as observed (the driver adopted the recorded hangup)', () => {
    const d = new Driver();
    d.at(0, { exists: false });
    expect(d.state.phase).toBe('missing');
    expect(d.at(300, { call: { ...quiet, ended: true } }).end).toBe('observed');
  });

  it('a cut-off originate the switch does not know is not_placed; one it knows is followed', () => {
    const cutOff: FollowerConfig = { ...cfg, missingMeans: 'not_placed' };
    const unknown = new Driver(cutOff, { confirmed: false, verify: true });
    unknown.at(0, { connected: false });
    expect(unknown.kinds()).not.toContain('check_exists');
    unknown.at(800, { connected: true });
    expect(unknown.kinds()).toContain('check_exists');
    unknown.at(900, { exists: false });
    expect(unknown.at(2_900).end).toBe('not_placed');

    const known = new Driver(cutOff, { confirmed: false, verify: true });
    known.at(0);
    known.at(100, { exists: true });
    expect(known.state.phase).toBe('following');
    expect(known.at(60_000).end).toBeUndefined();
  });

  it('a call whose start it never saw is checked with the switch once, after ten seconds', () => {
    const d = new Driver();
    d.at(0);
    expect(d.last.wakeAt).toBeLessThanOrEqual(10_000);
    d.at(9_999);
    expect(d.kinds()).not.toContain('check_exists');
    d.at(10_000);
    expect(d.kinds()).toContain('check_exists');
    d.at(10_100, { exists: true });
    d.at(20_000);
    expect(d.kinds()).not.toContain('check_exists');
  });

  it('a stale call is killed once; its hangup then ends it as stale, not as the kill reads', () => {
    const d = new Driver({ ...cfg, staleAt: 50_000 });
    d.at(0, { call: { ...quiet, started: true, answered: true } });
    d.at(50_000, { call: { ...quiet, started: true, answered: true } });
    expect(d.kinds()).toContain('kill');
    expect(d.at(50_100, { call: { ...quiet, started: true, answered: true, ended: true } }).end).toBe(
      'stale',
    );
  });

  it('a stale call is killed once, and closed as stale when no hangup follows within the grace', () => {
    const d = new Driver({ ...cfg, staleAt: 50_000 });
    d.at(0, { call: { ...quiet, started: true } });
    d.at(50_000, { call: { ...quiet, started: true } });
    expect(d.kinds()).toContain('kill');
    d.at(60_000, { call: { ...quiet, started: true } });
    expect(d.kinds()).not.toContain('kill');
    expect(d.at(80_000, { call: { ...quiet, started: true } }).end).toBe('stale');
  });

  it('runs the voicemail action once when a machine answers', () => {
    const d = new Driver();
    const machine = { ...quiet, started: true, answered: true, machine: true };
    d.at(0, { call: machine });
    expect(d.kinds()).toContain('handle_machine');
    d.at(100, { call: machine });
    expect(d.kinds()).not.toContain('handle_machine');
  });

  it('ends as recorded when another try already recorded the end (the lease renewal says so)', () => {
    const d = new Driver();
    d.at(0);
    expect(d.at(5_000, { attemptOpen: false }).end).toBe('recorded');
  });
});

describe('diedWithItsSwitch', () => {
  const lost = { channelSeen: false, endKnown: false, coreAtWrite: 'core-a', coreNow: 'core-b' };
  it('says an unseen call on a switch that restarted since its write never rang', () => {
    expect(diedWithItsSwitch(lost)).toBe(true);
  });
  it('keeps every other case an attempt: a channel seen, an end known, the same or an unknown switch', () => {
    expect(diedWithItsSwitch({ ...lost, channelSeen: true })).toBe(false);
    expect(diedWithItsSwitch({ ...lost, endKnown: true })).toBe(false);
    expect(diedWithItsSwitch({ ...lost, coreNow: 'core-a' })).toBe(false);
    expect(diedWithItsSwitch({ ...lost, coreAtWrite: null })).toBe(false);
    expect(diedWithItsSwitch({ ...lost, coreNow: null })).toBe(false);
  });
});
