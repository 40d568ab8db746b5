/**
 * The carrier's calls-per-second cap, shared by two campaigns on one carrier: the switch must never receive
 * more originates for that carrier than the cap in any 1-second window.
 */
import { sql } from 'kysely';
import { callsOf, maxPerSecond, rate } from '../calls';
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
  ];
  const bottlenecks: string[] = [];
  if (!ok) {
    bottlenecks.push(
      `Admission spaces the carrier's pacing slots exactly 1/cps apart (\`carriers.next_dial_slot_at\`), but the ` +
        `originate goes out when the \`dial\` activity reaches it — after the child workflow started, the activity ` +
        `was scheduled and \`claimAttempt\` ran. Slots that were handed out late are dialled as soon as they ` +
        `arrive, so a few late ones bunch with on-time ones, and any jitter at all pushes cap + 1 originates ` +
        `into some 1-second window. Lifting it: have the dial activity re-check the slot right before the ` +
        `originate and, when it is late, take a fresh slot from the carrier row (a short transaction) instead ` +
        `of using the stale one; or leave a margin (space slots 1/(cps × 0.9) apart).`,
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
