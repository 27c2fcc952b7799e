// The autograd engine's contract (src/tensor/tensor.ts): accumulation into .grad across
// backward calls (PyTorch), shared subexpressions, freed graphs, non-scalar roots, noGrad,
// detach, and saved values surviving their handles being disposed.
import { describe, expect, it } from 'vitest';
import { isGradEnabled, noGrad, tensor, tidy, exp, sin, cos, type Tensor } from '../../src/index.js';
import { expectClose } from '../conformance/compare.js';

const values = (t: Tensor | null): number[] => Array.from(t!.dataSync());

describe('backward', () => {
  it('accumulates into .grad across two backward calls, as PyTorch does', () => {
    tidy(() => {
      const x = tensor([1, -2, 3], [3], { requiresGrad: true });
      x.mul(x).sum().backward(); // 2x
      expect(values(x.grad)).toEqual([2, -4, 6]);
      x.mul(3).sum().backward(); // + 3
      expect(values(x.grad)).toEqual([5, -1, 9]);
      x.grad!.dispose();
      x.grad = null; // what an optimizer's zeroGrad does
      x.mul(3).sum().backward();
      expect(values(x.grad)).toEqual([3, 3, 3]);
      x.grad!.dispose();
    });
  });

  it('sums the gradient of a tensor used twice (x * x + x) and of a shared subexpression', () => {
    tidy(() => {
      const x = tensor([0.5, -1, 2], [3], { requiresGrad: true });
      x.mul(x).add(x).sum().backward(); // d/dx = 2x + 1
      expectClose(values(x.grad), [2, -1, 5], { rtol: 1e-6 });
      x.grad!.dispose();
      x.grad = null;
      // a = exp(x) feeds three consumers: L = sum(a * a + sin(a) + a) -> dL/dx = (2a + cos(a) + 1) a
      const a = exp(x);
      a.mul(a).add(sin(a)).add(a).sum().backward();
      const av = values(a);
      const cosA = values(cos(a));
      expectClose(
        values(x.grad),
        av.map((v, i) => (2 * v + cosA[i] + 1) * v),
        { rtol: 1e-5 },
      );
      x.grad!.dispose();
    });
  });

  it('diamond graph: two paths from one leaf to one root through different ops', () => {
    tidy(() => {
      const x = tensor(
        [
          [1, 2],
          [3, 4],
        ],
        undefined,
        { requiresGrad: true },
      );
      const left = x.sum(1, true); // [2, 1]
      const right = x.mul(2); // [2, 2]
      left.mul(right).sum().backward();
      // L = sum_ij rowSum_i * 2 x_ij = 2 sum_i rowSum_i^2, so dL/dx_ij = 4 rowSum_i: half of it
      // arrives through `left`, half through `right`.
      expect(values(x.grad)).toEqual([12, 12, 28, 28]);
      x.grad!.dispose();
    });
  });

  it('a second backward through a freed graph throws a clear error', () => {
    tidy(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      const loss = x.mul(x).sum();
      loss.backward();
      expect(() => loss.backward()).toThrow(
        /backward: the graph of this tensor was already freed by an earlier backward\(\)/,
      );
      // A new root whose graph reaches a node freed by the earlier backward.
      const y = x.mul(2);
      y.sum().backward();
      expect(() => y.mul(3).sum().backward()).toThrow(/backward: part of the graph was already freed/);
      x.grad!.dispose();
    });
  });

  it('backward on a non-scalar without grad throws; with a grad of the right size it works', () => {
    tidy(() => {
      const x = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
      const y = x.mul(2);
      expect(() => y.backward()).toThrow(/backward: grad must be given for a non-scalar tensor of shape \[2, 3\]/);
      expect(() => y.backward(tensor([1, 1], [2]))).toThrow(
        /backward: grad shape \[2\] does not match tensor shape \[2, 3\]/,
      );
      y.backward(tensor([1, 0, 1, 0, 1, 0], [2, 3]));
      expect(values(x.grad)).toEqual([2, 0, 2, 0, 2, 0]);
      x.grad!.dispose();
    });
  });

  it('backward on a tensor that does not require grad throws', () => {
    tidy(() => {
      const x = tensor([1, 2], [2]);
      expect(() => x.mul(2).sum().backward()).toThrow(/backward: tensor does not require grad/);
    });
  });

  it('only leaves that require grad get .grad; intermediates and constants do not', () => {
    tidy(() => {
      const w = tensor([1, 2], [2], { requiresGrad: true });
      const c = tensor([3, 4], [2]);
      const mid = w.mul(c);
      expect(mid.requiresGrad).toBe(true);
      expect(mid.isLeaf).toBe(false);
      mid.sum().backward();
      expect(values(w.grad)).toEqual([3, 4]);
      expect(c.grad).toBeNull();
      expect(mid.grad).toBeNull();
      w.grad!.dispose();
    });
  });

  it('a leaf as its own root gets a gradient of ones', () => {
    tidy(() => {
      const x = tensor(5, [], { requiresGrad: true });
      x.backward();
      expect(x.grad!.item()).toBe(1);
      x.grad!.dispose();
    });
  });

  it('saved values survive their handles being disposed before backward', () => {
    tidy(() => {
      const x = tensor([1, 2, 3], [3], { requiresGrad: true });
      const b = tensor([4, 5, 6], [3], { requiresGrad: true });
      const y = x.mul(b); // saves x and b
      const loss = y.sum();
      y.dispose();
      b.dispose(); // the user's handle; the graph holds its own reference
      loss.backward();
      expect(values(x.grad)).toEqual([4, 5, 6]);
      expect(values(b.grad)).toEqual([1, 2, 3]);
      x.grad!.dispose();
      b.grad!.dispose();
    });
  });
});

describe('noGrad and detach', () => {
  it('noGrad stops recording, nests, and restores the mode even when fn throws', () => {
    tidy(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      expect(isGradEnabled()).toBe(true);
      const y = noGrad(() => {
        expect(isGradEnabled()).toBe(false);
        const inner = noGrad(() => x.mul(2));
        expect(isGradEnabled()).toBe(false);
        return inner.add(x);
      });
      expect(isGradEnabled()).toBe(true);
      expect(y.requiresGrad).toBe(false);
      expect(y.node).toBeNull();
      expect(() => y.sum().backward()).toThrow(/does not require grad/);
      expect(() =>
        noGrad(() => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(isGradEnabled()).toBe(true);
      // Recording resumes afterwards.
      const z = x.mul(x);
      expect(z.requiresGrad).toBe(true);
    });
  });

  it('detach shares values but cuts the graph', () => {
    tidy(() => {
      const x = tensor([1, 2, 3], [3], { requiresGrad: true });
      const y = x.mul(2);
      const d = y.detach();
      expect(d.requiresGrad).toBe(false);
      expect(d.isLeaf).toBe(true);
      expect(values(d)).toEqual([2, 4, 6]);
      y.dispose(); // detach holds its own reference to the storage
      expect(values(d)).toEqual([2, 4, 6]);
      // d acts as a constant: d(x * d)/dx = d, not 2 * 2x.
      x.mul(d).sum().backward();
      expect(values(x.grad)).toEqual([2, 4, 6]);
      x.grad!.dispose();
    });
  });

  it('requiresGrad_ turns a leaf on, and refuses to turn a non-leaf off', () => {
    tidy(() => {
      const x = tensor([1, 2], [2]).requiresGrad_();
      expect(x.requiresGrad).toBe(true);
      const y = x.mul(2);
      expect(() => y.requiresGrad_(false)).toThrow(/requiresGrad_: only leaf tensors/);
      x.requiresGrad_(false);
      expect(x.mul(2).requiresGrad).toBe(false);
    });
  });
});
