// Elementwise binary ops with broadcasting (add, sub, mul, div, pow, maximum, minimum) and
// comparisons, forward and backward together. Gradients of broadcast inputs are summed back
// to the input's shape (`sumToShape`).
import type { BinaryOp } from '../../backend/backend.js';
import { broadcastShapes, broadcastedAxes, shapesEqual, type Shape } from '../shape.js';
import { recordOp, needsGrad, saveForBackward, type Tensor } from '../tensor.js';
import { asTensor, checkTensor, wrap } from './util.js';
import { reshape } from './layout.js';
import { reduceSum } from './reduce.js';

/** Sums `g` over the axes along which an input of `shape` was broadcast, then reshapes to `shape`. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const axes = broadcastedAxes(shape, g.shape);
  const summed = axes.length > 0 ? reduceSum(g, axes, false) : g;
  return reshape(summed, shape);
}

/** Raw broadcasting binary op, no autograd (building block for the ops below and backward rules). */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, name: string = op): Tensor {
  const outShape = broadcastShapes(name, a.shape, b.shape);
  return wrap(a.backend.binary(op, a.dataId, a.shape, b.dataId, b.shape, outShape), outShape, a);
}

/** `a`, `b`, `out` are the saved references (which never require grad); `needB` tells whether b's gradient is wanted. */
type GradRule = (dy: Tensor, a: Tensor, b: Tensor, out: Tensor, needB: boolean) => [Tensor | null, Tensor | null];

function defineBinary(op: BinaryOp, name: string, rule: GradRule, saves: { a: boolean; b: boolean; out: boolean }) {
  return (x: Tensor | number, y: Tensor | number): Tensor => {
    const like = typeof x === 'number' ? (y as Tensor) : x;
    checkTensor(name, 'input', like);
    const a = asTensor(x, like, name);
    const b = asTensor(y, like, name);
    const out = binaryRaw(op, a, b, name);
    // Scalars made from number arguments are this call's temporaries (a node saves its own
    // reference), so code outside tidy does not leave a hidden handle behind per call.
    const release = () => {
      if (a !== x) a.dispose();
      if (b !== y) b.dispose();
    };
    if (!needsGrad(a, b)) {
      release();
      return out;
    }
    const sa = saves.a ? saveForBackward(a) : a;
    const sb = saves.b ? saveForBackward(b) : b;
    const so = saves.out ? saveForBackward(out) : out;
    const saved = [saves.a ? sa : null, saves.b ? sb : null, saves.out ? so : null].filter(
      (t): t is Tensor => t !== null,
    );
    const result = recordOp(out, {
      op: name,
      inputs: [a, b],
      saved,
      backward: (dy) => {
        const [ga, gb] = rule(dy, sa, sb, so, b.requiresGrad);
        return [
          ga && a.requiresGrad ? sumToShape(ga, a.shape) : null,
          gb && b.requiresGrad ? sumToShape(gb, b.shape) : null,
        ];
      },
    });
    release();
    return result;
  };
}

/** `a + b` with broadcasting; either side may be a number. */
export const add = defineBinary('add', 'add', (dy) => [dy, dy], { a: false, b: false, out: false });
/** `a - b` with broadcasting. */
export const sub = defineBinary('sub', 'sub', (dy) => [dy, neg(dy)], { a: false, b: false, out: false });
/** `a * b` with broadcasting. */
export const mul = defineBinary('mul', 'mul', (dy, a, b) => [binaryRaw('mul', dy, b), binaryRaw('mul', dy, a)], {
  a: true,
  b: true,
  out: false,
});
/** `a / b` with broadcasting. */
export const div = defineBinary(
  'div',
  'div',
  (dy, _a, b, out) => {
    const ga = binaryRaw('div', dy, b);
    // d(a/b)/db = -(a/b)/b = -out/b
    const gb = neg(binaryRaw('mul', ga, out));
    return [ga, gb];
  },
  { a: false, b: true, out: true },
);
/** `a ** b` elementwise; the gradient w.r.t. `b` uses log(a) (NaN for a < 0, as in PyTorch). */
export const pow = defineBinary(
  'pow',
  'pow',
  (dy, a, b, out, needB) => {
    // d/da = b * a^(b-1) = b * out / a, computed without dividing by a (a may be 0).
    const bm1 = binaryRaw('sub', b, asTensor(1, b, 'pow'));
    const ga = binaryRaw('mul', dy, binaryRaw('mul', b, binaryRaw('pow', a, bm1)));
    const gb = needB
      ? binaryRaw('mul', dy, binaryRaw('mul', out, wrap(a.backend.unary('log', a.dataId, a.size), a.shape, a)))
      : null;
    return [ga, gb];
  },
  { a: true, b: true, out: true },
);
/** Elementwise maximum; ties split the gradient evenly (PyTorch). */
export const maximum = defineBinary('maximum', 'maximum', (dy, a, b) => tieSplit(dy, a, b, 'gt'), {
  a: true,
  b: true,
  out: false,
});
/** Elementwise minimum; ties split the gradient evenly (PyTorch). */
export const minimum = defineBinary('minimum', 'minimum', (dy, a, b) => tieSplit(dy, a, b, 'lt'), {
  a: true,
  b: true,
  out: false,
});

function tieSplit(dy: Tensor, a: Tensor, b: Tensor, win: 'gt' | 'lt'): [Tensor, Tensor] {
  const half = asTensor(0.5, a, 'maximum');
  const wa = binaryRaw('add', binaryRaw(win, a, b), binaryRaw('mul', binaryRaw('eq', a, b), half));
  const wb = binaryRaw('sub', asTensor(1, a, 'maximum'), wa);
  return [binaryRaw('mul', dy, wa), binaryRaw('mul', dy, wb)];
}

function compare(op: BinaryOp) {
  return (x: Tensor | number, y: Tensor | number): Tensor => {
    const like = typeof x === 'number' ? (y as Tensor) : x;
    checkTensor(op, 'input', like);
    const a = asTensor(x, like, op);
    const b = asTensor(y, like, op);
    const out = binaryRaw(op, a, b);
    if (a !== x) a.dispose();
    if (b !== y) b.dispose();
    return out;
  };
}

/** 1 where `a == b`, else 0 (no gradient). */
export const equal = compare('eq');
/** 1 where `a > b`, else 0 (no gradient). */
export const greater = compare('gt');
/** 1 where `a < b`, else 0 (no gradient). */
export const less = compare('lt');
/** 1 where `a >= b`, else 0 (no gradient). */
export const greaterEqual = compare('ge');
/** 1 where `a <= b`, else 0 (no gradient). */
export const lessEqual = compare('le');

// neg is needed by sub's rule; defined in unary.ts, imported lazily to keep files one-job.
import { neg } from './unary.js';
