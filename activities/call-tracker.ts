import type { CallFacts } from '../policy/outcome';

/** One event of a channel as the switch client delivers it. */
export interface ChannelEvent {
  name: string;
  headers: Record<string, string>;
  body?: string;
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * Follows one call's events (CHANNEL_CREATE … CHANNEL_HANGUP_COMPLETE, and the BACKGROUND_JOB of its
 * originate) and turns them into the facts the outcome policy classifies and the attempt report needs.
 * Times are taken from our own clock as events arrive; the switch's timing variables win when present.
 */
export class CallTracker {
  createdAt: Date | null = null;
  ringingAt: Date | null = null;
  answeredAt: Date | null = null;
  hangup: Record<string, string> | null = null;
  hangupAt: Date | null = null;
  jobResult: string | null = null;
  coreUuid: string | null = null;
  /** Answering-machine detection's verdict as soon as any event carries it (MACHINE / HUMAN / NOTSURE). */
  amdResult: string | null = null;
  private readonly changeListeners = new Set<() => void>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /**
   * A tracker for a call known only by its recorded CHANNEL_HANGUP_COMPLETE (the call journal): its times
   * come from the switch's own timing variables (µs epochs; 0 when the moment never came), else `fallback`.
   */
  static fromRecordedHangup(headers: Record<string, string>, fallback: Date): CallTracker {
    const at = (name: string): Date | null => {
      const us = num(headers[`variable_${name}_uepoch`]);
      return us && us > 0 ? new Date(Math.floor(us / 1000)) : null;
    };
    const eventUs = num(headers['Event-Date-Timestamp']);
    const endedAt = at('end') ?? (eventUs && eventUs > 0 ? new Date(Math.floor(eventUs / 1000)) : fallback);
    const tracker = new CallTracker(() => endedAt);
    tracker.createdAt = at('start');
    tracker.ringingAt = at('progress') ?? at('progress_media');
    tracker.answeredAt = at('answer');
    tracker.accept({ name: 'CHANNEL_HANGUP_COMPLETE', headers });
    return tracker;
  }

  /** Takes over what a recorded hangup says (the journal), keeping what this tracker saw itself first. */
  adoptRecorded(recorded: CallTracker): void {
    if (this.hangup) return;
    this.createdAt ??= recorded.createdAt;
    this.ringingAt ??= recorded.ringingAt;
    this.answeredAt ??= recorded.answeredAt;
    this.hangupAt = recorded.hangupAt;
    this.coreUuid = recorded.coreUuid ?? this.coreUuid;
    this.hangup = recorded.hangup;
    for (const l of this.changeListeners) l();
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  accept(event: ChannelEvent): void {
    const at = this.clock();
    this.coreUuid = event.headers['Core-UUID'] ?? this.coreUuid;
    this.amdResult = event.headers['variable_amd_result'] ?? this.amdResult;
    switch (event.name) {
      case 'CHANNEL_CREATE':
        this.createdAt ??= at;
        break;
      case 'CHANNEL_PROGRESS':
      case 'CHANNEL_PROGRESS_MEDIA':
        this.createdAt ??= at;
        this.ringingAt ??= at;
        break;
      case 'CHANNEL_ANSWER':
        this.createdAt ??= at;
        this.answeredAt ??= at;
        break;
      case 'CHANNEL_HANGUP':
        this.hangupAt ??= at;
        break;
      case 'CHANNEL_HANGUP_COMPLETE':
        this.hangupAt ??= at;
        this.hangup = event.headers;
        break;
      case 'BACKGROUND_JOB':
        this.jobResult = (event.body ?? '').trim();
        break;
      default:
        return;
    }
    for (const l of this.changeListeners) l();
  }

  get ended(): boolean {
    return this.hangup !== null;
  }

  /** The originate failed before any channel existed (`-ERR` and no channel event): nothing rang. */
  get failedWithoutChannel(): boolean {
    return this.jobResult !== null && this.jobResult.startsWith('-ERR') && this.createdAt === null;
  }

  /** Answered by a machine, as detection said while the call is up (the voicemail action acts on it). */
  get machineDetected(): boolean {
    return this.answeredAt !== null && (this.amdResult ?? '').toUpperCase() === 'MACHINE';
  }

  get answered(): boolean {
    if (this.answeredAt) return true;
    const h = this.hangup;
    if (!h) return false;
    return (num(h['variable_answer_epoch']) ?? 0) > 0 || (num(h['variable_billsec']) ?? 0) > 0;
  }

  facts(extra: Partial<CallFacts> = {}): CallFacts {
    const h = this.hangup ?? {};
    return {
      answered: this.answered,
      sipTermStatus: num(h['variable_sip_term_status']),
      sipInviteFailureStatus: num(h['variable_sip_invite_failure_status']),
      hangupCause: h['Hangup-Cause'] ?? h['variable_hangup_cause'] ?? null,
      amdResult: h['variable_amd_result'] ?? null,
      bridgeHangupCause: h['variable_bridge_hangup_cause'] ?? null,
      originateFailed: this.failedWithoutChannel,
      ...extra,
    };
  }

  /** The SIP code recorded on the attempt: the final one, else the INVITE failure's. */
  sipCode(): number | null {
    const h = this.hangup ?? {};
    const code = num(h['variable_sip_term_status']) ?? num(h['variable_sip_invite_failure_status']);
    // A 200 is the answered call's final response, not a failure code worth showing.
    return code === 200 ? null : code;
  }

  hangupCause(): string | null {
    if (this.hangup) return this.hangup['Hangup-Cause'] ?? this.hangup['variable_hangup_cause'] ?? null;
    if (this.jobResult?.startsWith('-ERR')) return this.jobResult.slice(4).trim() || null;
    return null;
  }

  /** Seconds from the call's creation to answer (or to hangup when unanswered). */
  ringSeconds(startedAt: Date): number | null {
    const from = this.createdAt ?? startedAt;
    const to = this.answeredAt ?? this.hangupAt;
    if (!to) return null;
    return Math.max(0, (to.getTime() - from.getTime()) / 1000);
  }

  /** Seconds connected: the switch's billsec when present, else our own answer → hangup. */
  talkSeconds(): number | null {
    if (!this.answered) return null;
    const billmsec = num(this.hangup?.['variable_billmsec']);
    if (billmsec !== null) return billmsec / 1000;
    const billsec = num(this.hangup?.['variable_billsec']);
    if (billsec !== null) return billsec;
    if (this.answeredAt && this.hangupAt)
      return Math.max(0, (this.hangupAt.getTime() - this.answeredAt.getTime()) / 1000);
    return null;
  }
}
