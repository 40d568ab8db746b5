/**
 * The carrier's calls-per-second cap, shared by two campaigns on one carrier: the switch must never receive
 * more originates for that carrier than the cap in any 1-second window.
 */
import { sql } from 'kysely';
import { callsOf, maxPerSecond, percentile, rate } from '../calls';
import { createCampaign, drain, sleep, startCampaign, stopCampaign, uploadContacts } from '../campaign';
import type { BenchContext } from '../context';
import { cpuBetween } from '../proc';
import { fmt, verdict, type PartReport } from '../report';
import { expectStatus } from '../stack';
import { hangUpEverything } from './util';

export async function cpsPart(ctx: BenchContext): Promise<PartReport> {
  const { args, stack, log } = ctx;
  const t0 = Date.now();
  const engineRate = ctx.shared.dialPerSecond;
  // The cap must bind to be tested: below what the engine can dial here, never above the issue's 20.
  const limit =
    args.cps > 0 ? args.cps : engineRate ? Math.min(20, Math.max(2, Math.floor(engineRate * 0.6))) : 20;
  log(`cps: carrier cps_limit ${limit}, two campaigns sharing it, ${args.cpsS} s`);
  stack.sim.setScenario({
    time_scale: 0.001,
    cps_limit: limit,
    default: { 'answer:1': 1, 'no_answer:1': 1 },
  });
  stack.sim.clearCalls();
  const carrier = expectStatus(
    await stack.request<{ id: string }>('POST', '/api/v1/carriers', {
      name: 'bench cps carrier',
      gateway: 'gwcps',
      cps_limit: limit,
    }),
    201,
    'create carrier',
  );
  const contacts = Math.max(500, Math.ceil(limit * args.cpsS * 1.5));
  const campaigns: string[] = [];
  for (const name of ['bench cps A', 'bench cps B']) {
    const c = await createCampaign(stack, { name, concurrency: 100, carrierId: carrier.id });
    await uploadContacts(stack, c.id, contacts, campaigns.length * 1_000_000);
    campaigns.push(c.id);
  }
  const c0 = await ctx.cpu();
  for (const id of campaigns) await startCampaign(stack, id);
  const startedAt = Date.now();
  await sleep(args.cpsS * 1000);
  const stoppedAt = Date.now();
  for (const id of campaigns) await stopCampaign(stack, id);
  const cpu = cpuBetween(c0, await ctx.cpu());
  await hangUpEverything(ctx);
  for (const id of campaigns) await drain(stack, id);

  const records = stack.sim.calls();
  const calls = campaigns
    .flatMap((id) => callsOf(records, id))
    .filter((c) => c.start < stoppedAt)
    .sort((a, b) => a.start - b.start);
  const refused = records.filter(
    (r) => campaigns.includes(r.vars['ori_campaign_id'] ?? '') && r.outcome === 'sip:429',
  ).length;
  const sip429 = await sql<{ n: number }>`
    select count(*)::int as n from attempts where campaign_id in (${sql.join(campaigns)}) and sip_code = 429`.execute(
    stack.db,
  );
  const peak = maxPerSecond(calls);
  // How late each originate reached the switch after the pacing slot admission gave it (dial_not_before).
  const slots = await sql<{ attempt_id: string; slot: Date | null; sent: Date | null }>`
    select attempt_id, dial_not_before as slot, originate_sent_at as sent
    from attempts where campaign_id in (${sql.join(campaigns)})`.execute(stack.db);
  const slotOf = new Map(slots.rows.map((r) => [r.attempt_id, r.slot?.getTime() ?? Number.NaN]));
  const sentOf = new Map(slots.rows.map((r) => [r.attempt_id, r.sent?.getTime() ?? Number.NaN]));
  // The dialler's own record of when it sent each originate (the claim), against when the switch got it.
  const claims = calls
    .map((c) => ({ ...c, start: sentOf.get(c.uuid) ?? Number.NaN }))
    .filter((c) => Number.isFinite(c.start));
  const claimPeak = maxPerSecond(claims);
  const transit = calls
    .map((c) => c.start - (sentOf.get(c.uuid) ?? Number.NaN))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  const lateness = calls
    .map((c) => c.start - (slotOf.get(c.uuid) ?? Number.NaN))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  const worst = calls.filter((c) => c.start >= peak.at && c.start < peak.at + 1000);
  const worstDetail = worst
    .map((c) => {
      const slot = slotOf.get(c.uuid) ?? Number.NaN;
      return `+${c.start - peak.at} ms (slot +${Number.isFinite(slot) ? slot - peak.at : '?'})`;
    })
    .join(', ');
  const first = calls[0]?.start ?? startedAt;
  const mean = rate(calls, first, stoppedAt);
  const perCampaign = campaigns.map((id) => callsOf(records, id).filter((c) => c.start < stoppedAt).length);
  const ok = peak.sliding <= limit;
  log(
    `cps: peak ${peak.sliding} in a sliding second (bucketed ${peak.bucketed}), mean ${fmt(mean)}/s, cap ${limit}`,
  );
  const body = [
    `One carrier with \`cps_limit\` ${limit}${args.cps > 0 ? ' (--cps)' : engineRate ? ` (chosen as 60% of the ${fmt(engineRate)} dials/s the engine sustained in part \`dial\`, at most 20, so that the cap binds)` : ''}; ` +
      `two campaigns on it (concurrency 100 each, ${contacts} due contacts each), simulator \`time_scale\` 0.001 ` +
      `and the simulator's own \`cps_limit\` set to the same value (it answers dials above it with SIP 429, as a ` +
      `carrier does). Both started through the API, stopped after ${args.cpsS} s.`,
    `The switch received ${calls.length} originates (${perCampaign.join(' + ')}), ${fmt(mean)}/s on average ` +
      `(${fmt((mean / limit) * 100, 0)}% of the cap: ${mean >= 0.8 * limit ? 'the cap was binding' : '**the cap was not binding — the figure proves little**'}). ` +
      `Most originates in any sliding 1-second window: **${peak.sliding}** ` +
      `(at ${new Date(peak.at).toISOString()}); most in one wall-clock second: ${peak.bucketed}. ` +
      `Dials the simulator's carrier check refused with SIP 429: ${refused} (attempts recorded with ` +
      `sip_code 429: ${sip429.rows[0]?.n ?? 0}).`,
    `**Originate received − its pacing slot** (\`dial_not_before\`, given by admission): p50 ` +
      `${fmt(percentile(lateness, 50), 0)} ms, p90 ${fmt(percentile(lateness, 90), 0)} ms, p99 ` +
      `${fmt(percentile(lateness, 99), 0)} ms, max ${fmt(lateness[lateness.length - 1] ?? Number.NaN, 0)} ms. ` +
      `The busiest window (${worst.length} originates from ${new Date(peak.at).toISOString()}), each as ` +
      `arrival (its slot) relative to the window start: ${worstDetail}.`,
    `By the dialler's own clock — \`originate_sent_at\`, stamped when the dial activity claims the seat — the ` +
      `most in any sliding second is ${claimPeak.sliding}; claim → arrival at the switch takes p50 ` +
      `${fmt(percentile(transit, 50), 0)} ms, p99 ${fmt(percentile(transit, 99), 0)} ms, max ` +
      `${fmt(transit[transit.length - 1] ?? Number.NaN, 0)} ms.`,
  ];
  const bottlenecks: string[] = [];
  if (!ok) {
    const claimHolds = claimPeak.sliding <= limit;
    bottlenecks.push(
      claimHolds
        ? `The claim-time check holds the cap on the dialler's clock (at most ${claimPeak.sliding} claims in any ` +
            `second), but the carrier counts *arrivals*, and claim → arrival varies (p50 ` +
            `${fmt(percentile(transit, 50), 0)} ms, max ${fmt(transit[transit.length - 1] ?? Number.NaN, 0)} ms: the ` +
            `claim transaction's commit, the bot-endpoint lookup, the ESL write). A dial that trails its claim by ` +
            `more than the next one does lands cap + 1 arrivals in one carrier second. Lifting it: count a ` +
            `window a little longer than a second in the claim-time check (1,000 ms + the claim → arrival p99, ` +
            `e.g. 1,100 ms), or stamp and check the send time as close to the ESL write as possible.`
        : `Admission hands out pacing slots from the carrier row (\`carriers.next_dial_slot_at\`), spaced wider ` +
            `than 1/cps, and the dial activity waits for its slot — but it cannot dial *earlier* than it gets ` +
            `there: after the hand-off, the child workflow's start, the activity's dispatch and the claim. ` +
            `Arrivals trail their slots by ${fmt(percentile(lateness, 50), 0)} ms at the median and up to ` +
            `${fmt(lateness[lateness.length - 1] ?? Number.NaN, 0)} ms, and the claims themselves reached ` +
            `${claimPeak.sliding} in one second: whenever a late dial and on-time ones meet, cap + 1 go out ` +
            `within a second (the window above). Lifting it: enforce the cap where the dial happens — right ` +
            `before the originate, one short transaction on the carrier row that checks the carrier's last cps ` +
            `originate times and waits until the oldest is a second old — so the bound holds whatever the ` +
            `scheduling delay; keep the admission slots as the coarse budget.`,
    );
  }
  return {
    id: 'cps',
    title: 'Carrier calls-per-second cap',
    seconds: (Date.now() - t0) / 1000,
    figures: [
      {
        figure: `Most originates in any 1 s window against carrier cps_limit ${limit} (two campaigns sharing it)`,
        measured: `${peak.sliding} (mean ${fmt(mean)}/s)`,
        target: `never above ${limit}`,
        verdict: verdict(ok),
      },
    ],
    body,
    bottlenecks,
    cpu,
  };
}
