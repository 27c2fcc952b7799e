// Matrix products: `matmul` (NumPy rules: 1-D operands promoted, batch dims broadcast when one
// side has none or they match) and `linear` (x W^T + b, PyTorch's layout), each with its
// gradient written as transposed products so no transpose is ever materialised.
import { broadcastShapes, fmt, sizeOf } from '../shape.js';
import { tidy } from '../engine.js';
import { recordOp, needsGrad, saveForBackward, type Tensor } from '../tensor.js';
import { checkTensor, wrap } from './util.js';
import { reshape } from './layout.js';
import { reduceSum } from './reduce.js';

interface Operand {
  t: Tensor;
  batchShape: number[];
  rows: number;
  cols: number;
}

function operand(t: Tensor, op: string, name: string): Operand {
  if (t.rank < 2) throw new Error(`${op}: ${name} must have rank >= 2 here, got ${fmt(t.shape)}`);
  return { t, batchShape: t.shape.slice(0, -2), rows: t.shape[t.rank - 2], cols: t.shape[t.rank - 1] };
}

/**
 * @internal Batched op(A) op(B) on tensors of rank >= 2, no autograd. Batch dims must match,
 * or one side must have a batch of one matrix (broadcast).
 */
export function matmulRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean, op = 'matmul'): Tensor {
  const A = operand(a, op, 'a');
  const B = operand(b, op, 'b');
  const M = transA ? A.cols : A.rows;
  const K = transA ? A.rows : A.cols;
  const Kb = transB ? B.cols : B.rows;
  const N = transB ? B.rows : B.cols;
  if (K !== Kb) {
    throw new Error(
      `${op}: inner dims do not match: a ${fmt(a.shape)}${transA ? '^T' : ''} and b ${fmt(b.shape)}${transB ? '^T' : ''} (${K} vs ${Kb})`,
    );
  }
  const aBatch = sizeOf(A.batchShape);
  const bBatch = sizeOf(B.batchShape);
  // NumPy broadcasting of the batch dims, limited to what one strided pass does: each side is
  // either the whole batch (then its layout is the output's) or a single matrix reused.
  let batchShape: number[] | null;
  try {
    batchShape = broadcastShapes(op, A.batchShape, B.batchShape);
  } catch {
    batchShape = null;
  }
  const batch = batchShape ? sizeOf(batchShape) : -1;
  if (batchShape === null || (aBatch !== batch && aBatch !== 1) || (bBatch !== batch && bBatch !== 1)) {
    throw new Error(
      `${op}: batch dims of a ${fmt(a.shape)} and b ${fmt(b.shape)} must match or one side must be a single matrix`,
    );
  }
  const id = a.backend.matmul(
    a.dataId,
    b.dataId,
    batch,
    M,
    N,
    K,
    transA,
    transB,
    aBatch === 1 ? 0 : M * K,
    bBatch === 1 ? 0 : K * N,
  );
  return wrap(id, [...batchShape, M, N], a);
}

/** Sums a batched gradient back over the batch when the operand was a single broadcast matrix. */
function unbatch(g: Tensor, target: Tensor): Tensor {
  if (g.size === target.size) return reshape(g, target.shape);
  const batchAxes = g.shape.slice(0, -2).map((_, i) => i);
  return reshape(reduceSum(g, batchAxes, false), target.shape);
}

/**
 * Matrix product with NumPy semantics: `[..., M, K] x [..., K, N] -> [..., M, N]`; a 1-D
 * operand is treated as a row (left) or column (right) vector and its dim dropped.
 * @example
 * matmul(randn([2, 3]), randn([3, 4])); // [2, 4]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b);
  for (const [name, t] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (t.rank === 0)
      throw new Error(`matmul: ${name} must have rank >= 1 (a scalar is not a matrix), got shape ${fmt(t.shape)}`);
  }
  if (a.backend !== b.backend) throw new Error(`matmul: a is on '${a.backend.name}' and b on '${b.backend.name}'`);
  if (a.rank > 1 && b.rank > 1) return matmul2(a, b);
  // tidy: the promoted operands and the 2-D product are temporaries.
  return tidy(() => {
    const out = matmul2(a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a, b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b);
    const shape = out.shape.slice(0, -2);
    if (a.rank !== 1) shape.push(out.shape[out.rank - 2]);
    if (b.rank !== 1) shape.push(out.shape[out.rank - 1]);
    return reshape(out, shape);
  });
}

function matmul2(a: Tensor, b: Tensor): Tensor {
  const out = matmulRaw(a, b, false, false);
  if (!needsGrad(a, b)) return out;
  const sa = saveForBackward(a);
  const sb = saveForBackward(b);
  return recordOp(out, {
    op: 'matmul',
    inputs: [a, b],
    saved: [sa, sb],
    backward: (dy) => [
      a.requiresGrad ? unbatch(matmulRaw(dy, sb, false, true), a) : null,
      b.requiresGrad ? unbatch(matmulRaw(sa, dy, true, false), b) : null,
    ],
  });
}

/**
 * A fully connected layer's map: `x W^T + b` with `x [..., in]`, `weight [out, in]`,
 * `bias [out]` (PyTorch's layout, so PyTorch weights load unchanged).
 * @example
 * linear(randn([8, 4096]), randn([3, 4096]), zeros([3])); // [8, 3]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor('linear', 'x', x);
  checkTensor('linear', 'weight', weight);
  if (weight.rank !== 2) throw new Error(`linear: weight must be 2-D [out, in], got ${fmt(weight.shape)}`);
  if (x.rank < 1) throw new Error(`linear: x must have rank >= 1, got ${fmt(x.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.shape[x.rank - 1] !== inF) {
    throw new Error(
      `linear: x's last dim is ${x.shape[x.rank - 1]} (shape ${fmt(x.shape)}) but weight expects ${inF} input features (shape ${fmt(weight.shape)})`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outF)) {
    throw new Error(`linear: bias must have shape [${outF}], got ${fmt(bias.shape)}`);
  }
  const rows = x.size / inF;
  const x2 = reshape(x, [rows, inF]);
  let y = matmulRaw(x2, weight, false, true, 'linear');
  if (bias) {
    const withBias = wrap(y.backend.binary('add', y.dataId, y.shape, bias.dataId, bias.shape, y.shape), y.shape, y);
    y.dispose();
    y = withBias;
  }
  const outShape = [...x.shape.slice(0, -1), outF];
  const out = reshape(y, outShape);
  y.dispose();
  if (!needsGrad(x, weight, bias)) {
    x2.dispose();
    return out;
  }
  const sx = saveForBackward(x2);
  x2.dispose();
  const sw = saveForBackward(weight);
  return recordOp(out, {
    op: 'linear',
    inputs: [x, weight, bias ?? null],
    saved: [sx, sw],
    backward: (dy) => {
      const dy2 = reshape(dy, [rows, outF]);
      return [
        x.requiresGrad ? reshape(matmulRaw(dy2, sw, false, false), x.shape) : null,
        weight.requiresGrad ? matmulRaw(dy2, sx, true, false) : null,
        bias && bias.requiresGrad ? reduceSum(dy2, [0], false) : null,
      ];
    },
  });
}
