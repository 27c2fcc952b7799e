// Elementwise unary ops (neg, exp, log, sqrt, abs, square, relu, sigmoid, tanh, ...), each
// with its gradient rule beside it. Activations whose derivative is a function of the output
// save the output and use the fused `*Grad` backend ops.
import type { UnaryOp } from '../../backend/backend.js';
import { recordOp, needsGrad, saveForBackward, type Tensor } from '../tensor.js';
import { asTensor, checkTensor, wrap } from './util.js';
import { binaryRaw } from './binary.js';

/** Raw unary op, no autograd. */
export function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  return wrap(x.backend.unary(op, x.dataId, x.size), x.shape, x);
}

type Rule = (dy: Tensor, x: Tensor, y: Tensor) => Tensor;

function defineUnary(op: UnaryOp, rule: Rule | null, saves: 'x' | 'y' | 'none') {
  return (x: Tensor): Tensor => {
    checkTensor(op, 'x', x);
    const out = unaryRaw(op, x);
    if (rule === null || !needsGrad(x)) return out;
    const sx = saves === 'x' ? saveForBackward(x) : x;
    const sy = saves === 'y' ? saveForBackward(out) : out;
    return recordOp(out, {
      op,
      inputs: [x],
      saved: saves === 'x' ? [sx] : saves === 'y' ? [sy] : [],
      backward: (dy) => [rule(dy, sx, sy)],
    });
  };
}

/** Elementwise −x. */
export const neg = defineUnary('neg', (dy) => unaryRaw('neg', dy), 'none');
/** Elementwise eˣ. */
export const exp = defineUnary('exp', (dy, _x, y) => binaryRaw('mul', dy, y), 'y');
/** Elementwise natural logarithm. */
export const log = defineUnary('log', (dy, x) => binaryRaw('div', dy, x), 'x');
/** Elementwise square root. */
export const sqrt = defineUnary(
  'sqrt',
  (dy, _x, y) => binaryRaw('div', dy, binaryRaw('mul', y, asTensor(2, y, 'sqrt'))),
  'y',
);
/** Elementwise |x|. */
export const abs = defineUnary('abs', (dy, x) => binaryRaw('mul', dy, unaryRaw('sign', x)), 'x');
/** Elementwise x². */
export const square = defineUnary(
  'square',
  (dy, x) => binaryRaw('mul', dy, binaryRaw('mul', x, asTensor(2, x, 'square'))),
  'x',
);
/** Elementwise max(x, 0). */
export const relu = defineUnary('relu', (dy, _x, y) => binaryRaw('reluGrad', dy, y), 'y');
/** Elementwise 1 / (1 + e⁻ˣ). */
export const sigmoid = defineUnary('sigmoid', (dy, _x, y) => binaryRaw('sigmoidGrad', dy, y), 'y');
/** Elementwise hyperbolic tangent. */
export const tanh = defineUnary('tanh', (dy, _x, y) => binaryRaw('tanhGrad', dy, y), 'y');
/** Elementwise sine. */
export const sin = defineUnary('sin', (dy, x) => binaryRaw('mul', dy, unaryRaw('cos', x)), 'x');
/** Elementwise cosine. */
export const cos = defineUnary('cos', (dy, x) => unaryRaw('neg', binaryRaw('mul', dy, unaryRaw('sin', x))), 'x');
/** 1 where finite, 0 where NaN or infinite (no gradient). */
export const isFinite = defineUnary('isFinite', null, 'none');
/** Sign of each element, -1, 0 or 1 (no gradient). */
export const sign = defineUnary('sign', null, 'none');
