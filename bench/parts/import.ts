/**
 * A 500,000-row, ~100 MB contact CSV through `POST /api/v1/campaigns/:id/contacts` (parsed, normalised to
 * E.164, COPYed into the indexed contacts table, one transaction), against `psql \copy` of the same rows,
 * already normalised, into a table with the same columns, indexes and foreign key, in the same run.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { sql } from 'kysely';
import { createCampaign, phoneOf, uploadCsvFile } from '../campaign';
import type { BenchContext } from '../context';
import { cpuBetween, formatCpu, mb } from '../proc';
import { fmt, verdict, type PartReport } from '../report';
import { run } from '../../scripts/processes';

const HEADER = 'phone_number,name,email,customer_id,account_no,amount,due_date,city,plan,notes';
const VARIABLES = ['customer_id', 'account_no', 'amount', 'due_date', 'city', 'plan', 'notes'];
const CITIES = ['Bengaluru', 'Mumbai', 'Chennai', 'Hyderabad', 'Pune', 'Kolkata', 'New Delhi', 'Ahmedabad'];
const PLANS = ['Gold Plus Annual', 'Silver Monthly', 'Platinum Family', 'Basic Prepaid'];

function row(i: number): { csv: string; values: string[]; phone: string; name: string; email: string } {
  const n = String(i).padStart(7, '0');
  const phone = phoneOf(30_000_000 + i);
  const name = `Customer ${n} Surname`;
  const email = `customer${n}@example.com`;
  const values = [
    `CUST-${n}`,
    `ACC-${String(i * 7919).padStart(11, '0')}`,
    (((i * 37) % 100_000) / 7).toFixed(2),
    `2026-12-${String(1 + (i % 28)).padStart(2, '0')}`,
    CITIES[i % CITIES.length] as string,
    PLANS[i % PLANS.length] as string,
    `Prefers calls after 5 pm, renewal offer ${n}, agent ${i % 97}`,
  ];
  const csv = [phone, name, email, ...values.map((v) => (v.includes(',') ? `"${v}"` : v))].join(',');
  return { csv, values, phone, name, email };
}

/** Write the CSV and the equivalent COPY text (what the import stores) side by side, streamed. */
async function writeFiles(
  dir: string,
  rows: number,
  campaignId: string,
): Promise<{ csv: string; copy: string; bytes: number }> {
  const csvFile = path.join(dir, 'contacts-500k.csv');
  const copyFile = path.join(dir, 'contacts-500k.copy');
  const csv = createWriteStream(csvFile);
  const copy = createWriteStream(copyFile);
  const write = async (stream: NodeJS.WritableStream, text: string): Promise<void> => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  await write(csv, `${HEADER}\n`);
  let csvBuf = '';
  let copyBuf = '';
  for (let i = 0; i < rows; i++) {
    const r = row(i);
    csvBuf += `${r.csv}\n`;
    const metadata = `{${VARIABLES.map((k, j) => `${JSON.stringify(k)}:${JSON.stringify(r.values[j])}`).join(',')}}`;
    copyBuf += `${campaignId}\t${r.phone}\t{${r.phone}}\t${r.name}\t${r.email}\t${metadata}\tcsv\t1\t1\n`;
    if (csvBuf.length > 1 << 20) {
      await write(csv, csvBuf);
      await write(copy, copyBuf);
      csvBuf = '';
      copyBuf = '';
    }
  }
  await write(csv, csvBuf);
  await write(copy, copyBuf);
  csv.end();
  copy.end();
  await Promise.all([once(csv, 'finish'), once(copy, 'finish')]);
  return { csv: csvFile, copy: copyFile, bytes: (await fs.stat(csvFile)).size };
}

export async function importPart(ctx: BenchContext): Promise<PartReport> {
  const { args, stack, log } = ctx;
  const t0 = Date.now();
  const rows = args.importRows;
  const setup = await createCampaign(stack, { name: `bench import ${rows}`, concurrency: 50 });
  const files = await writeFiles(stack.tmp, rows, setup.id);
  log(
    `import: ${rows} rows, ${(files.bytes / 1e6).toFixed(1)} MB CSV written in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  // Reference: psql \copy of the same rows, normalised, into a table shaped like contacts (LIKE … INCLUDING
  // ALL: the same columns, defaults, identity and indexes, GIN on metadata included) with its foreign key.
  await sql`drop table if exists bench_copy_contacts`.execute(stack.db);
  await sql`create table bench_copy_contacts (like contacts including all)`.execute(stack.db);
  await sql`alter table bench_copy_contacts add foreign key (campaign_id) references campaigns (id)`.execute(
    stack.db,
  );
  await sql`checkpoint`.execute(stack.db);
  const psql = path.join(stack.pgBinDir, 'psql');
  const k0 = await ctx.cpu();
  const q0 = Date.now();
  const copyRes = await run(
    psql,
    [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      stack.pg.url,
      '-c',
      `\\copy bench_copy_contacts (campaign_id, phone, phones, name, email, metadata, source, added_in_run, run_no) from '${files.copy}'`,
    ],
    { timeoutMs: 30 * 60_000 },
  );
  const copyS = (Date.now() - q0) / 1000;
  const copyCpu = cpuBetween(k0, await ctx.cpu());
  if (copyRes.code !== 0) throw new Error(`psql \\copy failed: ${copyRes.stderr}`);
  const copied = await sql<{ n: number }>`select count(*)::int as n from bench_copy_contacts`.execute(
    stack.db,
  );
  log(`import: \\copy ${copied.rows[0]?.n} rows in ${copyS.toFixed(1)} s`);
  await sql`drop table bench_copy_contacts`.execute(stack.db);
  await sql`checkpoint`.execute(stack.db);

  const apiBefore = ctx.apiRss.last();
  ctx.apiRss.reset();
  const a0 = await ctx.cpu();
  const i0 = Date.now();
  const res = await uploadCsvFile(stack, setup.id, files.csv, files.bytes);
  const apiS = (Date.now() - i0) / 1000;
  const apiCpu = cpuBetween(a0, await ctx.cpu());
  const apiPeak = ctx.apiRss.peak();
  if (res.status !== 200)
    throw new Error(`import answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  log(
    `import: API ${res.body.added} added, ${res.body.skipped} skipped in ${apiS.toFixed(1)} s, API peak ${mb(apiPeak)}`,
  );
  await fs.rm(files.copy, { force: true });
  await fs.rm(files.csv, { force: true });
  ctx.shared.importCampaign = { id: setup.id, rows: res.body.added };

  const ratio = apiS / copyS;
  const body = [
    `The CSV: ${rows.toLocaleString('en-US')} rows, ${(files.bytes / 1e6).toFixed(1)} MB (${(files.bytes / 1024 ** 2).toFixed(1)} MiB; ` +
      `the API's limit is 100 MiB), header \`${HEADER}\` — E.164 numbers, quoted fields with commas, seven ` +
      `per-contact variables. Uploaded as a \`text/csv\` body streamed from disk to a draft campaign (replace mode: ` +
      `COPY straight into \`contacts\`, all-or-nothing).`,
    `**API:** ${apiS.toFixed(1)} s (${fmt(rows / apiS, 0)} rows/s), ${res.body.added.toLocaleString('en-US')} added, ` +
      `${res.body.skipped} skipped; API process peak RSS **${mb(apiPeak)}** (${mb(apiBefore)} just before the upload; a fresh API child ` +
      `process, sampled every 250 ms from /proc; with tsx's esbuild service process in its group: ` +
      `${mb(ctx.apiRss.groupPeak())} — ${ctx.apiRss.others() || 'no other member'}). CPU: ${formatCpu(apiCpu)}.`,
    `**psql \\copy reference:** the same rows already normalised (what the import writes: campaign id, phone, ` +
      `phones[], name, email, metadata jsonb, source, run numbers), COPY text format, into ` +
      `\`bench_copy_contacts (LIKE contacts INCLUDING ALL)\` plus its foreign key to campaigns — the same ` +
      `indexes the real table maintains (primary key, (campaign_id, phone) unique, seq, state, admission, ` +
      `callback, GIN on metadata, open contacts) — in ${copyS.toFixed(1)} s. The real table already held the ` +
      `contacts of the earlier parts; the reference table started empty. CPU: ${formatCpu(copyCpu)}.`,
    `Ratio API / \\copy: **${fmt(ratio, 2)}×**.`,
  ];
  const bottlenecks: string[] = [];
  if (!(ratio <= 2)) {
    bottlenecks.push(
      `The import parses and normalises on the API's single thread while Postgres maintains the indexes; ` +
        `with ${fmt(apiCpu.byComponent.api ?? 0, 2)} cores of API and ${fmt(apiCpu.byComponent.postgres ?? 0, 2)} of ` +
        `Postgres during the upload, ` +
        ((apiCpu.byComponent.api ?? 0) > 0.85
          ? 'the API thread is the limit: csv-parse and libphonenumber per row. Lift it with a fast path for ' +
            'numbers already in E.164 (skip the full libphonenumber parse when the cell matches ^\\+[1-9]\\d{7,14}$ ' +
            'and the metadata says it is valid), or normalise in a worker thread pool feeding the COPY.'
          : 'neither side is saturated: the pipeline is latency-bound (backpressure round trips). Larger COPY ' +
            'chunks (FLUSH_CHARS) and a bigger socket high-water mark would overlap the two better.'),
    );
  }
  if (!(apiPeak < 300 * 1024 ** 2)) {
    bottlenecks.push(
      `The API peaked at ${mb(apiPeak)}: the import keeps every phone of the file in a Map (in-file duplicate ` +
        `detection and row numbers for later skips). 500,000 entries cost tens of MB; the rest is the Node ` +
        `baseline. Detect duplicates in SQL after the COPY instead (row_no column, window function).`,
    );
  }
  return {
    id: 'import',
    title: 'Contact CSV import',
    seconds: (Date.now() - t0) / 1000,
    figures: [
      {
        figure: `${rows.toLocaleString('en-US')}-row, ${(files.bytes / 1e6).toFixed(0)} MB CSV import through the API vs psql \\copy`,
        measured: `${apiS.toFixed(1)} s vs ${copyS.toFixed(1)} s = ${fmt(ratio, 2)}×`,
        target: '≤ 2× \\copy',
        verdict: verdict(ratio <= 2),
      },
      {
        figure: 'API process peak RSS during the import',
        measured: mb(apiPeak),
        target: '< 300 MB',
        verdict: verdict(apiPeak < 300 * 1024 ** 2),
      },
    ],
    body,
    bottlenecks,
    cpu: apiCpu,
  };
}
