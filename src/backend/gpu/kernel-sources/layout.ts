// gpu.js kernel bodies of the data-movement family: a strided gather (permute, slice, copy),
// the zero-padded gather (padSlice, the adjoint of slice) and the concat paste. Coordinates
// over a padded rank-6 output (d5 fastest); strides s0..s5 and offset `off` are constants.
import type { Flat, KernelThis } from './kernel-this.js';

export function gatherStrided(this: KernelThis, x: Flat): number {
  let rest = this.thread.x;
  let q = Math.floor((rest + 0.5) / this.constants.d5);
  const c5 = rest - q * this.constants.d5;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.d4);
  const c4 = rest - q * this.constants.d4;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.d3);
  const c3 = rest - q * this.constants.d3;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.d2);
  const c2 = rest - q * this.constants.d2;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.d1);
  const c1 = rest - q * this.constants.d1;
  const c0 = q;
  return x[this.constants.off + c0 * this.constants.s0 + c1 * this.constants.s1 + c2 * this.constants.s2 + c3 * this.constants.s3 + c4 * this.constants.s4 + c5 * this.constants.s5];
}

/** Zero output with `x` written in the box [lo, lo + size) of each dim (lo0..lo5, hi0..hi5). */
export function padGather(this: KernelThis, x: Flat): number {
  let rest = this.thread.x;
  let q = Math.floor((rest + 0.5) / this.constants.d5);
  const c5 = rest - q * this.constants.d5;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.d4);
  const c4 = rest - q * this.constants.d4;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.d3);
  const c3 = rest - q * this.constants.d3;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.d2);
  const c2 = rest - q * this.constants.d2;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.d1);
  const c1 = rest - q * this.constants.d1;
  const c0 = q;
  if (c0 < this.constants.lo0 || c0 >= this.constants.hi0) return 0;
  if (c1 < this.constants.lo1 || c1 >= this.constants.hi1) return 0;
  if (c2 < this.constants.lo2 || c2 >= this.constants.hi2) return 0;
  if (c3 < this.constants.lo3 || c3 >= this.constants.hi3) return 0;
  if (c4 < this.constants.lo4 || c4 >= this.constants.hi4) return 0;
  if (c5 < this.constants.lo5 || c5 >= this.constants.hi5) return 0;
  return x[(c0 - this.constants.lo0) * this.constants.s0 + (c1 - this.constants.lo1) * this.constants.s1 + (c2 - this.constants.lo2) * this.constants.s2 +
    (c3 - this.constants.lo3) * this.constants.s3 + (c4 - this.constants.lo4) * this.constants.s4 + (c5 - this.constants.lo5) * this.constants.s5];
}

/**
 * One step of concat seen as [outer, rowLen]: columns [at[0], at[0] + chunk) of each row come
 * from `x` (`[outer, chunk]`), the rest from `prev`. `at` is an argument so equal-sized inputs
 * (stacking T steps) share one compiled kernel.
 */
export function concatPaste(this: KernelThis, prev: Flat, x: Flat, at: Flat): number {
  const i = this.thread.x;
  const row = Math.floor((i + 0.5) / this.constants.rowLen);
  const j = i - row * this.constants.rowLen - at[0];
  if (j >= 0 && j < this.constants.chunk) return x[row * this.constants.chunk + j];
  return prev[i];
}

/** The first concat step: like concatPaste with a zero `prev`. */
export function concatFirst(this: KernelThis, x: Flat, at: Flat): number {
  const i = this.thread.x;
  const row = Math.floor((i + 0.5) / this.constants.rowLen);
  const j = i - row * this.constants.rowLen - at[0];
  if (j >= 0 && j < this.constants.chunk) return x[row * this.constants.chunk + j];
  return 0;
}

/** Upload on GL: copies a host array into a texture. */
export function copyFlat(this: KernelThis, x: Flat): number {
  return x[this.thread.x];
}

/** fill on GL: every cell is `v[0]` (an argument, so one kernel per size serves all values). */
export function fillValue(this: KernelThis, v: Flat): number {
  return v[0];
}
