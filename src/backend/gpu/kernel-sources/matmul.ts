// gpu.js kernel body of the batched matrix product. Transposition is folded into baked
// strides (aI, aK, bK, bJ), so one source serves all four layouts; the K loop is unrolled by
// four into four partial sums (less rounding and a shorter dependency chain).
import type { Flat, KernelThis } from './kernel-this.js';

export function matmulBlocked(this: KernelThis, a: Flat, b: Flat): number {
  const o = this.thread.x;
  const bi = Math.floor((o + 0.5) / this.constants.MN);
  const ij = o - bi * this.constants.MN;
  const i = Math.floor((ij + 0.5) / this.constants.N);
  const j = ij - i * this.constants.N;
  const aBase = bi * this.constants.aBatch + i * this.constants.aI;
  const bBase = bi * this.constants.bBatch + j * this.constants.bJ;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k4 = 0; k4 < this.constants.K4; k4++) {
    const k = k4 * 4;
    s0 += a[aBase + k * this.constants.aK] * b[bBase + k * this.constants.bK];
    s1 += a[aBase + (k + 1) * this.constants.aK] * b[bBase + (k + 1) * this.constants.bK];
    s2 += a[aBase + (k + 2) * this.constants.aK] * b[bBase + (k + 2) * this.constants.bK];
    s3 += a[aBase + (k + 3) * this.constants.aK] * b[bBase + (k + 3) * this.constants.bK];
  }
  for (let t = 0; t < this.constants.Krem; t++) {
    const k = this.constants.K4 * 4 + t;
    s0 += a[aBase + k * this.constants.aK] * b[bBase + k * this.constants.bK];
  }
  return s0 + s1 + (s2 + s3);
}
