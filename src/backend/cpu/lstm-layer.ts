// The cpu backend's whole-layer LSTM (forward and BPTT). Everything a call touches lives in the
// kernel heap for the whole sequence: W_hh (or W_hh^T) is packed once; the recurrence is one job
// whose chunks are groups of batch rows, each run through every step (product, then the wasm SIMD
// cell) on one thread (kernels/lstm-driver.ts); the weight gradients are single products over all
// steps. JavaScript only copies the inputs in and the results out, once per call; on shared
// memory the forward's saved state and output are resident heap blocks (kernels/resident.ts) that
// the backward reads in place, so they are never copied out and back. Imports only the kernel
// internals; no node modules.
import { newJob, packA, packAFromHeap, packStackedT, runDenseProduct, type DenseProduct } from './kernels/gemm.js';
import { residentBlock, residentOffset } from './kernels/resident.js';
import { takeZeroed } from './array-pool.js';
import { getRuntime, type Runtime } from './kernels/runtime.js';
import { kernelThreads, runJob } from './kernels/threads.js';

/** The backward cell gathers four rows of [B, H] arrays at a time: this many rows (times H floats) of slack past their end. */
const BACKWARD_SLACK = 4;

/** What {@link lstmLayerForward} returns (all time-major). */
export interface LstmLayerForward {
  /** `[T + 1, B, H]`: h0 then h after each step (padded steps carry the previous state). */
  hs: Float32Array;
  /** `[T + 1, B, H]`: c0 then c after each step. */
  cs: Float32Array;
  /** `[T, 4H, B]`: i, f, g, o per step, gate-major (backward's input). */
  acts: Float32Array;
  /** `[B, T, H]`: the layer's output, mask_t h_t (batch-major). */
  out: Float32Array;
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

/** C (+)= Apacked [M, K] x op(B) on the kernel threads; every offset in floats. */
function product(rt: Runtime, M: number, N: number, K: number, p: DenseProduct): void {
  runDenseProduct(rt, newJob(rt), M, N, K, p);
}

/** `[B, H]` rows into an `[H, Bp]` heap block (zeros when `src` is null; pad columns zero). */
function toColumns(heap: Float32Array, dst: number, src: Float32Array | null, B: number, Bp: number, H: number): void {
  heap.fill(0, dst, dst + H * Bp);
  if (!src) return;
  for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) heap[dst + j * Bp + b] = src[b * H + j];
}

/** An `[H, Bp]` heap block back to `[B, H]` rows. */
function fromColumns(heap: Float32Array, src: number, B: number, Bp: number, H: number): Float32Array {
  const out = takeZeroed(B * H);
  for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) out[b * H + j] = heap[src + j * Bp + b];
  return out;
}

/** `[T * B]` mask (null: all valid) as `[T, Bp]` floats in the heap. */
function maskToHeap(heap: Float32Array, dst: number, maskTm: Float32Array | null, B: number, Bp: number, T: number) {
  heap.fill(1, dst, dst + T * Bp);
  if (maskTm) for (let t = 0; t < T; t++) heap.set(maskTm.subarray(t * B, (t + 1) * B), dst + t * Bp);
}

/** Rows of `width` floats from a `rows * from` layout into `rows * to` (compacting or padding with zeros). */
function copyRows(
  dst: Float32Array,
  dOff: number,
  src: Float32Array,
  sOff: number,
  rows: number,
  width: number,
  from: number,
  to: number,
): void {
  if (from === width && to === width) {
    dst.set(src.subarray(sOff, sOff + rows * width), dOff);
    return;
  }
  for (let r = 0; r < rows; r++) {
    dst.set(src.subarray(sOff + r * from, sOff + r * from + width), dOff + r * to);
    if (to > width) dst.fill(0, dOff + r * to + width, dOff + (r + 1) * to);
  }
}

/**
 * Forward over a whole sequence. `xTm` `[T*B, I]` time-major; weights in PyTorch layout
 * (`wIh` `[4H, I]`, `wHh` `[4H, H]`, gate order i, f, g, o); `maskTm` `[T*B]` (1 valid, 0 padded)
 * or null. Gates of step t are the column block t of a `[4H, T*Bp]` heap matrix (Bp: B rounded up
 * to 4, the cell's vector width): the input projection for all steps (one product), then each
 * step adds W_hh h_{t-1} into its block and the cell (biases added there) reads it. With
 * `resident`, hs, cs, acts and out may be resident heap blocks (kernels/resident.ts) that the
 * backward reads in place; the caller must then free each with `releaseResident` (the cpu
 * backend does on dispose).
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
  resident = false,
): LstmLayerForward {
  const G = 4 * H,
    BH = B * H,
    Bp = Math.ceil(B / 4) * 4,
    TBp = T * Bp;
  const rt = getRuntime();
  // The saved state and output as resident blocks (null: the arena, copied out below). hs and cs
  // carry the backward cell's slack; acts only when its [T, 4H, Bp] heap layout is the [T, 4H, B] result.
  const block = (n: number, slack = 0) => (resident ? residentBlock(n, slack) : null);
  const hsR = block((T + 1) * BH, BACKWARD_SLACK * H),
    csR = block((T + 1) * BH, BACKWARD_SLACK * H),
    actsR = Bp === B ? block(T * 4 * H * B) : null,
    outR = block(T * BH);
  rt.reset();
  const { MR } = rt.driver;
  const at = (r: Float32Array | null, floats: number) => (r ? residentOffset(r) : rt.alloc(floats));
  const whP = rt.alloc(Math.ceil(G / MR) * MR * H),
    wiP = rt.alloc(Math.ceil(G / MR) * MR * I),
    xP = rt.alloc(TBp * I),
    gP = rt.alloc(G * TBp),
    biasP = rt.alloc(G),
    hsP = at(hsR, (T + 1) * BH),
    csP = at(csR, (T + 1) * BH),
    hstP = rt.alloc(H * Bp),
    cstP = rt.alloc(H * Bp),
    actsP = at(actsR, T * 4 * H * Bp),
    maskP = rt.alloc(TBp),
    outP = at(outR, T * BH);
  packA(rt, wHh, 0, false, G, H, whP);
  packA(rt, wIh, 0, false, G, I, wiP);
  let heap = rt.heap();
  copyRows(heap, xP, xTm, 0, T, B * I, B * I, Bp * I);
  for (let r = 0; r < G; r++) heap[biasP + r] = (bIh ? bIh[r] : 0) + (bHh ? bHh[r] : 0);
  heap.fill(0, hsP, hsP + BH);
  heap.fill(0, csP, csP + BH);
  if (h0) heap.set(h0, hsP);
  if (c0) heap.set(c0, csP);
  toColumns(heap, hstP, h0, B, Bp, H);
  toColumns(heap, cstP, c0, B, Bp, H);
  maskToHeap(heap, maskP, maskTm, B, Bp, T);
  // Input projection of every step: gates [4H, T*Bp] = W_ih x^T (x rows are op(B)'s columns).
  product(rt, G, TBp, I, { aPack: wiP, b: xP, bTrans: true, bLd: I, c: gP, ldc: TBp, accumulate: false });
  const heapAt = { wPack: whP, gates: gP, bias: biasP, hs: hsP, cs: csP, hst: hstP, cst: cstP, acts: actsP };
  runRecurrence(rt, rt.lstmDriver.KIND_FORWARD, { ...heapAt, mask: maskP, dOut: 0, out: outP }, h0 === null, B, T, H);
  heap = rt.heap();
  let acts = actsR;
  if (!acts) {
    acts = takeZeroed(T * 4 * H * B);
    copyRows(acts, 0, heap, actsP, T * 4 * H, B, Bp, B);
  }
  return {
    hs: hsR ?? heap.slice(hsP, hsP + (T + 1) * BH),
    cs: csR ?? heap.slice(csP, csP + (T + 1) * BH),
    acts,
    out: outR ?? heap.slice(outP, outP + T * BH),
  };
}

/** Heap offsets (floats) of a recurrence job's operands (see lstm-driver.ts for each one's layout). */
interface RecurrenceHeap {
  wPack: number;
  gates: number;
  bias: number;
  hs: number;
  cs: number;
  hst: number;
  cst: number;
  acts: number;
  mask: number;
  dOut: number;
  out: number;
}

/**
 * Runs the forward or backward recurrence as one job: chunks of batch rows (a multiple of 4),
 * two per thread so a slower core takes fewer of them; each chunk runs all T steps.
 */
function runRecurrence(rt: Runtime, kind: number, o: RecurrenceHeap, skip0: boolean, B: number, T: number, H: number) {
  const { L } = rt.lstmDriver;
  const Bp = Math.ceil(B / 4) * 4,
    quads = Bp / 4;
  const threads = kernelThreads();
  const chunks = threads > 1 ? Math.min(quads, threads) : 1;
  const group = 4 * Math.ceil(quads / chunks);
  const job = new Int32Array(L.SIZE);
  job[L.KIND] = kind;
  job[L.NCHUNKS] = Math.ceil(Bp / group);
  job[L.SCRATCH] = rt.scratchBase;
  job[L.SCRATCHSTRIDE] = rt.scratchStride;
  job[L.GROUP] = group;
  job[L.B] = B;
  job[L.BP] = Bp;
  job[L.T] = T;
  job[L.H] = H;
  job[L.WPACK] = o.wPack;
  job[L.GATES] = o.gates;
  job[L.DG] = o.gates;
  job[L.BIAS] = o.bias;
  job[L.HS] = o.hs;
  job[L.CS] = o.cs;
  job[L.HST] = o.hst;
  job[L.CST] = o.cst;
  job[L.ACTS] = o.acts;
  job[L.MASK] = o.mask;
  job[L.DOUT] = o.dOut;
  job[L.OUT] = o.out;
  job[L.SKIP0] = skip0 ? 1 : 0;
  runJob(rt, job);
}

/**
 * BPTT for {@link lstmLayerForward}. `dOutTm` `[T, B, H]` is dL/d(output_t) (output_t = m_t h_t),
 * `dhT`/`dcT` `[B, H]` the gradients of the final states (null: zero). The gate gradients of all
 * steps go to one `[T*B, 4H]` heap matrix; each step's recurrent gradient W_hh^T dG_t (W_hh^T
 * packed once) accumulates into the carried dh, and the weight, bias and input gradients are
 * single products (and one column sum) over all steps.
 */
export function lstmLayerBackward(
  dOutTm: Float32Array | null,
  dhT: Float32Array | null,
  dcT: Float32Array | null,
  xTm: Float32Array,
  wIh: Float32Array,
  wHh: Float32Array,
  fwd: Pick<LstmLayerForward, 'hs' | 'cs' | 'acts'>,
  maskTm: Float32Array | null,
  B: number,
  T: number,
  I: number,
  H: number,
  needDx: boolean,
): LstmLayerGrads {
  const G = 4 * H,
    TB = T * B,
    BH = B * H,
    Bp = Math.ceil(B / 4) * 4;
  const rt = getRuntime();
  rt.reset();
  const { MR } = rt.driver;
  const slack = BACKWARD_SLACK * H;
  // The forward's resident blocks are read in place; other arrays are copied into the arena.
  const hsRes = residentOffset(fwd.hs, slack),
    csRes = residentOffset(fwd.cs, slack),
    actsRes = Bp === B ? residentOffset(fwd.acts) : -1;
  const whT = rt.alloc(Math.ceil(H / MR) * MR * G),
    dgP = rt.alloc(TB * G),
    actsP = actsRes >= 0 ? actsRes : rt.alloc(T * 4 * H * Bp),
    hsP = hsRes >= 0 ? hsRes : rt.alloc((T + 1) * BH + slack),
    csP = csRes >= 0 ? csRes : rt.alloc((T + 1) * BH + slack),
    dOutP = dOutTm ? rt.alloc(T * BH + slack) : 0,
    maskP = rt.alloc(T * Bp),
    dhP = rt.alloc(H * Bp),
    dcP = rt.alloc(H * Bp);
  packA(rt, wHh, 0, true, H, G, whT); // W_hh^T [H, 4H]
  let heap = rt.heap();
  if (actsRes < 0) copyRows(heap, actsP, fwd.acts, 0, T * 4 * H, B, B, Bp);
  if (hsRes < 0) heap.set(fwd.hs, hsP);
  if (csRes < 0) heap.set(fwd.cs, csP);
  if (dOutTm) heap.set(dOutTm, dOutP);
  maskToHeap(heap, maskP, maskTm, B, Bp, T);
  toColumns(heap, dhP, dhT, B, Bp, H);
  toColumns(heap, dcP, dcT, B, Bp, H);
  const heapAt = { wPack: whT, gates: dgP, bias: 0, hs: hsP, cs: csP, hst: dhP, cst: dcP, acts: actsP };
  runRecurrence(rt, rt.lstmDriver.KIND_BACKWARD, { ...heapAt, mask: maskP, dOut: dOutP, out: 0 }, false, B, T, H);
  heap = rt.heap();
  const dh0 = fromColumns(heap, dhP, B, Bp, H),
    dc0 = fromColumns(heap, dcP, B, Bp, H);
  return {
    ...weightGradients(rt, dgP, hsP, xTm, wIh, G, TB, I, H, needDx),
    dh0,
    dc0,
  };
}

/** `dst` `[cols, rows]` = the transpose of the heap's `src` `[rows, cols]`: four rows at a time by the wasm 4x4 transpose. */
function transposeHeap(rt: Runtime, src: number, rows: number, cols: number, dst: number): void {
  const full = rows - (rows % 4);
  for (let r = 0; r < full; r += 4) rt.wasm.packA4((dst + r) * 4, (src + r * cols) * 4, cols * 4, cols, rows * 4);
  const h = rt.heap();
  for (let r = full; r < rows; r++) for (let c = 0; c < cols; c++) h[dst + c * rows + r] = h[src + r * cols + c];
}

/**
 * The weight, bias and (when `needDx`) input gradients from the heap's dG `[T*B, 4H]` and
 * hs `[T+1, B, H]`. dW_hh and dW_ih come transposed from one product, [h_{t-1} | x_t]^T dG: its B
 * operand, dG, is then split by columns, so each thread packs only its own part of it once.
 */
function weightGradients(
  rt: Runtime,
  dgP: number,
  hsP: number,
  xTm: Float32Array,
  wIh: Float32Array,
  G: number,
  TB: number,
  I: number,
  H: number,
  needDx: boolean,
): Pick<LstmLayerGrads, 'dxTm' | 'dWih' | 'dWhh' | 'dBias'> {
  const { MR } = rt.driver;
  const W = H + I;
  const xP = rt.alloc(TB * I),
    hxT = rt.alloc(Math.ceil(W / MR) * MR * TB),
    dWT = rt.alloc(W * G),
    dWhhP = rt.alloc(G * H),
    dWihP = rt.alloc(G * I),
    dBiasP = rt.alloc(G),
    accP = rt.alloc(2 * G),
    gN = needDx ? rt.alloc(Math.ceil(TB / MR) * MR * G) : 0,
    wiP = needDx ? rt.alloc(G * I) : 0,
    dxP = needDx ? rt.alloc(TB * I) : 0;
  let heap = rt.heap();
  heap.set(xTm, xP);
  packStackedT(
    rt,
    [
      { off: hsP, width: H },
      { off: xP, width: I },
    ],
    TB,
    hxT,
  );
  product(rt, W, G, TB, {
    aPack: hxT,
    b: dgP,
    bTrans: false,
    bLd: G,
    c: dWT,
    ldc: G,
    accumulate: false,
  });
  transposeHeap(rt, dWT, H, G, dWhhP);
  transposeHeap(rt, dWT + H * G, I, G, dWihP);
  heap.fill(0, accP, accP + 2 * G);
  rt.lstm.colSum(dBiasP * 4, dgP * 4, TB, G, accP * 4);
  if (needDx) {
    rt.heap().set(wIh, wiP);
    packAFromHeap(rt, dgP, false, TB, G, gN);
    product(rt, TB, I, G, {
      aPack: gN,
      b: wiP,
      bTrans: false,
      bLd: I,
      c: dxP,
      ldc: I,
      accumulate: false,
    });
  }
  heap = rt.heap();
  return {
    dxTm: needDx ? heap.slice(dxP, dxP + TB * I) : null,
    dWih: heap.slice(dWihP, dWihP + G * I),
    dWhh: heap.slice(dWhhP, dWhhP + G * H),
    dBias: heap.slice(dBiasP, dBiasP + G),
  };
}
