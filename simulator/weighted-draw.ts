/**
 * Seeded randomness and weighted choice for the scenario's `default` draws. Pure: the generator is a plain
 * function of its seed, so two simulators started with the same SIM_SEED draw the same sequence.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: tiny, fast and good enough for picking outcomes; the point is repeatability, not quality.
 */
export function createSeededRandom(seed: number): Random {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Picks one item by weight with `r` in [0, 1). Weights need not sum to 1; zero weights are never picked.
 * Throws when no weight is positive (a validated scenario never gets here with that).
 */
export function drawWeighted<T extends { weight: number }>(items: readonly T[], r: number): T {
  const total = items.reduce((sum, item) => sum + Math.max(0, item.weight), 0);
  if (!(total > 0)) throw new Error('drawWeighted: no positive weight');
  let threshold = r * total;
  let last: T | undefined;
  for (const item of items) {
    if (item.weight <= 0) continue;
    last = item;
    if (threshold < item.weight) return item;
    threshold -= item.weight;
  }
  // Floating-point leftovers when r is just below 1: the last positive item.
  return last as T;
}

/** A value in [min, max] from `r` in [0, 1), rounded to the millisecond so event timings read cleanly. */
export function drawBetween([min, max]: readonly [number, number], r: number): number {
  return Math.round((min + r * (max - min)) * 1000) / 1000;
}
