// A whole LSTM layer over a sequence as one autograd op (PyTorch's equations and gate order
// i, f, g, o). The input projection of all steps is one matrix product; each step is one
// [B, H] x [H, 4H] product plus the fused cell kernel; backward (BPTT) mirrors it and forms the
// weight gradients as single products over all steps. Per-op dispatch, not arithmetic, is
// what makes step-by-step autograd LSTMs slow, so this op has one node for the whole layer,
// with three outputs (output, h, c) whose backward takes one cotangent each.
import { fmt } from '../shape.js';
import { noGrad, tidy } from '../engine.js';
import { recordMultiOutputOp, saveForBackward, saveStorageForBackward, type Tensor } from '../tensor.js';
import type { DataId } from '../../backend/backend.js';
import { checkTensor, wrap } from './util.js';
import { concat, permute, reshape, slice } from './layout.js';
import { binaryRaw } from './binary.js';
import { matmulRaw } from './matmul.js';
import { reduceSum } from './reduce.js';

/** The weights of one LSTM layer for {@link lstmSequence}: PyTorch layout, gate order i, f, g, o. */
export interface LstmWeights {
  /** `[4H, I]` */
  weightIh: Tensor;
  /** `[4H, H]` */
  weightHh: Tensor;
  /** `[4H]` or null */
  biasIh: Tensor | null;
  /** `[4H]` or null */
  biasHh: Tensor | null;
}

/** What {@link lstmSequence} returns: every step's hidden state and the final states. */
export interface LstmSequenceResult {
  /** `[B, T, H]`; zero at padded steps. */
  output: Tensor;
  /** Hidden state after each sequence's last valid step, `[B, H]`. */
  h: Tensor;
  /** Cell state after each sequence's last valid step, `[B, H]`. */
  c: Tensor;
}

/** Batch, time steps, input and hidden sizes of one layer call. */
interface LstmDims {
  B: number;
  T: number;
  I: number;
  H: number;
}

/**
 * Runs one LSTM layer over a batch-first sequence.
 * @param x `[B, T, I]`
 * @param h0 initial hidden state `[B, H]` (zeros when null)
 * @param c0 initial cell state `[B, H]` (zeros when null)
 * @param mask `[B, T]` with 1 for valid steps and 0 for padding (valid steps must come first), or null
 */
export function lstmSequence(
  x: Tensor,
  w: LstmWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  mask: Tensor | null,
): LstmSequenceResult {
  const dims = checkLstmArgs(x, w, h0, c0, mask);
  const backend = x.backend;
  if (backend.lstmLayer && backend.lstmLayerGrad) return lstmWholeLayer(x, w, h0, c0, mask, dims);
  return lstmStepwise(x, w, h0, c0, mask, dims);
}

function checkLstmArgs(x: Tensor, w: LstmWeights, h0: Tensor | null, c0: Tensor | null, mask: Tensor | null): LstmDims {
  checkTensor('lstm', 'x', x);
  if (x.rank !== 3) throw new Error(`lstm: x must be [batch, time, features], got ${fmt(x.shape)}`);
  const [B, T, I] = x.shape;
  const H = w.weightHh.shape[1];
  if (w.weightIh.rank !== 2 || w.weightIh.shape[0] !== 4 * H || w.weightIh.shape[1] !== I) {
    throw new Error(`lstm: weight_ih must be [${4 * H}, ${I}] for input size ${I}, got ${fmt(w.weightIh.shape)}`);
  }
  if (w.weightHh.rank !== 2 || w.weightHh.shape[0] !== 4 * H) {
    throw new Error(`lstm: weight_hh must be [${4 * H}, ${H}], got ${fmt(w.weightHh.shape)}`);
  }
  for (const [name, b] of [
    ['bias_ih', w.biasIh],
    ['bias_hh', w.biasHh],
  ] as const) {
    if (b && (b.rank !== 1 || b.shape[0] !== 4 * H)) {
      throw new Error(`lstm: ${name} must be [${4 * H}], got ${fmt(b.shape)}`);
    }
  }
  for (const [name, s] of [
    ['h0', h0],
    ['c0', c0],
  ] as const) {
    if (s && (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== H)) {
      throw new Error(`lstm: ${name} must be [${B}, ${H}], got ${fmt(s.shape)}`);
    }
  }
  if (mask && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T)) {
    throw new Error(`lstm: mask must be [${B}, ${T}] (batch, time), got ${fmt(mask.shape)}`);
  }
  if (T === 0) throw new Error('lstm: sequences must have at least one step (time dim is 0)');
  return { B, T, I, H };
}

/** A forward pass's three outputs and what its backward will read. */
type ForwardResult<Saved> = { output: Tensor; h: Tensor; c: Tensor; saved: Saved };

/** dL/d of output `[B, T, H]`, h and c `[B, H]`: null where no gradient reached that output. */
type LayerCotangents = [dOut: Tensor | null, dh: Tensor | null, dc: Tensor | null];

/**
 * Records the layer as one node whose outputs are output, h and c (or, when no input needs
 * grad, releases `saved` at once).
 */
function recordLayer(
  x: Tensor,
  w: LstmWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  result: LstmSequenceResult,
  saved: Tensor[],
  backward: (cotangents: LayerCotangents) => (Tensor | null)[],
): LstmSequenceResult {
  const [output, h, c] = recordMultiOutputOp([result.output, result.h, result.c], {
    op: 'lstm',
    inputs: [x, w.weightIh, w.weightHh, w.biasIh, w.biasHh, h0, c0],
    saved,
    backward: (dys) => backward([dys[0], dys[1], dys[2]]),
  });
  return { output, h, c };
}

/** The node-owned tensors the step-by-step backward reads (a type, so tidy can return it). */
type StepwiseSaved = {
  /** Time-major input `[T*B, I]`. */
  xTm: Tensor;
  /** h_0 .. h_T and c_0 .. c_T, each `[B, H]`. */
  hs: Tensor[];
  cs: Tensor[];
  /** The cell kernel's activations per step, `[B, 5H]`. */
  acts: Tensor[];
  /** Each step's `[B]` mask (null without a mask). */
  masks: (Tensor | null)[];
  wIh: Tensor;
  wHh: Tensor;
};

/** The layer on a backend without the whole-layer primitives: one `lstmCell` call per step. */
function lstmStepwise(
  x: Tensor,
  w: LstmWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  mask: Tensor | null,
  dims: LstmDims,
): LstmSequenceResult {
  const { saved: s, ...result } = tidy(() => noGrad(() => stepwiseForward(x, w, h0, c0, mask, dims)));
  const saved = [s.xTm, ...s.hs, ...s.cs, ...s.acts, ...s.masks.filter((m): m is Tensor => m !== null), s.wIh, s.wHh];
  return recordLayer(x, w, h0, c0, result, saved, (dys) => stepwiseBackward(x, w, h0, c0, dims, s, dys));
}

/** Runs the recurrence. Call inside tidy + noGrad: what is neither returned nor saved is freed. */
function stepwiseForward(
  x: Tensor,
  w: LstmWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  mask: Tensor | null,
  dims: LstmDims,
): ForwardResult<StepwiseSaved> {
  const { B, T, I, H } = dims;
  const backend = x.backend;
  const xTm = reshape(permute(x, [1, 0, 2]), [T * B, I]); // time-major rows
  let proj = matmulRaw(xTm, w.weightIh, false, true, 'lstm'); // [T*B, 4H]
  for (const b of [w.biasIh, w.biasHh]) if (b) proj = binaryRaw('add', proj, b);
  const maskTm = mask ? permute(mask, [1, 0]) : null; // [T, B]
  let h = h0 ? h0.detach() : wrap(backend.fill(B * H, 0), [B, H], x);
  let c = c0 ? c0.detach() : wrap(backend.fill(B * H, 0), [B, H], x);
  const hs: Tensor[] = [h]; // h_{t-1} for each step, then the last
  const cs: Tensor[] = [c];
  const acts: Tensor[] = [];
  const masks: (Tensor | null)[] = [];
  for (let t = 0; t < T; t++) {
    const gates = binaryRaw('add', slice(proj, [t * B, 0], [B, 4 * H]), matmulRaw(h, w.weightHh, false, true, 'lstm'));
    const m = maskTm ? reshape(slice(maskTm, [t, 0], [1, B]), [B]) : null;
    const r = backend.lstmCell(gates.dataId, c.dataId, h.dataId, m ? m.dataId : null, B, H);
    h = wrap(r.h, [B, H], x);
    c = wrap(r.c, [B, H], x);
    acts.push(wrap(r.acts, [B, 5 * H], x));
    masks.push(m);
    hs.push(h);
    cs.push(c);
  }
  let outTm = concat(hs.slice(1), 0); // [T*B, H]
  if (maskTm) outTm = binaryRaw('mul', reshape(outTm, [T, B, H]), reshape(maskTm, [T, B, 1]));
  const output = permute(reshape(outTm, [T, B, H]), [1, 0, 2]);
  const saved: StepwiseSaved = {
    xTm: saveForBackward(xTm),
    hs: hs.map(saveForBackward),
    cs: cs.map(saveForBackward),
    acts: acts.map(saveForBackward),
    masks: masks.map((m) => (m ? saveForBackward(m) : null)),
    wIh: saveForBackward(w.weightIh),
    wHh: saveForBackward(w.weightHh),
  };
  return { output, h, c, saved };
}

/** BPTT one step at a time; a missing cotangent is left out of the sums rather than made zeros. */
function stepwiseBackward(
  x: Tensor,
  w: LstmWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  dims: LstmDims,
  s: StepwiseSaved,
  [dOut, dhT, dcT]: LayerCotangents,
): (Tensor | null)[] {
  const { B, T, I, H } = dims;
  const backend = x.backend;
  const zeros = (): Tensor => wrap(backend.fill(B * H, 0), [B, H], x);
  const dOutTm = dOut ? permute(reshape(dOut, [B, T, H]), [1, 0, 2]) : null; // padded steps' output is constant 0
  let dh = dhT ? reshape(dhT, [B, H]) : null;
  let dc = dcT ? reshape(dcT, [B, H]) : zeros();
  const dGates: Tensor[] = new Array(T);
  for (let t = T - 1; t >= 0; t--) {
    // Output t is m_t * h_t, so only valid steps receive its gradient.
    let dOutT = dOutTm ? reshape(slice(dOutTm, [t, 0, 0], [1, B, H]), [B, H]) : null;
    if (dOutT && s.masks[t]) dOutT = binaryRaw('mul', dOutT, reshape(s.masks[t]!, [B, 1]));
    const dhTotal = dh && dOutT ? binaryRaw('add', dh, dOutT) : (dh ?? dOutT ?? zeros());
    const mask = s.masks[t]?.dataId ?? null;
    const r = backend.lstmCellGrad(dhTotal.dataId, dc.dataId, s.acts[t].dataId, s.cs[t].dataId, mask, B, H);
    const dG = wrap(r.dGates, [B, 4 * H], x);
    dGates[t] = dG;
    dc = wrap(r.dcPrev, [B, H], x);
    dh = binaryRaw('add', matmulRaw(dG, s.wHh, false, false), wrap(r.dhPrevSkip, [B, H], x));
  }
  const dGAll = concat(dGates, 0); // [T*B, 4H]
  const dBias = w.biasIh?.requiresGrad || w.biasHh?.requiresGrad ? reduceSum(dGAll, [0], false) : null;
  return [
    x.requiresGrad ? permute(reshape(matmulRaw(dGAll, s.wIh, false, false), [T, B, I]), [1, 0, 2]) : null,
    w.weightIh.requiresGrad ? matmulRaw(dGAll, s.xTm, true, false) : null,
    w.weightHh.requiresGrad ? matmulRaw(dGAll, concat(s.hs.slice(0, T), 0), true, false) : null,
    w.biasIh?.requiresGrad ? dBias : null,
    w.biasHh?.requiresGrad ? dBias : null,
    h0?.requiresGrad ? dh : null,
    c0?.requiresGrad ? dc : null,
  ];
}

/** The storage of an optional tensor, as the whole-layer primitives take it. */
function id(t: Tensor | null): DataId | null {
  return t ? t.dataId : null;
}

/** The node-owned tensors the whole-layer backward reads (a type, so tidy can return it). */
type WholeLayerSaved = {
  xTm: Tensor;
  /** Time-major `[T, B]` mask, or null. */
  maskTm: Tensor | null;
  /** `[T + 1, B, H]` each. */
  hs: Tensor;
  cs: Tensor;
  /** Backend-private activations only `lstmLayerGrad` reads. */
  acts: Tensor;
  wIh: Tensor;
  wHh: Tensor;
};

/**
 * The layer on a backend with `lstmLayer`/`lstmLayerGrad` (the cpu backend): the whole
 * recurrence and its BPTT are one backend call each, so a step costs no tensors or dispatches.
 */
function lstmWholeLayer(
  x: Tensor,
  w: LstmWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  mask: Tensor | null,
  dims: LstmDims,
): LstmSequenceResult {
  const { saved: s, ...result } = tidy(() => noGrad(() => wholeLayerForward(x, w, h0, c0, mask, dims)));
  const saved = [s.xTm, s.hs, s.cs, s.acts, s.wIh, s.wHh, ...(s.maskTm ? [s.maskTm] : [])];
  return recordLayer(x, w, h0, c0, result, saved, (dys) => wholeLayerBackward(x, w, dims, s, dys));
}

/** One `lstmLayer` call. Call inside tidy + noGrad: what is neither returned nor saved is freed. */
function wholeLayerForward(
  x: Tensor,
  w: LstmWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  mask: Tensor | null,
  { B, T, I, H }: LstmDims,
): ForwardResult<WholeLayerSaved> {
  const xTm = reshape(permute(x, [1, 0, 2]), [T * B, I]);
  const maskTm = mask ? permute(mask, [1, 0]) : null; // [T, B]
  const r = x.backend.lstmLayer!(
    xTm.dataId,
    w.weightIh.dataId,
    w.weightHh.dataId,
    id(w.biasIh),
    id(w.biasHh),
    id(h0),
    id(c0),
    id(maskTm),
    B,
    T,
    I,
    H,
  );
  const hs = wrap(r.hs, [T + 1, B, H], x),
    cs = wrap(r.cs, [T + 1, B, H], x);
  const last = (states: Tensor): Tensor => reshape(slice(states, [T, 0, 0], [1, B, H]), [B, H]);
  const saved: WholeLayerSaved = {
    xTm: saveForBackward(xTm),
    maskTm: maskTm ? saveForBackward(maskTm) : null,
    hs: saveForBackward(hs),
    cs: saveForBackward(cs),
    acts: saveStorageForBackward(r.acts, [T, 4 * H, B], x.backend),
    wIh: saveForBackward(w.weightIh),
    wHh: saveForBackward(w.weightHh),
  };
  return { output: wrap(r.output, [B, T, H], x), h: last(hs), c: last(cs), saved };
}

/** One `lstmLayerGrad` call; it reads a missing cotangent as zeros, so none is allocated. */
function wholeLayerBackward(
  x: Tensor,
  w: LstmWeights,
  { B, T, I, H }: LstmDims,
  s: WholeLayerSaved,
  [dOut, dh, dc]: LayerCotangents,
): (Tensor | null)[] {
  const dOutTm = dOut ? permute(reshape(dOut, [B, T, H]), [1, 0, 2]) : null;
  const g = x.backend.lstmLayerGrad!(
    id(dOutTm),
    id(dh),
    id(dc),
    s.xTm.dataId,
    s.wIh.dataId,
    s.wHh.dataId,
    s.hs.dataId,
    s.cs.dataId,
    s.acts.dataId,
    id(s.maskTm),
    B,
    T,
    I,
    H,
    x.requiresGrad,
  );
  const dx = g.dxTm ? permute(reshape(wrap(g.dxTm, [T * B, I], x), [T, B, I]), [1, 0, 2]) : null;
  const dBias = wrap(g.dBias, [4 * H], x);
  return [
    dx,
    wrap(g.dWih, [4 * H, I], x),
    wrap(g.dWhh, [4 * H, H], x),
    w.biasIh?.requiresGrad ? dBias : null,
    w.biasHh?.requiresGrad ? dBias : null,
    wrap(g.dh0, [B, H], x),
    wrap(g.dc0, [B, H], x),
  ];
}
