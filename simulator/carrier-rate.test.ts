import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedSwitch } from './simulated-switch';

/**
 * The simulator's `cps_limit` counts as a carrier does: dials by their arrival time over a sliding second,
 * not by when the simulator got round to them — so a busy machine that reads several commands late, in
 * one go, does not turn well-spaced dials into a burst.
 */
const dial = (n: number): string =>
  `{origination_uuid=u${n},origination_caller_id_number=14155550000,originate_timeout=30}sofia/gateway/gw/9198000000${n} &park()`;

let sw: SimulatedSwitch | null = null;
afterEach(async () => {
  await sw?.close();
  sw = null;
});

describe('cps_limit by arrival time', () => {
  it('dials that arrived 1/cps apart all pass, however late they are handled', async () => {
    sw = new SimulatedSwitch({ scenario: { time_scale: 0.01, cps_limit: 2, default: { 'no_answer:1': 1 } } });
    const t = Date.now() - 2_000;
    // Handled together, now, but they arrived 500 ms apart: two per sliding second at most.
    await Promise.all(
      [0, 500, 1000, 1500].map((ms, i) => sw!.executeApi('originate', dial(i), null, t + ms)),
    );
    const calls = sw.calls();
    expect(calls.map((c) => c.outcome)).toEqual(['no_answer', 'no_answer', 'no_answer', 'no_answer']);
    expect(calls.map((c) => Date.parse(c.received_at) - t)).toEqual([0, 500, 1000, 1500]);
  });

  it('a third arrival inside one sliding second gets SIP 429', async () => {
    sw = new SimulatedSwitch({ scenario: { time_scale: 0.01, cps_limit: 2, default: { 'no_answer:1': 1 } } });
    const t = Date.now() - 2_000;
    for (const [i, ms] of [0, 400, 999, 1001].entries()) {
      await sw.executeApi('originate', dial(i), null, t + ms);
    }
    // 0, 400 pass; 999 is the third in (−1 s, 999]; 1001 is the second in (1, 1001] (0 has left).
    expect(sw.calls().map((c) => c.outcome)).toEqual(['no_answer', 'no_answer', 'sip:429', 'no_answer']);
  });
});
