import type { Db } from '../db/connection';
import { recordCallEnds, type CallJournalEntry } from '../db/repositories/call-journal.repository';
import { CallTracker, type ChannelEvent } from './call-tracker';

/** The channel variable our originates carry (activities/dial.activity.ts): it marks a call as ours. */
export const OUR_CALL_VARIABLE = 'variable_ori_attempt_id';

/** Where hangups come from: the switch client's `hangup` (every CHANNEL_HANGUP_COMPLETE it receives). */
export interface HangupSource {
  on(event: 'hangup', listener: (event: ChannelEvent) => void): () => void;
}

/** A journal entry for a CHANNEL_HANGUP_COMPLETE of ours; null for anyone else's call. */
export function journalEntryFromHangup(
  event: ChannelEvent,
  recordedBy: string,
  receivedAt: Date,
): CallJournalEntry | null {
  if (event.name !== 'CHANNEL_HANGUP_COMPLETE') return null;
  const h = event.headers;
  const callUuid = h['Unique-ID'];
  const attemptId = h[OUR_CALL_VARIABLE];
  if (!callUuid || !attemptId) return null;
  const tracker = CallTracker.fromRecordedHangup(h, receivedAt);
  return {
    callUuid,
    attemptId,
    coreUuid: h['Core-UUID'] ?? null,
    hangupCause: tracker.hangupCause(),
    sipCode: tracker.sipCode(),
    answered: tracker.answered,
    startedAt: tracker.createdAt,
    answeredAt: tracker.answeredAt,
    endedAt: tracker.hangupAt ?? receivedAt,
    headers: { ...h },
    recordedBy,
  };
}

const MAX_QUEUED = 50_000;
const BATCH = 200;

/**
 * Every worker records the end of every call of ours its ESL connection sees, whoever placed it, so the
 * outcome of a call survives the worker that dialled it. Writes are batched and retried until Postgres
 * takes them (a restart of the database is weather); the first record of a call wins.
 */
export class CallJournal {
  private readonly queue: CallJournalEntry[] = [];
  private flushing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs = 250;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly options: {
      db: Db;
      source: HangupSource;
      workerId: string;
      now?: () => Date;
      onError?: (error: unknown) => void;
    },
  ) {}

  start(): void {
    const now = this.options.now ?? (() => new Date());
    this.unsubscribe = this.options.source.on('hangup', (event) => {
      const entry = journalEntryFromHangup(event, this.options.workerId, now());
      if (!entry) return;
      if (this.queue.length >= MAX_QUEUED) this.queue.shift();
      this.queue.push(entry);
      void this.flush();
    });
  }

  /** Stops listening and writes what is queued (one last try). */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.flushing;
    if (this.queue.length > 0) await this.flush();
  }

  /** Resolves once everything queued so far is written (or failed this round). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, BATCH);
        try {
          await recordCallEnds(this.options.db, batch);
          this.queue.splice(0, batch.length);
          this.retryDelayMs = 250;
        } catch (error) {
          this.options.onError?.(error);
          if (!this.stopped && !this.retryTimer) {
            this.retryTimer = setTimeout(() => {
              this.retryTimer = null;
              void this.flush();
            }, this.retryDelayMs);
            this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5_000);
          }
          return;
        }
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }
}
