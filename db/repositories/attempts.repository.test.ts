import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/support/db';
import { seedRunningCampaign } from '../../test/fixtures/seed';
import { isContactFinal, markContactReady, recordContactStep } from './attempts.repository';

const test = useTestDatabase();

describe('contact writes are fenced by run', () => {
  it('a workflow of an earlier run cannot touch a contact that a newer run has reset', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 1 });
    const id = s.contactIds[0]!;
    // Stop → restart → start: the contact now belongs to run 2, pending again.
    await test.db
      .updateTable('contacts')
      .set({ run_no: 2, state: 'pending', ready_at: null })
      .where('id', '=', id)
      .execute();
    const now = new Date();
    await recordContactStep(
      test.db,
      id,
      1,
      { kind: 'final', state: 'failed', outcome: 'no_answer', disposition: null, exhaustedRetries: false },
      480,
      now,
    );
    expect(await markContactReady(test.db, id, 1, now)).toBe(false);
    expect(await isContactFinal(test.db, id, 1)).toBe(true);
    const row = await test.db
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('pending');
    expect(row.final_at).toBeNull();
    expect(row.ready_at).toBeNull();
    // Its own run writes as before.
    expect(await markContactReady(test.db, id, 2, now)).toBe(true);
    expect(await isContactFinal(test.db, id, 2)).toBe(false);
  });
});
