// Statistics for comparing methods over folds and seeds: mean with a Student-t 95 % confidence
// interval, the exact two-sided sign test, and a paired bootstrap over clusters (test subjects) of
// per-video correctness. Pure numbers in, numbers out; no tensors, no Node.
import { createRng } from '../tensor/random.js';

/** A mean with its 95 % confidence interval. */
export interface MeanInterval {
  mean: number;
  /** Sample standard deviation (n - 1); 0 for one value. */
  sd: number;
  n: number;
  /** Lower and upper end of the 95 % interval (equal to the mean when n is 1). */
  low: number;
  high: number;
}

// Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom (table to 30, then a Cornish-Fisher expansion). */
export function tQuantile975(df: number): number {
  if (!(Number.isInteger(df) && df >= 1)) throw new Error(`tQuantile975: df must be a positive integer, got ${df}`);
  if (df <= 30) return T975[df - 1];
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/**
 * Mean and 95 % t-interval of `values` (mean ± t(n-1) · sd / √n).
 * @example
 * meanInterval([1, 2, 3]); // { mean: 2, sd: 1, n: 3, low: -0.484, high: 4.484 }
 */
export function meanInterval(values: readonly number[]): MeanInterval {
  const n = values.length;
  if (n === 0) throw new Error('meanInterval: no values');
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`meanInterval: values must be finite, got ${v}`);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, sd: 0, n, low: mean, high: mean };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { mean, sd, n, low: mean - half, high: mean + half };
}

/** The result of {@link signTest}. */
export interface SignTest {
  /** Pairs where the first value is larger. */
  wins: number;
  losses: number;
  ties: number;
  /** Exact two-sided p-value over the non-tied pairs (1 when all are ties). */
  p: number;
}

/**
 * The exact two-sided sign test of paired differences (ties dropped):
 * p = min(1, 2 · P(Binomial(n, 1/2) ≤ min(wins, losses))).
 * @example
 * signTest([0.1, 0.2, 0.05, 0.3, 0.1]).p; // 0.0625 (5 wins of 5)
 */
export function signTest(differences: readonly number[]): SignTest {
  let wins = 0;
  let losses = 0;
  let ties = 0;
  for (const d of differences) {
    if (!Number.isFinite(d)) throw new Error(`signTest: differences must be finite, got ${d}`);
    if (d > 0) wins++;
    else if (d < 0) losses++;
    else ties++;
  }
  const n = wins + losses;
  const k = Math.min(wins, losses);
  let tail = 0;
  let c = 1; // C(n, i), kept as a float: fine for the few hundred pairs a comparison has.
  for (let i = 0; i <= k; i++) {
    tail += c;
    c = (c * (n - i)) / (i + 1);
  }
  return { wins, losses, ties, p: n === 0 ? 1 : Math.min(1, (2 * tail) / 2 ** n) };
}

/** One test video of a paired comparison: its cluster (subject) and each method's score on it (1 correct, 0 wrong; a mean over seeds in between). */
export interface PairedUnit {
  cluster: string;
  a: number;
  b: number;
}

/** The result of {@link pairedBootstrap}. */
export interface PairedBootstrap {
  /** Observed mean of a minus mean of b. */
  difference: number;
  /** 95 % percentile interval of the difference. */
  low: number;
  high: number;
  /** Two-sided p-value of "no difference": twice the smaller share of resamples on either side of 0, with the +1 correction, at most 1. */
  p: number;
  resamples: number;
  clusters: number;
}

/**
 * A paired bootstrap over clusters: resamples whole clusters (test subjects, whose videos are not
 * independent) with replacement and recomputes the difference of the two methods' mean scores.
 * Seeded, so the same inputs give the same p-value.
 * @example
 * pairedBootstrap(units, { resamples: 10000, seed: 1 }).p;
 */
export function pairedBootstrap(
  units: readonly PairedUnit[],
  options: { resamples?: number; seed?: number | string } = {},
): PairedBootstrap {
  const resamples = options.resamples ?? 10000;
  if (!(Number.isInteger(resamples) && resamples >= 1))
    throw new Error(`pairedBootstrap: resamples must be a positive integer, got ${resamples}`);
  if (units.length === 0) throw new Error('pairedBootstrap: no units');
  const byCluster = new Map<string, { n: number; d: number }>();
  for (const u of units) {
    if (!Number.isFinite(u.a) || !Number.isFinite(u.b))
      throw new Error(`pairedBootstrap: scores must be finite, got a=${u.a} b=${u.b} in cluster '${u.cluster}'`);
    const c = byCluster.get(u.cluster) ?? { n: 0, d: 0 };
    c.n++;
    c.d += u.a - u.b;
    byCluster.set(u.cluster, c);
  }
  const clusters = [...byCluster.keys()].sort().map((k) => byCluster.get(k)!);
  const observed = clusters.reduce((a, c) => a + c.d, 0) / units.length;
  const rng = createRng(`bootstrap/${options.seed ?? 0}`);
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let n = 0;
    let d = 0;
    for (let i = 0; i < clusters.length; i++) {
      const c = clusters[Math.floor(rng() * clusters.length)];
      n += c.n;
      d += c.d;
    }
    diffs[r] = d / n;
  }
  diffs.sort();
  let below = 0;
  let above = 0;
  for (const d of diffs) {
    if (d <= 0) below++;
    if (d >= 0) above++;
  }
  const at = (q: number) => diffs[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))];
  const p = Math.min(1, (2 * (Math.min(below, above) + 1)) / (resamples + 1));
  return { difference: observed, low: at(0.025), high: at(0.975), p, resamples, clusters: clusters.length };
}
