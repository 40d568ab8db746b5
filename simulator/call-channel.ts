/**
 * One simulated outbound leg, from CHANNEL_CREATE to CHANNEL_HANGUP_COMPLETE, following its plan on real
 * timers (scenario seconds × time_scale). It fills channel events as switch_channel_event_set_data does and
 * sets the hangup and timing variables as switch_channel_perform_hangup / switch_channel_set_timestamps do.
 *
 * Timing variables (duration, billsec, progresssec, ...) are in scenario seconds, so `answer:40` reports
 * billsec 40 whatever the time_scale; Event-Date-* headers stay on the wall clock.
 */
import { hangupCauseNumber, sipReasonPhrase } from './sip-causes';
import type { CallFailure, CallPlan } from './dial-plan';
import type { ParsedOriginate } from './dial-string';
import type { SwitchEvent } from './esl-wire';
import type { KnownEventName, SwitchIdentity } from './switch-events';

export interface ChannelHooks {
  fire(event: SwitchEvent): void;
  /** The leg answered: an originate waiting on it gets `+OK <uuid>`. */
  answered(channel: CallChannel): void;
  /** The leg failed before answer: an originate waiting on it gets `-ERR <cause>`. */
  failed(channel: CallChannel, cause: string): void;
  /** After CHANNEL_HANGUP_COMPLETE. */
  ended(channel: CallChannel): void;
  /** `drop`: close the ESL connection that placed this call. */
  dropOwnerConnection(channel: CallChannel): void;
}

/** A broadcast's length: a beat before it starts, then the time to say each character. */
const PLAYBACK_BASE_S = 1;
const PLAYBACK_S_PER_CHAR = 0.06;

type ChannelState = 'CS_INIT' | 'CS_CONSUME_MEDIA' | 'CS_EXECUTE' | 'CS_REPORTING';
type CallState = 'DOWN' | 'RINGING' | 'ACTIVE' | 'HANGUP';

const STATE_NUMBER: Record<ChannelState, number> = {
  CS_INIT: 1,
  CS_CONSUME_MEDIA: 7,
  CS_EXECUTE: 4,
  CS_REPORTING: 11,
};

export class CallChannel {
  readonly vars = new Map<string, string>();
  readonly channelName: string;
  private channelState: ChannelState = 'CS_INIT';
  private callState: CallState = 'DOWN';
  private hangupCause: string | undefined;
  /** Offsets from creation, in scenario seconds. */
  private progressAtS: number | undefined;
  private answeredAtS: number | undefined;
  private hungUpAtS: number | undefined;
  private readonly createdMicros: number;
  private readonly createdMs = Date.now();
  private readonly timers = new Set<NodeJS.Timeout>();
  private endedByKill = false;
  /** Wall-clock end of what `uuid_broadcast` queued to play. */
  private playingUntilMs = 0;
  /** A `hangup::<cause>` broadcast waiting for the playback to finish. */
  private hangupAfterPlayback: string | null = null;

  constructor(
    readonly uuid: string,
    readonly dial: ParsedOriginate,
    readonly plan: Exclude<CallPlan, { type: 'no_channel' }>,
    private readonly timeScale: number,
    sessionId: number,
    private readonly identity: SwitchIdentity,
    private readonly hooks: ChannelHooks,
  ) {
    this.createdMicros = this.createdMs * 1000;
    this.channelName = `sofia/external/${dial.number}`;
    for (const [name, value] of dial.variables) this.vars.set(name, value);
    this.vars.set('direction', 'outbound');
    this.vars.set('is_outbound', 'true');
    this.vars.set('uuid', uuid);
    this.vars.set('session_id', String(sessionId));
    this.vars.set('sip_gateway_name', dial.gateway);
    this.vars.set('sip_profile_name', 'external');
    this.vars.set('channel_name', this.channelName);
    this.vars.set('sip_destination_url', `sip:${dial.number}@${dial.gateway}`);
  }

  get isAnswered(): boolean {
    return this.answeredAtS !== undefined;
  }

  get isHungUp(): boolean {
    return this.hungUpAtS !== undefined;
  }

  get wasKilled(): boolean {
    return this.endedByKill;
  }

  /** The attempt id the bot reports against: ori_attempt_id, else the X-Attempt-Id header, else the uuid. */
  get attemptId(): string {
    return this.vars.get('ori_attempt_id') ?? this.vars.get('sip_h_X-Attempt-Id') ?? this.uuid;
  }

  get callerIdNumber(): string {
    return this.dial.callerIdNumber ?? '0000000000';
  }

  /** Fires CHANNEL_CREATE (and CHANNEL_PROGRESS when it rings) and schedules the rest of the plan. */
  start(): void {
    this.emit('CHANNEL_CREATE');
    const plan = this.plan;
    if (plan.ringS > 0) {
      this.channelState = 'CS_CONSUME_MEDIA';
      this.callState = 'RINGING';
      this.progressAtS = 0;
      this.emit('CHANNEL_PROGRESS');
    }
    if (plan.type === 'fails') {
      this.after(plan.ringS, () => this.fail(plan.failure, plan.ringS));
      return;
    }
    this.after(plan.ringS, () => this.answer(plan.ringS));
  }

  /** `uuid_kill` / `hupall`: hang up now with `cause`, whatever the plan said. */
  kill(cause: string): void {
    if (this.isHungUp) return;
    this.endedByKill = true;
    this.clearTimers();
    const nowS = this.elapsedS();
    if (this.isAnswered) {
      this.setVar('sip_hangup_disposition', 'send_bye');
      this.setVar('sip_term_status', '200');
      this.hangup(cause, nowS);
      return;
    }
    this.fail({ hangupCause: cause, sipInviteFailureStatus: 487, sipHangupDisposition: 'send_cancel' }, nowS);
  }

  /**
   * `uuid_broadcast <uuid> <path> aleg`: play `path` (a recording, or `say:<text>` spoken by TTS) to the
   * answered leg, or with `hangup::<cause>` hang up once what is playing has finished. Playback takes
   * about as long as reading the text aloud (scenario seconds). Answers false when there is no answered
   * leg to play to.
   */
  broadcast(path: string): boolean {
    if (this.isHungUp || !this.isAnswered) return false;
    const hangup = /^hangup::(\w*)$/i.exec(path);
    if (hangup) {
      const cause = hangup[1]?.toUpperCase() || 'NORMAL_CLEARING';
      if (this.playingUntilMs > Date.now()) this.hangupAfterPlayback = cause;
      else this.kill(cause);
      return true;
    }
    const playS = PLAYBACK_BASE_S + path.length * PLAYBACK_S_PER_CHAR;
    const startsAtMs = Math.max(Date.now(), this.playingUntilMs);
    this.playingUntilMs = startsAtMs + playS * 1000 * this.timeScale;
    this.afterPlayback();
    return true;
  }

  /**
   * Once what is playing has finished, the queued hangup (if any) ends the call. A timer may fire a little
   * before the wall clock says the playback ends (Node's timers run on the event loop's cached clock, stale
   * by as long as a busy turn of the loop): it then waits for the rest instead of forgetting the hangup,
   * which left a machine recording until its own hangup on a loaded machine.
   */
  private afterPlayback(): void {
    const leftMs = this.playingUntilMs - Date.now();
    if (leftMs > 0) {
      this.after(leftMs / 1000 / this.timeScale, () => this.afterPlayback());
      return;
    }
    const cause = this.hangupAfterPlayback;
    if (cause) this.kill(cause);
  }

  /** Stops timers without firing anything (simulator shutdown). */
  dispose(): void {
    this.clearTimers();
  }

  private answer(atS: number): void {
    if (this.plan.type !== 'answers') return;
    const answered = this.plan.answered;
    this.answeredAtS = atS;
    this.progressAtS ??= atS;
    this.channelState = 'CS_CONSUME_MEDIA';
    this.callState = 'ACTIVE';
    if (answered.amdResult) {
      // Answering-machine detection's verdict travels on the answer (as from AMD run on early media), so
      // the dialler can act on it while the machine records: hang up, or leave the voicemail message.
      this.setVar('amd_result', answered.amdResult);
      this.setVar('amd_cause', 'LONGGREETING');
    }
    this.emit('CHANNEL_ANSWER');
    // &park() (or the bridge to the bot) runs once the originate returns.
    this.channelState = 'CS_EXECUTE';
    this.hooks.answered(this);

    if (answered.dropConnectionAfterS !== undefined) {
      this.after(answered.dropConnectionAfterS, () => this.hooks.dropOwnerConnection(this));
    }
    if (answered.talkS === null) return;
    const talkS = answered.talkS;
    this.after(talkS, () => {
      const endS = atS + talkS;
      if (answered.bridgeHangupCause) {
        // The bot platform refused the call: our side hangs up after the failed hand-off.
        this.setVar('bridge_hangup_cause', answered.bridgeHangupCause);
        this.setVar('sip_hangup_disposition', 'send_bye');
      } else {
        this.setVar('sip_hangup_disposition', 'recv_bye');
      }
      this.setVar('sip_term_status', '200');
      this.setVar('sip_term_cause', '16');
      this.setVar('proto_specific_hangup_cause', 'sip:200');
      this.hangup('NORMAL_CLEARING', endS);
    });
  }

  private fail(failure: CallFailure, atS: number): void {
    if (failure.sipTermStatus !== undefined) {
      this.setVar('sip_term_status', String(failure.sipTermStatus));
      this.setVar('sip_term_cause', String(hangupCauseNumber(failure.hangupCause)));
      this.setVar('proto_specific_hangup_cause', `sip:${failure.sipTermStatus}`);
    }
    if (failure.sipInviteFailureStatus !== undefined) {
      this.setVar('sip_invite_failure_status', String(failure.sipInviteFailureStatus));
      const phrase = sipReasonPhrase(failure.sipInviteFailureStatus);
      if (phrase) this.setVar('sip_invite_failure_phrase', phrase);
    }
    if (failure.sipHangupDisposition) this.setVar('sip_hangup_disposition', failure.sipHangupDisposition);
    this.hangup(failure.hangupCause, atS, () => this.hooks.failed(this, failure.hangupCause));
  }

  private hangup(cause: string, atS: number, afterHangupEvent?: () => void): void {
    this.clearTimers();
    this.hungUpAtS = atS;
    this.hangupCause = cause;
    this.callState = 'HANGUP';
    this.setVar('hangup_cause', cause);
    this.setVar('hangup_cause_q850', String(hangupCauseNumber(cause)));
    this.emit('CHANNEL_HANGUP');
    afterHangupEvent?.();
    this.channelState = 'CS_REPORTING';
    this.setTimestamps();
    this.emit('CHANNEL_HANGUP_COMPLETE');
    this.hooks.ended(this);
  }

  /** switch_channel_set_timestamps(): epochs and the second / millisecond differences between them. */
  private setTimestamps(): void {
    const created = this.createdMicros;
    const at = (offsetS: number | undefined) =>
      offsetS === undefined ? 0 : created + Math.round(offsetS * 1e6);
    const answered = at(this.answeredAtS);
    const progress = at(this.progressAtS);
    const hungUp = at(this.hungUpAtS);
    const sec = (us: number) => Math.floor(us / 1e6);
    const msec = (us: number) => Math.floor(us / 1e3);

    this.setVar('start_epoch', String(sec(created)));
    this.setVar('start_uepoch', String(created));
    this.setVar('answer_epoch', String(sec(answered)));
    this.setVar('answer_uepoch', String(answered));
    this.setVar('progress_epoch', String(sec(progress)));
    this.setVar('progress_uepoch', String(progress));
    this.setVar('end_epoch', String(sec(hungUp)));
    this.setVar('end_uepoch', String(hungUp));
    this.setVar('duration', String(sec(hungUp) - sec(created)));
    this.setVar('mduration', String(msec(hungUp) - msec(created)));
    const billsec = answered ? sec(hungUp) - sec(answered) : 0;
    const billmsec = answered ? msec(hungUp) - msec(answered) : 0;
    this.setVar('billsec', String(billsec));
    this.setVar('billmsec', String(billmsec));
    this.setVar('progresssec', String(progress ? sec(progress) - sec(created) : 0));
    this.setVar('progressmsec', String(progress ? msec(progress) - msec(created) : 0));
    this.setVar('answersec', String(answered ? sec(answered) - sec(created) : 0));
    this.setVar('answermsec', String(answered ? msec(answered) - msec(created) : 0));
    this.setVar('waitsec', '0');
    this.setVar('waitmsec', '0');
    this.setVar('progress_mediasec', '0');
    this.setVar('progress_mediamsec', '0');
    this.setVar('flow_billsec', String(answered ? sec(hungUp) - sec(created) : 0));
    this.setVar('caller_id', this.callerIdNumber);
  }

  private setVar(name: string, value: string): void {
    this.vars.set(name, value);
  }

  /** Scenario seconds since creation, from the wall clock (for kills, which no plan foresaw). */
  private elapsedS(): number {
    return (Date.now() - this.createdMs) / 1000 / this.timeScale;
  }

  private after(scenarioSeconds: number, action: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        action();
      },
      Math.max(0, scenarioSeconds * 1000 * this.timeScale),
    );
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private answerState(): string {
    if (this.isHungUp) return 'hangup';
    if (this.isAnswered) return 'answered';
    return 'ringing';
  }

  private emit(name: KnownEventName): void {
    const event = this.identity.createEvent(name);
    const h = event.headers;
    const micros = (offsetS: number | undefined) =>
      String(offsetS === undefined ? 0 : this.createdMicros + Math.round(offsetS * 1e6));
    h.push(['Channel-State', this.channelState]);
    h.push(['Channel-Call-State', this.callState]);
    h.push(['Channel-State-Number', String(STATE_NUMBER[this.channelState])]);
    h.push(['Channel-Name', this.channelName]);
    h.push(['Unique-ID', this.uuid]);
    h.push(['Call-Direction', 'outbound']);
    h.push(['Presence-Call-Direction', 'outbound']);
    h.push(['Channel-HIT-Dialplan', 'false']);
    h.push(['Channel-Call-UUID', this.uuid]);
    h.push(['Answer-State', this.answerState()]);
    if (this.hangupCause) h.push(['Hangup-Cause', this.hangupCause]);
    if (this.isAnswered) {
      for (const side of ['Read', 'Write']) {
        h.push([`Channel-${side}-Codec-Name`, 'PCMU']);
        h.push([`Channel-${side}-Codec-Rate`, '8000']);
        h.push([`Channel-${side}-Codec-Bit-Rate`, '64000']);
      }
    }
    const cidName = this.dial.callerIdName ?? 'FreeSWITCH';
    h.push(['Caller-Direction', 'outbound']);
    h.push(['Caller-Logical-Direction', 'outbound']);
    h.push(['Caller-Caller-ID-Name', cidName]);
    h.push(['Caller-Caller-ID-Number', this.callerIdNumber]);
    h.push(['Caller-Orig-Caller-ID-Name', cidName]);
    h.push(['Caller-Orig-Caller-ID-Number', this.callerIdNumber]);
    h.push(['Caller-Callee-ID-Name', 'Outbound Call']);
    h.push(['Caller-Callee-ID-Number', this.dial.number]);
    h.push(['Caller-Destination-Number', this.dial.number]);
    h.push(['Caller-Unique-ID', this.uuid]);
    h.push(['Caller-Source', 'src/switch_ivr_originate.c']);
    h.push(['Caller-Context', 'default']);
    h.push(['Caller-Channel-Name', this.channelName]);
    h.push(['Caller-Profile-Index', '1']);
    h.push(['Caller-Profile-Created-Time', String(this.createdMicros)]);
    h.push(['Caller-Channel-Created-Time', String(this.createdMicros)]);
    h.push(['Caller-Channel-Answered-Time', micros(this.answeredAtS)]);
    h.push(['Caller-Channel-Progress-Time', micros(this.progressAtS)]);
    h.push(['Caller-Channel-Progress-Media-Time', '0']);
    h.push(['Caller-Channel-Hangup-Time', micros(this.hungUpAtS)]);
    h.push(['Caller-Channel-Transfer-Time', '0']);
    h.push(['Caller-Channel-Resurrect-Time', '0']);
    h.push(['Caller-Channel-Bridged-Time', '0']);
    h.push(['Caller-Channel-Last-Hold', '0']);
    h.push(['Caller-Channel-Hold-Accum', '0']);
    h.push(['Caller-Screen-Bit', 'true']);
    h.push(['Caller-Privacy-Hide-Name', 'false']);
    h.push(['Caller-Privacy-Hide-Number', 'false']);
    for (const [name, value] of this.vars) h.push([`variable_${name}`, value]);
    this.hooks.fire(event);
  }
}
