import { sql } from 'kysely';
import { Counter, Gauge, register, type Registry } from 'prom-client';
import type { Db } from '../db/connection';
import type { CampaignEngine } from '../engine/campaign-engine';
import {
  gatherCampaignEvidence,
  gatherPollers,
  gatherSwitch,
  type DiagnosisDeps,
} from '../db/repositories/diagnosis.repository';
import {
  allActiveAlerts,
  clearAlertsOfOtherCampaigns,
  syncAlerts,
  type ActiveAlert,
} from '../db/repositories/alerts.repository';
import { diagnose, failing } from '../policy/diagnosis';
import type { Logger } from '../observability/log';

/**
 * The stall detector: the troubleshooting checks of GET …/diagnose, run continuously for every running
 * campaign, keeping the failing ones as alerts in Postgres (the live panel shows them), logging each alert
 * raised and cleared with its campaign id, and exposing `ori_alerts_active` for Prometheus. Every worker
 * runs one; a transaction-scoped advisory lock lets one of them do a round at a time, so two workers never
 * raise the same alert twice. A round that fails (Postgres blinked) is logged and the next one tries again.
 */

/** How often the checks run; the live panel shows an alert within one interval (plus the round itself). */
export const DEFAULT_DETECTOR_INTERVAL_MS = 15_000;
const DETECTOR_LOCK = 'ori-stall-detector';

export interface StallDetectorOptions {
  db: Db;
  engine: Pick<CampaignEngine, 'taskQueuePollers' | 'runState'>;
  timings: DiagnosisDeps['timings'];
  log: Logger;
  intervalMs?: number;
  registry?: Registry;
  now?: () => Date;
}

interface DetectorMetrics {
  active: Gauge;
  raised: Counter;
  cleared: Counter;
}

/** The metrics live in a registry once per process, however many detectors a test starts. */
function metricsIn(registry: Registry): DetectorMetrics {
  const existing = registry.getSingleMetric('ori_alerts_active') as Gauge | undefined;
  if (existing) {
    return {
      active: existing,
      raised: registry.getSingleMetric('ori_alerts_raised_total') as Counter,
      cleared: registry.getSingleMetric('ori_alerts_cleared_total') as Counter,
    };
  }
  return {
    active: new Gauge({
      name: 'ori_alerts_active',
      help: 'Active stall-detector alerts (1 per campaign and failing troubleshooting check)',
      labelNames: ['campaign_id', 'check', 'status'],
      registers: [registry],
    }),
    raised: new Counter({
      name: 'ori_alerts_raised_total',
      help: 'Stall-detector alerts raised',
      labelNames: ['check', 'status'],
      registers: [registry],
    }),
    cleared: new Counter({
      name: 'ori_alerts_cleared_total',
      help: 'Stall-detector alerts cleared (the condition ended)',
      labelNames: ['check', 'status'],
      registers: [registry],
    }),
  };
}

export interface DetectorRound {
  /** False when another worker held the round. */
  ran: boolean;
  raised: ActiveAlert[];
  cleared: ActiveAlert[];
}

export class StallDetector {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly metrics: DetectorMetrics;
  private readonly now: () => Date;

  constructor(private readonly opts: StallDetectorOptions) {
    this.metrics = metricsIn(opts.registry ?? register);
    this.now = opts.now ?? (() => new Date());
  }

  start(): void {
    const every = this.opts.intervalMs ?? DEFAULT_DETECTOR_INTERVAL_MS;
    const loop = (): void => {
      if (this.stopped) return;
      this.running = this.round().then(
        () => undefined,
        (err: unknown) => this.opts.log.warn('stall detector round failed', { err }),
      );
      void this.running.finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, every);
      });
    };
    this.timer = setTimeout(loop, Math.min(every, 1_000));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One round over every running campaign; exported for tests. */
  async round(): Promise<DetectorRound> {
    const now = this.now();
    const { db, engine, timings } = this.opts;
    const result = await db.transaction().execute(async (tx): Promise<DetectorRound> => {
      const { rows } = await sql<{ got: boolean }>`
        select pg_try_advisory_xact_lock(hashtextextended(${DETECTOR_LOCK}, 0)) as got`.execute(tx);
      if (!rows[0]?.got) return { ran: false, raised: [], cleared: [] };
      const campaigns = await tx
        .selectFrom('campaigns')
        .select(['id'])
        .where('status', '=', 'running')
        .execute();
      const ids = campaigns.map((c) => c.id);
      const round: DetectorRound = { ran: true, raised: [], cleared: [] };
      round.cleared.push(...(await clearAlertsOfOtherCampaigns(tx, ids)));
      if (ids.length > 0) {
        const [pollers, switchFacts] = await Promise.all([gatherPollers(engine, now), gatherSwitch(tx, now)]);
        for (const id of ids) {
          const evidence = await gatherCampaignEvidence(
            tx,
            id,
            now,
            timings,
            { pollers, switch: switchFacts },
            engine,
          );
          const changes = await syncAlerts(tx, id, evidence.campaign.runNo, failing(diagnose(evidence)), now);
          round.raised.push(...changes.raised);
          round.cleared.push(...changes.cleared);
        }
      }
      return round;
    });
    this.record(result);
    // Only the worker that ran the round reports the gauge, rebuilt from the table: workers that did not
    // run report none, so a sum over workers never counts an alert twice.
    this.metrics.active.reset();
    if (result.ran) {
      for (const a of await allActiveAlerts(db)) {
        this.metrics.active.set({ campaign_id: a.campaign_id, check: a.check, status: a.status }, 1);
      }
    }
    return result;
  }

  private record(round: DetectorRound): void {
    for (const a of round.cleared) {
      this.metrics.cleared.inc({ check: a.check, status: a.status });
      this.opts.log.info('alert cleared', {
        campaign_id: a.campaign_id,
        run_no: a.run_no,
        check: a.check,
        status: a.status,
        since: a.since.toISOString(),
      });
    }
    for (const a of round.raised) {
      this.metrics.raised.inc({ check: a.check, status: a.status });
      const fields = {
        campaign_id: a.campaign_id,
        run_no: a.run_no,
        check: a.check,
        status: a.status,
        evidence: a.evidence,
        next_step: a.next_step,
      };
      if (a.status === 'escalate') this.opts.log.warn('alert raised', fields);
      else this.opts.log.info('alert raised', fields);
    }
  }
}
