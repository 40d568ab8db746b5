import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useTestDatabase } from '../../test/support/db';
import { CONTACT_STATES } from '../../policy/contact-state';
import { answerWithoutAdmission, answerWithoutAdmissionSql } from '../../policy/trigger-answer';

const t = useTestDatabase();

/**
 * The trigger's upsert stores the answer with the idempotency key in SQL (one commit per request); the route
 * answers the same rules in TypeScript when it has no key. Both must agree on every combination.
 */
describe('answerWithoutAdmissionSql', () => {
  it('gives the answer answerWithoutAdmission gives, for every state, flag and campaign', async () => {
    const cases = [];
    for (const state of CONTACT_STATES)
      for (const opted of [false, true])
        for (const stickyExcluded of [false, true])
          for (const excluded of [false, true])
            for (const sticky of [false, true])
              for (const mayAdmit of [false, true])
                cases.push({ state, opted, stickyExcluded, excluded, sticky, mayAdmit });
    const expr = answerWithoutAdmissionSql({
      opted: 'c.opted',
      stickyExcluded: 'c.sticky_excluded',
      state: 'c.state',
      excludedAt: 'c.excluded_at',
      sticky: 'c.sticky',
      mayAdmit: 'c.may_admit',
      contactId: 'c.id',
    });
    const { rows } = await sql<{ i: number; answer: Record<string, unknown> | null }>`
      select c.i, ${sql.raw(expr)} as answer
      from jsonb_to_recordset(${JSON.stringify(
        cases.map((k, i) => ({
          i,
          id: `contact-${i}`,
          state: k.state,
          opted: k.opted,
          sticky_excluded: k.stickyExcluded,
          excluded_at: k.excluded ? '2026-12-07T00:00:00Z' : null,
          sticky: k.sticky,
          may_admit: k.mayAdmit,
        })),
      )}::jsonb) as c(i int, id text, state text, opted boolean, sticky_excluded boolean,
                      excluded_at timestamptz, sticky boolean, may_admit boolean)
      order by c.i`.execute(t.db);
    expect(rows).toHaveLength(cases.length);
    for (const row of rows) {
      const k = cases[row.i]!;
      const ts = answerWithoutAdmission(
        {
          state: k.state,
          opted_out: k.opted,
          sticky_excluded: k.stickyExcluded,
          excluded_at: k.excluded ? new Date() : null,
        },
        { stickyExclusion: k.sticky, mayAdmitNow: k.mayAdmit },
      );
      expect(row.answer, JSON.stringify(k)).toEqual(ts ? { ...ts, contact_id: `contact-${row.i}` } : null);
    }
  });
});
