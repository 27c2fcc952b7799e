// The cpu backend's whole-layer LSTM (forward and BPTT) in gate-major layout: the recurrent
// weight is packed for the SIMD kernel once per call (not once per step), each step's product
// accumulates straight into the precomputed input projection in the kernel heap, and the cell
// runs over heap views, so a step allocates nothing. Cell arithmetic is fused.ts's (the same
// one-exp sigmoid/tanh in float64, rounded once), so results match the per-step path.
// Imports only the kernel internals; no node modules.
import { gemm, newJob, packA, runDenseProduct } from './kernels/gemm.js';
import { getRuntime } from './kernels/runtime.js';

/** What {@link lstmLayerForward} returns (all time-major). */
export interface LstmLayerForward {
  /** `[T + 1, B, H]`: h0 then h after each step (padded steps carry the previous state). */
  hs: Float32Array;
  /** `[T + 1, B, H]`: c0 then c after each step. */
  cs: Float32Array;
  /** `[T, 5H, B]`: i, f, g, o and tanh(c_t) per step, gate-major (backward's input). */
  acts: Float32Array;
}

/** What {@link lstmLayerBackward} returns. */
export interface LstmLayerGrads {
  /** `[T * B, I]` time-major, or null when not asked for. */
  dxTm: Float32Array | null;
  dWih: Float32Array;
  dWhh: Float32Array;
  /** `[4H]`: the gradient of either bias (both enter the gates the same way). */
  dBias: Float32Array;
  dh0: Float32Array;
  dc0: Float32Array;
}

/**
 * C[:, col0:col0+B] (ldc `ldc`) += Apacked [M, K] x op(B), B in the heap at `bOff`: stored
 * `[B, K]` rows when `bTrans` (ld K), else `[K, B]` with row stride `bLd`. All offsets are floats.
 */
function stepProduct(
  M: number,
  N: number,
  K: number,
  aP: number,
  bOff: number,
  bTrans: boolean,
  bLd: number,
  cOff: number,
  ldc: number,
  acc: boolean,
): void {
  const rt = getRuntime();
  runDenseProduct(rt, newJob(rt), M, N, K, { aPack: aP, b: bOff, bTrans, bLd, c: cOff, ldc, accumulate: acc });
}

/**
 * Forward over a whole sequence. `xTm` `[T*B, I]` time-major; weights in PyTorch layout
 * (`wIh` `[4H, I]`, `wHh` `[4H, H]`, gate order i, f, g, o); `maskTm` `[T*B]` (1 valid, 0 padded)
 * or null. Gates of step t are the column block t of a `[4H, T*B]` matrix: the input projection
 * for all steps (one product), then each step adds W_hh h_{t-1} into its block.
 */
export function lstmLayerForward(
  xTm: Float32Array,
  wIh: Float32Array,
  wHh: Float32Array,
  bIh: Float32Array | null,
  bHh: Float32Array | null,
  h0: Float32Array | null,
  c0: Float32Array | null,
  maskTm: Float32Array | null,
  B: number,
  T: number,
  I: number,
  H: number,
): LstmLayerForward {
  const G = 4 * H,
    TB = T * B,
    BH = B * H;
  const projT = inputProjection(xTm, wIh, bIh, bHh, G, TB, I);
  const hs = new Float32Array((T + 1) * BH),
    cs = new Float32Array((T + 1) * BH),
    acts = new Float32Array(T * 5 * H * B);
  if (h0) hs.set(h0);
  if (c0) cs.set(c0);
  const fwd = { hs, cs, acts };
  const rt = getRuntime();
  rt.reset();
  const { MR } = rt.driver;
  const aP = rt.alloc(Math.ceil(G / MR) * MR * H),
    gP = rt.alloc(G * TB),
    hP = rt.alloc(BH);
  packA(rt, wHh, 0, false, G, H, aP);
  rt.heap().set(projT, gP);
  for (let t = 0; t < T; t++) {
    rt.heap().set(hs.subarray(t * BH, (t + 1) * BH), hP);
    stepProduct(G, B, H, aP, hP, true, H, gP + t * B, TB, true);
    forwardCell(rt.heap(), gP + t * B, fwd, maskTm, t, B, T, H);
  }
  return fwd;
}

/** The input projection for all steps, gate-major: `[4H, T*B]` = W_ih x^T, then the biases one at a time. */
function inputProjection(
  xTm: Float32Array,
  wIh: Float32Array,
  bIh: Float32Array | null,
  bHh: Float32Array | null,
  G: number,
  TB: number,
  I: number,
): Float32Array {
  const projT = new Float32Array(G * TB);
  gemm(false, true, G, TB, I, wIh, xTm, projT);
  for (const b of [bIh, bHh]) {
    if (!b) continue;
    for (let r = 0; r < G; r++) {
      const v = b[r];
      for (let p = r * TB, e = p + TB; p < e; p++) projT[p] += v;
    }
  }
  return projT;
}

/**
 * One step's cell: reads the step's gate pre-activations (column block at heap offset `col`, row
 * stride T*B), writes its activations, c_t and h_t (padded rows carry the previous state).
 */
function forwardCell(
  heap: Float32Array,
  col: number,
  fwd: LstmLayerForward,
  maskTm: Float32Array | null,
  t: number,
  B: number,
  T: number,
  H: number,
): void {
  const { hs, cs, acts } = fwd;
  const TB = T * B,
    BH = B * H;
  const hPrev = t * BH,
    hNew = hPrev + BH,
    a0 = t * 5 * H * B;
  for (let j = 0; j < H; j++) {
    const gi = col + j * TB,
      gf = gi + H * TB,
      gg = gf + H * TB,
      go = gg + H * TB;
    const ai = a0 + j * B,
      af = ai + H * B,
      ag = af + H * B,
      ao = ag + H * B,
      at = ao + H * B;
    for (let b = 0; b < B; b++) {
      // fused.ts's sigmoid and tanh written out: this loop runs 5 exps per element and V8 did
      // not inline the calls (they showed as their own frames in a profile).
      const i = 1 / (1 + Math.exp(-heap[gi + b]));
      const f = 1 / (1 + Math.exp(-heap[gf + b]));
      const g = 2 / (1 + Math.exp(-2 * heap[gg + b])) - 1;
      const o = 1 / (1 + Math.exp(-heap[go + b]));
      const s = b * H + j;
      const cNew = f * cs[hPrev + s] + i * g;
      const tc = 2 / (1 + Math.exp(-2 * cNew)) - 1;
      acts[ai + b] = i;
      acts[af + b] = f;
      acts[ag + b] = g;
      acts[ao + b] = o;
      acts[at + b] = tc;
      if (maskTm === null || maskTm[t * B + b] !== 0) {
        cs[hNew + s] = cNew;
        hs[hNew + s] = o * tc;
      } else {
        cs[hNew + s] = cs[hPrev + s];
        hs[hNew + s] = hs[hPrev + s];
      }
    }
  }
}

/**
 * BPTT for {@link lstmLayerForward}. `dOutTm` `[T, B, H]` is dL/d(output_t) (output_t = m_t h_t),
 * `dhT`/`dcT` `[B, H]` the gradients of the final states (null: zero). The recurrent gradient
 * W_hh^T dG_t runs on W_hh^T packed once; the weight gradients and dx are single products over
 * all steps of the gate-major dG `[4H, T*B]`.
 */
export function lstmLayerBackward(
  dOutTm: Float32Array | null,
  dhT: Float32Array | null,
  dcT: Float32Array | null,
  xTm: Float32Array,
  wIh: Float32Array,
  wHh: Float32Array,
  fwd: LstmLayerForward,
  maskTm: Float32Array | null,
  B: number,
  T: number,
  I: number,
  H: number,
  needDx: boolean,
): LstmLayerGrads {
  const G = 4 * H,
    TB = T * B,
    BH = B * H;
  const state = { dh: dhT ? dhT.slice() : new Float32Array(BH), dc: dcT ? dcT.slice() : new Float32Array(BH) };
  const { dh } = state;
  const rt = getRuntime();
  rt.reset();
  const { MR } = rt.driver;
  const aP = rt.alloc(Math.ceil(H / MR) * MR * G),
    dgP = rt.alloc(G * TB),
    rP = rt.alloc(BH);
  packA(rt, wHh, 0, true, H, G, aP); // W_hh^T [H, 4H]
  for (let t = T - 1; t >= 0; t--) {
    const col = dgP + t * B;
    gateGradients(rt.heap(), col, state, dOutTm, fwd, maskTm, t, B, T, H);
    // dh_{t-1} = W_hh^T dG_t (+ the pass-through kept in dh for skipped rows): [H, B] in rP.
    stepProduct(H, B, G, aP, col, false, TB, rP, B, false);
    const r = rt.heap();
    for (let j = 0; j < H; j++) for (let b = 0; b < B; b++) dh[b * H + j] += r[rP + j * B + b];
  }
  const dGT = rt.heap().slice(dgP, dgP + G * TB);
  return { ...weightGradients(dGT, xTm, wIh, fwd.hs, G, TB, I, H, needDx), dh0: state.dh, dc0: state.dc };
}

/**
 * One step back through the cell: writes the step's gate gradients dG_t (column block at heap
 * offset `col`, row stride T*B) from dh and dc, then leaves in `state` dc_{t-1} and the part of
 * dh_{t-1} that does not go through W_hh (the pass-through of padded rows, else 0).
 */
function gateGradients(
  heap: Float32Array,
  col: number,
  state: { dh: Float32Array; dc: Float32Array },
  dOutTm: Float32Array | null,
  fwd: LstmLayerForward,
  maskTm: Float32Array | null,
  t: number,
  B: number,
  T: number,
  H: number,
): void {
  const { dh, dc } = state;
  const { cs, acts } = fwd;
  const TB = T * B,
    BH = B * H;
  const a0 = t * 5 * H * B,
    cPrev = t * BH;
  for (let b = 0; b < B; b++) {
    const valid = maskTm === null || maskTm[t * B + b] !== 0;
    for (let j = 0; j < H; j++) {
      const s = b * H + j;
      const dhv = valid && dOutTm ? dh[s] + dOutTm[t * BH + s] : dh[s];
      const gi = col + j * TB + b;
      if (!valid) {
        // Skipped step: the state passed through, so its gradient does too; no gate gradient.
        heap[gi] = 0;
        heap[gi + H * TB] = 0;
        heap[gi + 2 * H * TB] = 0;
        heap[gi + 3 * H * TB] = 0;
        dh[s] = dhv;
        continue;
      }
      const ai = a0 + j * B + b;
      const i = acts[ai],
        f = acts[ai + H * B],
        g = acts[ai + 2 * H * B],
        o = acts[ai + 3 * H * B],
        tc = acts[ai + 4 * H * B];
      const dct = dc[s] + dhv * o * (1 - tc * tc);
      heap[gi] = dct * g * i * (1 - i);
      heap[gi + H * TB] = dct * cs[cPrev + s] * f * (1 - f);
      heap[gi + 2 * H * TB] = dct * i * (1 - g * g);
      heap[gi + 3 * H * TB] = dhv * tc * o * (1 - o);
      dc[s] = dct * f;
      dh[s] = 0;
    }
  }
}

/** The weight, bias and (when `needDx`) input gradients: single products over all steps of dG `[4H, T*B]`. */
function weightGradients(
  dGT: Float32Array,
  xTm: Float32Array,
  wIh: Float32Array,
  hs: Float32Array,
  G: number,
  TB: number,
  I: number,
  H: number,
  needDx: boolean,
): Pick<LstmLayerGrads, 'dxTm' | 'dWih' | 'dWhh' | 'dBias'> {
  const dWih = new Float32Array(G * I),
    dWhh = new Float32Array(G * H),
    dBias = new Float32Array(G);
  gemm(false, false, G, I, TB, dGT, xTm, dWih);
  gemm(false, false, G, H, TB, dGT, hs.subarray(0, TB * H), dWhh);
  for (let r = 0; r < G; r++) {
    let s = 0;
    for (let p = r * TB, e = p + TB; p < e; p++) s += dGT[p];
    dBias[r] = s;
  }
  let dxTm: Float32Array | null = null;
  if (needDx) {
    dxTm = new Float32Array(TB * I);
    gemm(true, false, TB, I, G, dGT, wIh, dxTm);
  }
  return { dxTm, dWih, dWhh, dBias };
}
