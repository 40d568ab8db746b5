import { setTimeout as delay } from 'node:timers/promises';

/**
 * This worker's originates of one carrier, spaced at the moment they are written: a turn is granted no
 * earlier than the claim's reserved moment and at least `spacingMs` after this worker's previous write of
 * the same carrier, however late that one was (a busy event loop, a slow claim). The caller writes at once,
 * synchronously, when its turn resolves. Across workers the reserved moments (attempts.repository
 * `claimAttempt`) keep the spacing; here it survives the jitter behind them.
 */
export class OriginatePacer {
  private readonly lastWrite = new Map<string, number>();
  private readonly tail = new Map<string, Promise<void>>();

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<unknown> = (ms) => delay(ms),
  ) {}

  turn(carrierId: string | null, notBefore: number, spacingMs: number | null): Promise<void> {
    if (carrierId === null || spacingMs === null) return this.until(notBefore);
    const previous = this.tail.get(carrierId) ?? Promise.resolve();
    const mine = previous.then(async () => {
      await this.until(Math.max(notBefore, (this.lastWrite.get(carrierId) ?? -Infinity) + spacingMs));
      this.lastWrite.set(carrierId, this.clock());
    });
    const settled = mine.catch(() => undefined);
    this.tail.set(carrierId, settled);
    void settled.then(() => {
      if (this.tail.get(carrierId) === settled) this.tail.delete(carrierId);
    });
    return mine;
  }

  private async until(at: number): Promise<void> {
    for (let wait = at - this.clock(); wait > 0; wait = at - this.clock()) await this.sleep(wait);
  }
}
