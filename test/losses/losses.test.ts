// Losses against their definitions: crossEntropy (eq. 5 of the paper) with index and
// probability targets and every reduction; klDiv with PyTorch's F.kl_div semantics
// (batchmean = true KL averaged over the batch, 0 log 0 = 0, logTarget); NaN guards.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, klDiv, logSoftmax, softmax, tensor, randn, manualSeed, Tensor } from '../../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const close = (a: number, b: number, tol = 1e-5) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('crossEntropy', () => {
  const logits = [
    [2, 0.5, -1],
    [0.1, 0.2, 0.3],
  ];
  const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  const nll = [lse(logits[0]) - 2, lse(logits[1]) - 0.3];

  it('is -log softmax at the target class, averaged, summed or per row', () => {
    const x = tensor(logits);
    close(crossEntropy(x, [0, 2]).item(), (nll[0] + nll[1]) / 2);
    close(crossEntropy(x, new Int32Array([0, 2]), { reduction: 'sum' }).item(), nll[0] + nll[1]);
    const none = crossEntropy(x, tensor([0, 2]), { reduction: 'none' }).dataSync();
    close(none[0], nll[0]);
    close(none[1], nll[1]);
  });

  it('takes probability rows and agrees with tf.losses.softmaxCrossEntropy', () => {
    manualSeed(3);
    const x = randn([4, 3]);
    const p = softmax(randn([4, 3]), 1);
    const ours = crossEntropy(x, p).item();
    const theirs = tf.losses
      .softmaxCrossEntropy(tf.tensor2d(p.dataSync(), [4, 3]), tf.tensor2d(x.dataSync(), [4, 3]))
      .dataSync()[0];
    close(ours, theirs, 1e-4);
  });

  it('gradient is (softmax - onehot) / N', () => {
    const x = tensor(logits, undefined, { requiresGrad: true });
    crossEntropy(x, [0, 2]).backward();
    const sm = softmax(tensor(logits), 1).dataSync();
    const g = x.grad!.dataSync();
    const onehot = [1, 0, 0, 0, 0, 1];
    for (let i = 0; i < 6; i++) close(g[i], (sm[i] - onehot[i]) / 2);
  });

  it('rejects bad targets and NaN logits with errors naming the problem', () => {
    const x = tensor(logits);
    expect(() => crossEntropy(x, [0, 3])).toThrow(
      /crossEntropy: targets\[1\] must be a class index in \[0, 2\], got 3/,
    );
    expect(() => crossEntropy(x, [0])).toThrow(/targets has 1 entries but logits has 2 rows/);
    expect(() => crossEntropy(tensor([1, 2, 3]), [0])).toThrow(
      /logits must be a 2-D tensor \[batch, classes\], got \[3\]/,
    );
    expect(() => crossEntropy(tensor([[NaN, 1]]), [0])).toThrow(/crossEntropy: logits contains NaN at flat index 0/);
    expect(() => crossEntropy(x, [0, 1], { reduction: 'avg' as never })).toThrow(
      /reduction must be one of 'mean', 'sum', 'none', got 'avg'/,
    );
  });
});

describe('klDiv', () => {
  const p = [
    [0.7, 0.2, 0.1],
    [0.0, 0.5, 0.5],
  ];
  const q = [
    [0.5, 0.25, 0.25],
    [0.2, 0.3, 0.5],
  ];
  const kl = (a: number[], b: number[]) => a.reduce((s, ai, i) => s + (ai === 0 ? 0 : ai * Math.log(ai / b[i])), 0);

  it("default 'batchmean' is the true KL(p || q) averaged over the batch, with 0 log 0 = 0", () => {
    const loss = klDiv(tensor(q).log(), tensor(p)).item();
    close(loss, (kl(p[0], q[0]) + kl(p[1], q[1])) / 2);
  });

  it("'sum', 'mean' (over elements), 'none' and logTarget follow F.kl_div", () => {
    const input = tensor(q).log();
    const target = tensor(p);
    const total = kl(p[0], q[0]) + kl(p[1], q[1]);
    close(klDiv(input, target, { reduction: 'sum' }).item(), total);
    close(klDiv(input, target, { reduction: 'mean' }).item(), total / 6);
    expect(klDiv(input, target, { reduction: 'none' }).shape).toEqual([2, 3]);
    const pSafe = [
      [0.7, 0.2, 0.1],
      [0.1, 0.4, 0.5],
    ];
    close(
      klDiv(input, tensor(pSafe).log(), { logTarget: true, reduction: 'sum' }).item(),
      kl(pSafe[0], q[0]) + kl(pSafe[1], q[1]),
    );
  });

  it('gradient w.r.t. the input log-probabilities is -target / N, finite where target is 0', () => {
    const input = tensor(q).log().detach().requiresGrad_();
    const target = tensor(p, undefined, { requiresGrad: true });
    klDiv(input, target).backward();
    const g = input.grad!.dataSync();
    p.flat().forEach((pi, i) => close(g[i], -pi / 2));
    for (const v of target.grad!.dataSync()) expect(Number.isFinite(v)).toBe(true);
  });

  it('temperature-softened mutual-learning term matches a hand computation', () => {
    manualSeed(9);
    const zs = randn([3, 3]);
    const zt = randn([3, 3]);
    const T = 10;
    const loss = klDiv(logSoftmax(zs.div(T), 1), softmax(zt.div(T), 1)).item();
    const ps = softmax(zs.div(T), 1).toArray() as number[][];
    const pt = softmax(zt.div(T), 1).toArray() as number[][];
    close(loss, (kl(pt[0], ps[0]) + kl(pt[1], ps[1]) + kl(pt[2], ps[2])) / 3, 1e-4);
  });

  it('rejects mismatched shapes and NaN input', () => {
    expect(() => klDiv(tensor([[0.1, 0.9]]).log(), tensor([0.5, 0.5]))).toThrow(
      /klDiv: inputLogProbs \[1, 2\] and target \[2\] must have the same shape/,
    );
    expect(() => klDiv(tensor([[NaN, 0]]), tensor([[0.5, 0.5]]))).toThrow(/klDiv: inputLogProbs contains NaN/);
    expect(() => klDiv(tensor([[0, 0]]), tensor([[0.5, 0.5]]), { reduction: 'avg' as never })).toThrow(
      /klDiv: reduction must be one of/,
    );
  });
});

// keep Tensor referenced for type-only import elision in some setups
void Tensor;
