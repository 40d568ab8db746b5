import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../schema';
import { IN_FLIGHT_STATES, WAITING_STATES } from '../../policy/contact-state';
import { normaliseVariableName } from '../../policy/variables';
import { findCampaignBasics, variableKeys, type CampaignBasics } from './contacts.repository';

/**
 * Exclusions (docs/api.md, docs/rules.md "The integration surface"): suppress contacts by number or by one
 * or two metadata keys (ANDed). "Excluded contacts are never dialled again in that run; calls in flight
 * are not cut":
 * - a waiting contact becomes `excluded` at once (final, with its reason; a pending callback is cancelled);
 * - a contact in flight only gets `excluded_at`: the engine finalises it as excluded when the call ends,
 *   and admission re-checks `excluded_at` before every dial;
 * - a contact of an earlier run on a prepared (restarted, not started) campaign is excluded for the coming
 *   run: its state columns move to the current run (runs.repository.ts must not reset those at start).
 * Final contacts are not touched. `matched` counts the contacts this call suppressed. Every call is
 * recorded in `exclusions`, matched or not: with sticky exclusion a later re-add of the number stays
 * suppressed (CSV import and the trigger API read it).
 */

type AnyDb = Kysely<Database>;

export interface ExcludeInput {
  campaignId: string;
  /** E.164, already normalised. */
  mobile?: string;
  /** One or two metadata keys, values compared as trimmed strings. */
  match?: Record<string, string>;
  reason: string | null;
  actor: string;
  now: Date;
}

export interface ExcludeResult {
  matched: number;
  campaign: CampaignBasics;
}

/**
 * The stored keys a selector key names: itself, and every registered key with the same normalised form
 * (`case number` and `CASE_NUMBER` are one variable, as in prompts).
 */
function keysNamed(key: string, known: readonly string[]): string[] {
  const target = normaliseVariableName(key);
  return [key, ...known.filter((k) => k !== key && normaliseVariableName(k) === target)];
}

/**
 * `metadata @> {"k": "v"}` per candidate key: each is answered by the GIN index contacts_metadata_idx
 * (jsonb_path_ops), OR-ed within a selector key and AND-ed across keys (bitmap index scans).
 */
function matchCondition(match: Record<string, string>, known: readonly string[]): RawBuilder<unknown> {
  const perKey = Object.entries(match).map(([key, value]) => {
    const alternatives = keysNamed(key, known).map(
      (k) => sql`c.metadata @> ${JSON.stringify({ [k]: value })}::jsonb`,
    );
    return sql`(${sql.join(alternatives, sql` or `)})`;
  });
  return sql.join(perKey, sql` and `);
}

const WAITING = sql.join(WAITING_STATES.map((s) => sql.lit(s)));
const IN_FLIGHT = sql.join(IN_FLIGHT_STATES.map((s) => sql.lit(s)));

export async function excludeContacts(db: AnyDb, input: ExcludeInput): Promise<ExcludeResult> {
  return db.transaction().execute(async (tx) => {
    const campaign = await findCampaignBasics(tx, input.campaignId);
    const runNo = campaign.run_no;
    let selector: RawBuilder<unknown>;
    if (input.mobile !== undefined) {
      // The primary number by index; a secondary number (phone2…) of a multi-phone contact too.
      selector = sql`(c.phone = ${input.mobile} or ${input.mobile}::text = any(c.phones))`;
    } else {
      const known = await variableKeys(tx, input.campaignId);
      selector = matchCondition(input.match ?? {}, known);
    }
    // Waiting now, or waiting for the coming run of a prepared restart: excluded at once.
    const stopNow = sql`(c.run_no < ${runNo} or c.state in (${WAITING}))`;
    const result = await sql`
      update contacts c set
        state = case when ${stopNow} then 'excluded' else c.state end,
        final_at = case when ${stopNow} then ${input.now}::timestamptz else c.final_at end,
        ready_at = case when ${stopNow} then null else c.ready_at end,
        next_due_at = case when ${stopNow} then null else c.next_due_at end,
        callback_state = case when c.run_no < ${runNo} then null
                              when ${stopNow} and c.callback_state in ('requested', 'pending') then 'cancelled'
                              else c.callback_state end,
        attempts = case when c.run_no < ${runNo} then 0 else c.attempts end,
        pass = case when c.run_no < ${runNo} then 1 else c.pass end,
        phone_index = case when c.run_no < ${runNo} then 0 else c.phone_index end,
        last_outcome = case when c.run_no < ${runNo} then null else c.last_outcome end,
        last_disposition = case when c.run_no < ${runNo} then null else c.last_disposition end,
        last_sip_code = case when c.run_no < ${runNo} then null else c.last_sip_code end,
        callback_at = case when c.run_no < ${runNo} then null else c.callback_at end,
        workflow_started = case when c.run_no < ${runNo} then false else c.workflow_started end,
        run_no = greatest(c.run_no, ${runNo}::int),
        excluded_at = ${input.now}::timestamptz,
        exclusion_reason = ${input.reason},
        updated_at = ${input.now}::timestamptz
      where c.campaign_id = ${input.campaignId}
        and ${selector}
        and (c.run_no < ${runNo} or c.state in (${WAITING}) or (c.state in (${IN_FLIGHT}) and c.excluded_at is null))
    `.execute(tx);
    const matched = Number(result.numAffectedRows ?? 0);
    await tx
      .insertInto('exclusions')
      .values({
        campaign_id: input.campaignId,
        mobile: input.mobile ?? null,
        match: input.match ? JSON.stringify(input.match) : null,
        reason: input.reason,
        actor: input.actor,
        matched,
        created_at: input.now,
      })
      .execute();
    return { matched, campaign };
  });
}
