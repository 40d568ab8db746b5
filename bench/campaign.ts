/**
 * Campaign setup through the public API, as an operator or a CRM would do it: bot, carrier, numbers,
 * campaign, contacts CSV, start, stop. Every call checks its answer so a broken setup fails loudly.
 */
import http from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import { sql } from 'kysely';
import { expectStatus, type BenchStack } from './stack';

/** Valid Indian mobile numbers, unique for i < 90,000,000. */
export const phoneOf = (i: number): string => `+9198${String(10_000_000 + i)}`;

export interface CampaignSetup {
  id: string;
  carrierId: string;
}

export interface CampaignOptions {
  name: string;
  concurrency: number;
  cpsLimit?: number | null;
  numbers?: number;
  maxAttempts?: number;
  /** Use this carrier (shared with other campaigns) instead of creating one. */
  carrierId?: string;
}

let numberSeq = 0;

export async function createCampaign(stack: BenchStack, opts: CampaignOptions): Promise<CampaignSetup> {
  const bot = expectStatus(
    await stack.request<{ id: string }>('POST', '/api/v1/bots', { name: `${opts.name} bot` }),
    201,
    'create bot',
  );
  const carrier = opts.carrierId
    ? { id: opts.carrierId }
    : expectStatus(
        await stack.request<{ id: string }>('POST', '/api/v1/carriers', {
          name: `${opts.name} carrier`,
          gateway: `gw${numberSeq}`,
          cps_limit: opts.cpsLimit ?? null,
        }),
        201,
        'create carrier',
      );
  const numberIds: string[] = [];
  for (let i = 0; i < (opts.numbers ?? 4); i++) {
    numberSeq++;
    const n = expectStatus(
      await stack.request<{ id: string }>('POST', '/api/v1/numbers', {
        e164: `+1415555${String(numberSeq).padStart(4, '0')}`,
        carrier_id: carrier.id,
      }),
      201,
      'create number',
    );
    numberIds.push(n.id);
  }
  const campaign = expectStatus(
    await stack.request<{ id: string }>('POST', '/api/v1/campaigns', {
      name: opts.name,
      bot_id: bot.id,
      number_ids: numberIds,
      concurrency: opts.concurrency,
      max_attempts: opts.maxAttempts ?? 1,
      mode: 'multi_day',
      window: { start: '00:00', end: '23:59', timezone: 'UTC' },
    }),
    201,
    'create campaign',
  );
  return { id: campaign.id, carrierId: carrier.id };
}

export interface UploadAnswer {
  added: number;
  skipped: number;
  errors: { row: number; reason: string }[];
}

/** POST a CSV file as the raw body (streamed from disk; the API streams it into COPY). */
export function uploadCsvFile(
  stack: BenchStack,
  campaignId: string,
  file: string,
  size: number,
): Promise<{ status: number; body: UploadAnswer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${stack.apiUrl}/api/v1/campaigns/${campaignId}/contacts`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.apiKey}`,
          'content-type': 'text/csv',
          'content-length': String(size),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as UploadAnswer });
          } catch (err) {
            reject(new Error(`upload answered ${res.statusCode}: ${text.slice(0, 300)} (${String(err)})`));
          }
        });
      },
    );
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

/** Upload `count` contacts (phone_number,name,account) numbered from `first`. */
export async function uploadContacts(
  stack: BenchStack,
  campaignId: string,
  count: number,
  first = 0,
): Promise<void> {
  const lines = ['phone_number,name,account'];
  for (let i = first; i < first + count; i++) lines.push(`${phoneOf(i)},Person ${i},ACC-${i}`);
  const file = `${stack.tmp}/contacts-${campaignId}.csv`;
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  const size = (await fs.stat(file)).size;
  const res = await uploadCsvFile(stack, campaignId, file, size);
  await fs.rm(file, { force: true });
  const body = expectStatus(res, 200, 'upload contacts');
  if (body.added !== count)
    throw new Error(`upload added ${body.added} of ${count}: ${JSON.stringify(body)}`);
}

export async function startCampaign(stack: BenchStack, campaignId: string): Promise<void> {
  expectStatus(await stack.request('POST', `/api/v1/campaigns/${campaignId}/start`), 200, 'start campaign');
}

/** Stop through the API; false when the campaign had already completed on its own. */
export async function stopCampaign(stack: BenchStack, campaignId: string): Promise<boolean> {
  const res = await stack.request<{ error?: { code?: string } }>(
    'POST',
    `/api/v1/campaigns/${campaignId}/stop`,
  );
  if (res.status === 409 && (await campaignStatus(stack, campaignId)) === 'completed') return false;
  expectStatus(res, 200, 'stop campaign');
  return true;
}

export async function campaignStatus(stack: BenchStack, campaignId: string): Promise<string> {
  const r = await sql<{ status: string }>`select status from campaigns where id = ${campaignId}`.execute(
    stack.db,
  );
  return r.rows[0]?.status ?? 'missing';
}

/** Attempts not yet ended (seats held or leased) of a campaign. */
export async function openAttempts(stack: BenchStack, campaignId: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from attempts where campaign_id = ${campaignId} and ended_at is null`.execute(
    stack.db,
  );
  return r.rows[0]?.n ?? 0;
}

/** After a stop: wait until the switch has no call up and the campaign holds no seat (bounded). */
export async function drain(stack: BenchStack, campaignId: string, timeoutMs = 90_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stack.sim.liveCallCount() === 0 && (await openAttempts(stack, campaignId)) === 0) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
