// Op parity through the public API: forward values and every input gradient (via backward) of
// conv3d, pooling, matmul/linear, softmax, lstmSequence, broadcasting elementwise ops, and
// Adam/SGD training steps, on cpu and on the gpu backend from the same seed. webasm always;
// headlessgl when a display exists. Tolerances are stated per op with the reason.
import { describe, it } from 'vitest';
import {
  Adam, add, avgPool3d, conv3d, linear, logSoftmax, lstmSequence, matmul, maxPool3d, mul, randn, relu, SGD, sigmoid,
  softmax, sum, tanh, tensor, where, greater, type Tensor,
} from '../../src/index.js';
import { expectAllClose, HEADLESSGL_SKIP, MODES, onBoth } from './helpers.js';

/** Loss = sum(y * r) for a fixed random r, so dL/dy = r exercises every output cell. */
function probe(y: Tensor): Tensor {
  return sum(mul(y, randn([...y.shape])));
}

function grads(...ts: Tensor[]): Tensor[] {
  return ts.map((t) => {
    if (!t.grad) throw new Error('missing grad');
    return t.grad;
  });
}

for (const { mode, available } of MODES) {
  describe.skipIf(!available)(`gpu ops vs cpu (${mode})${available ? '' : ` — ${HEADLESSGL_SKIP}`}`, () => {
    it('conv3d forward, grad-input, grad-weight, grad-bias (stride, padding, dilation)', () => {
      const r = onBoth(mode, () => {
        const x = randn([2, 3, 5, 6, 6], { requiresGrad: true });
        const w = randn([4, 3, 3, 3, 2], { requiresGrad: true });
        const b = randn([4], { requiresGrad: true });
        const y = conv3d(x, w, b, { stride: [1, 2, 1], padding: [1, 1, 0], dilation: [1, 1, 2] });
        probe(y).backward();
        return [y, ...grads(x, w, b)];
      });
      // Sums of up to 3*3*3*2 = 54 products (forward, grad-input) and 2*5*3*4 = 120 (grad-weight)
      // of N(0,1) values, f32 vs f64 accumulation: relative-to-max error well under 1e-5.
      expectAllClose('conv3d', r, 1e-5);
    });

    it('maxPool3d (overlapping windows, padding) and avgPool3d (both divisors) with gradients', () => {
      const r = onBoth(mode, () => {
        const x = randn([1, 2, 4, 5, 5], { requiresGrad: true });
        const y1 = maxPool3d(x, { kernelSize: [2, 3, 3], stride: [1, 2, 2], padding: [1, 1, 1] });
        const y2 = avgPool3d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: true });
        const y3 = avgPool3d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false });
        add(add(probe(y1), probe(y2)), probe(y3)).backward();
        return [y1, y2, y3, ...grads(x)];
      });
      // Max pooling copies values (exact); averages sum <= 27 terms.
      expectAllClose('pool', r, 1e-6);
    });

    it('matmul and linear with broadcasting batch, and their gradients', () => {
      const r = onBoth(mode, () => {
        const a = randn([2, 3, 5, 6], { requiresGrad: true });
        const b = randn([6, 4], { requiresGrad: true });
        const w = randn([7, 4], { requiresGrad: true });
        const bias = randn([7], { requiresGrad: true });
        const y = linear(relu(matmul(a, b)), w, bias);
        probe(y).backward();
        return [y, ...grads(a, b, w, bias)];
      });
      // K <= 30-term f32 sums.
      expectAllClose('matmul', r, 1e-5);
    });

    it('softmax and logSoftmax along inner and outer axes, with gradients', () => {
      const r = onBoth(mode, () => {
        const x = randn([3, 4, 5], { requiresGrad: true });
        const y1 = softmax(x, 1);
        const y2 = logSoftmax(x, 2);
        const y3 = softmax(x, 0);
        add(add(probe(y1), probe(y2)), probe(y3)).backward();
        return [y1, y2, y3, ...grads(x)];
      });
      // The gpu forms exp(x - logsumexp) instead of exp(x - max) / sum: a few f32 ulps.
      expectAllClose('softmax', r, 1e-5, 1e-6);
    });

    it('elementwise with broadcasting, where, and the fused activation gradients', () => {
      const r = onBoth(mode, () => {
        const a = randn([2, 3, 4], { requiresGrad: true });
        const b = randn([3, 1], { requiresGrad: true });
        const y = where(greater(a, b), tanh(mul(a, b)), sigmoid(add(a, b)));
        probe(y).backward();
        return [y, ...grads(a, b)];
      });
      expectAllClose('elementwise', r, 1e-5, 1e-6);
    });

    it('lstmSequence forward and backward with a length mask', () => {
      const r = onBoth(mode, () => {
        const B = 2, T = 4, I = 3, H = 5;
        const x = randn([B, T, I], { requiresGrad: true });
        const wIh = randn([4 * H, I], { requiresGrad: true });
        const wHh = randn([4 * H, H], { requiresGrad: true });
        const bIh = randn([4 * H], { requiresGrad: true });
        const bHh = randn([4 * H], { requiresGrad: true });
        const mask = tensor(new Float32Array([1, 1, 1, 1, 1, 1, 0, 0]), [B, T]);
        const out = lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh }, null, null, mask);
        add(add(probe(out.output), probe(out.h)), probe(out.c)).backward();
        return [out.output, out.h, out.c, ...grads(x, wIh, wHh, bIh, bHh)];
      });
      // Four recurrent steps of f32 pointwise maths and K <= 5 products: relative 1e-5.
      expectAllClose('lstm', r, 1e-5, 1e-6);
    });

    it('Adam (amsgrad, weight decay) and SGD (Nesterov momentum) training steps', () => {
      const r = onBoth(mode, () => {
        const w1 = randn([4, 3], { requiresGrad: true });
        const w2 = randn([4, 3], { requiresGrad: true });
        const x = randn([5, 3]);
        const adam = new Adam([w1], { lr: 0.05, amsgrad: true, weightDecay: 0.01 });
        const sgd = new SGD([w2], { lr: 0.05, momentum: 0.9, nesterov: true });
        for (let step = 0; step < 3; step++) {
          adam.zeroGrad();
          sgd.zeroGrad();
          add(sum(mul(linear(x, w1), linear(x, w1))), sum(tanh(linear(x, w2)))).backward();
          adam.step();
          sgd.step();
        }
        return [w1, w2];
      });
      // Three steps; Adam divides by sqrt(v) + eps, which magnifies f32 gradient rounding.
      expectAllClose('optimizers', r, 1e-5, 1e-6);
    });
  });
}
