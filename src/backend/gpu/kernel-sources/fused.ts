// gpu.js kernel bodies of the fused row family: softmax/logSoftmax (a row-statistics pass
// then an apply pass), the LSTM cell forward and backward (gate order i, f, g, o, one kernel
// per output tensor, each a single pass over the pre-activations), and the Adam/SGD updates.
// Hyper-parameters that change between steps travel in a small array argument `h`, not in
// constants, so a new learning rate or step count never recompiles a kernel.
import type { Flat, KernelThis } from './kernel-this.js';

/** log(sum(exp(x))) of each row of [outer, n, inner], max-shifted. */
export function softmaxStats(this: KernelThis, x: Flat): number {
  const o = this.thread.x;
  const po = Math.floor((o + 0.5) / this.constants.inner);
  const pi = o - po * this.constants.inner;
  const base = po * this.constants.n * this.constants.inner + pi;
  let m = x[base];
  for (let r = 1; r < this.constants.n; r++) {
    const v = x[base + r * this.constants.inner];
    if (v > m) m = v;
  }
  let s = 0;
  for (let r = 0; r < this.constants.n; r++) s += Math.exp(x[base + r * this.constants.inner] - m);
  return m + Math.log(s);
}

export function softmaxApply(this: KernelThis, x: Flat, lse: Flat): number {
  const o = this.thread.x;
  const po = Math.floor((o + 0.5) / this.constants.rowSize);
  const within = o - po * this.constants.rowSize;
  const pi = within - Math.floor((within + 0.5) / this.constants.inner) * this.constants.inner;
  const v = x[o] - lse[po * this.constants.inner + pi];
  if (this.constants.log === 1) return v;
  return Math.exp(v);
}

/** Saved activations [B, 5H]: i, f, g, o, tanh(c_new). */
export function lstmActs(this: KernelThis, gates: Flat, cPrev: Flat): number {
  const H = this.constants.H;
  const o = this.thread.x;
  const b = Math.floor((o + 0.5) / (this.constants.H5));
  const k = o - b * this.constants.H5;
  const gate = Math.floor((k + 0.5) / H);
  const j = k - gate * H;
  const g0 = b * this.constants.H4;
  if (gate === 4) {
    const zi = gates[g0 + j];
    const zf = gates[g0 + H + j];
    const zg = gates[g0 + 2 * H + j];
    const ei = Math.exp(-Math.abs(zi));
    const si = zi >= 0 ? 1 / (1 + ei) : ei / (1 + ei);
    const ef = Math.exp(-Math.abs(zf));
    const sf = zf >= 0 ? 1 / (1 + ef) : ef / (1 + ef);
    const eg = Math.exp(-2 * Math.abs(zg));
    const tg0 = (1 - eg) / (1 + eg);
    const tg = zg < 0 ? -tg0 : tg0;
    const c = sf * cPrev[b * H + j] + si * tg;
    const ec = Math.exp(-2 * Math.abs(c));
    const tc = (1 - ec) / (1 + ec);
    return c < 0 ? -tc : tc;
  }
  const z = gates[g0 + k];
  if (gate === 2) {
    const e2 = Math.exp(-2 * Math.abs(z));
    const t = (1 - e2) / (1 + e2);
    return z < 0 ? -t : t;
  }
  const e = Math.exp(-Math.abs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** New cell state [B, H] (constants.which 0) or new hidden state (which 1); masked rows keep the previous state. */
export function lstmState(this: KernelThis, gates: Flat, cPrev: Flat, hPrev: Flat, mask: Flat): number {
  const H = this.constants.H;
  const o = this.thread.x;
  const b = Math.floor((o + 0.5) / H);
  const j = o - b * H;
  if (this.constants.hasMask === 1 && mask[b] === 0) {
    if (this.constants.which === 0) return cPrev[o];
    return hPrev[o];
  }
  const g0 = b * this.constants.H4;
  const zi = gates[g0 + j];
  const zf = gates[g0 + H + j];
  const zg = gates[g0 + 2 * H + j];
  const ei = Math.exp(-Math.abs(zi));
  const si = zi >= 0 ? 1 / (1 + ei) : ei / (1 + ei);
  const ef = Math.exp(-Math.abs(zf));
  const sf = zf >= 0 ? 1 / (1 + ef) : ef / (1 + ef);
  const eg = Math.exp(-2 * Math.abs(zg));
  const tg0 = (1 - eg) / (1 + eg);
  const tg = zg < 0 ? -tg0 : tg0;
  const c = sf * cPrev[o] + si * tg;
  if (this.constants.which === 0) return c;
  const zo = gates[g0 + 3 * H + j];
  const eo = Math.exp(-Math.abs(zo));
  const so = zo >= 0 ? 1 / (1 + eo) : eo / (1 + eo);
  const ec = Math.exp(-2 * Math.abs(c));
  const tc0 = (1 - ec) / (1 + ec);
  const tc = c < 0 ? -tc0 : tc0;
  return so * tc;
}

/** dL/dgates [B, 4H] from dh, dc and the saved activations; zero on masked rows. */
export function lstmGradGates(this: KernelThis, dh: Flat, dc: Flat, acts: Flat, cPrev: Flat, mask: Flat): number {
  const H = this.constants.H;
  const o = this.thread.x;
  const b = Math.floor((o + 0.5) / this.constants.H4);
  const k = o - b * this.constants.H4;
  const gate = Math.floor((k + 0.5) / H);
  const j = k - gate * H;
  if (this.constants.hasMask === 1 && mask[b] === 0) return 0;
  const a0 = b * this.constants.H5;
  const i = acts[a0 + j];
  const f = acts[a0 + H + j];
  const g = acts[a0 + 2 * H + j];
  const og = acts[a0 + 3 * H + j];
  const tc = acts[a0 + 4 * H + j];
  const dhv = dh[b * H + j];
  const dct = dc[b * H + j] + dhv * og * (1 - tc * tc);
  if (gate === 0) return dct * g * i * (1 - i);
  if (gate === 1) return dct * cPrev[b * H + j] * f * (1 - f);
  if (gate === 2) return dct * i * (1 - g * g);
  return dhv * tc * og * (1 - og);
}

/** dL/dcPrev [B, H] (constants.which 0) or the pass-through dL/dhPrev of masked rows (which 1). */
export function lstmGradState(this: KernelThis, dh: Flat, dc: Flat, acts: Flat, mask: Flat): number {
  const H = this.constants.H;
  const o = this.thread.x;
  const b = Math.floor((o + 0.5) / H);
  const j = o - b * H;
  const skipped = this.constants.hasMask === 1 && mask[b] === 0;
  if (this.constants.which === 1) {
    if (skipped) return dh[o];
    return 0;
  }
  if (skipped) return dc[o];
  const a0 = b * this.constants.H5;
  const f = acts[a0 + H + j];
  const og = acts[a0 + 3 * H + j];
  const tc = acts[a0 + 4 * H + j];
  return (dc[o] + dh[o] * og * (1 - tc * tc)) * f;
}

/** Adam moments. which 0: m' = b1 m + (1 - b1) g; which 1: v' = b2 v + (1 - b2) g^2. h = [b1, b2, eps, wd, stepSize, sqrtBc2]. */
export function adamMoment(this: KernelThis, p: Flat, g: Flat, m: Flat, h: Flat): number {
  const i = this.thread.x;
  const wd = h[3];
  let grad = g[i];
  if (wd !== 0) grad = g[i] + wd * p[i];
  if (this.constants.which === 0) return h[0] * m[i] + (1 - h[0]) * grad;
  return h[1] * m[i] + (1 - h[1]) * grad * grad;
}

/** AMSGrad's running maximum of v. */
export function adamMax(this: KernelThis, v: Flat, vMax: Flat): number {
  const i = this.thread.x;
  return v[i] > vMax[i] ? v[i] : vMax[i];
}

/** p' = p - stepSize m' / (sqrt(v') / sqrtBc2 + eps). */
export function adamParam(this: KernelThis, p: Flat, m: Flat, v: Flat, h: Flat): number {
  const i = this.thread.x;
  return p[i] - (h[4] * m[i]) / (Math.sqrt(v[i]) / h[5] + h[2]);
}

/** SGD momentum buffer. h = [lr, momentum, dampening, wd, nesterov, firstStep]. */
export function sgdBuffer(this: KernelThis, p: Flat, g: Flat, buf: Flat, h: Flat): number {
  const i = this.thread.x;
  let d = g[i];
  if (h[3] !== 0) d = g[i] + h[3] * p[i];
  if (h[5] === 1) return d;
  return h[1] * buf[i] + (1 - h[2]) * d;
}

/** SGD parameter step; `buf` is the updated momentum buffer (read only when constants.hasBuf is 1). */
export function sgdParam(this: KernelThis, p: Flat, g: Flat, buf: Flat, h: Flat): number {
  const i = this.thread.x;
  let d = g[i];
  if (h[3] !== 0) d = g[i] + h[3] * p[i];
  if (this.constants.hasBuf === 1) {
    if (h[4] === 1) d = d + h[1] * buf[i];
    else d = buf[i];
  }
  return p[i] - h[0] * d;
}
