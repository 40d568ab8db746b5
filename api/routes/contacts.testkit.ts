import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { AppDeps } from '../deps';
import type { Db } from '../../db/connection';
import type { CampaignStatus } from '../../db/schema';
import { installErrorHandling } from '../plugins/error-handler.plugin';
import { seedSetup, type Harness } from '../testing/harness';

/**
 * Helpers shared by the contacts / integration / reports / webhooks route tests (not collected as a test
 * file). Campaigns are created through the real API; states a test needs that would take the engine to
 * reach (a completed run, a prepared restart) are written to Postgres directly.
 */

export const API = '/api/v1';

/** A bare Fastify with the app's validator and error handling and the given plugins under /api/v1 (no auth). */
export async function bareApp(
  deps: AppDeps,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  plugins: { plugin: FastifyPluginAsync<any>; options: Record<string, unknown> }[],
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  installErrorHandling(app);
  // What the auth plugin decorates every request with: the acting key's name.
  app.decorateRequest('actor', 'bare-app');
  await app.register(
    async (api) => {
      for (const p of plugins) await api.register(p.plugin, { deps, ...p.options });
    },
    { prefix: API },
  );
  await app.ready();
  return app;
}

export interface SeededCampaign {
  id: string;
  botId: string;
  numberIds: string[];
}

let setupCache = new WeakMap<Harness, Promise<Awaited<ReturnType<typeof seedSetup>>>>();

/** A draft with a bot and two outbound numbers; config fields as given. */
export async function createCampaign(
  h: Harness,
  config: Record<string, unknown> = {},
): Promise<SeededCampaign> {
  let setup = setupCache.get(h);
  if (!setup) {
    setup = seedSetup(h);
    setupCache.set(h, setup);
  }
  const { botId, numberIds } = await setup;
  const res = await h.post(`${API}/campaigns`, {
    name: `Campaign ${Math.random().toString(36).slice(2, 8)}`,
    bot_id: botId,
    number_ids: numberIds,
    ...config,
  });
  if (res.status !== 201) throw new Error(`creating a campaign failed: ${res.status} ${res.text}`);
  return { id: res.body.id as string, botId, numberIds };
}

export function resetTestkit(): void {
  setupCache = new WeakMap();
}

export async function uploadCsv(
  h: Harness,
  campaignId: string,
  csv: string | Buffer,
  contentType = 'text/csv',
) {
  return h.request('POST', `${API}/campaigns/${campaignId}/contacts`, csv, {
    headers: { 'content-type': contentType },
  });
}

export function multipartBody(csv: string | Buffer, field = 'file', filename = 'contacts.csv') {
  const boundary = `----ori${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      `Content-Type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    body: Buffer.concat([head, Buffer.isBuffer(csv) ? csv : Buffer.from(csv), tail]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** Start a draft through the API (the recording engine accepts the run). */
export async function startCampaign(h: Harness, campaignId: string): Promise<void> {
  const res = await h.post(`${API}/campaigns/${campaignId}/start`);
  if (res.status !== 200) throw new Error(`start failed: ${res.status} ${res.text}`);
}

export async function setStatus(
  db: Db,
  campaignId: string,
  status: CampaignStatus,
  everStarted = true,
): Promise<void> {
  await db
    .updateTable('campaigns')
    .set({ status, ever_started: everStarted })
    .where('id', '=', campaignId)
    .execute();
}

export async function contactCount(db: Db, campaignId: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from contacts where campaign_id = ${campaignId}`.execute(db);
  return rows[0]?.n ?? 0;
}

export async function contactsOf(db: Db, campaignId: string) {
  return db.selectFrom('contacts').selectAll().where('campaign_id', '=', campaignId).orderBy('seq').execute();
}

/** An attempt row as the engine writes it (ended unless `open`). */
export async function addAttempt(
  db: Db,
  a: {
    campaignId: string;
    contactId: string;
    runNo?: number;
    attemptNo: number;
    pass?: number;
    phone: string;
    createdAt: Date;
    answered?: boolean;
    ringS?: number;
    talkS?: number | null;
    outcome?: string | null;
    sipCode?: number | null;
    status?: 'leased' | 'dialling' | 'ringing' | 'in_progress' | 'ended';
    callbackAt?: Date | null;
    disposition?: string | null;
    fromNumber?: string;
    carrierId?: string | null;
    /** 0 marks a callback dial (the admission priority it was leased with). */
    admitPriority?: number;
    summary?: string | null;
  },
): Promise<string> {
  const open = a.status !== undefined && a.status !== 'ended';
  const ringS = a.ringS ?? 5;
  const started = a.createdAt;
  const answeredAt = a.answered ? new Date(started.getTime() + ringS * 1000) : null;
  const ended = open ? null : new Date(started.getTime() + (ringS + (a.talkS ?? 0)) * 1000);
  const row = await db
    .insertInto('attempts')
    .values({
      attempt_id: sql<string>`gen_random_uuid()`,
      campaign_id: a.campaignId,
      run_no: a.runNo ?? 1,
      contact_id: a.contactId,
      attempt_no: a.attemptNo,
      pass: a.pass ?? 1,
      admit_priority: a.admitPriority ?? 1,
      summary: a.summary ?? null,
      phone: a.phone,
      from_number: a.fromNumber ?? '+14155550199',
      carrier_id: a.carrierId ?? null,
      status: a.status ?? 'ended',
      lease_expires_at: new Date(started.getTime() + 90_000),
      created_at: started,
      originate_sent_at: started,
      started_at: started,
      answered_at: answeredAt,
      ended_at: ended,
      ring_s: open ? null : ringS,
      talk_s: a.talkS ?? null,
      outcome: open ? null : (a.outcome ?? (a.answered ? 'completed' : 'no_answer')),
      sip_code: a.sipCode ?? null,
      hangup_cause: open ? null : 'NORMAL_CLEARING',
      disposition: a.disposition ?? null,
      callback_at: a.callbackAt ?? null,
    } as never)
    .returning('attempt_id')
    .executeTakeFirstOrThrow();
  return row.attempt_id;
}
