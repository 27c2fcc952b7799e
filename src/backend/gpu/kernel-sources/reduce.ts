// gpu.js kernel bodies of reductions. The host reshapes every reduction to [outer, R, inner]
// with the reduced axes in the middle (permuting first when they are not adjacent); each
// thread owns one (outer, inner) cell and loops R (a constant) with stride `inner`.
import type { Flat, KernelThis } from './kernel-this.js';

export function reduceAxis(this: KernelThis, x: Flat): number {
  const o = this.thread.x;
  const po = Math.floor((o + 0.5) / this.constants.inner);
  const pi = o - po * this.constants.inner;
  const base = po * this.constants.R * this.constants.inner + pi;
  const op = this.constants.op;
  let acc = x[base];
  for (let r = 1; r < this.constants.R; r++) {
    const v = x[base + r * this.constants.inner];
    if (op === 0) acc += v;
    else if (op === 1) acc = v > acc ? v : acc;
    else if (op === 2) acc = v < acc ? v : acc;
    else acc *= v;
  }
  return acc;
}

/** Index of the first maximum along the middle axis of [outer, n, inner]. */
export function argMaxAxis(this: KernelThis, x: Flat): number {
  const o = this.thread.x;
  const po = Math.floor((o + 0.5) / this.constants.inner);
  const pi = o - po * this.constants.inner;
  const base = po * this.constants.n * this.constants.inner + pi;
  let best = x[base];
  let at = 0;
  for (let r = 1; r < this.constants.n; r++) {
    const v = x[base + r * this.constants.inner];
    if (v > best) {
      best = v;
      at = r;
    }
  }
  return at;
}
