import { describe, expect, it } from 'vitest';
import { createSeededRandom, drawBetween, drawWeighted } from './weighted-draw';

describe('createSeededRandom', () => {
  it('repeats for the same seed and differs between seeds', () => {
    const a = createSeededRandom(7);
    const b = createSeededRandom(7);
    const c = createSeededRandom(8);
    const seqA = Array.from({ length: 20 }, () => a());
    const seqB = Array.from({ length: 20 }, () => b());
    const seqC = Array.from({ length: 20 }, () => c());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('drawWeighted', () => {
  const items = [
    { name: 'a', weight: 1 },
    { name: 'zero', weight: 0 },
    { name: 'b', weight: 3 },
  ];

  it('splits [0, 1) in proportion to the weights and never picks a zero weight', () => {
    expect(drawWeighted(items, 0).name).toBe('a');
    expect(drawWeighted(items, 0.2499).name).toBe('a');
    expect(drawWeighted(items, 0.25).name).toBe('b');
    expect(drawWeighted(items, 0.9999999).name).toBe('b');
  });

  it('matches the weights over many seeded draws', () => {
    const random = createSeededRandom(1);
    const counts: Record<string, number> = { a: 0, b: 0, zero: 0 };
    for (let i = 0; i < 20_000; i++) counts[drawWeighted(items, random()).name]! += 1;
    expect(counts.zero).toBe(0);
    expect(counts.a! / 20_000).toBeCloseTo(0.25, 1);
  });

  it('refuses a list without a positive weight', () => {
    expect(() => drawWeighted([{ weight: 0 }], 0.5)).toThrow(/no positive weight/);
  });
});

describe('drawBetween', () => {
  it('maps r onto the range, to the millisecond', () => {
    expect(drawBetween([2, 20], 0)).toBe(2);
    expect(drawBetween([2, 20], 0.5)).toBe(11);
    expect(drawBetween([1, 2], 0.12345)).toBe(1.123);
    expect(drawBetween([5, 5], 0.7)).toBe(5);
  });
});
