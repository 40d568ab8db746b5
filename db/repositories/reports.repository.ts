import type { Writable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { to as copyTo } from 'pg-copy-streams';
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../connection';
import type { Database, RunSetup } from '../schema';
import type { CampaignConfig } from '../../policy/campaign-config';
import { FORMULA_TRIGGERS, neutraliseFormula } from '../../policy/csv-normalise';
import { submitRaw } from '../submittable';
import { findCampaignBasics, variableKeys } from './contacts.repository';
import { buildRunSetup } from './runs.repository';

/**
 * Reports read by operators and auditors: the attempt report (CSV), the run's config snapshot.
 *
 * The attempt report is produced by Postgres itself: `COPY (SELECT …) TO STDOUT (FORMAT csv)` streamed
 * through pg-copy-streams into the HTTP response with backpressure, so a million rows cost constant memory
 * in Node and are limited by the socket, not by row-by-row serialisation. Rows come in the order of
 * attempts_report_idx (campaign_id, run_no, ended_at): per run, by end time — no sort.
 */

type AnyDb = Kysely<Database>;

export const ATTEMPT_REPORT_COLUMNS = [
  'campaign_id',
  'run_no',
  'contact_id',
  'attempt_id',
  'attempt_no',
  'pass',
  'phone',
  'from_number',
  'started_at',
  'answered_at',
  'ended_at',
  'ring_s',
  'talk_s',
  'outcome',
  'sip_code',
  'hangup_cause',
  'disposition',
  'callback_at',
  'voicemail_left',
] as const;

/** A SQL string literal (COPY takes no bind parameters); standard_conforming_strings is on since PG 9.1. */
function literal(value: string): string {
  return `'${value.replace(/\0/g, '').replace(/'/g, "''")}'`;
}

const TRIGGER_LIST = FORMULA_TRIGGERS.map((c) =>
  c === '\t' ? "E'\\t'" : c === '\r' ? "E'\\r'" : literal(c),
).join(', ');

/** SQL twin of policy's neutraliseFormula: prefix an apostrophe to a cell a spreadsheet would evaluate. */
function safe(expr: string): string {
  // Parenthesised: `'''' || c.metadata ->> 'k'` would parse as ('''' || c.metadata) ->> 'k'.
  return `(case when left((${expr}), 1) in (${TRIGGER_LIST}) then '''' || (${expr}) else (${expr}) end)`;
}

const isoUtc = (expr: string): string =>
  `to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function attemptReportSql(campaignId: string, variables: readonly string[]): string {
  if (!UUID.test(campaignId)) throw new Error('campaign id must be a UUID');
  const variableCells = variables.map((k) => safe(`c.metadata ->> ${literal(k)}`));
  const cells = [
    'a.campaign_id',
    'a.run_no',
    'a.contact_id',
    'a.attempt_id',
    'a.attempt_no',
    'a.pass',
    safe('a.phone'),
    safe('a.from_number'),
    isoUtc('a.started_at'),
    isoUtc('a.answered_at'),
    isoUtc('a.ended_at'),
    'round(a.ring_s::numeric, 3)',
    'round(a.talk_s::numeric, 3)',
    safe('a.outcome'),
    'a.sip_code',
    safe('a.hangup_cause'),
    safe('a.disposition'),
    isoUtc('a.callback_at'),
    "case when a.voicemail_left then 'true' else 'false' end",
    ...variableCells,
  ];
  const join = variables.length > 0 ? 'join contacts c on c.id = a.contact_id' : '';
  return (
    `copy (select ${cells.join(', ')} from attempts a ${join} ` +
    `where a.campaign_id = '${campaignId}' and a.ended_at is not null ` +
    `order by a.run_no, a.ended_at, a.attempt_id) to stdout with (format csv)`
  );
}

export function attemptReportHeader(variables: readonly string[]): string {
  return stringify([[...ATTEMPT_REPORT_COLUMNS, ...variables.map(neutraliseFormula)]], {
    record_delimiter: '\n',
  });
}

/**
 * Write the whole report to `out` and end it (the caller checked the campaign exists). If the client goes away, the COPY is cancelled on the server
 * (pg_cancel_backend from another connection) so the pinned connection returns to the pool clean.
 */
export async function streamAttemptReport(db: Db, campaignId: string, out: Writable): Promise<void> {
  const variables = await variableKeys(db, campaignId);
  if (!out.write(attemptReportHeader(variables))) {
    // The header is tiny; a full socket this early just waits.
    await new Promise((r) => out.once('drain', r));
  }
  await db.connection().execute(async (conn) => {
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
    const pid = rows[0]?.pid;
    const copy = await submitRaw(conn, copyTo(attemptReportSql(campaignId, variables)));
    await new Promise<void>((resolve) => {
      let settled = false;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        out.off('close', onClientGone);
        resolve();
      };
      const onClientGone = (): void => {
        if (copy.readableEnded) return;
        copy.unpipe(out);
        copy.resume();
        if (pid !== undefined) {
          void sql`select pg_cancel_backend(${pid})`.execute(db).catch(() => undefined);
        }
      };
      copy.on('end', finish);
      copy.on('error', (err) => {
        if (!out.destroyed) out.destroy(err);
        finish();
      });
      out.on('close', onClientGone);
      copy.pipe(out);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Config panel

export interface RunConfigView {
  run_no: number;
  status: string;
  config: CampaignConfig;
  setup: RunSetup;
}

/**
 * `{run_no, config, setup}` of the current run (docs/rules.md "Operating a campaign"): the run's own
 * snapshot once it started. Before that — a draft that never ran, or a prepared restart whose settings may
 * still be edited — the campaign's current config with a setup built from the current bot and pool, so
 * the panel shows what Start would use.
 */
export async function runConfig(db: AnyDb, campaignId: string): Promise<RunConfigView> {
  const campaign = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (!campaign) {
    await findCampaignBasics(db, campaignId); // throws the 404
    throw new Error('unreachable');
  }
  const run = await db
    .selectFrom('campaign_runs')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('run_no', '=', campaign.run_no)
    .executeTakeFirst();
  if (run && run.status !== 'prepared' && run.started_at !== null) {
    return { run_no: run.run_no, status: run.status, config: run.config, setup: run.setup };
  }
  const setup = await buildRunSetup(
    db,
    campaign,
    campaign.run_no,
    run?.created_by ?? campaign.created_by,
    run?.created_at ?? campaign.created_at,
    null,
  );
  return { run_no: campaign.run_no, status: run?.status ?? 'draft', config: campaign.config, setup };
}
