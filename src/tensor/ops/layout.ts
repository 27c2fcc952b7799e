// Ops that move or view data without arithmetic: reshape (and its aliases flatten, squeeze,
// unsqueeze), permute/transpose, slice, concat/stack, broadcastTo, clone. Each backward is the
// inverse movement.
import { ENGINE, tidy } from '../engine.js';
import { fmt, normAxis, shapesEqual, sizeOf, broadcastShapes, type Shape } from '../shape.js';
import { Tensor, recordOp, needsGrad } from '../tensor.js';
import { checkTensor, wrap } from './util.js';
import { sumToShape } from './binary.js';

/**
 * The same values in a new shape (shares storage). One dim may be -1 (inferred).
 * @example
 * arange(6).reshape([2, 3]);
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', 'x', x);
  const target = [...shape];
  const unknown = target.indexOf(-1);
  if (target.lastIndexOf(-1) !== unknown) {
    throw new Error(`reshape: only one dim may be -1, got ${fmt(shape)}`);
  }
  if (unknown >= 0) {
    const known = sizeOf(target.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) {
      throw new Error(
        `reshape: cannot infer -1 in ${fmt(shape)} for a tensor of shape ${fmt(x.shape)} (${x.size} elements)`,
      );
    }
    target[unknown] = x.size / known;
  }
  if (target.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(target) !== x.size) {
    throw new Error(`reshape: cannot reshape a tensor of shape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
  }
  ENGINE.incRef(x.dataId);
  const out = new Tensor(x.dataId, target, x.backend);
  if (!needsGrad(x)) return out;
  const inShape = x.shape;
  return recordOp(out, { op: 'reshape', inputs: [x], backward: (dy) => [reshape(dy, inShape)] });
}

/** Flattens dims `startDim..endDim` into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', 'x', x);
  if (x.rank === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startDim, x.rank);
  const e = normAxis('flatten', endDim, x.rank);
  if (e < s) throw new Error(`flatten: endDim ${endDim} comes before startDim ${startDim}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Removes dim `dim` (which must be 1), or every dim of size 1. */
export function squeeze(x: Tensor, dim?: number): Tensor {
  checkTensor('squeeze', 'x', x);
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const a = normAxis('squeeze', dim, x.rank);
  if (x.shape[a] !== 1) return reshape(x, x.shape);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}

/** Inserts a dim of size 1 at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor('unsqueeze', 'x', x);
  const a = normAxis('unsqueeze', dim, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Reorders dims: output dim i is input dim `perm[i]`. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  checkTensor('permute', 'x', x);
  const p = perm.map((d) => normAxis('permute', d, x.rank));
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new Error(`permute: perm ${fmt(perm)} is not a permutation of the ${x.rank} dims of shape ${fmt(x.shape)}`);
  }
  const outShape = p.map((d) => x.shape[d]);
  const out = wrap(x.backend.permute(x.dataId, x.shape, p), outShape, x);
  if (!needsGrad(x)) return out;
  const inverse = new Array<number>(p.length);
  p.forEach((d, i) => (inverse[d] = i));
  return recordOp(out, { op: 'permute', inputs: [x], backward: (dy) => [permute(dy, inverse)] });
}

/** Swaps two dims (the last two by default). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkTensor('transpose', 'x', x);
  if (x.rank < 2) return reshape(x, x.shape);
  const a = normAxis('transpose', dim0, x.rank);
  const b = normAxis('transpose', dim1, x.rank);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/**
 * The box `[begin, begin + size)`; `size` entries of -1 (or a missing `size`) run to the end.
 * Negative `begin` counts from the end.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  checkTensor('slice', 'x', x);
  if (begin.length > x.rank || (size && size.length > x.rank)) {
    throw new Error(
      `slice: begin ${fmt(begin)} / size ${fmt(size ?? [])} have more dims than the tensor's shape ${fmt(x.shape)}`,
    );
  }
  const b = x.shape.map((d, i) => {
    const v = begin[i] ?? 0;
    return v < 0 ? v + d : v;
  });
  const s = x.shape.map((d, i) => {
    const v = size?.[i] ?? -1;
    return v === -1 ? d - b[i] : v;
  });
  for (let i = 0; i < x.rank; i++) {
    if (!Number.isInteger(b[i]) || !Number.isInteger(s[i]) || b[i] < 0 || s[i] < 0 || b[i] + s[i] > x.shape[i]) {
      throw new Error(
        `slice: begin ${fmt(begin)} size ${fmt(size ?? [])} is out of bounds for shape ${fmt(x.shape)} (dim ${i})`,
      );
    }
  }
  const out = wrap(x.backend.slice(x.dataId, x.shape, b, s), s, x);
  if (!needsGrad(x)) return out;
  const inShape = x.shape;
  return recordOp(out, {
    op: 'slice',
    inputs: [x],
    backward: (dy) => [wrap(dy.backend.padSlice(dy.dataId, dy.shape, inShape, b), inShape, dy)],
  });
}

/** Joins tensors along an existing dim; all other dims must match. */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('concat: tensors must be a non-empty array');
  tensors.forEach((t, i) => checkTensor('concat', `tensors[${i}]`, t));
  const first = tensors[0];
  const axis = normAxis('concat', dim, first.rank);
  for (let i = 0; i < tensors.length; i++) {
    const t: Tensor = tensors[i];
    if (t.backend !== first.backend)
      throw new Error(`concat: tensors[${i}] is on backend '${t.backend.name}', tensors[0] on '${first.backend.name}'`);
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== axis && d !== first.shape[j])) {
      throw new Error(
        `concat: tensors[${i}] has shape ${fmt(t.shape)}, incompatible with tensors[0] ${fmt(first.shape)} along dim ${axis}`,
      );
    }
  }
  const outShape = [...first.shape];
  outShape[axis] = tensors.reduce((n, t) => n + t.shape[axis], 0);
  const out = wrap(
    first.backend.concat(
      tensors.map((t) => t.dataId),
      tensors.map((t) => t.shape),
      axis,
    ),
    outShape,
    first,
  );
  if (!needsGrad(...tensors)) return out;
  const sizes = tensors.map((t) => t.shape[axis]);
  return recordOp(out, {
    op: 'concat',
    inputs: [...tensors],
    backward: (dy: Tensor) => {
      let offset = 0;
      return sizes.map((n, i) => {
        const begin = dy.shape.map((_, j) => (j === axis ? offset : 0));
        const size = dy.shape.map((d, j) => (j === axis ? n : d));
        offset += n;
        return tensors[i].requiresGrad ? slice(dy, begin, size) : null;
      });
    },
  });
}

/** Joins same-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('stack: tensors must be a non-empty array');
  tensors.forEach((t, i) => {
    checkTensor('stack', `tensors[${i}]`, t);
    if (!shapesEqual(t.shape, tensors[0].shape)) {
      throw new Error(`stack: tensors[${i}] has shape ${fmt(t.shape)} but tensors[0] has ${fmt(tensors[0].shape)}`);
    }
  });
  const axis = normAxis('stack', dim, tensors[0].rank + 1);
  return tidy(() =>
    concat(
      tensors.map((t) => unsqueeze(t, axis)),
      axis,
    ),
  ); // tidy: frees the unsqueezed views
}

/** Broadcasts `x` to `shape` (a real copy), with the gradient summed back. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  checkTensor('broadcastTo', 'x', x);
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(target, shape)) throw new Error(`broadcastTo: cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  const zeros = wrap(x.backend.fill(sizeOf(shape), 0), shape, x);
  // 0 + x, not x + 0: backends special-case a small second operand (a scalar, a trailing row),
  // which is what x is here; the sum is the same either way.
  const out = wrap(x.backend.binary('add', zeros.dataId, shape, x.dataId, x.shape, shape), shape, x);
  zeros.dispose();
  if (!needsGrad(x)) return out;
  const inShape = x.shape;
  return recordOp(out, { op: 'broadcastTo', inputs: [x], backward: (dy) => [sumToShape(dy, inShape)] });
}

/** A copy with its own storage. */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', 'x', x);
  const out = wrap(
    x.backend.slice(
      x.dataId,
      x.shape,
      x.shape.map(() => 0),
      x.shape,
    ),
    x.shape,
    x,
  );
  if (!needsGrad(x)) return out;
  return recordOp(out, { op: 'clone', inputs: [x], backward: (dy) => [dy] });
}

/** Ones with `x`'s shape and backend. */
export function onesLike(x: Tensor): Tensor {
  return wrap(x.backend.fill(x.size, 1), x.shape, x);
}

/** Zeros with `x`'s shape and backend. */
export function zerosLike(x: Tensor): Tensor {
  return wrap(x.backend.fill(x.size, 0), x.shape, x);
}
