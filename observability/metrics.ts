import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';
import type { SeatUsage } from '../db/repositories/seat-usage.repository';

/**
 * The dialler's Prometheus metrics, in prom-client's default registry (any module may add its own, named
 * `ori_…`; the alert gauge of the stall detector lives beside its checks). `/metrics` on the API and on the
 * worker serve this registry (observability/metrics-server.ts, api/routes/metrics.routes.ts). Every metric
 * the Grafana dashboard (deploy/grafana/dashboards/ori-dialler.json) queries is declared here or there.
 */

export const registry = register;

let defaultsCollected = false;
/** Node's own process metrics (CPU, memory, event-loop lag), once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register });
}

/** `sip_code` label of an attempt the switch gave no SIP status for (our own cancel, an untracked end). */
export const NO_SIP_CODE = 'none';

/**
 * One per finished attempt, at the moment its outcome is recorded: the same calls as the switch's call log
 * (an originate the switch never received is counted too, as `error` without a SIP code).
 */
export const dialsTotal = new Counter({
  name: 'ori_dials_total',
  help: 'Dial attempts finished, by campaign, outcome and SIP code (none when the switch gave none)',
  labelNames: ['campaign_id', 'outcome', 'sip_code'] as const,
});

/** One per `bgapi originate` written to the switch. */
export const dialOriginatesTotal = new Counter({
  name: 'ori_dial_originates_total',
  help: 'Originate commands sent to the switch, by campaign',
  labelNames: ['campaign_id'] as const,
});

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const admissionSeconds = new Histogram({
  name: 'ori_admission_duration_seconds',
  help: 'One admission transaction (who dials next: leases, pacing slots, the deck)',
  buckets: LATENCY_BUCKETS,
});

export const seatToOriginateSeconds = new Histogram({
  name: 'ori_seat_to_originate_seconds',
  help: 'From a call ending (its seat freed) to the originate of the dial on deck that took the seat',
  buckets: LATENCY_BUCKETS,
});

export const pacingWaitSeconds = new Histogram({
  name: 'ori_carrier_pacing_wait_seconds',
  help: "Time a dial waited for its carrier's dial-rate (cps) slot before its originate",
  buckets: [0, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
});

let switchSource: { readonly connected: boolean } | null = null;
/** 1 while the worker holds its ESL connection to the switch (read on scrape). */
export const switchConnected = new Gauge({
  name: 'ori_switch_connected',
  help: 'Whether this worker holds its ESL connection to the switch (1) or not (0)',
  collect() {
    if (switchSource) this.set(switchSource.connected ? 1 : 0);
  },
});

/** The worker's switch client, whose state `ori_switch_connected` reports. */
export function observeSwitch(source: { readonly connected: boolean }): void {
  switchSource = source;
}

let seatSource: (() => Promise<SeatUsage[]>) | null = null;
let seatRead: { at: number; rows: Promise<SeatUsage[]> } | null = null;
/** One Postgres read per scrape, shared by the three seat gauges (prom-client collects them concurrently). */
function seatRows(): Promise<SeatUsage[]> {
  if (!seatSource) return Promise.resolve([]);
  if (!seatRead || Date.now() - seatRead.at > 1_000) {
    seatRead = { at: Date.now(), rows: seatSource().catch(() => []) };
  }
  return seatRead.rows;
}

/** Sets a per-campaign gauge from the seat rows, dropping campaigns no longer running or paused. */
function seatGauge(name: string, help: string, value: (row: SeatUsage) => number) {
  return new Gauge({
    name,
    help,
    labelNames: ['campaign_id'] as const,
    async collect() {
      const rows = await seatRows();
      this.reset();
      for (const row of rows) this.set({ campaign_id: row.campaignId }, value(row));
    },
  });
}

export const campaignSeatsHeld = seatGauge(
  'ori_campaign_seats_held',
  'Calls in flight (originate sent, not ended) per running or paused campaign, read from Postgres on scrape',
  (row) => row.seatsHeld,
);
export const campaignConcurrency = seatGauge(
  'ori_campaign_concurrency',
  "The campaign's concurrency (its seats), per running or paused campaign",
  (row) => row.concurrency,
);
export const campaignOnDeck = seatGauge(
  'ori_campaign_on_deck',
  'Leased attempts waiting for a seat or their pacing slot, per running or paused campaign',
  (row) => row.onDeck,
);

/** Where the seat gauges read from (the API's Postgres; a process without one reports none). */
export function observeSeats(source: () => Promise<SeatUsage[]>): void {
  seatSource = source;
  seatRead = null;
}

/** `sip_code` label value: the code as text, or `none`. */
export const sipLabel = (sipCode: number | null | undefined): string =>
  sipCode === null || sipCode === undefined ? NO_SIP_CODE : String(sipCode);
