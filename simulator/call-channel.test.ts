import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallChannel } from './call-channel';
import { parseOriginate } from './dial-string';
import type { SwitchEvent } from './esl-wire';
import { SwitchIdentity } from './switch-events';

afterEach(() => {
  vi.useRealTimers();
});

/** A machine that answers at once and would record for 300 s, on a switch at time_scale 1. */
function machineCall(events: SwitchEvent[]): CallChannel {
  const parsed = parseOriginate('sofia/gateway/gw/15551000011 &park()');
  if (!parsed.ok) throw new Error(parsed.reply);
  return new CallChannel(
    'b0b5e6a2-3f8c-4a44-9a53-0c1b8c7e5f11',
    parsed.value,
    {
      type: 'answers',
      outcome: 'machine',
      ringS: 0,
      answered: { talkS: 300, amdResult: 'MACHINE', postsResult: false },
    },
    1,
    1,
    new SwitchIdentity(),
    {
      fire: (event) => events.push(event),
      answered: () => undefined,
      failed: () => undefined,
      ended: () => undefined,
      dropOwnerConnection: () => undefined,
    },
  );
}

describe('a queued hangup behind a voicemail broadcast', () => {
  it('ends the call when the playback ends, even when its timer fires before the wall clock gets there', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const events: SwitchEvent[] = [];
    const call = machineCall(events);
    call.start();
    vi.advanceTimersByTime(0);
    expect(call.isAnswered).toBe(true);

    expect(call.broadcast('say:Please call us back')).toBe(true);
    expect(call.broadcast('hangup::NORMAL_CLEARING')).toBe(true);
    // The event loop's clock ran 50 ms behind the wall clock when the playback's timer was armed: it
    // fires while the wall clock still says the message is playing.
    vi.setSystemTime(Date.now() - 50);
    // The message takes 1 s + 0.06 s a character of its path (23): 2.38 s.
    vi.advanceTimersByTime(2_400);
    expect(call.isHungUp).toBe(false);
    vi.advanceTimersByTime(100);
    expect(call.isHungUp).toBe(true);
    expect(call.wasKilled).toBe(true);
    expect(events.at(-1)?.name).toBe('CHANNEL_HANGUP_COMPLETE');
  });
});
