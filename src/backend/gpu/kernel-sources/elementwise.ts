// gpu.js kernel bodies of the elementwise family: unary maps, binary maps (same shape, or
// strided with broadcasting over a padded rank-6 output), and `where`. The op is a baked
// constant (`this.constants.op`, codes in ../launchers/elementwise.ts), so the shader compiler
// keeps one branch. Rules (gpu.js): plain functions, `this.constants.*` loop bounds, no `**`,
// no closures; index maths as floats with the +0.5 guard against reciprocal division.
import type { Flat, KernelThis } from './kernel-this.js';

export function unaryMap(this: KernelThis, x: Flat): number {
  const v = x[this.thread.x];
  const op = this.constants.op;
  let r = 0;
  if (op === 0) r = -v;
  else if (op === 1) r = Math.exp(v);
  else if (op === 2) r = Math.log(v);
  else if (op === 3) r = Math.sqrt(v);
  else if (op === 4) r = 1 / Math.sqrt(v);
  else if (op === 5) r = Math.abs(v);
  else if (op === 6) r = v > 0 ? 1 : v < 0 ? -1 : 0;
  else if (op === 7) r = v > 0 ? v : 0;
  else if (op === 8) {
    // Stable logistic: never exponentiate a large positive number.
    const e = Math.exp(-Math.abs(v));
    r = v >= 0 ? 1 / (1 + e) : e / (1 + e);
  } else if (op === 9) {
    // tanh from exp(-2|x|): gpu.js's GLSL tanh is (e^2x - 1)/(e^2x + 1), NaN past |x| ~ 44.
    const e = Math.exp(-2 * Math.abs(v));
    const t = (1 - e) / (1 + e);
    r = v < 0 ? -t : t;
  } else if (op === 10) r = v * v;
  else if (op === 11) r = 1 / v;
  else if (op === 12) r = Math.sin(v);
  else if (op === 13) r = Math.cos(v);
  else if (op === 14) r = Math.floor(v);
  else if (op === 15) r = Math.ceil(v);
  else if (op === 16) r = Math.floor(v + 0.5);
  else if (op === 17) r = Math.abs(v) <= 3.4028234e38 ? 1 : 0;
  return r;
}

export function binarySame(this: KernelThis, a: Flat, b: Flat): number {
  const x = a[this.thread.x];
  const y = b[this.thread.x];
  const op = this.constants.op;
  let r = 0;
  if (op === 0) r = x + y;
  else if (op === 1) r = x - y;
  else if (op === 2) r = x * y;
  else if (op === 3) r = x / y;
  else if (op === 4) {
    // GLSL pow is undefined for a negative base: use |x| and restore the sign for odd integer exponents.
    if (y === 0) r = 1;
    else if (x >= 0) r = Math.pow(x, y);
    else if (Math.floor(y) === y) {
      const m = Math.pow(-x, y);
      const half = y * 0.5;
      r = Math.floor(half) === half ? m : -m;
    } else r = Math.sqrt(-1 - x * x);
  } else if (op === 5) r = x >= y ? x : y;
  else if (op === 6) r = x <= y ? x : y;
  else if (op === 7) r = x === y ? 1 : 0;
  else if (op === 8) r = x !== y ? 1 : 0;
  else if (op === 9) r = x > y ? 1 : 0;
  else if (op === 10) r = x >= y ? 1 : 0;
  else if (op === 11) r = x < y ? 1 : 0;
  else if (op === 12) r = x <= y ? 1 : 0;
  else if (op === 13) r = y > 0 ? x : 0;
  else if (op === 14) r = x * y * (1 - y);
  else if (op === 15) r = x * (1 - y * y);
  return r;
}

export function binaryStrided(this: KernelThis, a: Flat, b: Flat): number {
  // Output coordinates over the padded rank-6 shape d0..d5 (d5 fastest).
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
  const x = a[c0 * this.constants.a0 + c1 * this.constants.a1 + c2 * this.constants.a2 + c3 * this.constants.a3 + c4 * this.constants.a4 + c5 * this.constants.a5];
  const y = b[c0 * this.constants.b0 + c1 * this.constants.b1 + c2 * this.constants.b2 + c3 * this.constants.b3 + c4 * this.constants.b4 + c5 * this.constants.b5];
  const op = this.constants.op;
  let r = 0;
  if (op === 0) r = x + y;
  else if (op === 1) r = x - y;
  else if (op === 2) r = x * y;
  else if (op === 3) r = x / y;
  else if (op === 4) {
    if (y === 0) r = 1;
    else if (x >= 0) r = Math.pow(x, y);
    else if (Math.floor(y) === y) {
      const m = Math.pow(-x, y);
      const half = y * 0.5;
      r = Math.floor(half) === half ? m : -m;
    } else r = Math.sqrt(-1 - x * x);
  } else if (op === 5) r = x >= y ? x : y;
  else if (op === 6) r = x <= y ? x : y;
  else if (op === 7) r = x === y ? 1 : 0;
  else if (op === 8) r = x !== y ? 1 : 0;
  else if (op === 9) r = x > y ? 1 : 0;
  else if (op === 10) r = x >= y ? 1 : 0;
  else if (op === 11) r = x < y ? 1 : 0;
  else if (op === 12) r = x <= y ? 1 : 0;
  else if (op === 13) r = y > 0 ? x : 0;
  else if (op === 14) r = x * y * (1 - y);
  else if (op === 15) r = x * (1 - y * y);
  return r;
}

export function whereStrided(this: KernelThis, cond: Flat, a: Flat, b: Flat): number {
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
  const c = cond[c0 * this.constants.k0 + c1 * this.constants.k1 + c2 * this.constants.k2 + c3 * this.constants.k3 + c4 * this.constants.k4 + c5 * this.constants.k5];
  if (c !== 0) {
    return a[c0 * this.constants.a0 + c1 * this.constants.a1 + c2 * this.constants.a2 + c3 * this.constants.a3 + c4 * this.constants.a4 + c5 * this.constants.a5];
  }
  return b[c0 * this.constants.b0 + c1 * this.constants.b1 + c2 * this.constants.b2 + c3 * this.constants.b3 + c4 * this.constants.b4 + c5 * this.constants.b5];
}
