// Seeded input generators of the conformance table and the kernel tests, so every failure
// reproduces. Public API only (createRng); no test framework, no Node import (bundled into the
// browser page with the table).
import { createRng } from '../../src/index.js';

/** Number of elements of `shape`. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** `n` values uniform in [lo, hi) from a seeded generator. */
export function uniform(n: number, lo: number, hi: number, seed: number | string): Float32Array {
  const rng = createRng(`uniform:${seed}`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

/** `n` values uniform in [-1, 1) from an integer seed (mulberry32: fast enough for the big kernel cases). */
export function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * `n` distinct values, pairwise at least `gap` apart, in random order: inputs for max/min and
 * max pooling, whose gradient is only defined away from ties. Perturbing one element by less
 * than gap/2 never changes which element wins.
 */
export function distinct(n: number, seed: number | string, gap = 0.1): Float32Array {
  const rng = createRng(`distinct:${seed}`);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return Float32Array.from(order, (k) => (k - n / 2) * gap);
}

/** Uniform values in ±[margin, hi): for ops with a kink at 0 (relu, abs) and divisors. */
export function awayFromZero(n: number, margin: number, hi: number, seed: number | string): Float32Array {
  const rng = createRng(`away:${seed}`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng() < 0.5 ? -1 : 1) * (margin + (hi - margin) * rng());
  return out;
}

/** Dot product in float64, for the adjoint identities of the conv kernels. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
