import { describe, expect, it } from 'vitest';
import {
  CHECKS,
  diagnose,
  failing,
  judgeCarrierRate,
  judgeContactsDue,
  judgeOverdueRetries,
  judgeReportComplete,
  judgeRunWorkflow,
  judgeSeatsFree,
  judgeSeatsWithoutHeartbeat,
  judgeSipPattern,
  judgeStalledInFlight,
  judgeStartGaps,
  judgeSwitchConnected,
  judgeWindowOpen,
  judgeWorkerPolling,
  NO_DIALS_STALL_MS,
  NOTHING_TO_DO,
  RUN_CATCH_UP_MS,
  type DiagnosisEvidence,
} from './diagnosis';

const NOW = new Date('2026-12-07T10:00:00Z');
const ago = (s: number): Date => new Date(NOW.getTime() - s * 1000);

/** A healthy running campaign: every check ok. Each test changes only what it is about. */
function healthy(): DiagnosisEvidence {
  return {
    now: NOW,
    campaign: {
      status: 'running',
      runNo: 1,
      alwaysOn: false,
      startGaps: [],
      lastStartFailure: null,
      runStartedAt: ago(600),
    },
    window: {
      insideWindow: true,
      workingDay: true,
      window: { start: '09:00', end: '18:00', timezone: 'UTC' },
      workingDays: ['mon', 'tue', 'wed', 'thu', 'fri'],
      nextOpening: null,
    },
    contacts: {
      total: 100,
      pending: 40,
      retryScheduled: 10,
      callbackScheduled: 1,
      ready: 30,
      readyLongerThanSlack: 0,
      inFlight: 5,
      final: 44,
    },
    dials: { lastDialAt: ago(2) },
    seats: { concurrency: 5, callsUp: 5, onDeck: 2 },
    carriers: {
      carriers: [{ name: 'Carrier 1', gateway: 'gw1', cpsLimit: 10, dialsLast10s: 8 }],
      heldByRate: 0,
    },
    pollers: {
      reachable: true,
      error: null,
      queues: [
        { taskQueue: 'ori', kind: 'workflow', pollers: 1, lastPollAt: ago(3) },
        { taskQueue: 'ori', kind: 'activity', pollers: 1, lastPollAt: ago(3) },
      ],
    },
    run: {
      asked: true,
      error: null,
      report: { status: 'running', reason: 'started', waitingFor: null },
      statusSince: ago(600),
    },
    switch: { known: true, connected: true, workers: 1, since: ago(900) },
    sip: { sample: 50, status429: 1, status5xx: 2, notFoundFast: 0, notFoundAfterRing: 1 },
    stall: { thresholdS: 1830, stalled: 0, oldestStartedAt: null, recoveredRecently: 0 },
    overdue: { notReady: 0, oldestDueAt: null },
    leases: { expiredInCall: 0, oldestExpiredAt: null },
    report: { endedButIncomplete: 0, openOfFinalContacts: 0 },
  };
}

type Patch = { [K in keyof DiagnosisEvidence]?: Partial<DiagnosisEvidence[K]> };
function withFacts(patch: Patch): DiagnosisEvidence {
  const base = healthy();
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const cur = base[k as keyof DiagnosisEvidence];
    out[k] = cur instanceof Date ? v : { ...(cur as object), ...(v as object) };
  }
  return out as unknown as DiagnosisEvidence;
}

describe('diagnose', () => {
  it('answers every check once, in the guide order, all ok for a healthy run', () => {
    const results = diagnose(healthy());
    expect(results.map((r) => r.check)).toEqual([...CHECKS]);
    expect(results.every((r) => r.status === 'ok' && r.next_step === NOTHING_TO_DO)).toBe(true);
    expect(failing(results)).toEqual([]);
  });

  it('phrases next steps as the guide does: "You can fix" for warnings, "Escalate" for escalations', () => {
    const results = diagnose(
      withFacts({ window: { insideWindow: false, nextOpening: ago(-3600) }, stall: { stalled: 2 } }),
    );
    const window = results.find((r) => r.check === 'window_open');
    const stall = results.find((r) => r.check === 'stalled_in_flight');
    expect(window?.next_step).toMatch(/^You can fix: /);
    expect(stall?.next_step).toMatch(/^Escalate: /);
    expect(failing(results).map((r) => r.check)).toEqual(['window_open', 'stalled_in_flight']);
  });
});

describe('start_gaps', () => {
  it('a draft with gaps: warn, naming each gap', () => {
    const r = judgeStartGaps(
      withFacts({
        campaign: {
          status: 'draft',
          startGaps: [
            { field: 'number_ids', message: 'at least one outbound number is required' },
            { field: 'bot_id', message: 'a bot is required' },
          ],
        },
      }),
    );
    expect(r.status).toBe('warn');
    expect(r.evidence).toContain('number_ids: at least one outbound number is required');
    expect(r.evidence).toContain('bot_id');
    expect(r.next_step).toMatch(/^You can fix:/);
  });
  it('a valid draft whose start failed: escalate with the failure', () => {
    const r = judgeStartGaps(
      withFacts({
        campaign: { status: 'draft', lastStartFailure: { at: ago(30), reason: 'engine unreachable' } },
      }),
    );
    expect(r.status).toBe('escalate');
    expect(r.evidence).toContain('engine unreachable');
  });
  it('a valid draft, and a started campaign: ok', () => {
    expect(judgeStartGaps(withFacts({ campaign: { status: 'draft' } })).status).toBe('ok');
    expect(judgeStartGaps(healthy()).status).toBe('ok');
    // Gaps of a running campaign (an edited pool) do not matter to a start that already happened.
    expect(
      judgeStartGaps(withFacts({ campaign: { startGaps: [{ field: 'bot_id', message: 'x' }] } })).status,
    ).toBe('ok');
  });
});

describe('window_open', () => {
  it('running outside the window: warn, with the next opening', () => {
    const r = judgeWindowOpen(withFacts({ window: { insideWindow: false, nextOpening: ago(-3600) } }));
    expect(r.status).toBe('warn');
    expect(r.evidence).toContain('outside the calling window');
    expect(r.evidence).toContain(ago(-3600).toISOString());
  });
  it('running on a non-working day: warn, saying so', () => {
    const r = judgeWindowOpen(withFacts({ window: { insideWindow: false, workingDay: false } }));
    expect(r.status).toBe('warn');
    expect(r.evidence).toContain('not a working day');
  });
  it('closed while not running: ok (nothing is held)', () => {
    for (const status of ['draft', 'paused', 'completed', 'failed'] as const) {
      expect(
        judgeWindowOpen(withFacts({ campaign: { status }, window: { insideWindow: false } })).status,
      ).toBe('ok');
    }
  });
});

describe('contacts_due', () => {
  it('due contacts, free seats, inside the window, no dial for minutes: escalate (a stall)', () => {
    const r = judgeContactsDue(
      withFacts({
        seats: { callsUp: 0, onDeck: 0 },
        contacts: { inFlight: 0 },
        dials: { lastDialAt: new Date(NOW.getTime() - NO_DIALS_STALL_MS - 1000) },
      }),
    );
    expect(r.status).toBe('escalate');
    expect(r.evidence).toContain('30 contacts due');
  });
  it('never dialled since a run started minutes ago: escalate', () => {
    const r = judgeContactsDue(
      withFacts({ seats: { callsUp: 0 }, dials: { lastDialAt: null }, campaign: { runStartedAt: ago(600) } }),
    );
    expect(r.status).toBe('escalate');
    expect(r.evidence).toContain('nothing was dialled since the run started');
  });
  it('quiet but outside the window, with no free seat, with nothing due, or quiet only briefly: ok', () => {
    const quiet = { lastDialAt: ago(600) };
    expect(
      judgeContactsDue(withFacts({ seats: { callsUp: 0 }, dials: quiet, window: { insideWindow: false } }))
        .status,
    ).toBe('ok');
    expect(judgeContactsDue(withFacts({ seats: { callsUp: 5 }, dials: quiet })).status).toBe('ok');
    expect(
      judgeContactsDue(withFacts({ seats: { callsUp: 0 }, dials: quiet, contacts: { ready: 0 } })).status,
    ).toBe('ok');
    expect(
      judgeContactsDue(withFacts({ seats: { callsUp: 0 }, dials: { lastDialAt: ago(60) } })).status,
    ).toBe('ok');
  });
  it('running with nothing left: ok, the run completes (always-on: waits for contacts)', () => {
    const empty = {
      pending: 0,
      retryScheduled: 0,
      callbackScheduled: 0,
      ready: 0,
      inFlight: 0,
      final: 100,
    };
    const done = judgeContactsDue(withFacts({ contacts: empty, dials: { lastDialAt: ago(600) } }));
    expect(done.status).toBe('ok');
    expect(done.evidence).toContain('moves to completed');
    expect(judgeContactsDue(withFacts({ contacts: empty, campaign: { alwaysOn: true } })).evidence).toContain(
      'waits for new contacts',
    );
  });
  it('not running: ok with the counts', () => {
    const r = judgeContactsDue(withFacts({ campaign: { status: 'completed' }, dials: { lastDialAt: null } }));
    expect(r.status).toBe('ok');
    expect(r.evidence).toContain('40 pending');
  });
});

describe('seats_free', () => {
  it('every seat busy while calls move: ok', () => {
    expect(judgeSeatsFree(healthy()).status).toBe('ok');
  });
  it('every seat held, contacts waiting, no dial for minutes: warn', () => {
    const r = judgeSeatsFree(withFacts({ dials: { lastDialAt: ago(600) } }));
    expect(r.status).toBe('warn');
    expect(r.evidence).toContain('5 of 5 seats hold a call');
  });
  it('a free seat, or not running: ok', () => {
    expect(judgeSeatsFree(withFacts({ seats: { callsUp: 4 }, dials: { lastDialAt: ago(600) } })).status).toBe(
      'ok',
    );
    expect(
      judgeSeatsFree(withFacts({ campaign: { status: 'paused' }, dials: { lastDialAt: ago(600) } })).status,
    ).toBe('ok');
  });
});

describe('carrier_rate', () => {
  it('contacts on deck held by the carrier rate: warn naming the cap', () => {
    const r = judgeCarrierRate(withFacts({ carriers: { heldByRate: 3 } }));
    expect(r.status).toBe('warn');
    expect(r.evidence).toContain('10 dials/s cap');
    expect(r.evidence).toContain('3 contacts on deck wait');
  });
  it('no one held, or not running: ok', () => {
    expect(judgeCarrierRate(healthy()).status).toBe('ok');
    expect(
      judgeCarrierRate(withFacts({ carriers: { heldByRate: 3 }, campaign: { status: 'completed' } })).status,
    ).toBe('ok');
  });
});

describe('worker_polling', () => {
  it('a task queue without a poller: escalate naming it', () => {
    const r = judgeWorkerPolling(
      withFacts({
        pollers: {
          queues: [
            { taskQueue: 'ori', kind: 'workflow', pollers: 1, lastPollAt: ago(3) },
            { taskQueue: 'ori-runs', kind: 'activity', pollers: 0, lastPollAt: ago(400) },
          ],
        },
      }),
    );
    expect(r.status).toBe('escalate');
    expect(r.evidence).toContain('No worker polls ori-runs (activity)');
  });
  it('Temporal unreachable: escalate with its error', () => {
    const r = judgeWorkerPolling(withFacts({ pollers: { reachable: false, error: 'UNAVAILABLE' } }));
    expect(r.status).toBe('escalate');
    expect(r.evidence).toContain('UNAVAILABLE');
  });
  it('every queue polled: ok', () => {
    expect(judgeWorkerPolling(healthy()).status).toBe('ok');
  });
});

describe('run_workflow', () => {
  const paused = {
    status: 'paused' as const,
    reason: 'paused (the run record says so)',
    waitingFor: 'paused',
  };
  it('the run workflow agrees with the campaign: ok, saying what it waits for', () => {
    const r = judgeRunWorkflow(
      withFacts({ run: { report: { status: 'running', reason: 'resumed by ops', waitingFor: 'a seat' } } }),
    );
    expect(r).toMatchObject({ status: 'ok', next_step: NOTHING_TO_DO });
    expect(r.evidence).toBe('The run 1 workflow agrees: running (resumed by ops); a seat.');
  });
  it('says paused while the campaign has been running past the catch-up time: escalate with both sides', () => {
    const since = ago(RUN_CATCH_UP_MS / 1000 + 1);
    const r = judgeRunWorkflow(withFacts({ run: { report: paused, statusSince: since } }));
    expect(r.status).toBe('escalate');
    expect(r.evidence).toBe(
      `The campaign is running since ${since.toISOString()} but the run 1 workflow says paused (paused (the run record says so)); paused.`,
    );
    expect(r.next_step).toMatch(/^Escalate: /);
  });
  it('differs within the catch-up time after the change: ok, saying it catches up', () => {
    const r = judgeRunWorkflow(
      withFacts({ run: { report: paused, statusSince: ago(RUN_CATCH_UP_MS / 1000 - 1) } }),
    );
    expect(r.status).toBe('ok');
    expect(r.evidence).toContain('still says paused');
  });
  it('says running while the campaign is paused: escalate', () => {
    const r = judgeRunWorkflow(withFacts({ campaign: { status: 'paused' }, run: { statusSince: ago(300) } }));
    expect(r.status).toBe('escalate');
    expect(r.evidence).toContain('The campaign is paused');
  });
  it('no workflow of the run open: escalate once past the start, ok while it starts', () => {
    const gone = judgeRunWorkflow(withFacts({ run: { report: null } }));
    expect(gone.status).toBe('escalate');
    expect(gone.evidence).toContain('no workflow of run 1 is open');
    expect(judgeRunWorkflow(withFacts({ run: { report: null, statusSince: ago(5) } })).status).toBe('ok');
  });
  it('without a status change on record, the run start is the change', () => {
    const r = judgeRunWorkflow(
      withFacts({ campaign: { runStartedAt: ago(10) }, run: { report: paused, statusSince: null } }),
    );
    expect(r.status).toBe('ok');
  });
  it('no run open (draft, completed): ok without asking', () => {
    for (const status of ['draft', 'completed', 'failed'] as const) {
      const r = judgeRunWorkflow(withFacts({ campaign: { status }, run: { asked: false, report: null } }));
      expect(r.status).toBe('ok');
    }
  });
  it('Temporal did not answer: ok here (worker_polling escalates it), with the error', () => {
    const r = judgeRunWorkflow(
      withFacts({ run: { asked: false, error: 'DEADLINE_EXCEEDED', report: null } }),
    );
    expect(r.status).toBe('ok');
    expect(r.evidence).toContain('DEADLINE_EXCEEDED');
  });
});

describe('switch_connected', () => {
  it('workers up, none connected, run alive: escalate', () => {
    const r = judgeSwitchConnected(withFacts({ switch: { connected: false } }));
    expect(r.status).toBe('escalate');
  });
  it('nothing reported while a run is alive: escalate; without a run: ok', () => {
    expect(judgeSwitchConnected(withFacts({ switch: { known: false, connected: false } })).status).toBe(
      'escalate',
    );
    expect(
      judgeSwitchConnected(
        withFacts({ switch: { known: false, connected: false }, campaign: { status: 'draft' } }),
      ).status,
    ).toBe('ok');
  });
  it('disconnected for a completed campaign: ok; connected: ok', () => {
    expect(
      judgeSwitchConnected(withFacts({ switch: { connected: false }, campaign: { status: 'completed' } }))
        .status,
    ).toBe('ok');
    expect(judgeSwitchConnected(healthy()).status).toBe('ok');
  });
});

describe('sip_pattern', () => {
  it('429 across most calls: escalate, naming the carrier rate', () => {
    const r = judgeSipPattern(withFacts({ sip: { sample: 10, status429: 8, status5xx: 0 } }));
    expect(r.status).toBe('escalate');
    expect(r.evidence).toContain('8 SIP 429 (80%)');
    expect(r.next_step).toContain('429');
  });
  it('5xx across most calls: escalate, naming the transport', () => {
    const r = judgeSipPattern(withFacts({ sip: { sample: 10, status429: 0, status5xx: 6 } }));
    expect(r.status).toBe('escalate');
    expect(r.next_step).toContain('5xx');
  });
  it('exactly half is not "most": warn', () => {
    expect(judgeSipPattern(withFacts({ sip: { sample: 10, status429: 3, status5xx: 2 } })).status).toBe(
      'warn',
    );
  });
  it('a fifth 429/5xx: warn; less: ok', () => {
    expect(judgeSipPattern(withFacts({ sip: { sample: 10, status429: 2, status5xx: 0 } })).status).toBe(
      'warn',
    );
    expect(judgeSipPattern(withFacts({ sip: { sample: 10, status429: 1, status5xx: 0 } })).status).toBe('ok');
  });
  it('404s are bucketed by ring time: fast ones warn about numbers, rung ones do not', () => {
    const fast = judgeSipPattern(
      withFacts({ sip: { sample: 10, status429: 0, status5xx: 0, notFoundFast: 4, notFoundAfterRing: 0 } }),
    );
    expect(fast.status).toBe('warn');
    expect(fast.next_step).toContain('404');
    const rung = judgeSipPattern(
      withFacts({ sip: { sample: 10, status429: 0, status5xx: 0, notFoundFast: 0, notFoundAfterRing: 8 } }),
    );
    expect(rung.status).toBe('ok');
    expect(rung.evidence).toContain('8 after ringing');
  });
  it('too few attempts: ok, however bad', () => {
    expect(judgeSipPattern(withFacts({ sip: { sample: 4, status429: 4 } })).status).toBe('ok');
  });
});

describe('stalled_in_flight', () => {
  it('calls past ring timeout + longest call: escalate with the count and age', () => {
    const r = judgeStalledInFlight(withFacts({ stall: { stalled: 3, oldestStartedAt: ago(2000) } }));
    expect(r.status).toBe('escalate');
    expect(r.evidence).toContain('3 calls in flight longer than');
    expect(r.evidence).toContain('2000 s ago');
  });
  it('recent stale recoveries only: warn; nothing: ok', () => {
    expect(judgeStalledInFlight(withFacts({ stall: { recoveredRecently: 2 } })).status).toBe('warn');
    expect(judgeStalledInFlight(healthy()).status).toBe('ok');
  });
});

describe('overdue_retries', () => {
  it('retries past due never made ready, running inside the window: escalate', () => {
    const r = judgeOverdueRetries(withFacts({ overdue: { notReady: 2, oldestDueAt: ago(300) } }));
    expect(r.status).toBe('escalate');
    expect(r.evidence).toContain(ago(300).toISOString());
  });
  it('past due outside the window or while paused: ok (they wait deliberately)', () => {
    expect(
      judgeOverdueRetries(withFacts({ overdue: { notReady: 2 }, window: { insideWindow: false } })).status,
    ).toBe('ok');
    expect(
      judgeOverdueRetries(withFacts({ overdue: { notReady: 2 }, campaign: { status: 'paused' } })).status,
    ).toBe('ok');
    expect(judgeOverdueRetries(healthy()).status).toBe('ok');
  });
});

describe('seats_without_heartbeat', () => {
  it('a call whose lease ran out: escalate', () => {
    const r = judgeSeatsWithoutHeartbeat(
      withFacts({ leases: { expiredInCall: 1, oldestExpiredAt: ago(40) } }),
    );
    expect(r.status).toBe('escalate');
    expect(r.evidence).toContain('40 s ago');
  });
  it('every lease renewed: ok', () => {
    expect(judgeSeatsWithoutHeartbeat(healthy()).status).toBe('ok');
  });
});

describe('report_complete', () => {
  it('ended attempts missing from the report: escalate', () => {
    expect(judgeReportComplete(withFacts({ report: { endedButIncomplete: 1 } })).status).toBe('escalate');
    expect(judgeReportComplete(withFacts({ report: { openOfFinalContacts: 2 } })).status).toBe('escalate');
  });
  it('nothing missing: ok', () => {
    expect(judgeReportComplete(healthy()).status).toBe('ok');
  });
});
