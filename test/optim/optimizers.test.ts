// Adam and SGD: trajectories against TensorFlow.js's Adam and against torch.optim's update
// rules written out in float64 (weight decay, AMSGrad, momentum, Nesterov), plus state dicts.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Adam, SGD, Linear, manualSeed, randn, tensor, crossEntropy, mean } from '../../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / Math.max(scale, 1e-12);
}

describe('Adam', () => {
  it('follows tf.train.adam for 30 steps of a least-squares problem (1e-4 relative)', () => {
    manualSeed(1);
    const X = randn([16, 5]);
    const Y = randn([16, 2]);
    const W0 = randn([5, 2]);
    const w = W0.clone().requiresGrad_();
    const opt = new Adam([w], { lr: 0.05, betas: [0.9, 0.999], eps: 1e-8 });

    const tw = tf.variable(tf.tensor2d(W0.dataSync(), [5, 2]));
    const tX = tf.tensor2d(X.dataSync(), [16, 5]);
    const tY = tf.tensor2d(Y.dataSync(), [16, 2]);
    const tOpt = tf.train.adam(0.05, 0.9, 0.999, 1e-8);
    for (let step = 0; step < 30; step++) {
      opt.zeroGrad();
      mean(X.matmul(w).sub(Y).square()).backward();
      opt.step();
      tOpt.minimize(() => tf.mean(tf.square(tf.sub(tf.matMul(tX, tw), tY))) as tf.Scalar);
      expect(relErr(w.dataSync(), tw.dataSync())).toBeLessThan(1e-4);
    }
  });

  function torchAdamReference(
    p: Float64Array,
    grads: Float64Array[],
    o: { lr: number; b1: number; b2: number; eps: number; wd: number; amsgrad: boolean },
  ) {
    const m = new Float64Array(p.length);
    const v = new Float64Array(p.length);
    const vmax = new Float64Array(p.length);
    grads.forEach((g0, t0) => {
      const t = t0 + 1;
      for (let i = 0; i < p.length; i++) {
        const g = g0[i] + o.wd * p[i];
        m[i] = o.b1 * m[i] + (1 - o.b1) * g;
        v[i] = o.b2 * v[i] + (1 - o.b2) * g * g;
        vmax[i] = Math.max(vmax[i], v[i]);
        const denom = Math.sqrt(o.amsgrad ? vmax[i] : v[i]) / Math.sqrt(1 - o.b2 ** t) + o.eps;
        p[i] -= (o.lr / (1 - o.b1 ** t)) * (m[i] / denom);
      }
    });
    return p;
  }

  for (const amsgrad of [false, true]) {
    it(`matches torch.optim.Adam's rule with weight decay${amsgrad ? ' and AMSGrad' : ''}`, () => {
      const p0 = [0.5, -1.2, 2.0, 0.0];
      const grads = Array.from({ length: 12 }, (_, t) =>
        Float64Array.from(p0, (_v, i) => Math.sin(t * 1.3 + i) * (t % 3 === 0 ? 3 : 0.5)),
      );
      const p = tensor(p0, [4], { requiresGrad: true });
      const opt = new Adam([p], { lr: 0.1, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.01, amsgrad });
      for (const g of grads) {
        p.grad = tensor(Float32Array.from(g), [4]);
        opt.step();
      }
      const ref = torchAdamReference(Float64Array.from(p0), grads, {
        lr: 0.1,
        b1: 0.8,
        b2: 0.99,
        eps: 1e-6,
        wd: 0.01,
        amsgrad,
      });
      expect(relErr(p.dataSync(), ref)).toBeLessThan(1e-5);
    });
  }

  it('skips parameters without a gradient and round-trips its state dict', () => {
    manualSeed(2);
    const model = new Linear(3, 2);
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    crossEntropy(model.forward(randn([4, 3])), [0, 1, 1, 0]).backward();
    model.bias!.grad = null;
    const biasBefore = model.bias!.dataSync();
    opt.step();
    expect([...model.bias!.dataSync()]).toEqual([...biasBefore]);
    const saved = opt.stateDict();
    expect(saved.state[0].step).toBe(1);
    expect(saved.state[1]).toBeUndefined();
    const opt2 = new Adam(model.parameters());
    opt2.loadStateDict(saved);
    expect(opt2.lr).toBe(1e-2);
    expect([...opt2.stateDict().state[0].slots.exp_avg.dataSync()]).toEqual([
      ...saved.state[0].slots.exp_avg.dataSync(),
    ]);
  });

  it('rejects bad hyper-parameters and non-leaf parameters', () => {
    const p = tensor([1, 2], [2], { requiresGrad: true });
    expect(() => new Adam([p], { lr: -1 })).toThrow(/Adam: lr must be a non-negative finite number, got -1/);
    expect(() => new Adam([p], { betas: [0.9, 1] })).toThrow(/Adam: betas\[1\] must be in \[0, 1\), got 1/);
    expect(() => new Adam([p.mul(2)])).toThrow(/Adam: params\[0\].*not a leaf/);
    expect(() => new Adam([])).toThrow(/Adam: got an empty parameter list/);
  });
});

describe('SGD', () => {
  it('requires a learning rate', () => {
    const p = tensor([1], [1], { requiresGrad: true });
    expect(() => new SGD([p], undefined as never)).toThrow(/SGD: options.lr is required/);
  });

  for (const nesterov of [false, true]) {
    it(`matches torch.optim.SGD's rule with momentum${nesterov ? ' (Nesterov)' : ''}`, () => {
      const p0 = [1, -2, 3];
      const p = tensor(p0, [3], { requiresGrad: true });
      const opt = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.001, nesterov });
      const ref = Float64Array.from(p0);
      const buf = new Float64Array(3);
      for (let t = 0; t < 8; t++) {
        const g = Float64Array.from(p0, (_v, i) => Math.cos(t + i));
        p.grad = tensor(Float32Array.from(g), [3]);
        opt.step();
        for (let i = 0; i < 3; i++) {
          const d = g[i] + 0.001 * ref[i];
          buf[i] = t === 0 ? d : 0.9 * buf[i] + d;
          ref[i] -= 0.1 * (nesterov ? d + 0.9 * buf[i] : buf[i]);
        }
      }
      expect(relErr(p.dataSync(), ref)).toBeLessThan(1e-5);
    });
  }
});
