/**
 * Seat utilisation and freed-seat → next-originate latency with calls of realistic length, at each
 * concurrency asked for (200 and 1,000 by default), from the simulator's call log.
 */
import { sql } from 'kysely';
import { gapStats, inFlight, percentile, seatLatency, type Call, type SeatLatency } from '../calls';
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
  /** Refills from the deck (the attempt was leased before the call ended): call end → claimed. */
  deckClaim: number[];
  /** The gaps of those refills, call end → originate received (ms). */
  deckGap: number[];
  /** Refills that waited for admission: call end → leased, leased → claimed, and the whole gap. */
  leased: number[];
  handOff: number[];
  otherGap: number[];
  /** Claimed → originate received by the switch, every refill. */
  sent: number[];
}

/**
 * Where a seat's empty time goes, from the database's own timestamps of the originate that took it. A
 * refill from the deck: its attempt was leased before the call ended, so the gap is the call's end → the
 * claim (NOTIFY ori_deck, one transaction) → the switch. Otherwise the deck was empty and the gap also holds
 * the admission round and the hand-off through Temporal.
 */
async function gapSegments(ctx: BenchContext, lat: SeatLatency): Promise<GapSegments> {
  const out: GapSegments = { deckClaim: [], deckGap: [], leased: [], handOff: [], otherGap: [], sent: [] };
  if (lat.list.length === 0) return out;
  const ids = lat.list.map((p) => p.next);
  const rows = await sql<{ attempt_id: string; created_at: Date; originate_sent_at: Date | null }>`
    select attempt_id, created_at, originate_sent_at from attempts where attempt_id in (${sql.join(ids)})`.execute(
    ctx.stack.db,
  );
  const byId = new Map(rows.rows.map((r) => [r.attempt_id, r]));
  for (const p of lat.list) {
    const r = byId.get(p.next);
    if (!r?.originate_sent_at) continue;
    const received = p.freedAt + p.gapMs;
    const claimed = r.originate_sent_at.getTime();
    const leased = r.created_at.getTime();
    out.sent.push(received - claimed);
    if (leased <= p.freedAt) {
      out.deckClaim.push(claimed - p.freedAt);
      out.deckGap.push(p.gapMs);
    } else {
      out.leased.push(leased - p.freedAt);
      out.handOff.push(claimed - leased);
      out.otherGap.push(p.gapMs);
    }
  }
  for (const v of Object.values(out) as number[][]) v.sort((a, b) => a - b);
  return out;
}

const p50 = (xs: number[]): string => fmt(percentile(xs, 50), 0);
const p99 = (xs: number[]): string => fmt(percentile(xs, 99), 0);

function gapBreakdown(seg: GapSegments): string {
  const total = seg.deckGap.length + seg.otherGap.length;
  if (total === 0) return '';
  return (
    `Where the gap goes (database timestamps of the originate that took the seat, ${total} pairs; pairs are ` +
    `matched in order, not by seat): ${seg.deckGap.length} seats were refilled from the deck — call end → ` +
    `claimed p50 ${p50(seg.deckClaim)} / p99 ${p99(seg.deckClaim)} ms, whole gap p50 ${p50(seg.deckGap)} / ` +
    `p99 ${p99(seg.deckGap)} ms; ` +
    (seg.otherGap.length > 0
      ? `${seg.otherGap.length} found the deck empty and waited for admission — call end → leased p50 ` +
        `${p50(seg.leased)} / p99 ${p99(seg.leased)} ms, leased → claimed (round result, campaignRun workflow ` +
        `task, child start or signal, contact workflow task, dial activity start) p50 ${p50(seg.handOff)} / p99 ` +
        `${p99(seg.handOff)} ms, whole gap p50 ${p50(seg.otherGap)} / p99 ${p99(seg.otherGap)} ms; `
      : 'none found the deck empty; ') +
    `claimed → originate received by the switch p50 ${p50(seg.sent)} / p99 ${p99(seg.sent)} ms.`
  );
}

/**
 * The steady state's slowest refills, explained: admission leases the first seats and a deck together, and
 * a freed seat goes to the first in line on deck (admission order), so while a contact of that first round
 * is still on its way through Temporal (no dial activity yet to claim) every contact behind it waits.
 */
interface FirstRoundTail {
  /** Steady-state pairs slower than the target. */
  slow: number;
  /** Of those, refills by a contact of the first admission round. */
  firstRound: number;
  /** When the last contact of the first round claimed its seat (ms epoch), or null. */
  firstRoundDialledAt: number | null;
  /** The steady-state pairs freed after that moment. */
  after: ReturnType<typeof gapStats>;
}

async function firstRoundTail(
  ctx: BenchContext,
  campaignId: string,
  steady: SeatLatency['list'],
  targetMs: number,
): Promise<FirstRoundTail> {
  const { rows } = await sql<{ attempt_id: string; originate_sent_at: Date | null }>`
    select attempt_id, originate_sent_at from attempts
    where campaign_id = ${campaignId}
      and created_at = (select min(created_at) from attempts where campaign_id = ${campaignId})`.execute(
    ctx.stack.db,
  );
  const firstRound = new Set(rows.map((r) => r.attempt_id));
  const claimed = rows.flatMap((r) => (r.originate_sent_at ? [r.originate_sent_at.getTime()] : []));
  const firstRoundDialledAt = claimed.length ? Math.max(...claimed) : null;
  const slow = steady.filter((p) => p.gapMs > targetMs);
  return {
    slow: slow.length,
    firstRound: slow.filter((p) => firstRound.has(p.next)).length,
    firstRoundDialledAt,
    after: gapStats(steady.filter((p) => firstRoundDialledAt !== null && p.freedAt >= firstRoundDialledAt)),
  };
}

function describeFirstRoundTail(t: FirstRoundTail, ramp: number | null): string {
  if (t.slow === 0) return '';
  const since =
    t.firstRoundDialledAt !== null && ramp !== null
      ? `, the last of them ${fmt((t.firstRoundDialledAt - ramp) / 1000, 1)} s after the ramp`
      : '';
  return (
    `Of the ${t.slow} steady-state refills slower than 250 ms, ${t.firstRound} took a contact of the first ` +
    `admission round: leased with the first seats, as their deck, but still on its way through Temporal ` +
    `when the first wave's quick ends freed seats${since}; a freed seat goes to the first in line on deck ` +
    `(admission order: due callbacks first), so the contacts behind such a one wait for it. Seats freed once ` +
    `every contact of the first round had dialled: ` +
    (t.after.pairs
      ? `p99 ${fmt(t.after.p99, 0)} ms (p50 ${fmt(t.after.p50, 0)}, max ${fmt(t.after.max, 0)}; ${t.after.pairs} pairs).`
      : 'none.')
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
    // Seats freed after the ramp (the concurrency-th originate), the steady state utilisation is measured
    // over too; during the ramp every contact admitted so far is still on its way through Temporal.
    const steadyPairs = lat.list.filter((p) => ramp !== null && p.freedAt >= ramp);
    const steadyLat = gapStats(steadyPairs);
    const rampLat = gapStats(lat.list.filter((p) => ramp === null || p.freedAt < ramp));
    const rounds = describeRounds(
      await admissionRounds(stack.client, `campaign-${run.campaignId}-run-1`).catch(() => []),
    );
    const seg = await gapSegments(ctx, lat);
    const tail = await firstRoundTail(ctx, run.campaignId, steadyPairs, 250);
    const breakdown = `${gapBreakdown(seg)} ${describeFirstRoundTail(tail, ramp)}`.trim();
    const ceiling = ctx.shared.ceilingPerSecond;
    // The server cannot hold it if even its trivial-workflow rate could not turn the seats over.
    const serverCannot = ceiling !== undefined && ceiling * meanCallS < concurrency;
    log(
      `util ${concurrency}: steady ${pct(util)}, whole ${pct(whole.mean / concurrency)}, max up ${whole.max}, ` +
        `ramp ${ramp ? ((ramp - first) / 1000).toFixed(1) : 'never'} s, latency p99 ${fmt(steadyLat.p99, 0)} ms ` +
        `(steady), ${fmt(lat.p99, 0)} ms (all)`,
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
      figure: `Freed seat → next originate at concurrency ${concurrency} (seats freed in the steady state)`,
      measured: steadyLat.pairs
        ? `p99 ${fmt(steadyLat.p99, 0)} ms (p50 ${fmt(steadyLat.p50, 0)}, p95 ${fmt(steadyLat.p95, 0)}, max ` +
          `${fmt(steadyLat.max, 0)}; ${steadyLat.pairs} pairs). Counting the ${rampLat.pairs} seats freed during ` +
          `the ramp: p99 ${fmt(lat.p99, 0)} ms over all ${lat.pairs}`
        : 'no pairs (never saturated)',
      target: 'p99 ≤ 250 ms',
      verdict: serverCannot && !(steadyLat.p99 <= 250) ? 'n/a' : verdict(steadyLat.p99 <= 250),
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
        `Of these, ${steadyLat.pairs} seats freed in the steady state: p50 ${fmt(steadyLat.p50, 0)}, p95 ` +
        `${fmt(steadyLat.p95, 0)}, p99 ${fmt(steadyLat.p99, 0)}, max ${fmt(steadyLat.max, 0)} ms; ${rampLat.pairs} ` +
        `freed during the ramp (a first-wave \`sip:486\` ends at once, while the contacts admitted with it are ` +
        `still being handed off): p50 ${fmt(rampLat.p50, 0)}, p99 ${fmt(rampLat.p99, 0)}, max ${fmt(rampLat.max, 0)} ms. ` +
        `${breakdown} ` +
        `Seats held per the database, once a second: ${run.seatsHeld.join(', ')}. CPU: ${formatCpu(cpu)}.`,
      rounds,
    );
    if (!(util >= 0.95) || !(steadyLat.p99 <= 250)) {
      const dialRate = ctx.shared.dialPerSecond;
      const total = seg.deckGap.length + seg.otherGap.length;
      bottlenecks.push(
        `**Concurrency ${concurrency}.** ` +
          (dialRate !== undefined && dialRate < needRate
            ? `The engine's sustained dial rate on this stack (${fmt(dialRate)}/s, part \`dial\`) is below the ` +
              `${fmt(needRate)}/s these seats need: the deck drains faster than Temporal refills it, and a freed ` +
              `seat waits in that queue — the server does not hold this concurrency with calls this short. `
            : '') +
          (seg.otherGap.length > 0
            ? `**The tail is an empty deck.** ${seg.otherGap.length} of ${total} refills found no contact on ` +
              `deck: calls started together end together (the first wave's \`sip:486\` rejections at once, its ` +
              `\`no_answer:30\` calls within the ring spread), and such a burst outran the deck's refill — an ` +
              `admission round and a hand-off through Temporal (leased → claimed p50 ${p50(seg.handOff)} ms, ` +
              `p99 ${p99(seg.handOff)} ms). Those refills are the tail (p99 ${p99(seg.otherGap)} ms), while a refill ` +
              `from the deck took p99 ${p99(seg.deckGap)} ms. A deeper deck (policy \`onDeckSeats\`) or a faster ` +
              `Temporal server shortens it. `
            : '') +
          `A refill from the deck is one Postgres transaction after the call's end (call end → claimed p50 ` +
          `${p50(seg.deckClaim)} ms, p99 ${p99(seg.deckClaim)} ms) plus the write (claimed → switch p50 ` +
          `${p50(seg.sent)} ms, p99 ${p99(seg.sent)} ms: the commit that stamps the write, then the ESL command).` +
          (tail.firstRound > 0
            ? ` **${tail.firstRound * 2 >= tail.slow ? "The steady state's tail is the ramp's." : "The ramp's share of the tail."}** ` +
              describeFirstRoundTail(tail, ramp)
            : ''),
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
