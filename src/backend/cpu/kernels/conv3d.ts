// conv3d forward, grad-input and grad-weight on the packed GEMM: im2col is never materialised,
// the driver packs it panel by panel from the input in the wasm heap. Stride-1 grad-input is the
// forward conv of dy with the flipped, transposed weight (Winograd where it qualifies); other
// strides use GEMM + col2im.
// Imports only the geometry module from outside this folder; no node modules.
import { conv3dGeometry, type Conv3dGeometry, type Shape5 } from '../../../tensor/geometry.js';
import { packA, newJob, planChunks, runDenseProduct } from './gemm.js';
import { getRuntime, type Runtime } from './runtime.js';
import { runJob } from './threads.js';
import { conv3dForwardWinograd, winogradQualifies } from './winograd.js';
import { conv3dGradWeightWinograd, winogradGradWeightQualifies } from './winograd-grad.js';
import { takeUninitialized, takeZeroed } from '../array-pool.js';

function expectLength(op: string, name: string, arr: Float32Array, want: number, shape: Shape5 | number[]): void {
  if (arr.length !== want) {
    throw new Error(`${op}: ${name} must have ${want} elements for shape [${shape.join(', ')}], got ${arr.length}`);
  }
}

function setGeometry(rt: Runtime, job: Int32Array, g: Conv3dGeometry, xOff: number): void {
  const F = rt.driver.F;
  job[F.BOFF] = xOff;
  job[F.GC] = g.inChannels;
  job[F.GD] = g.inD;
  job[F.GH] = g.inH;
  job[F.GW] = g.inW;
  job[F.KD] = g.kD;
  job[F.KH] = g.kH;
  job[F.KW] = g.kW;
  job[F.SD] = g.strideD;
  job[F.SH] = g.strideH;
  job[F.SW] = g.strideW;
  job[F.PD] = g.padD;
  job[F.PH] = g.padH;
  job[F.PW] = g.padW;
  job[F.DD] = g.dilationD;
  job[F.DH] = g.dilationH;
  job[F.DW] = g.dilationW;
  job[F.OD] = g.outD;
  job[F.OH] = g.outH;
  job[F.OW] = g.outW;
}

/** y = W[Cout, Cin*k^3] x im2col(x)[Cin*k^3, S] (+ bias, then max(0, .) with `relu`) per batch item; the heap holds one item. */
function forward(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv3dGeometry,
  relu = false,
): Float32Array {
  const rt = getRuntime();
  const { F, MR, B_IM2COL } = rt.driver;
  const M = g.outChannels,
    K = g.inChannels * g.kernelVolume,
    S = g.outVolume;
  const xLen = g.inChannels * g.inVolume;
  const y = takeUninitialized(g.outputSize);
  if (y.length === 0) return y;
  rt.reset();
  const aP = rt.alloc(Math.ceil(M / MR) * MR * K),
    xP = rt.alloc(xLen),
    yP = rt.alloc(M * S);
  packA(rt, w, 0, false, M, K, aP);
  const job = newJob(rt);
  for (let n = 0; n < g.batch; n++) {
    const h = rt.heap();
    h.set(x.subarray(n * xLen, (n + 1) * xLen), xP);
    // Bias goes in as C's starting value (accumulate on), saving a pass over y.
    if (bias) for (let c = 0; c < M; c++) h.fill(bias[c], yP + c * S, yP + (c + 1) * S);
    planChunks(rt, job, M, S, K);
    job[F.APACK] = aP;
    job[F.C] = yP;
    job[F.LDC] = S;
    job[F.ACC] = bias ? 1 : 0;
    job[F.BKIND] = B_IM2COL;
    setGeometry(rt, job, g, xP);
    runJob(rt, job);
    if (relu) rt.wasm.reluInPlace(yP * 4, M * S);
    y.set(rt.heap().subarray(yP, yP + M * S), n * M * S);
  }
  return y;
}

/**
 * conv3d forward: x [N,Cin,D,H,W], w [Cout,Cin,kD,kH,kW], bias [Cout] or null -> [N,Cout,oD,oH,oW];
 * with `relu`, max(0, y) applied as the outputs are written (NaN and -0 give 0, as the backend's relu).
 */
export function conv3dForward(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv3dGeometry,
  relu = false,
): Float32Array {
  expectLength('conv3dForward', 'x', x, g.inputSize, g.inputShape);
  expectLength('conv3dForward', 'w', w, g.weightSize, g.weightShape);
  if (bias) expectLength('conv3dForward', 'bias', bias, g.outChannels, [g.outChannels]);
  // 3x3x3 stride-1 convs with enough channels take Winograd F(2,3) (3.4x fewer multiplications).
  if (winogradQualifies(g)) return conv3dForwardWinograd(x, w, bias, g, Infinity, relu);
  return forward(x, w, bias, g, relu);
}

/** conv3d forward on the direct packed GEMM whatever the shape (the path Winograd is measured against). */
export function conv3dForwardGemm(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv3dGeometry,
): Float32Array {
  expectLength('conv3dForwardGemm', 'x', x, g.inputSize, g.inputShape);
  expectLength('conv3dForwardGemm', 'w', w, g.weightSize, g.weightShape);
  return forward(x, w, bias, g);
}

/**
 * Gradient of conv3d with respect to its weight: sum over the batch of dy[Cout, S] x im2col(x)^T, or
 * its Winograd F(2,3) form (winograd-grad.ts) where winogradGradWeightQualifies.
 */
export function conv3dGradWeight(x: Float32Array, dy: Float32Array, g: Conv3dGeometry): Float32Array {
  expectLength('conv3dGradWeight', 'x', x, g.inputSize, g.inputShape);
  expectLength('conv3dGradWeight', 'dy', dy, g.outputSize, g.outputShape);
  if (winogradGradWeightQualifies(g)) return conv3dGradWeightWinograd(x, dy, g);
  return gradWeightGemm(x, dy, g);
}

/** The weight gradient on the direct GEMM whatever the shape (the path Winograd is checked against). */
export function conv3dGradWeightGemm(x: Float32Array, dy: Float32Array, g: Conv3dGeometry): Float32Array {
  expectLength('conv3dGradWeightGemm', 'x', x, g.inputSize, g.inputShape);
  expectLength('conv3dGradWeightGemm', 'dy', dy, g.outputSize, g.outputShape);
  return gradWeightGemm(x, dy, g);
}

function gradWeightGemm(x: Float32Array, dy: Float32Array, g: Conv3dGeometry): Float32Array {
  const M = g.outChannels,
    N = g.inChannels * g.kernelVolume,
    S = g.outVolume;
  const xLen = g.inChannels * g.inVolume;
  const dw = takeZeroed(g.weightSize);
  if (g.batch === 0 || S === 0 || dw.length === 0) return dw;
  const rt = getRuntime();
  const { F, MR, B_IM2COL_T } = rt.driver;
  rt.reset();
  const aP = rt.alloc(Math.ceil(M / MR) * MR * S),
    xP = rt.alloc(xLen),
    cP = rt.alloc(M * N);
  const job = newJob(rt);
  for (let n = 0; n < g.batch; n++) {
    packA(rt, dy, n * M * S, false, M, S, aP);
    rt.heap().set(x.subarray(n * xLen, (n + 1) * xLen), xP);
    planChunks(rt, job, M, N, S);
    job[F.APACK] = aP;
    job[F.C] = cP;
    job[F.LDC] = N;
    job[F.ACC] = n > 0 ? 1 : 0;
    job[F.BKIND] = B_IM2COL_T;
    setGeometry(rt, job, g, xP);
    runJob(rt, job);
  }
  dw.set(rt.heap().subarray(cP, cP + M * N));
  return dw;
}

/** Gradient of conv3d with respect to its input x: [N, Cin, D, H, W]. */
export function conv3dGradInput(dy: Float32Array, w: Float32Array, g: Conv3dGeometry): Float32Array {
  const kVol = g.kernelVolume;
  expectLength('conv3dGradInput', 'dy', dy, g.outputSize, g.outputShape);
  expectLength('conv3dGradInput', 'w', w, g.weightSize, g.weightShape);
  // An empty dx needs no product (and an empty x has no "full"-padded geometry to derive below).
  if (g.inputSize === 0) return new Float32Array(0);
  const pD = g.dilationD * (g.kD - 1) - g.padD,
    pH = g.dilationH * (g.kH - 1) - g.padH,
    pW = g.dilationW * (g.kW - 1) - g.padW;
  if (g.strideD === 1 && g.strideH === 1 && g.strideW === 1 && pD >= 0 && pH >= 0 && pW >= 0) {
    // dx = conv(dy, W') with W'[ci, co, a, b, c] = W[co, ci, kD-1-a, kH-1-b, kW-1-c], "full" padding.
    const wt = new Float32Array(w.length);
    const Ci = g.inChannels,
      Co = g.outChannels;
    for (let co = 0; co < Co; co++) {
      for (let ci = 0; ci < Ci; ci++) {
        const src = (co * Ci + ci) * kVol,
          dst = (ci * Co + co) * kVol;
        for (let t = 0; t < kVol; t++) wt[dst + kVol - 1 - t] = w[src + t];
      }
    }
    // Stride 1 and "full" padding give back exactly the input's spatial dims as the output.
    const gt = conv3dGeometry(
      g.outputShape,
      [Ci, Co, g.kD, g.kH, g.kW],
      {
        padding: [pD, pH, pW],
        dilation: [g.dilationD, g.dilationH, g.dilationW],
      },
      'conv3dGradInput',
    );
    return winogradQualifies(gt) ? conv3dForwardWinograd(dy, wt, null, gt) : forward(dy, wt, null, gt);
  }
  return gradInputCol2im(dy, w, g);
}

/** General strides: dcol = W^T x dy over spatial column chunks, scattered back by col2im. */
function gradInputCol2im(dy: Float32Array, w: Float32Array, g: Conv3dGeometry): Float32Array {
  const rt = getRuntime();
  const { MR, NR } = rt.driver;
  const Co = g.outChannels,
    K = g.inChannels * g.kernelVolume,
    S = g.outVolume;
  const D = g.inD,
    H = g.inH,
    W = g.inW,
    xLen = g.inChannels * g.inVolume;
  const dx = takeZeroed(g.inputSize);
  if (dx.length === 0 || S === 0) return dx;
  // Bound the column buffer at 16 Mi floats (64 MB).
  const chunk = Math.max(NR, Math.min(S, Math.floor((1 << 24) / K / NR) * NR));
  rt.reset();
  const aP = rt.alloc(Math.ceil(K / MR) * MR * Co),
    bP = rt.alloc(Co * S),
    cP = rt.alloc(K * chunk);
  packA(rt, w, 0, true, K, Co, aP);
  const job = newJob(rt);
  const kHW = g.kH * g.kW,
    kVol = g.kernelVolume,
    oHW = g.outH * g.outW;
  for (let n = 0; n < g.batch; n++) {
    rt.heap().set(dy.subarray(n * Co * S, (n + 1) * Co * S), bP);
    for (let s0 = 0; s0 < S; s0 += chunk) {
      const ns = Math.min(chunk, S - s0);
      runDenseProduct(rt, job, K, ns, Co, {
        aPack: aP,
        b: bP + s0,
        bTrans: false,
        bLd: S,
        c: cP,
        ldc: ns,
        accumulate: false,
      });
      const h = rt.heap();
      const xBase = n * xLen;
      for (let kid = 0; kid < K; kid++) {
        const ci = Math.floor(kid / kVol);
        let rem = kid - ci * kVol;
        const kd = Math.floor(rem / kHW);
        rem -= kd * kHW;
        const kh = Math.floor(rem / g.kW),
          kw = rem - kh * g.kW;
        const offD = kd * g.dilationD - g.padD,
          offH = kh * g.dilationH - g.padH,
          offW = kw * g.dilationW - g.padW;
        const cb = xBase + ci * g.inVolume;
        let src = cP + kid * ns;
        for (let s = s0; s < s0 + ns; s++, src++) {
          const od = Math.floor(s / oHW),
            r = s - od * oHW,
            oh = Math.floor(r / g.outW),
            ow = r - oh * g.outW;
          const id = od * g.strideD + offD,
            ih = oh * g.strideH + offH,
            iw = ow * g.strideW + offW;
          if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
          dx[cb + (id * H + ih) * W + iw] += h[src];
        }
      }
    }
  }
  return dx;
}
