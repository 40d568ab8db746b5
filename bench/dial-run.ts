/**
 * One measured dialling run: a fresh campaign with surplus due contacts, started through the API, left to
 * dial for a bounded time, stopped through the API, drained; then the switch's call log for that campaign.
 */
import { sql } from 'kysely';
import { callsOf, type Call } from './calls';
import {
  campaignStatus,
  createCampaign,
  drain,
  sleep,
  startCampaign,
  stopCampaign,
  uploadContacts,
  type CampaignOptions,
} from './campaign';
import type { BenchStack, ScenarioInput } from './stack';
import type { RssSampler } from './proc';

export interface DialRunOptions extends CampaignOptions {
  contacts: number;
  durationS: number;
  scenario: ScenarioInput;
  /** Called every second while dialling (progress lines, extra sampling). */
  onTick?: (elapsedS: number, calls: number) => Promise<void> | void;
  log: (message: string) => void;
  workerRss?: RssSampler;
  /** After the stop call, before waiting for the campaign to drain (e.g. hang up long calls). */
  afterStop?: () => Promise<void>;
}

export interface DialRun {
  campaignId: string;
  calls: Call[];
  /** When the start call returned, when the stop was requested (ms epoch). */
  startedAt: number;
  stoppedAt: number;
  drained: boolean;
  /** False when the campaign ran out of contacts and completed before the stop. */
  stopped: boolean;
  /** Attempts that ended, per the database (the dialler's own record). */
  attemptsEnded: number;
  /** Seats held (attempts open) sampled once a second during the run. */
  seatsHeld: number[];
}

export async function dialRun(stack: BenchStack, opts: DialRunOptions): Promise<DialRun> {
  stack.sim.setScenario(opts.scenario);
  stack.sim.clearCalls();
  const setup = await createCampaign(stack, opts);
  await uploadContacts(stack, setup.id, opts.contacts);
  opts.workerRss?.reset();
  await startCampaign(stack, setup.id);
  const startedAt = Date.now();
  const seatsHeld: number[] = [];
  let lastLog = startedAt;
  while (Date.now() - startedAt < opts.durationS * 1000) {
    await sleep(1000);
    const held = await sql<{ n: number }>`
      select count(*)::int as n from attempts where campaign_id = ${setup.id} and ended_at is null`.execute(
      stack.db,
    );
    seatsHeld.push(held.rows[0]?.n ?? 0);
    const elapsed = (Date.now() - startedAt) / 1000;
    const placed = stack.sim.calls().length;
    await opts.onTick?.(elapsed, placed);
    if (Date.now() - lastLog >= 15_000) {
      lastLog = Date.now();
      opts.log(
        `  ${elapsed.toFixed(0)} s: ${placed} originates, ${stack.sim.liveCallCount()} calls up, ` +
          `${seatsHeld[seatsHeld.length - 1]} seats held`,
      );
    }
    if ((await campaignStatus(stack, setup.id)) === 'completed') break;
  }
  const stoppedAt = Date.now();
  const stopped = await stopCampaign(stack, setup.id);
  await opts.afterStop?.();
  const drained = await drain(stack, setup.id);
  const ended = await sql<{ n: number }>`
    select count(*)::int as n from attempts where campaign_id = ${setup.id} and ended_at is not null`.execute(
    stack.db,
  );
  return {
    campaignId: setup.id,
    calls: callsOf(stack.sim.calls(), setup.id),
    startedAt,
    stoppedAt,
    drained,
    stopped,
    attemptsEnded: ended.rows[0]?.n ?? 0,
    seatsHeld,
  };
}
