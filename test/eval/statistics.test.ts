// The comparison statistics on cases with a known answer: t quantiles and intervals against
// textbook values, the exact sign test against binomial sums, and the paired cluster bootstrap's
// limiting cases (identical methods, one always right) and its seeded determinism.
import { describe, expect, it } from 'vitest';
import { meanInterval, pairedBootstrap, signTest, tQuantile975 } from '../../src/eval/statistics.js';

describe('meanInterval', () => {
  it('matches the textbook t-interval', () => {
    const m = meanInterval([1, 2, 3]); // mean 2, sd 1, t(2) = 4.303: 2 ± 4.303/√3
    expect(m.mean).toBe(2);
    expect(m.sd).toBeCloseTo(1, 12);
    expect(m.high - m.mean).toBeCloseTo(4.303 / Math.sqrt(3), 9);
    expect(m.mean - m.low).toBeCloseTo(m.high - m.mean, 12);
    expect(meanInterval([5])).toEqual({ mean: 5, sd: 0, n: 1, low: 5, high: 5 });
    expect(() => meanInterval([])).toThrow(/no values/);
    expect(() => meanInterval([1, NaN])).toThrow(/values must be finite, got NaN/);
  });

  it('t quantiles: table values, and the expansion approaches 1.96', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(9)).toBe(2.262);
    expect(tQuantile975(60)).toBeCloseTo(2.0003, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.9799, 3);
    expect(() => tQuantile975(0)).toThrow(/df must be a positive integer, got 0/);
  });
});

describe('signTest', () => {
  it('is the exact two-sided binomial test, ties dropped', () => {
    expect(signTest([1, 1, 1, 1, 1]).p).toBeCloseTo(2 / 32, 12);
    expect(signTest([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]).p).toBeCloseTo(2 / 1024, 12);
    // 8 wins, 2 losses of 10: 2 * (1 + 10 + 45) / 1024.
    const t = signTest([1, 1, 1, 1, 1, 1, 1, 1, -1, -1, 0]);
    expect(t).toMatchObject({ wins: 8, losses: 2, ties: 1 });
    expect(t.p).toBeCloseTo((2 * 56) / 1024, 12);
    expect(signTest([1, -1]).p).toBe(1);
    expect(signTest([0, 0]).p).toBe(1);
  });
});

describe('pairedBootstrap', () => {
  const units = (n: number, a: (i: number) => number, b: (i: number) => number) =>
    Array.from({ length: n }, (_, i) => ({ cluster: `s${i % 10}`, a: a(i), b: b(i) }));

  it('identical methods: difference 0, p = 1', () => {
    const r = pairedBootstrap(
      units(
        50,
        (i) => i % 2,
        (i) => i % 2,
      ),
      { resamples: 500 },
    );
    expect(r).toMatchObject({ difference: 0, low: 0, high: 0, p: 1, clusters: 10 });
  });

  it('one method always right, the other always wrong: difference 1 and the smallest p the resamples allow', () => {
    const r = pairedBootstrap(
      units(
        50,
        () => 1,
        () => 0,
      ),
      { resamples: 999 },
    );
    expect(r.difference).toBe(1);
    expect(r.low).toBe(1);
    expect(r.p).toBeCloseTo(2 / 1000, 12);
  });

  it('a mixed case: observed difference exact, interval around it, seeded', () => {
    // Subjects 0-5 favour a on every video, 6-9 favour b: difference (6 - 4) / 10 = 0.2.
    const u = units(
      100,
      (i) => (i % 10 < 6 ? 1 : 0),
      (i) => (i % 10 < 6 ? 0 : 1),
    );
    const r = pairedBootstrap(u, { resamples: 2000, seed: 1 });
    expect(r.difference).toBeCloseTo(0.2, 12);
    expect(r.low).toBeLessThan(0.2);
    expect(r.high).toBeGreaterThan(0.2);
    expect(r.p).toBeGreaterThan(0.05); // 10 subjects, 6 against 4: far from significant
    expect(pairedBootstrap(u, { resamples: 2000, seed: 1 })).toEqual(r);
    expect(() => pairedBootstrap([])).toThrow(/no units/);
  });
});
