import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../test/support/db';
import { findCallEnd } from '../db/repositories/call-journal.repository';
import { classifyCall } from '../policy/outcome';
import { CallJournal, journalEntryFromHangup, type HangupSource } from './call-journal';
import { CallTracker, type ChannelEvent } from './call-tracker';

const test = useTestDatabase();

const hangup = (uuid: string, extra: Record<string, string> = {}): ChannelEvent => ({
  name: 'CHANNEL_HANGUP_COMPLETE',
  headers: {
    'Event-Name': 'CHANNEL_HANGUP_COMPLETE',
    'Core-UUID': 'core-1',
    'Unique-ID': uuid,
    'Hangup-Cause': 'NO_USER_RESPONSE',
    variable_ori_attempt_id: uuid,
    variable_sip_term_status: '480',
    variable_start_uepoch: '1765000000000000',
    variable_progress_uepoch: '1765000001000000',
    variable_answer_uepoch: '0',
    variable_end_uepoch: '1765000009000000',
    ...extra,
  },
});

class FakeSource implements HangupSource {
  private readonly listeners = new Set<(e: ChannelEvent) => void>();
  on(_event: 'hangup', listener: (e: ChannelEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(e: ChannelEvent): void {
    for (const l of this.listeners) l(e);
  }
}

describe('journalEntryFromHangup', () => {
  it('keeps our calls only, with the switch times and the SIP code the outcome is classified on', () => {
    const entry = journalEntryFromHangup(hangup('a-1'), 'w1', new Date());
    expect(entry).toMatchObject({
      callUuid: 'a-1',
      attemptId: 'a-1',
      hangupCause: 'NO_USER_RESPONSE',
      sipCode: 480,
      answered: false,
      startedAt: new Date(1765000000000),
      answeredAt: null,
      endedAt: new Date(1765000009000),
      recordedBy: 'w1',
    });
    const { variable_ori_attempt_id: _ours, ...foreign } = hangup('x').headers;
    expect(
      journalEntryFromHangup({ name: 'CHANNEL_HANGUP_COMPLETE', headers: foreign }, 'w1', new Date()),
    ).toBeNull();
    expect(journalEntryFromHangup({ ...hangup('a-2'), name: 'CHANNEL_HANGUP' }, 'w1', new Date())).toBeNull();
  });
});

describe('CallJournal', () => {
  it('records each call once (first writer wins), and the record classifies as the live events would', async () => {
    const a = new FakeSource();
    const b = new FakeSource();
    const first = new CallJournal({ db: test.db, source: a, workerId: 'worker-a' });
    const second = new CallJournal({ db: test.db, source: b, workerId: 'worker-b' });
    first.start();
    second.start();
    a.emit(hangup('call-1'));
    await first.flush();
    // The same hangup seen by a second worker: no error, no second row, the first record stays.
    b.emit(hangup('call-1', { 'Hangup-Cause': 'USER_BUSY', variable_sip_term_status: '486' }));
    await second.flush();
    const recorded = await findCallEnd(test.db, 'call-1');
    expect(recorded).toMatchObject({ recordedBy: 'worker-a', sipCode: 480, hangupCause: 'NO_USER_RESPONSE' });
    const tracker = CallTracker.fromRecordedHangup(recorded!.headers, recorded!.endedAt);
    expect(classifyCall(tracker.facts())).toBe('no_answer');
    expect(tracker.ringSeconds(new Date(0))).toBe(9);
    await first.stop();
    await second.stop();
  });

  it('keeps what it could not write and writes it once Postgres answers again', async () => {
    const source = new FakeSource();
    let failing = true;
    const errors: unknown[] = [];
    const flaky = new Proxy(test.db, {
      get(target, prop, receiver) {
        if (prop === 'insertInto' && failing) {
          return () => {
            throw new Error('connection terminated');
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        // Kysely keeps its state in private fields: its methods must run on the real instance.
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const journal = new CallJournal({ db: flaky, source, workerId: 'w', onError: (e) => errors.push(e) });
    journal.start();
    source.emit(hangup('call-2'));
    await journal.flush();
    expect(errors.length).toBeGreaterThan(0);
    expect(await findCallEnd(test.db, 'call-2')).toBeNull();
    failing = false;
    const deadline = Date.now() + 5_000;
    while (!(await findCallEnd(test.db, 'call-2'))) {
      if (Date.now() > deadline) throw new Error('never written');
      await new Promise((r) => setTimeout(r, 50));
    }
    await journal.stop();
  });
});
