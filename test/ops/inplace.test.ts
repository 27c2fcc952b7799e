// The tensor API's in-place ops (src/tensor/ops/inplace.ts) that optimizers and loadStateDict go
// through: one Adam / SGD step against torch's rule written out, assign_ keeping the tensor's
// identity without leaking storage, and errors that name the bad argument.
import { describe, expect, it } from 'vitest';
import { memory, tensor, zeros } from '../../src/index.js';
import { adamUpdate_, assign_, sgdUpdate_ } from '../../src/tensor/ops/index.js';

const adamHyper = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1, amsgrad: false };
const sgdHyper = { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, firstStep: true };

describe('adamUpdate_ / sgdUpdate_', () => {
  it('apply one step in place to the parameter and its state', () => {
    const p = tensor([1, -2]);
    const g = tensor([0.5, 0.25]);
    const m = zeros([2]);
    const v = zeros([2]);
    adamUpdate_(p, g, m, v, null, adamHyper);
    // Step 1: m = 0.1 g, v = 0.001 g^2, so the bias-corrected step is lr * sign(g) (eps aside).
    expect(Array.from(m.dataSync())).toEqual([0.05, 0.025].map(Math.fround));
    expect(p.dataSync()[0]).toBeCloseTo(0.9, 6);
    expect(p.dataSync()[1]).toBeCloseTo(-2.1, 6);

    const q = tensor([1, 2]);
    const buf = zeros([2]);
    sgdUpdate_(q, tensor([2, -4]), buf, sgdHyper);
    expect(Array.from(buf.dataSync())).toEqual([2, -4]);
    expect(Array.from(q.dataSync())).toEqual([0, 4]);
  });

  it('name the argument whose shape or presence is wrong', () => {
    const p = zeros([2, 3]);
    expect(() => adamUpdate_(p, zeros([3, 2]), zeros([2, 3]), zeros([2, 3]), null, adamHyper)).toThrow(
      /adamUpdate_: grad must have the parameter's shape \[2, 3\], got \[3, 2\]/,
    );
    const amsgrad = { ...adamHyper, amsgrad: true };
    expect(() => adamUpdate_(p, zeros([2, 3]), zeros([2, 3]), zeros([2, 3]), null, amsgrad)).toThrow(
      /adamUpdate_: hyper.amsgrad is set but vMax is null/,
    );
    expect(() => sgdUpdate_(p, zeros([2, 3]), zeros([6]), sgdHyper)).toThrow(/sgdUpdate_: momentumBuf must have/);
    expect(() => sgdUpdate_(p, zeros([2, 3]), null, sgdHyper)).toThrow(/sgdUpdate_: hyper.momentum is not 0/);
    expect(() => sgdUpdate_(p, null as never, null, { ...sgdHyper, momentum: 0 })).toThrow(
      /sgdUpdate_: grad must be a Tensor, got null/,
    );
  });
});

describe('assign_', () => {
  it('copies the values into the same tensor, leaves the source alone and frees the old storage', () => {
    const target = tensor([1, 2, 3]);
    const source = tensor([4, 5, 6]);
    const before = memory().buffers;
    assign_(target, source);
    expect(Array.from(target.dataSync())).toEqual([4, 5, 6]);
    source.dispose();
    expect(Array.from(target.dataSync())).toEqual([4, 5, 6]);
    expect(memory().buffers).toBe(before - 1);
    target.dispose();
  });

  it('refuses a source of another shape', () => {
    expect(() => assign_(zeros([2]), zeros([3]))).toThrow(/assign_: source has shape \[3\] but target \[2\]/);
  });
});
