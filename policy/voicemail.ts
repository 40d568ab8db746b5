import type { VoicemailSetting } from './campaign-config';

/**
 * What the switch is told when answering-machine detection reports a machine. `hangup`: nothing to play,
 * the caller hangs the call up. `message`: the recording (a path or URL) or the text (spoken by the switch's
 * TTS through `say:`) is broadcast to the answered leg, then a queued `hangup::` ends the call once the
 * message has played — so the dialler never guesses how long the message takes.
 */
export type VoicemailPlan = { kind: 'hang_up' } | { kind: 'leave_message'; commands: [string, string] };

/** A recording rather than words to speak: an absolute path, a URL or a switch file prefix, or a sound file. */
export function isRecording(message: string): boolean {
  return (
    message.startsWith('/') ||
    /^(https?|http_cache|shout|file_string|local_stream|tone_stream|silence_stream|phrase):/i.test(message) ||
    /\.(wav|mp3|ogg|opus|flac|gsm|ulaw|alaw|pcmu|pcma)$/i.test(message)
  );
}

/** One argument of a switch api command: single-quoted (switch_separate_string), quotes and backslashes escaped. */
export function switchArgument(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

export function voicemailPlan(uuid: string, setting: VoicemailSetting): VoicemailPlan {
  const message = setting.action === 'message' ? (setting.message ?? '').trim() : '';
  if (message === '') return { kind: 'hang_up' };
  const path = isRecording(message) ? message : `say:${message.replace(/[\r\n]+/g, ' ')}`;
  return {
    kind: 'leave_message',
    commands: [
      `uuid_broadcast ${uuid} ${switchArgument(path)} aleg`,
      `uuid_broadcast ${uuid} hangup::NORMAL_CLEARING aleg`,
    ],
  };
}
