// Bad input raises an Error that names the op, the argument, what was expected and what was
// given, so a user can fix the call from the message alone. Each regex checks that content.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  add,
  avgPool3d,
  concat,
  conv3d,
  dropout,
  linear,
  liveTensorCount,
  logSoftmax,
  lstmSequence,
  matmul,
  maxPool3d,
  mean,
  mul,
  reshape,
  slice,
  softmax,
  stack,
  sum,
  tensor,
  tidy,
  where,
  zeros,
  broadcastTo,
  permute,
  type Tensor,
} from '../../src/index.js';

const z = (...shape: number[]): Tensor => zeros(shape);

// Errors must not leak: a failed call leaves no handle behind.
let baseline = 0;
beforeEach(() => {
  baseline = liveTensorCount();
});
afterEach(() => {
  expect(liveTensorCount()).toBe(baseline);
});

describe('conv3d', () => {
  it('wrong ranks of x and weight', () => {
    tidy(() => {
      expect(() => conv3d(z(2, 3, 4, 4), z(2, 3, 1, 1, 1))).toThrow(
        /conv3d: input x must be 5-D \[N, C, D, H, W\], got shape \[2, 3, 4, 4\]/,
      );
      expect(() => conv3d(z(1, 3, 4, 4, 4), z(2, 3, 3, 3))).toThrow(
        /conv3d: weight must be 5-D \[out, in, kD, kH, kW\], got shape \[2, 3, 3, 3\]/,
      );
    });
  });
  it('mismatched channels names both shapes', () => {
    tidy(() => {
      expect(() => conv3d(z(1, 3, 4, 4, 4), z(8, 2, 3, 3, 3))).toThrow(
        /conv3d: weight expects 2 input channels \(weight shape \[8, 2, 3, 3, 3\]\) but input x has 3 \(shape \[1, 3, 4, 4, 4\]\)/,
      );
    });
  });
  it('kernel larger than the padded input names the dim, kernel, dilation and padded size', () => {
    tidy(() => {
      expect(() => conv3d(z(1, 1, 2, 8, 8), z(1, 1, 5, 3, 3), null, { padding: 1 })).toThrow(
        /conv3d: kernel extent 5 along depth \(kernel 5, dilation 1\) is larger than the padded input 4 \(input 2, padding 1\)/,
      );
      expect(() => conv3d(z(1, 1, 8, 8, 4), z(1, 1, 3, 3, 3), null, { dilation: 2 })).toThrow(
        /conv3d: kernel extent 5 along width .* padded input 4/,
      );
    });
  });
  it('bad bias shape and bad options', () => {
    tidy(() => {
      expect(() => conv3d(z(1, 2, 4, 4, 4), z(3, 2, 3, 3, 3), z(2))).toThrow(
        /conv3d: bias must have shape \[3\], got \[2\]/,
      );
      expect(() => conv3d(z(1, 2, 4, 4, 4), z(3, 2, 3, 3, 3), null, { stride: 0 })).toThrow(
        /conv3d: stride must be integers >= 1, got 0/,
      );
      expect(() => conv3d(z(1, 2, 4, 4, 4), z(3, 2, 3, 3, 3), null, { padding: -1 })).toThrow(
        /conv3d: padding must be integers >= 0, got -1/,
      );
      expect(() =>
        conv3d(z(1, 2, 4, 4, 4), z(3, 2, 3, 3, 3), null, { stride: [1, 2] as unknown as [number, number, number] }),
      ).toThrow(/conv3d: stride must be a number or a \[d, h, w\] triple, got \[1,2\]/);
    });
  });
});

describe('pooling', () => {
  it('wrong rank', () => {
    tidy(() => {
      expect(() => maxPool3d(z(1, 4, 4, 4), { kernelSize: 2 })).toThrow(
        /maxPool3d: input x must be 5-D \[N, C, D, H, W\], got shape \[1, 4, 4, 4\]/,
      );
      expect(() => avgPool3d(z(4, 4), { kernelSize: 2 })).toThrow(
        /avgPool3d: input x must be 5-D .* got shape \[4, 4\]/,
      );
    });
  });
  it('kernel larger than the padded input, padding over half the kernel, missing kernelSize', () => {
    tidy(() => {
      expect(() => maxPool3d(z(1, 1, 2, 4, 4), { kernelSize: 3 })).toThrow(
        /maxPool3d: kernel 3 along depth is larger than the padded input 2 \(input 2, padding 0\)/,
      );
      expect(() => maxPool3d(z(1, 1, 4, 4, 4), { kernelSize: 2, padding: 2 })).toThrow(
        /maxPool3d: padding along depth must be at most half the kernel size \(kernel 2\), got 2/,
      );
      expect(() => avgPool3d(z(1, 1, 4, 4, 4), {} as { kernelSize: number })).toThrow(
        /avgPool3d: options.kernelSize is required/,
      );
    });
  });
});

describe('linear and matmul', () => {
  it('linear: wrong ranks and mismatched features name both shapes', () => {
    tidy(() => {
      expect(() => linear(z(2, 4), z(3, 4, 1))).toThrow(/linear: weight must be 2-D \[out, in\], got \[3, 4, 1\]/);
      expect(() => linear(tensor(1), z(3, 4))).toThrow(/linear: x must have rank >= 1, got \[\]/);
      expect(() => linear(z(2, 5), z(3, 4))).toThrow(
        /linear: x's last dim is 5 \(shape \[2, 5\]\) but weight expects 4 input features \(shape \[3, 4\]\)/,
      );
      expect(() => linear(z(2, 4), z(3, 4), z(4))).toThrow(/linear: bias must have shape \[3\], got \[4\]/);
    });
  });
  it('matmul: rank 0 names the operand, inner dims and batch dims name both shapes', () => {
    tidy(() => {
      expect(() => matmul(tensor(2), z(3))).toThrow(/matmul: a must have rank >= 1 .*got shape \[\]/);
      expect(() => matmul(z(3), tensor(2))).toThrow(/matmul: b must have rank >= 1 .*got shape \[\]/);
      expect(() => matmul(z(2, 3), z(4, 5))).toThrow(
        /matmul: inner dims do not match: a \[2, 3\] and b \[4, 5\] \(3 vs 4\)/,
      );
      expect(() => matmul(z(3), z(4))).toThrow(/matmul: inner dims do not match: a \[1, 3\] and b \[4, 1\] \(3 vs 4\)/);
      // [2, 3] and [3, 2] batch dims do not broadcast (NumPy refuses); this used to pair them by flat index.
      expect(() => matmul(z(2, 3, 4, 5), z(3, 2, 5, 6))).toThrow(
        /matmul: batch dims of a \[2, 3, 4, 5\] and b \[3, 2, 5, 6\] must match or one side must be a single matrix/,
      );
      expect(() => matmul(z(2, 4, 5), z(3, 5, 6))).toThrow(/matmul: batch dims of a \[2, 4, 5\] and b \[3, 5, 6\]/);
    });
  });
});

describe('broadcasting, reshape, slice, concat', () => {
  it('broadcasting failure names the op, both shapes and the dim', () => {
    tidy(() => {
      expect(() => add(z(2, 3), z(4))).toThrow(
        /add: shapes \[2, 3\] and \[4\] cannot be broadcast together \(dim 1: 3 vs 4\)/,
      );
      expect(() => mul(z(2, 3, 4), z(3, 3, 1))).toThrow(
        /mul: shapes \[2, 3, 4\] and \[3, 3, 1\] cannot be broadcast together \(dim 0: 2 vs 3\)/,
      );
      expect(() => where(z(2, 1), z(2, 3), z(5))).toThrow(
        /where: shapes \[2, 3\] and \[5\] cannot be broadcast together/,
      );
      expect(() => broadcastTo(z(2, 3), [4, 3])).toThrow(
        /broadcastTo: shapes \[2, 3\] and \[4, 3\] cannot be broadcast together/,
      );
      expect(() => broadcastTo(z(2, 3), [1, 3])).toThrow(/broadcastTo: cannot broadcast \[2, 3\] to \[1, 3\]/);
    });
  });
  it('reshape to a wrong size names both shapes and the element count', () => {
    tidy(() => {
      expect(() => reshape(z(2, 3), [4])).toThrow(
        /reshape: cannot reshape a tensor of shape \[2, 3\] \(6 elements\) to \[4\]/,
      );
      expect(() => reshape(z(2, 3), [4, -1])).toThrow(
        /reshape: cannot infer -1 in \[4, -1\] for a tensor of shape \[2, 3\] \(6 elements\)/,
      );
      expect(() => reshape(z(2, 3), [-1, -1])).toThrow(/reshape: only one dim may be -1, got \[-1, -1\]/);
    });
  });
  it('slice out of bounds names begin, size, shape and the dim', () => {
    tidy(() => {
      expect(() => slice(z(2, 3), [0, 2], [1, 3])).toThrow(
        /slice: begin \[0, 2\] size \[1, 3\] is out of bounds for shape \[2, 3\] \(dim 1\)/,
      );
      expect(() => slice(z(2, 3), [3, 0])).toThrow(
        /slice: begin \[3, 0\] .* out of bounds for shape \[2, 3\] \(dim 0\)/,
      );
      expect(() => slice(z(2, 3), [0, 0, 0])).toThrow(
        /slice: begin \[0, 0, 0\] .* more dims than the tensor's shape \[2, 3\]/,
      );
    });
  });
  it('concat / stack of mismatched shapes names the offending tensor and both shapes', () => {
    tidy(() => {
      expect(() => concat([z(2, 3), z(2, 4)], 0)).toThrow(
        /concat: tensors\[1\] has shape \[2, 4\], incompatible with tensors\[0\] \[2, 3\] along dim 0/,
      );
      expect(() => concat([z(2, 3), z(2)], 1)).toThrow(
        /concat: tensors\[1\] has shape \[2\], incompatible with tensors\[0\] \[2, 3\]/,
      );
      expect(() => concat([], 0)).toThrow(/concat: tensors must be a non-empty array/);
      expect(() => stack([z(3), z(3), z(4)])).toThrow(/stack: tensors\[2\] has shape \[4\] but tensors\[0\] has \[3\]/);
    });
  });
  it('dims out of range name the op, the dim and the rank', () => {
    tidy(() => {
      expect(() => sum(z(2, 3), 2)).toThrow(/sum: dim 2 is out of range for a tensor of rank 2/);
      expect(() => mean(z(2, 3), -3)).toThrow(/mean: dim -3 is out of range for a tensor of rank 2/);
      expect(() => permute(z(2, 3), [0, 0])).toThrow(
        /permute: perm \[0, 0\] is not a permutation of the 2 dims of shape \[2, 3\]/,
      );
    });
  });
});

describe('softmax, dropout, lstm, non-tensor inputs', () => {
  it('softmax / logSoftmax without dim', () => {
    tidy(() => {
      expect(() => (softmax as (x: Tensor) => Tensor)(z(2, 3))).toThrow(/softmax: dim is required/);
      expect(() => (logSoftmax as (x: Tensor) => Tensor)(z(2, 3))).toThrow(/logSoftmax: dim is required/);
      expect(() => softmax(z(2, 3), 2)).toThrow(/softmax: dim 2 is out of range for a tensor of rank 2/);
    });
  });
  it('bad dropout p names the value and the valid range', () => {
    tidy(() => {
      expect(() => dropout(z(4), 1.5, true)).toThrow(/dropout: p must be in \[0, 1\], got 1.5/);
      expect(() => dropout(z(4), -0.1, true)).toThrow(/dropout: p must be in \[0, 1\], got -0.1/);
      expect(() => dropout(z(4), Number.NaN, false)).toThrow(/dropout: p must be in \[0, 1\], got NaN/);
    });
  });
  it('lstmSequence: wrong shapes name the argument and the expected shape', () => {
    tidy(() => {
      const w = { weightIh: z(8, 3), weightHh: z(8, 2), biasIh: null, biasHh: null };
      expect(() => lstmSequence(z(2, 3), w, null, null, null)).toThrow(
        /lstm: x must be \[batch, time, features\], got \[2, 3\]/,
      );
      expect(() => lstmSequence(z(2, 4, 5), w, null, null, null)).toThrow(
        /lstm: weight_ih must be \[8, 5\] for input size 5, got \[8, 3\]/,
      );
      expect(() => lstmSequence(z(2, 4, 3), w, z(3, 2), null, null)).toThrow(/lstm: h0 must be \[2, 2\], got \[3, 2\]/);
      expect(() => lstmSequence(z(2, 4, 3), w, null, null, z(4, 2))).toThrow(
        /lstm: mask must be \[2, 4\] \(batch, time\), got \[4, 2\]/,
      );
      expect(() => lstmSequence(z(2, 4, 3), { ...w, biasIh: z(6) }, null, null, null)).toThrow(
        /lstm: bias_ih must be \[8\], got \[6\]/,
      );
    });
  });
  it('a non-tensor argument names the op and the argument', () => {
    tidy(() => {
      expect(() => conv3d(null as unknown as Tensor, z(1, 1, 1, 1, 1))).toThrow(/conv3d: x must be a Tensor, got null/);
      expect(() => add('3' as unknown as Tensor, 1)).toThrow(/add: input must be a Tensor, got string/);
      expect(() => add(z(2), '3' as unknown as number)).toThrow(/add: expected a Tensor or a number, got string/);
    });
  });
});
