/**
 * The attempt report: 1,000,000 attempt rows seeded with SQL (generate_series over the import campaign's
 * contacts, so the report also joins their variables), downloaded from `GET /api/v1/campaigns/:id/attempts.csv`.
 */
import http from 'node:http';
import { sql } from 'kysely';
import { createCampaign, uploadContacts } from '../campaign';
import type { BenchContext } from '../context';
import { cpuBetween, formatCpu, mb } from '../proc';
import { fmt, verdict, type PartReport } from '../report';

function download(
  url: string,
  apiKey: string,
): Promise<{ status: number; bytes: number; lines: number; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${apiKey}` } }, (res) => {
      let bytes = 0;
      let lines = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, bytes, lines, seconds: (Date.now() - t0) / 1000 }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export async function reportPart(ctx: BenchContext): Promise<PartReport> {
  const { args, stack, log } = ctx;
  const t0 = Date.now();
  const want = args.reportRows;
  let campaign = ctx.shared.importCampaign;
  if (!campaign) {
    const setup = await createCampaign(stack, { name: 'bench report', concurrency: 50 });
    const n = Math.min(want, 100_000);
    await uploadContacts(stack, setup.id, n, 40_000_000);
    campaign = { id: setup.id, rows: n };
  }
  const perContact = Math.ceil(want / campaign.rows);
  log(
    `report: seeding ${want} attempts (${perContact} per contact of ${campaign.rows}) with generate_series`,
  );
  const s0 = Date.now();
  await sql`
    insert into attempts (attempt_id, campaign_id, run_no, contact_id, attempt_no, pass, phone, phone_index,
      from_number, gateway, status, lease_expires_at, created_at, originate_sent_at, started_at, answered_at,
      ended_at, ring_s, talk_s, outcome, sip_code, hangup_cause, disposition)
    select gen_random_uuid(), c.campaign_id, 1, c.id, n, n, c.phone, 0, '+14155550001', 'gw1', 'ended', t, t, t, t,
      case when k = 0 then t + interval '6 seconds' end,
      t + case k when 0 then interval '41 seconds' when 1 then interval '30 seconds' else interval '2 seconds' end,
      case k when 0 then 6.0 when 1 then 30.0 else 2.0 end,
      case when k = 0 then 35.125 end,
      case k when 0 then 'completed' when 1 then 'no_answer' else 'rejected' end,
      case k when 0 then null when 1 then 480 else 486 end,
      case k when 0 then 'NORMAL_CLEARING' when 1 then 'NO_USER_RESPONSE' else 'USER_BUSY' end,
      case when k = 0 then 'COMPLETED' end
    from (
      select c.*, n, (c.seq + n) % 3 as k,
             now() - interval '30 days' + (c.seq * ${perContact} + n) * interval '100 milliseconds' as t
      from contacts c cross join generate_series(1, ${perContact}) n
      where c.campaign_id = ${campaign.id}
      limit ${want}
    ) c`.execute(stack.db);
  await sql`analyze attempts`.execute(stack.db);
  const seedS = (Date.now() - s0) / 1000;
  const seeded = await sql<{ n: number }>`
    select count(*)::int as n from attempts where campaign_id = ${campaign.id} and ended_at is not null`.execute(
    stack.db,
  );
  const rows = seeded.rows[0]?.n ?? 0;
  log(`report: ${rows} attempts seeded in ${seedS.toFixed(1)} s; downloading`);

  const apiBefore = ctx.apiRss.last();
  ctx.apiRss.reset();
  const c0 = await ctx.cpu();
  const d = await download(`${stack.apiUrl}/api/v1/campaigns/${campaign.id}/attempts.csv`, stack.apiKey);
  const cpu = cpuBetween(c0, await ctx.cpu());
  const peak = ctx.apiRss.peak();
  if (d.status !== 200) throw new Error(`attempts.csv answered ${d.status}`);
  const dataRows = d.lines - 1;
  const perS = dataRows / d.seconds;
  log(
    `report: ${dataRows} rows, ${(d.bytes / 1e6).toFixed(0)} MB in ${d.seconds.toFixed(1)} s (${fmt(perS, 0)} rows/s), API peak ${mb(peak)}`,
  );
  const body = [
    `${rows.toLocaleString('en-US')} ended attempts seeded in ${seedS.toFixed(1)} s with one \`INSERT … SELECT\` over ` +
      `\`generate_series\` (${perContact} per contact of the ${campaign.rows.toLocaleString('en-US')}-contact ` +
      `${ctx.shared.importCampaign ? 'import campaign, so the report joins seven contact variables per row' : 'campaign'}; ` +
      `mixed outcomes, answered times, SIP codes, dispositions).`,
    `\`GET /api/v1/campaigns/:id/attempts.csv\` read to the end by a plain HTTP client in the bench process: ` +
      `${dataRows.toLocaleString('en-US')} rows (rows in the file match the table: ${dataRows === rows ? 'yes' : `**no** (${rows} in the table)`}), ` +
      `${(d.bytes / 1e6).toFixed(1)} MB in ${d.seconds.toFixed(2)} s: **${fmt(perS, 0)} rows/s**, ` +
      `${fmt(d.bytes / 1e6 / d.seconds, 1)} MB/s. API process peak RSS **${mb(peak)}** (${mb(apiBefore)} just before the request, a fresh API child process; with tsx's esbuild service in its group: ${mb(ctx.apiRss.groupPeak())}). CPU: ${formatCpu(cpu)}.`,
  ];
  const bottlenecks: string[] = [];
  if (!(perS >= 100_000)) {
    bottlenecks.push(
      `The report is produced by Postgres (\`COPY (SELECT …) TO STDOUT\`, ordered by run, ended_at); with ` +
        `${fmt(cpu.byComponent.postgres ?? 0, 2)} cores of Postgres and ${fmt(cpu.byComponent.api ?? 0, 2)} of API, ` +
        `the side near 1 core is the limit. On Postgres: the per-row formula neutralising (\`case when left(…)\`) ` +
        `and to_char() of four timestamps dominate — a plain \`::text\` timestamp and neutralising only the ` +
        `variable columns would cut it.`,
    );
  }
  if (!(peak < 200 * 1024 ** 2)) {
    bottlenecks.push(
      `The API peaked at ${mb(peak)}: the COPY stream is piped into the response, so memory should stay flat; ` +
        `a high peak means the socket did not apply backpressure (check the PassThrough high-water mark).`,
    );
  }
  return {
    id: 'report',
    title: 'Attempt report download',
    seconds: (Date.now() - t0) / 1000,
    figures: [
      {
        figure: `${rows.toLocaleString('en-US')}-row attempts.csv download`,
        measured: `${fmt(perS, 0)} rows/s (${d.seconds.toFixed(1)} s)`,
        target: '≥ 100,000 rows/s',
        verdict: verdict(perS >= 100_000),
      },
      {
        figure: 'API process peak RSS during the download',
        measured: mb(peak),
        target: '< 200 MB',
        verdict: verdict(peak < 200 * 1024 ** 2),
      },
    ],
    body,
    bottlenecks,
    cpu,
  };
}
