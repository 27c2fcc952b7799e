// A whole LSTM layer over a sequence as one autograd op (PyTorch's equations and gate order
// i, f, g, o). The input projection of all steps is one matrix product; each step is one
// [B, H] x [H, 4H] product plus the fused cell kernel; backward (BPTT) mirrors it and forms the
// weight gradients as single products over all steps. Per-op dispatch, not arithmetic, is
// what makes step-by-step autograd LSTMs slow, so this op has one node for the whole layer.
import { fmt } from '../shape.js';
import { noGrad, tidy } from '../engine.js';
import { recordOp, needsGrad, saveForBackward, type Tensor } from '../tensor.js';
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

/**
 * Runs one LSTM layer over a batch-first sequence.
 * @param x `[B, T, I]`
 * @param h0 initial hidden state `[B, H]` (zeros when null)
 * @param c0 initial cell state `[B, H]` (zeros when null)
 * @param mask `[B, T]` with 1 for valid steps and 0 for padding (valid steps must come first), or null
 */
export function lstmSequence(x: Tensor, w: LstmWeights, h0: Tensor | null, c0: Tensor | null, mask: Tensor | null): LstmSequenceResult {
  checkTensor('lstm', 'x', x);
  if (x.rank !== 3) throw new Error(`lstm: x must be [batch, time, features], got ${fmt(x.shape)}`);
  const [B, T, I] = x.shape;
  const H = w.weightHh.shape[1];
  if (w.weightIh.rank !== 2 || w.weightIh.shape[0] !== 4 * H || w.weightIh.shape[1] !== I) {
    throw new Error(`lstm: weight_ih must be [${4 * H}, ${I}] for input size ${I}, got ${fmt(w.weightIh.shape)}`);
  }
  if (w.weightHh.rank !== 2 || w.weightHh.shape[0] !== 4 * H) throw new Error(`lstm: weight_hh must be [${4 * H}, ${H}], got ${fmt(w.weightHh.shape)}`);
  for (const [name, b] of [['bias_ih', w.biasIh], ['bias_hh', w.biasHh]] as const) {
    if (b && (b.rank !== 1 || b.shape[0] !== 4 * H)) throw new Error(`lstm: ${name} must be [${4 * H}], got ${fmt(b.shape)}`);
  }
  for (const [name, s] of [['h0', h0], ['c0', c0]] as const) {
    if (s && (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== H)) throw new Error(`lstm: ${name} must be [${B}, ${H}], got ${fmt(s.shape)}`);
  }
  if (mask && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T)) {
    throw new Error(`lstm: mask must be [${B}, ${T}] (batch, time), got ${fmt(mask.shape)}`);
  }
  if (T === 0) throw new Error('lstm: sequences must have at least one step (time dim is 0)');
  const backend = x.backend;
  if (backend.lstmLayer && backend.lstmLayerGrad) return lstmWholeLayer(x, w, h0, c0, mask, B, T, I, H);

  // Forward. Everything made here is a temporary except what is returned or saved.
  const fwd = tidy(() => noGrad(() => {
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
    // Pack output, h_T, c_T into one tensor so the whole layer is one autograd node.
    const packed = concat([reshape(output, [B, T * H]), h, c], 1); // [B, (T + 2) H]
    return { packed, xTm, hs, cs, acts, masks };
  }));

  const inputs = [x, w.weightIh, w.weightHh, w.biasIh, w.biasHh, h0, c0];
  const packed = fwd.packed;
  const temporaries = [fwd.xTm, ...fwd.hs, ...fwd.cs, ...fwd.acts, ...fwd.masks.filter((m): m is Tensor => m !== null)];
  if (needsGrad(...inputs)) {
    const xTm = saveForBackward(fwd.xTm);
    const hs = fwd.hs.map(saveForBackward);
    const cs = fwd.cs.map(saveForBackward);
    const acts = fwd.acts.map(saveForBackward);
    const masks = fwd.masks.map((m) => (m ? saveForBackward(m) : null));
    const wIh = saveForBackward(w.weightIh);
    const wHh = saveForBackward(w.weightHh);
    for (const t of temporaries) t.dispose();
    recordOp(packed, {
      op: 'lstm',
      inputs,
      saved: [xTm, ...hs, ...cs, ...acts, ...masks.filter((m): m is Tensor => m !== null), wIh, wHh],
      backward: (dPacked) => {
        const dOut = reshape(slice(dPacked, [0, 0], [B, T * H]), [B, T, H]);
        let dh = slice(dPacked, [0, T * H], [B, H]);
        let dc = slice(dPacked, [0, (T + 1) * H], [B, H]);
        const dOutTm = permute(dOut, [1, 0, 2]); // [T, B, H]; padded steps' output is constant 0
        const dGates: Tensor[] = new Array(T);
        for (let t = T - 1; t >= 0; t--) {
          // Output t is m_t * h_t, so only valid steps receive its gradient.
          let dOutT = reshape(slice(dOutTm, [t, 0, 0], [1, B, H]), [B, H]);
          if (masks[t]) dOutT = binaryRaw('mul', dOutT, reshape(masks[t]!, [B, 1]));
          const dhTotal = binaryRaw('add', dh, dOutT);
          const r = backend.lstmCellGrad(dhTotal.dataId, dc.dataId, acts[t].dataId, cs[t].dataId, masks[t] ? masks[t]!.dataId : null, B, H);
          const dG = wrap(r.dGates, [B, 4 * H], dPacked);
          dGates[t] = dG;
          dc = wrap(r.dcPrev, [B, H], dPacked);
          const skip = wrap(r.dhPrevSkip, [B, H], dPacked);
          dh = binaryRaw('add', matmulRaw(dG, wHh, false, false), skip);
        }
        const dGAll = concat(dGates, 0); // [T*B, 4H]
        const hPrev = concat(hs.slice(0, T), 0); // [T*B, H]
        const dBias = w.biasIh?.requiresGrad || w.biasHh?.requiresGrad ? reduceSum(dGAll, [0], false) : null;
        return [
          x.requiresGrad ? permute(reshape(matmulRaw(dGAll, wIh, false, false), [T, B, I]), [1, 0, 2]) : null,
          w.weightIh.requiresGrad ? matmulRaw(dGAll, xTm, true, false) : null,
          w.weightHh.requiresGrad ? matmulRaw(dGAll, hPrev, true, false) : null,
          w.biasIh?.requiresGrad ? dBias : null,
          w.biasHh?.requiresGrad ? dBias : null,
          h0?.requiresGrad ? dh : null,
          c0?.requiresGrad ? dc : null,
        ];
      },
    });
  } else {
    for (const t of temporaries) t.dispose();
  }
  return unpack(packed, B, T, H);
}

/** Splits the packed `[B, (T + 2) H]` layer result into output, h and c. */
function unpack(packed: Tensor, B: number, T: number, H: number): LstmSequenceResult {
  const outFlat = slice(packed, [0, 0], [B, T * H]);
  const output = reshape(outFlat, [B, T, H]);
  outFlat.dispose();
  const h = slice(packed, [0, T * H], [B, H]);
  const c = slice(packed, [0, (T + 1) * H], [B, H]);
  packed.dispose();
  return { output, h, c };
}

/**
 * The layer on a backend with `lstmLayer`/`lstmLayerGrad` (the cpu backend): the whole
 * recurrence and its BPTT are one backend call each, so a step costs no tensors or dispatches.
 */
function lstmWholeLayer(x: Tensor, w: LstmWeights, h0: Tensor | null, c0: Tensor | null, mask: Tensor | null, B: number, T: number, I: number, H: number): LstmSequenceResult {
  const backend = x.backend;
  const layer = backend.lstmLayer!.bind(backend), layerGrad = backend.lstmLayerGrad!.bind(backend);
  const id = (t: Tensor | null): DataId | null => (t ? t.dataId : null);
  const fwd = tidy(() => noGrad(() => {
    const xTm = reshape(permute(x, [1, 0, 2]), [T * B, I]);
    const maskTm = mask ? permute(mask, [1, 0]) : null; // [T, B]
    const r = layer(xTm.dataId, w.weightIh.dataId, w.weightHh.dataId, id(w.biasIh), id(w.biasHh), id(h0), id(c0), id(maskTm), B, T, I, H);
    const hs = wrap(r.hs, [T + 1, B, H], x), cs = wrap(r.cs, [T + 1, B, H], x), acts = wrap(r.acts, [T, 5 * H, B], x);
    let outTm = slice(hs, [1, 0, 0], [T, B, H]);
    if (maskTm) outTm = binaryRaw('mul', outTm, reshape(maskTm, [T, B, 1]));
    const last = (s: Tensor) => reshape(slice(s, [T, 0, 0], [1, B, H]), [B, H]);
    const packed = concat([reshape(permute(outTm, [1, 0, 2]), [B, T * H]), last(hs), last(cs)], 1); // [B, (T + 2) H]
    return { packed, xTm, maskTm, hs, cs, acts };
  }));
  const inputs = [x, w.weightIh, w.weightHh, w.biasIh, w.biasHh, h0, c0];
  const temporaries = [fwd.xTm, fwd.hs, fwd.cs, fwd.acts, ...(fwd.maskTm ? [fwd.maskTm] : [])];
  if (needsGrad(...inputs)) {
    const [xTm, hs, cs, acts, wIh, wHh] = [fwd.xTm, fwd.hs, fwd.cs, fwd.acts, w.weightIh, w.weightHh].map(saveForBackward);
    const maskTm = fwd.maskTm ? saveForBackward(fwd.maskTm) : null;
    for (const t of temporaries) t.dispose();
    recordOp(fwd.packed, {
      op: 'lstm',
      inputs,
      saved: [xTm, hs, cs, acts, wIh, wHh, ...(maskTm ? [maskTm] : [])],
      backward: (dPacked) => {
        const dOutTm = permute(reshape(slice(dPacked, [0, 0], [B, T * H]), [B, T, H]), [1, 0, 2]);
        const dh = slice(dPacked, [0, T * H], [B, H]);
        const dc = slice(dPacked, [0, (T + 1) * H], [B, H]);
        const g = layerGrad(dOutTm.dataId, dh.dataId, dc.dataId, xTm.dataId, wIh.dataId, wHh.dataId, hs.dataId, cs.dataId, acts.dataId, id(maskTm), B, T, I, H, x.requiresGrad);
        const dx = g.dxTm ? permute(reshape(wrap(g.dxTm, [T * B, I], dPacked), [T, B, I]), [1, 0, 2]) : null;
        const dBias = wrap(g.dBias, [4 * H], dPacked);
        return [
          dx,
          wrap(g.dWih, [4 * H, I], dPacked),
          wrap(g.dWhh, [4 * H, H], dPacked),
          w.biasIh?.requiresGrad ? dBias : null,
          w.biasHh?.requiresGrad ? dBias : null,
          wrap(g.dh0, [B, H], dPacked),
          wrap(g.dc0, [B, H], dPacked),
        ];
      },
    });
  } else {
    for (const t of temporaries) t.dispose();
  }
  return unpack(fwd.packed, B, T, H);
}
