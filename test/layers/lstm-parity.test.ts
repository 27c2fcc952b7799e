// LSTM against TensorFlow.js's tf.layers.lstm (gate order i, f, c, o = PyTorch's i, f, g, o;
// kernel = weight_ih^T, recurrentKernel = weight_hh^T, bias = bias_ih + bias_hh), forward and
// gradients, and variable-length batches against running each sequence alone.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { LSTM, LSTMCell, manualSeed, randn, tensor, type Tensor } from '../../src/index.js';

function maxRelErr(a: Float32Array | number[], b: Float32Array | number[]): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / Math.max(scale, 1e-12);
}

function tfTranspose2d(t: Tensor): tf.Tensor2D {
  return tf.tensor2d(t.dataSync(), t.shape as [number, number]).transpose() as tf.Tensor2D;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LSTM parity with tf.layers.lstm', () => {
  const B = 3,
    T = 6,
    I = 5,
    H = 4;

  function build() {
    manualSeed(7);
    const lstm = new LSTM({ inputSize: I, hiddenSize: H, batchFirst: true });
    const x = randn([B, T, I], { requiresGrad: true });
    const sd = lstm.stateDict();
    const layer = tf.layers.lstm({
      units: H,
      returnSequences: true,
      returnState: true,
      recurrentActivation: 'sigmoid',
      inputShape: [T, I],
    });
    layer.apply(tf.zeros([B, T, I])); // builds the weights
    const bias = sd.bias_ih_l0.add(sd.bias_hh_l0);
    layer.setWeights([tfTranspose2d(sd.weight_ih_l0), tfTranspose2d(sd.weight_hh_l0), tf.tensor1d(bias.dataSync())]);
    return { lstm, x, layer };
  }

  it('forward: output, h and c agree to 1e-4 relative', () => {
    const { lstm, x, layer } = build();
    const ours = lstm.forward(x);
    const [out, h, c] = layer.apply(tf.tensor3d(x.dataSync(), [B, T, I])) as tf.Tensor[];
    expect(maxRelErr(ours.output.dataSync(), out.dataSync() as Float32Array)).toBeLessThan(1e-4);
    expect(maxRelErr(ours.h.dataSync(), h.dataSync() as Float32Array)).toBeLessThan(1e-4);
    expect(maxRelErr(ours.c.dataSync(), c.dataSync() as Float32Array)).toBeLessThan(1e-4);
    expect(ours.output.shape).toEqual([B, T, H]);
    expect(ours.h.shape).toEqual([1, B, H]);
  });

  it('backward: gradients of x and every weight agree to 1e-4 relative', () => {
    const { lstm, x, layer } = build();
    manualSeed(3);
    const R = randn([B, T, H]);
    const Rh = randn([1, B, H]);
    const ours = lstm.forward(x);
    ours.output.mul(R).sum().add(ours.h.mul(Rh).sum()).backward();

    const tx = tf.tensor3d(x.dataSync(), [B, T, I]);
    const tR = tf.tensor3d(R.dataSync(), [B, T, H]);
    const tRh = tf.tensor2d(Rh.dataSync(), [B, H]);
    const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value: _v, grads } = tf.variableGrads(() => {
      const [out, h] = layer.apply(tx) as tf.Tensor[];
      return tf.add(tf.sum(tf.mul(out, tR)), tf.sum(tf.mul(h, tRh))) as tf.Scalar;
    }, weights);
    const byName = Object.entries(grads);
    const kernelGrad = byName.find(([n]) => /kernel/.test(n) && !/recurrent/.test(n))![1];
    const recGrad = byName.find(([n]) => /recurrent_kernel/.test(n))![1];
    const biasGrad = byName.find(([n]) => /bias/.test(n))![1];
    const sd = lstm.stateDict();
    expect(maxRelErr(sd.weight_ih_l0.grad!.transpose().dataSync(), kernelGrad.dataSync() as Float32Array)).toBeLessThan(
      1e-4,
    );
    expect(maxRelErr(sd.weight_hh_l0.grad!.transpose().dataSync(), recGrad.dataSync() as Float32Array)).toBeLessThan(
      1e-4,
    );
    expect(maxRelErr(sd.bias_ih_l0.grad!.dataSync(), biasGrad.dataSync() as Float32Array)).toBeLessThan(1e-4);
    expect(maxRelErr(sd.bias_hh_l0.grad!.dataSync(), biasGrad.dataSync() as Float32Array)).toBeLessThan(1e-4);
    const dx = tf.grad((xx: tf.Tensor) => {
      const [out, h] = layer.apply(xx) as tf.Tensor[];
      return tf.add(tf.sum(tf.mul(out, tR)), tf.sum(tf.mul(h, tRh)));
    })(tx);
    expect(maxRelErr(x.grad!.dataSync(), dx.dataSync() as Float32Array)).toBeLessThan(1e-4);
  });
});

describe('LSTM variable-length batches', () => {
  it('a padded batch with lengths gives each sequence what it gets alone', () => {
    manualSeed(11);
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 5, batchFirst: true });
    const lengths = [4, 2, 3];
    const x = randn([3, 4, 3]);
    const batched = lstm.forward(x, null, { lengths });
    const out = batched.output.dataSync();
    const hAll = batched.h.dataSync();
    lengths.forEach((len, b) => {
      const alone = lstm.forward(x.slice([b, 0, 0], [1, len, 3]));
      const h = alone.h.dataSync();
      expect(maxRelErr(hAll.slice(b * 5, b * 5 + 5), h)).toBeLessThan(1e-5);
      const o = alone.output.dataSync();
      for (let t = 0; t < 4; t++) {
        for (let j = 0; j < 5; j++) {
          const v = out[(b * 4 + t) * 5 + j];
          if (t < len) expect(Math.abs(v - o[t * 5 + j])).toBeLessThan(1e-5);
          else expect(Math.abs(v)).toBe(0);
        }
      }
    });
  });

  it('a mask tensor is the same as lengths', () => {
    manualSeed(12);
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true });
    const x = randn([2, 3, 2]);
    const a = lstm.forward(x, null, { lengths: [3, 1] }).h.dataSync();
    const b = lstm
      .forward(x, null, {
        mask: tensor([
          [1, 1, 1],
          [1, 0, 0],
        ]),
      })
      .h.dataSync();
    expect([...a]).toEqual([...b]);
  });

  it('time-major input (batchFirst false) matches batch-first', () => {
    manualSeed(13);
    const tm = new LSTM({ inputSize: 2, hiddenSize: 3 });
    const bf = new LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true });
    bf.loadStateDict(tm.stateDict());
    const x = randn([4, 2, 2]); // [T, B, I]
    const a = tm.forward(x).output.permute([1, 0, 2]).dataSync();
    const b = bf.forward(x.permute([1, 0, 2])).output.dataSync();
    expect(maxRelErr(a, b)).toBeLessThan(1e-6);
  });

  it('two layers take state [numLayers, B, H] and name parameters per layer', () => {
    manualSeed(14);
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, batchFirst: true });
    expect(lstm.namedParameters().map(([n]) => n)).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_ih_l1',
      'weight_hh_l1',
      'bias_ih_l1',
      'bias_hh_l1',
    ]);
    const r = lstm.forward(randn([2, 3, 2]), { h: randn([2, 2, 3]), c: randn([2, 2, 3]) });
    expect(r.h.shape).toEqual([2, 2, 3]);
  });

  it('LSTMCell steps agree with the LSTM layer', () => {
    manualSeed(15);
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true });
    const cell = new LSTMCell(2, 3);
    const sd = lstm.stateDict();
    cell.loadStateDict({
      weight_ih: sd.weight_ih_l0,
      weight_hh: sd.weight_hh_l0,
      bias_ih: sd.bias_ih_l0,
      bias_hh: sd.bias_hh_l0,
    });
    const x = randn([2, 3, 2]);
    let state: { h: Tensor; c: Tensor } | null = null;
    for (let t = 0; t < 3; t++) state = cell.forward(x.slice([0, t, 0], [2, 1, 2]).reshape([2, 2]), state);
    expect(maxRelErr(state!.h.dataSync(), lstm.forward(x).h.dataSync())).toBeLessThan(1e-6);
  });

  it('rejects bad input with errors that name the argument', () => {
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true });
    expect(() => lstm.forward(randn([2, 3]))).toThrow(/LSTM: x must be 3-D.*\[2, 3\]/);
    expect(() => lstm.forward(randn([2, 3, 4]))).toThrow(/LSTM: x has 4 features.*inputSize is 2/);
    expect(() => lstm.forward(randn([2, 3, 2]), null, { lengths: [3, 4] })).toThrow(
      /lengths\[1\] must be an integer in \[1, 3\], got 4/,
    );
    expect(() => lstm.forward(randn([2, 3, 2]), null, { lengths: [3] })).toThrow(
      /lengths has 1 entries but the batch has 2/,
    );
    expect(() => new LSTM({ inputSize: 0, hiddenSize: 3 })).toThrow(/inputSize must be a positive integer/);
  });
});
