import { describe, expect, it } from 'vitest';
import { OriginatePacer } from './originate-pacer';

/** A fake clock whose sleeps advance it; `lag` makes each sleep overshoot, as a busy event loop does. */
function fakeTime(lag: (i: number) => number = () => 0) {
  let now = 0;
  let sleeps = 0;
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      now += ms + lag(sleeps++);
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('OriginatePacer', () => {
  it('grants a turn no earlier than the reserved moment', async () => {
    const t = fakeTime();
    const pacer = new OriginatePacer(t.clock, t.sleep);
    (await pacer.turn('c1', 500, 200))(t.clock());
    expect(t.clock()).toBe(500);
  });

  it('spaces writes of one carrier by the spacing from the previous actual write, however late it was', async () => {
    // Every sleep overshoots by 300 ms (a stalled worker): reserved moments 0, 200, 400, 600 ms.
    const t = fakeTime(() => 300);
    const pacer = new OriginatePacer(t.clock, t.sleep);
    const writes: number[] = [];
    await Promise.all(
      [0, 200, 400, 600].map((at) =>
        pacer.turn('c1', at, 200).then((end) => {
          writes.push(t.clock());
          end(t.clock());
        }),
      ),
    );
    expect(writes).toHaveLength(4);
    for (let i = 1; i < writes.length; i++) expect(writes[i]! - writes[i - 1]!).toBeGreaterThanOrEqual(200);
  });

  it('keeps carriers apart and does not space an uncapped one', async () => {
    const t = fakeTime();
    const pacer = new OriginatePacer(t.clock, t.sleep);
    (await pacer.turn('c1', 0, 1000))(t.clock());
    (await pacer.turn('c2', 0, 1000))(t.clock());
    expect(t.clock()).toBe(0);
    (await pacer.turn(null, 0, null))(t.clock());
    (await pacer.turn('c3', 0, null))(t.clock());
    (await pacer.turn('c3', 0, null))(t.clock());
    expect(t.clock()).toBe(0);
    (await pacer.turn('c1', 0, 1000))(t.clock());
    expect(t.clock()).toBe(1000);
  });

  it('holds the next turn until the write: a slow step between a turn and its write does not bunch writes', async () => {
    const t = fakeTime();
    const pacer = new OriginatePacer(t.clock, t.sleep);
    const writes: number[] = [];
    const first = pacer.turn('c1', 0, 200).then(async (end) => {
      // The commit before the write took 350 ms (a loaded database).
      await t.sleep(350);
      writes.push(t.clock());
      end(t.clock());
    });
    const second = pacer.turn('c1', 200, 200).then((end) => {
      writes.push(t.clock());
      end(t.clock());
    });
    await Promise.all([first, second]);
    expect(writes).toEqual([350, 550]);
  });

  it('spaces from the last actual write only: a turn ended without a write leaves the spacing as it was', async () => {
    const t = fakeTime();
    const pacer = new OriginatePacer(t.clock, t.sleep);
    (await pacer.turn('c1', 0, 200))(t.clock());
    // Withdrawn before its write (a stop committed meanwhile): no write to space from.
    (await pacer.turn('c1', 0, 200))(null);
    expect(t.clock()).toBe(200);
    (await pacer.turn('c1', 0, 200))(t.clock());
    expect(t.clock()).toBe(200);
  });
});
