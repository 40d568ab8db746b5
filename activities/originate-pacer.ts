import { setTimeout as delay } from 'node:timers/promises';

/**
 * Ends a turn: `wroteAt` is the moment the originate was written (the next write of the carrier is spaced
 * from it), or null when nothing was written (withdrawn, fenced out, failed before the write). Idempotent.
 */
export type EndTurn = (wroteAt: number | null) => void;

/**
 * This worker's originates of one carrier, spaced at the moment they are written: a turn is granted no
 * earlier than the claim's reserved moment and at least `spacingMs` after this worker's previous write of
 * the same carrier, however late that one was (a busy event loop, a slow claim). A turn is held until its
 * holder ends it, so whatever runs between the turn and the write (the commit that stamps the write) cannot
 * let the next write catch up with it. Across workers the reserved moments (attempts.repository
 * `claimAttempt`) keep the spacing; here it survives the jitter behind them.
 */
export class OriginatePacer {
  private readonly lastWrite = new Map<string, number>();
  private readonly tail = new Map<string, Promise<void>>();

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<unknown> = (ms) => delay(ms),
  ) {}

  /** Waits for the turn; the caller must end it (in a `finally`), or the carrier's next turns never come. */
  async turn(carrierId: string | null, notBefore: number, spacingMs: number | null): Promise<EndTurn> {
    if (carrierId === null || spacingMs === null) {
      await this.until(notBefore);
      return () => undefined;
    }
    const previous = this.tail.get(carrierId) ?? Promise.resolve();
    let ended: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (ended = resolve));
    const granted = previous.then(() =>
      this.until(Math.max(notBefore, (this.lastWrite.get(carrierId) ?? -Infinity) + spacingMs)),
    );
    // The next turn waits for this one to end, or for its wait to fail (then it was never granted).
    const settled = granted.then(
      () => held,
      () => undefined,
    );
    this.tail.set(carrierId, settled);
    void settled.then(() => {
      if (this.tail.get(carrierId) === settled) this.tail.delete(carrierId);
    });
    await granted;
    let open = true;
    return (wroteAt) => {
      if (!open) return;
      open = false;
      if (wroteAt !== null) this.lastWrite.set(carrierId, wroteAt);
      ended();
    };
  }

  private async until(at: number): Promise<void> {
    for (let wait = at - this.clock(); wait > 0; wait = at - this.clock()) await this.sleep(wait);
  }
}
