/**
 * Seat utilisation and freed-seat → next-originate latency with calls of realistic length, at each
 * concurrency asked for (200 and 1,000 by default), from the simulator's call log.
 */
import { sql } from 'kysely';
import { inFlight, percentile, seatLatency, type Call, type SeatLatency } from '../calls';
import { sleep } from '../campaign';
import type { BenchContext } from '../context';
import { dialRun } from '../dial-run';
import { eslApi } from '../esl';
import { admissionRounds, describeRounds } from '../histories';
import { cpuBetween, formatCpu } from '../proc';
import { fmt, pct, verdict, type Figure, type PartReport } from '../report';

/** Mean call ≈ 0.4 × (5 + 60) + 0.4 × 30 + 0.2 × 0 ≈ 38 s at time_scale 1. */
const MEAN_CALL_S = 38;
export function utilScenario(timeScale: number) {
  return {
    time_scale: timeScale,
    default: { 'answer:60': 0.4, 'no_answer:30': 0.4, 'sip:486': 0.2, ring_s: [2, 8] as [number, number] },
  };
}

export async function hangUpEverything(ctx: BenchContext): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await eslApi(ctx.stack.sim.eslPort, 'hupall NORMAL_CLEARING').catch(() => '');
    await sleep(1_000);
  }
}

interface GapSegments {
  leased: number[];
  claimed: number[];
  sent: number[];
}

/**
 * Where a seat's empty time goes, from the database's own timestamps of the originate that took it:
 * call end → lease row created by admission → claimed by the dial activity (originate_sent_at) → received
 * by the switch.
 */
async function gapSegments(ctx: BenchContext, lat: SeatLatency): Promise<GapSegments> {
  const out: GapSegments = { leased: [], claimed: [], sent: [] };
  if (lat.list.length === 0) return out;
  const ids = lat.list.map((p) => p.next);
  const rows = await sql<{ attempt_id: string; created_at: Date; originate_sent_at: Date | null }>`
    select attempt_id, created_at, originate_sent_at from attempts where attempt_id in (${sql.join(ids)})`.execute(
    ctx.stack.db,
  );
  const byId = new Map(rows.rows.map((r) => [r.attempt_id, r]));
  const { leased, claimed, sent } = out;
  for (const p of lat.list) {
    const r = byId.get(p.next);
    if (!r?.originate_sent_at) continue;
    const received = p.freedAt + p.gapMs;
    leased.push(r.created_at.getTime() - p.freedAt);
    claimed.push(r.originate_sent_at.getTime() - r.created_at.getTime());
    sent.push(received - r.originate_sent_at.getTime());
  }
  for (const v of [leased, claimed, sent]) v.sort((a, b) => a - b);
  return out;
}

function gapBreakdown(seg: GapSegments): string {
  const { leased, claimed, sent } = seg;
  if (leased.length === 0) return '';
  const show = (name: string, v: number[]): string => {
    const sorted = [...v].sort((a, b) => a - b);
    return `${name} p50 ${fmt(percentile(sorted, 50), 0)} / p99 ${fmt(percentile(sorted, 99), 0)} ms`;
  };
  return (
    `Where the gap goes (database timestamps of the originate that took the seat, ${leased.length} pairs): ` +
    `${show('call end → seat leased by admitRound', leased)}; ${show('leased → claimed by the dial activity (hand-off: activity result, campaignRun workflow task, child start or signal, contact workflow task, dial activity start)', claimed)}; ` +
    `${show('claimed → originate received by the switch', sent)}. (A negative first segment means the lease was taken before this particular call ended: pairs are matched in order, not by seat.)`
  );
}

function rampEnd(calls: readonly Call[], concurrency: number): number | null {
  return calls[concurrency - 1]?.start ?? null;
}

export async function utilPart(ctx: BenchContext): Promise<PartReport> {
  const { args, stack, log } = ctx;
  const t0 = Date.now();
  const meanCallS = MEAN_CALL_S * args.utilCallScale;
  const figures: Figure[] = [];
  const body: string[] = [
    `Calls of realistic length: simulator \`time_scale\` ${args.utilCallScale}, \`default\` draw ` +
      `\`answer:60\` 40% (rings 2–8 s, talks 60 s), \`no_answer:30\` 40%, \`sip:486\` 20% (immediate): a mean ` +
      `call of about ${fmt(meanCallS, 0)} s. Each run has more due contacts than it can dial, runs ${args.utilS} s ` +
      `and is stopped through the API (remaining calls are then hung up with ESL \`hupall\`). ` +
      `**Utilisation** = time-weighted mean of calls up (from the call log's received/ended times) ÷ concurrency, ` +
      `over the steady state — from the moment the concurrency-th originate went out (the ramp is done) to the ` +
      `stop — and, beside it, from the first originate. **Freed seat → next originate**: after the ramp, the ` +
      `(concurrency + j)-th originate can only have taken the seat of the j-th call to end, so each such pair's ` +
      `gap is how long a seat stood empty while contacts were due.`,
  ];
  const bottlenecks: string[] = [];
  for (const concurrency of args.utilConcurrency) {
    const needRate = concurrency / meanCallS;
    const contacts = Math.max(3 * concurrency, Math.ceil(concurrency + needRate * args.utilS * 2));
    log(
      `util: concurrency ${concurrency}, ${contacts} contacts, ${args.utilS} s (needs ≈ ${fmt(needRate)} dials/s)`,
    );
    const c0 = await ctx.cpu();
    const run = await dialRun(stack, {
      name: `bench utilisation ${concurrency}`,
      concurrency,
      contacts,
      durationS: args.utilS,
      scenario: utilScenario(args.utilCallScale),
      log,
      afterStop: () => hangUpEverything(ctx),
    });
    const cpu = cpuBetween(c0, await ctx.cpu());
    const calls = run.calls;
    const first = calls[0]?.start ?? run.startedAt;
    const ramp = rampEnd(calls, concurrency);
    const whole = inFlight(calls, first, run.stoppedAt);
    const steady = ramp !== null && ramp < run.stoppedAt ? inFlight(calls, ramp, run.stoppedAt) : null;
    const util = steady ? steady.mean / concurrency : Number.NaN;
    const lat = seatLatency(calls, concurrency, run.stoppedAt);
    const roundList = await admissionRounds(stack.client, `campaign-${run.campaignId}-run-1`).catch(() => []);
    const rounds = describeRounds(roundList);
    const longestHandOff = roundList
      .filter((r) => r.handoffs > 0 && Number.isFinite(r.handOffMs))
      .sort((a, b) => b.handOffMs - a.handOffMs)[0];
    const seg = await gapSegments(ctx, lat);
    const breakdown = gapBreakdown(seg);
    const ceiling = ctx.shared.ceilingPerSecond;
    // The server cannot hold it if even its trivial-workflow rate could not turn the seats over.
    const serverCannot = ceiling !== undefined && ceiling * meanCallS < concurrency;
    log(
      `util ${concurrency}: steady ${pct(util)}, whole ${pct(whole.mean / concurrency)}, max up ${whole.max}, ` +
        `ramp ${ramp ? ((ramp - first) / 1000).toFixed(1) : 'never'} s, latency p99 ${fmt(lat.p99, 0)} ms`,
    );
    const note = serverCannot
      ? ` — the server does not hold it: its trivial-workflow ceiling (${fmt(ceiling ?? 0)}/s) × ${fmt(meanCallS, 0)} s calls < ${concurrency} seats`
      : '';
    figures.push({
      figure: `Seat utilisation at concurrency ${concurrency} (steady state, calls ≈ ${fmt(meanCallS, 0)} s)`,
      measured:
        (steady ? pct(util) : `never reached ${concurrency} calls up (peak ${whole.max})`) +
        ` (from first dial: ${pct(whole.mean / concurrency)})${note}`,
      target: '≥ 95%',
      verdict: serverCannot && !(util >= 0.95) ? 'n/a' : verdict(util >= 0.95),
    });
    figures.push({
      figure: `Freed seat → next originate at concurrency ${concurrency}`,
      measured: lat.pairs
        ? `p99 ${fmt(lat.p99, 0)} ms (p50 ${fmt(lat.p50, 0)}, p95 ${fmt(lat.p95, 0)}, max ${fmt(lat.max, 0)}; ${lat.pairs} pairs)`
        : 'no pairs (never saturated)',
      target: 'p99 ≤ 250 ms',
      verdict: serverCannot && !(lat.p99 <= 250) ? 'n/a' : verdict(lat.p99 <= 250),
    });
    body.push(
      `**Concurrency ${concurrency}.** ${contacts} due contacts; ${calls.length} originates in ` +
        `${((run.stoppedAt - run.startedAt) / 1000).toFixed(0)} s; first originate ` +
        `${((first - run.startedAt) / 1000).toFixed(1)} s after the start call; ` +
        (ramp !== null
          ? `${concurrency} calls had gone out ${((ramp - first) / 1000).toFixed(1)} s after the first. `
          : `the ${concurrency}-th originate never came. `) +
        `Calls up: mean ${fmt(whole.mean)} from the first dial, ${steady ? fmt(steady.mean) : 'n/a'} in the steady state, ` +
        `peak ${whole.max} (never above the concurrency: ${whole.max <= concurrency ? 'yes' : '**no**'}). ` +
        `Turning ${concurrency} seats over with ${fmt(meanCallS, 0)} s calls needs ${fmt(needRate)} dials/s. ` +
        `Seat gaps: ${lat.pairs} pairs, p50 ${fmt(lat.p50, 0)} ms, p95 ${fmt(lat.p95, 0)} ms, p99 ${fmt(lat.p99, 0)} ms, ` +
        `max ${fmt(lat.max, 0)} ms; ${lat.unpaired} calls ended before the stop without their seat being re-used. ` +
        `${breakdown} ` +
        `Seats held per the database, once a second: ${run.seatsHeld.join(', ')}. CPU: ${formatCpu(cpu)}.`,
      rounds,
    );
    if (!(util >= 0.95) || !(lat.p99 <= 250)) {
      const dialRate = ctx.shared.dialPerSecond;
      const p50 = (xs: number[]): string => fmt(percentile(xs, 50), 0);
      const p99 = (xs: number[]): string => fmt(percentile(xs, 99), 0);
      bottlenecks.push(
        `**Concurrency ${concurrency}.** ` +
          (dialRate !== undefined && dialRate < needRate
            ? `The engine's sustained dial rate on this stack (${fmt(dialRate)}/s, part \`dial\`) is below the ` +
              `${fmt(needRate)}/s these seats need: freed seats queue behind contact-workflow starts, and the ` +
              `seat gap is queueing time — the server does not hold this concurrency with calls this short. `
            : '') +
          (longestHandOff
            ? `**The tail is the hand-off blocking the next round.** \`campaignRun\` awaits every \`startChild\` ` +
              `of a round before the next \`admitRound\`; the longest hand-off took ` +
              `${fmt(longestHandOff.handOffMs / 1000, 2)} s for ${longestHandOff.handoffs} contacts (the ramp), and ` +
              `every seat freed meanwhile — the immediate \`sip:486\` rejections first — waited for it: call end → ` +
              `leased p99 ${p99(seg.leased)} ms against p50 ${p50(seg.leased)} ms. `
            : '') +
          `**The median is Temporal hops.** Outside the ramp a seat's refill still crosses the admission long ` +
          `poll's return, a campaignRun workflow task, the child's start, its first workflow task and the dial ` +
          `activity's dispatch (leased → claimed p50 ${p50(seg.claimed)} ms, p99 ${p99(seg.claimed)} ms), plus the ` +
          `claim and the originate (p50 ${p50(seg.sent)} ms). p99 ≤ 250 ms needs those hops out of the refill ` +
          `path. Lifting it: (1) hand off without awaiting the batch (part \`experiment\`, variant ` +
          `"nonblocking", removes the ramp tail); (2) start/wake contacts from the admission activity ` +
          `(signalWithStart: one hop instead of three); (3) for the last hops, keep a small on-deck set of ` +
          `contact workflows (say 10% of the seats) whose \`dial\` activity is already running and waits in ` +
          `Postgres (LISTEN/NOTIFY, as \`admitRound\` does) for its own seat lease — a freed seat is then ` +
          `re-leased and dialled with no Temporal round trip at all.`,
      );
    }
  }
  return {
    id: 'util',
    title: 'Seat utilisation and freed-seat latency',
    seconds: (Date.now() - t0) / 1000,
    figures,
    body,
    bottlenecks,
  };
}
