// The oracle: one plain, obviously-correct loop per primitive of the backend contract
// (../backend.ts), written from the definitions, not from the fast kernels. The conformance table
// (test/conformance) checks every backend's primitives against these, and they document what each
// primitive computes. Accumulation is float64. Never used on a hot path; not exported by the
// package. Imports only contract and geometry types.
import type { AdamHyper, BinaryOp, ReduceOp, SgdHyper, UnaryOp } from '../backend.js';
import type { Conv3dGeometry, Pool3dGeometry } from '../../tensor/geometry.js';

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Row-major multi-index of flat index `i` in `shape`. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Flat index in `shape` (right-aligned against `outIdx`, size-1 dims broadcast) of an output cell. */
function broadcastIndex(outIdx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  const lead = outIdx.length - shape.length;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + (shape[d] === 1 ? 0 : outIdx[lead + d]);
  return flat;
}

// ---- elementwise ----

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Definition of each unary primitive. */
export const UNARY_REFERENCE: Readonly<Record<UnaryOp, (x: number) => number>> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  sign: (x) => (Number.isNaN(x) ? NaN : Math.sign(x)),
  relu: (x) => Math.max(x, 0),
  sigmoid,
  tanh: Math.tanh,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
  isFinite: (x) => (Number.isFinite(x) ? 1 : 0),
};

/** Definition of each binary primitive (NaN in the first operand wins maximum/minimum). */
export const BINARY_REFERENCE: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (Number.isNaN(a) || a >= b ? a : b),
  minimum: (a, b) => (Number.isNaN(a) || a <= b ? a : b),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  reluGrad: (dy, y) => (y > 0 ? dy : 0),
  sigmoidGrad: (dy, y) => dy * y * (1 - y),
  tanhGrad: (dy, y) => dy * (1 - y * y),
};

export function unaryReference(op: UnaryOp, x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, UNARY_REFERENCE[op]);
}

export function binaryReference(
  op: BinaryOp,
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  outShape: readonly number[],
): Float64Array {
  const f = BINARY_REFERENCE[op];
  const out = new Float64Array(count(outShape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, outShape);
    out[i] = f(a[broadcastIndex(idx, aShape)], b[broadcastIndex(idx, bShape)]);
  }
  return out;
}

export function whereReference(
  cond: ArrayLike<number>,
  condShape: readonly number[],
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  outShape: readonly number[],
): Float64Array {
  const out = new Float64Array(count(outShape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, outShape);
    const pick = cond[broadcastIndex(idx, condShape)] !== 0;
    out[i] = pick ? a[broadcastIndex(idx, aShape)] : b[broadcastIndex(idx, bShape)];
  }
  return out;
}

// ---- reductions and layout ----

/** Output cell of input cell `idx` when `axes` are reduced away. */
function keptIndex(idx: readonly number[], shape: readonly number[], axes: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) flat = flat * shape[d] + idx[d];
  return flat;
}

export function reduceReference(
  op: ReduceOp,
  x: ArrayLike<number>,
  shape: readonly number[],
  axes: readonly number[],
): Float64Array {
  const init = { sum: 0, prod: 1, max: -Infinity, min: Infinity }[op];
  const out = new Float64Array(count(shape.filter((_, d) => !axes.includes(d)))).fill(init);
  for (let i = 0; i < x.length; i++) {
    const o = keptIndex(unravel(i, shape), shape, axes);
    const v = x[i];
    if (op === 'sum') out[o] += v;
    else if (op === 'prod') out[o] *= v;
    else if (Number.isNaN(v) || (op === 'max' ? v > out[o] : v < out[o])) out[o] = v;
  }
  return out;
}

/** First index of the maximum along `axis` (a NaN counts as the maximum). */
export function argMaxReference(x: ArrayLike<number>, shape: readonly number[], axis: number): Float64Array {
  const out = new Float64Array(count(shape) / shape[axis]);
  const best = new Float64Array(out.length).fill(-Infinity);
  const seen = new Uint8Array(out.length);
  for (let i = 0; i < x.length; i++) {
    const idx = unravel(i, shape);
    const o = keptIndex(idx, shape, [axis]);
    const v = x[i];
    if (!seen[o] || (!Number.isNaN(best[o]) && (v > best[o] || Number.isNaN(v)))) {
      best[o] = v;
      out[o] = idx[axis];
      seen[o] = 1;
    }
  }
  return out;
}

export function permuteReference(
  x: ArrayLike<number>,
  shape: readonly number[],
  perm: readonly number[],
): Float64Array {
  const outShape = perm.map((p) => shape[p]);
  const out = new Float64Array(x.length);
  for (let i = 0; i < out.length; i++) {
    const oIdx = unravel(i, outShape);
    const inIdx = new Array<number>(shape.length);
    perm.forEach((p, d) => (inIdx[p] = oIdx[d]));
    out[i] = x[broadcastIndex(inIdx, shape)];
  }
  return out;
}

export function sliceReference(
  x: ArrayLike<number>,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): Float64Array {
  const out = new Float64Array(count(size));
  for (let i = 0; i < out.length; i++)
    out[i] =
      x[
        broadcastIndex(
          unravel(i, size).map((v, d) => v + begin[d]),
          shape,
        )
      ];
  return out;
}

export function padSliceReference(
  x: ArrayLike<number>,
  shape: readonly number[],
  outShape: readonly number[],
  begin: readonly number[],
): Float64Array {
  const out = new Float64Array(count(outShape));
  for (let i = 0; i < x.length; i++) {
    out[
      broadcastIndex(
        unravel(i, shape).map((v, d) => v + begin[d]),
        outShape,
      )
    ] = x[i];
  }
  return out;
}

export function concatReference(
  xs: readonly ArrayLike<number>[],
  shapes: readonly (readonly number[])[],
  axis: number,
): Float64Array {
  const outShape = [...shapes[0]];
  outShape[axis] = shapes.reduce((s, sh) => s + sh[axis], 0);
  const out = new Float64Array(count(outShape));
  let offset = 0;
  xs.forEach((x, k) => {
    for (let i = 0; i < x.length; i++) {
      const idx = unravel(i, shapes[k]);
      idx[axis] += offset;
      out[broadcastIndex(idx, outShape)] = x[i];
    }
    offset += shapes[k][axis];
  });
  return out;
}

// ---- linear algebra ----

/** C[M,N] = op(A) op(B) for one matrix (row-major; A stored [K,M] if transA, B [N,K] if transB). */
export function gemmReference(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  aOff = 0,
  bOff = 0,
): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[aOff + k * M + i] : A[aOff + i * K + k];
        const b = transB ? B[bOff + j * K + k] : B[bOff + k * N + j];
        s += a * b;
      }
      C[i * N + j] = s;
    }
  }
  return C;
}

/** The batched `matmul` primitive: `batch` products, batch strides 0 broadcasting one matrix. */
export function matmulReference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  batch: number,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
  aBatchStride: number,
  bBatchStride: number,
): Float64Array {
  const out = new Float64Array(batch * M * N);
  for (let i = 0; i < batch; i++) {
    out.set(gemmReference(transA, transB, M, N, K, a, b, i * aBatchStride, i * bBatchStride), i * M * N);
  }
  return out;
}

// ---- convolution ----

/** Visits every (output, input, weight) index triple of a conv whose input tap lies inside x. */
function forEachTap(g: Conv3dGeometry, fn: (yIdx: number, xIdx: number, wIdx: number) => void): void {
  const { batch, inChannels: Ci, outChannels: Co, inD, inH, inW, kD, kH, kW, outD, outH, outW } = g;
  let yi = 0;
  for (let n = 0; n < batch; n++)
    for (let co = 0; co < Co; co++)
      for (let od = 0; od < outD; od++)
        for (let oh = 0; oh < outH; oh++)
          for (let ow = 0; ow < outW; ow++, yi++)
            for (let ci = 0; ci < Ci; ci++)
              for (let a = 0; a < kD; a++) {
                const id = od * g.strideD - g.padD + a * g.dilationD;
                if (id < 0 || id >= inD) continue;
                for (let b = 0; b < kH; b++) {
                  const ih = oh * g.strideH - g.padH + b * g.dilationH;
                  if (ih < 0 || ih >= inH) continue;
                  for (let c = 0; c < kW; c++) {
                    const iw = ow * g.strideW - g.padW + c * g.dilationW;
                    if (iw < 0 || iw >= inW) continue;
                    const xIdx = (((n * Ci + ci) * inD + id) * inH + ih) * inW + iw;
                    fn(yi, xIdx, (((co * Ci + ci) * kD + a) * kH + b) * kW + c);
                  }
                }
              }
}

export function conv3dReference(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  g: Conv3dGeometry,
): Float64Array {
  const y = new Float64Array(g.outputSize);
  forEachTap(g, (yi, xi, wi) => (y[yi] += x[xi] * w[wi]));
  if (bias) for (let i = 0; i < y.length; i++) y[i] += bias[Math.floor(i / g.outVolume) % g.outChannels];
  return y;
}

export function conv3dGradInputReference(dy: ArrayLike<number>, w: ArrayLike<number>, g: Conv3dGeometry): Float64Array {
  const dx = new Float64Array(g.inputSize);
  forEachTap(g, (yi, xi, wi) => (dx[xi] += dy[yi] * w[wi]));
  return dx;
}

export function conv3dGradWeightReference(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  g: Conv3dGeometry,
): Float64Array {
  const dw = new Float64Array(g.weightSize);
  forEachTap(g, (yi, xi, wi) => (dw[wi] += dy[yi] * x[xi]));
  return dw;
}

// ---- pooling ----

/** Calls `fn` with each output's index, its channel plane's offset in x and its window's first (padded) cell. */
function forEachWindow(
  g: Pool3dGeometry,
  fn: (outIdx: number, planeBase: number, d0: number, h0: number, w0: number) => void,
): void {
  let oi = 0;
  for (let p = 0; p < g.batch * g.channels; p++) {
    const base = p * g.inVolume;
    for (let od = 0; od < g.outD; od++)
      for (let oh = 0; oh < g.outH; oh++)
        for (let ow = 0; ow < g.outW; ow++)
          fn(oi++, base, od * g.strideD - g.padD, oh * g.strideH - g.padH, ow * g.strideW - g.padW);
  }
}

/** Max pooling; `argmax` indexes the whole x. Padding never wins; ties go to the first cell in d, h, w order. */
export function maxPool3dReference(x: ArrayLike<number>, g: Pool3dGeometry): { y: Float64Array; argmax: Int32Array } {
  const y = new Float64Array(g.outputSize);
  const argmax = new Int32Array(g.outputSize);
  forEachWindow(g, (oi, base, d0, h0, w0) => {
    let best = -Infinity;
    let bestI = -1;
    for (let d = Math.max(0, d0); d < Math.min(g.inD, d0 + g.kD); d++)
      for (let h = Math.max(0, h0); h < Math.min(g.inH, h0 + g.kH); h++)
        for (let w = Math.max(0, w0); w < Math.min(g.inW, w0 + g.kW); w++) {
          const idx = base + (d * g.inH + h) * g.inW + w;
          const v = x[idx];
          if (v > best || Number.isNaN(v) || bestI < 0) {
            best = v;
            bestI = idx;
            if (Number.isNaN(v)) break;
          }
        }
    y[oi] = best;
    argmax[oi] = bestI;
  });
  return { y, argmax };
}

/** The `maxPool3dGrad` primitive: each output's gradient added to the input cell that won its window. */
export function maxPool3dGradReference(dy: ArrayLike<number>, x: ArrayLike<number>, g: Pool3dGeometry): Float64Array {
  const { argmax } = maxPool3dReference(x, g);
  const dx = new Float64Array(x.length);
  for (let o = 0; o < argmax.length; o++) dx[argmax[o]] += dy[o];
  return dx;
}

function avgDivisor(g: Pool3dGeometry, d0: number, h0: number, w0: number, countIncludePad: boolean): number {
  const clip = (start: number, k: number, n: number, pad: number) =>
    countIncludePad ? Math.min(start + k, n + pad) - start : Math.min(start + k, n) - Math.max(start, 0);
  return clip(d0, g.kD, g.inD, g.padD) * clip(h0, g.kH, g.inH, g.padH) * clip(w0, g.kW, g.inW, g.padW);
}

export function avgPool3dReference(x: ArrayLike<number>, g: Pool3dGeometry, countIncludePad: boolean): Float64Array {
  const y = new Float64Array(g.outputSize);
  forEachWindow(g, (oi, base, d0, h0, w0) => {
    let s = 0;
    for (let d = Math.max(0, d0); d < Math.min(g.inD, d0 + g.kD); d++)
      for (let h = Math.max(0, h0); h < Math.min(g.inH, h0 + g.kH); h++)
        for (let w = Math.max(0, w0); w < Math.min(g.inW, w0 + g.kW); w++) s += x[base + (d * g.inH + h) * g.inW + w];
    y[oi] = s / avgDivisor(g, d0, h0, w0, countIncludePad);
  });
  return y;
}

export function avgPool3dGradReference(
  dy: ArrayLike<number>,
  g: Pool3dGeometry,
  countIncludePad: boolean,
): Float64Array {
  const dx = new Float64Array(g.inputSize);
  forEachWindow(g, (oi, base, d0, h0, w0) => {
    const v = dy[oi] / avgDivisor(g, d0, h0, w0, countIncludePad);
    for (let d = Math.max(0, d0); d < Math.min(g.inD, d0 + g.kD); d++)
      for (let h = Math.max(0, h0); h < Math.min(g.inH, h0 + g.kH); h++)
        for (let w = Math.max(0, w0); w < Math.min(g.inW, w0 + g.kW); w++) dx[base + (d * g.inH + h) * g.inW + w] += v;
  });
  return dx;
}

// ---- fused rows ----

/** Softmax (or log-softmax) along the middle axis of `[outer, axisSize, inner]`. */
export function softmaxReference(
  x: ArrayLike<number>,
  outer: number,
  n: number,
  inner: number,
  log: boolean,
): Float64Array {
  const out = new Float64Array(outer * n * inner);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      const at = (i: number) => (o * n + i) * inner + j;
      let m = -Infinity;
      for (let i = 0; i < n; i++) m = Math.max(m, x[at(i)]);
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(x[at(i)] - m);
      for (let i = 0; i < n; i++) out[at(i)] = log ? x[at(i)] - m - Math.log(s) : Math.exp(x[at(i)] - m) / s;
    }
  return out;
}

/** The `lstmCell` primitive (gate order i, f, g, o); masked rows keep the previous state. */
export function lstmCellReference(
  gates: ArrayLike<number>,
  cPrev: ArrayLike<number>,
  hPrev: ArrayLike<number>,
  mask: ArrayLike<number> | null,
  B: number,
  H: number,
): { h: Float64Array; c: Float64Array; acts: Float64Array } {
  const h = new Float64Array(B * H),
    c = new Float64Array(B * H),
    acts = new Float64Array(B * 5 * H);
  for (let b = 0; b < B; b++)
    for (let j = 0; j < H; j++) {
      const gate = (k: number) => gates[b * 4 * H + k * H + j];
      const [i, f, g, o] = [sigmoid(gate(0)), sigmoid(gate(1)), Math.tanh(gate(2)), sigmoid(gate(3))];
      const cNew = f * cPrev[b * H + j] + i * g;
      [i, f, g, o, Math.tanh(cNew)].forEach((v, k) => (acts[b * 5 * H + k * H + j] = v));
      const valid = mask === null || mask[b] !== 0;
      c[b * H + j] = valid ? cNew : cPrev[b * H + j];
      h[b * H + j] = valid ? o * Math.tanh(cNew) : hPrev[b * H + j];
    }
  return { h, c, acts };
}

/** The `lstmCellGrad` primitive, from the saved activations `acts` `[B, 5H]` of `lstmCell`. */
export function lstmCellGradReference(
  dh: ArrayLike<number>,
  dc: ArrayLike<number>,
  acts: ArrayLike<number>,
  cPrev: ArrayLike<number>,
  mask: ArrayLike<number> | null,
  B: number,
  H: number,
): { dGates: Float64Array; dcPrev: Float64Array; dhPrevSkip: Float64Array } {
  const dGates = new Float64Array(B * 4 * H),
    dcPrev = new Float64Array(B * H),
    dhPrevSkip = new Float64Array(B * H);
  for (let b = 0; b < B; b++)
    for (let j = 0; j < H; j++) {
      const k = b * H + j;
      if (mask !== null && mask[b] === 0) {
        dcPrev[k] = dc[k];
        dhPrevSkip[k] = dh[k];
        continue;
      }
      const [i, f, g, o, tc] = [0, 1, 2, 3, 4].map((q) => acts[b * 5 * H + q * H + j]);
      const dcTotal = dc[k] + dh[k] * o * (1 - tc * tc);
      const d = [
        dcTotal * g * i * (1 - i),
        dcTotal * cPrev[k] * f * (1 - f),
        dcTotal * i * (1 - g * g),
        dh[k] * tc * o * (1 - o),
      ];
      d.forEach((v, q) => (dGates[b * 4 * H + q * H + j] = v));
      dcPrev[k] = dcTotal * f;
    }
  return { dGates, dcPrev, dhPrevSkip };
}

// ---- optimizer updates (in place on float64 copies) ----

/** One torch.optim.Adam step on `p`, `m`, `v` (and `vMax` with amsgrad), in place. */
export function adamUpdateReference(
  p: Float64Array,
  grad: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  vMax: Float64Array | null,
  h: AdamHyper,
): void {
  for (let i = 0; i < p.length; i++) {
    const g = grad[i] + h.weightDecay * p[i];
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * g;
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * g * g;
    if (vMax) vMax[i] = Math.max(vMax[i], v[i]);
    const mHat = m[i] / (1 - h.beta1 ** h.step);
    const vHat = (vMax ? vMax[i] : v[i]) / (1 - h.beta2 ** h.step);
    p[i] -= (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
  }
}

/** One torch.optim.SGD step (momentum, dampening, Nesterov, L2 weight decay), in place. */
export function sgdUpdateReference(
  p: Float64Array,
  grad: ArrayLike<number>,
  buf: Float64Array | null,
  h: SgdHyper,
): void {
  for (let i = 0; i < p.length; i++) {
    let d = grad[i] + h.weightDecay * p[i];
    if (buf) {
      buf[i] = h.firstStep ? d : h.momentum * buf[i] + (1 - h.dampening) * d;
      d = h.nesterov ? d + h.momentum * buf[i] : buf[i];
    }
    p[i] -= h.lr * d;
  }
}
