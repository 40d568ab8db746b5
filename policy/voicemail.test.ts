import { describe, expect, it } from 'vitest';
import { isRecording, switchArgument, voicemailPlan } from './voicemail';
import { splitSwitchArguments } from '../simulator/simulated-switch';

const UUID = '0b6a3c1e-1111-4222-8333-444455556666';

describe('voicemailPlan', () => {
  it('hangs up for the hangup action, and for a message action without a message', () => {
    expect(voicemailPlan(UUID, { action: 'hangup' })).toEqual({ kind: 'hang_up' });
    expect(voicemailPlan(UUID, { action: 'hangup', message: 'ignored' })).toEqual({ kind: 'hang_up' });
    expect(voicemailPlan(UUID, { action: 'message', message: '  ' })).toEqual({ kind: 'hang_up' });
    expect(voicemailPlan(UUID, { action: 'message' })).toEqual({ kind: 'hang_up' });
  });

  it('speaks text with say: and then queues the hangup on the answered leg', () => {
    expect(voicemailPlan(UUID, { action: 'message', message: 'Hi, this is Ori. Call us back.' })).toEqual({
      kind: 'leave_message',
      commands: [
        `uuid_broadcast ${UUID} 'say:Hi, this is Ori. Call us back.' aleg`,
        `uuid_broadcast ${UUID} hangup::NORMAL_CLEARING aleg`,
      ],
    });
  });

  it('plays a recording as it is', () => {
    for (const path of [
      '/var/sounds/vm.wav',
      'https://cdn.example.com/vm.mp3',
      'local_stream://moh',
      'vm.ogg',
    ]) {
      expect(voicemailPlan(UUID, { action: 'message', message: path })).toMatchObject({
        commands: [`uuid_broadcast ${UUID} '${path}' aleg`, expect.any(String)],
      });
    }
  });

  it('keeps quotes and backslashes in the text as one argument', () => {
    const message = "We'll call back \\ o'clock";
    const plan = voicemailPlan(UUID, { action: 'message', message });
    if (plan.kind !== 'leave_message') throw new Error('expected a message');
    const argv = splitSwitchArguments(plan.commands[0].slice('uuid_broadcast '.length));
    expect(argv).toEqual([UUID, `say:${message}`, 'aleg']);
  });
});

describe('isRecording / switchArgument', () => {
  it.each([
    ['/a/b.wav', true],
    ['http://x/y', true],
    ['phrase:voicemail', true],
    ['Hello there', false],
    ['Call 1800 now.', false],
  ])('%j → %s', (m, expected) => {
    expect(isRecording(m)).toBe(expected);
  });
  it('quotes', () => {
    expect(switchArgument("a'b\\c")).toBe("'a\\'b\\\\c'");
  });
});
