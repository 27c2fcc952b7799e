// Page side: the same op table on TensorFlow.js (the `tf` global from tf.min.js) with the
// backend chosen by the driver (webgl by default). Layouts are tfjs's (NDHWC); bodies end in
// `await data()` like ours.
import type * as TF from '@tensorflow/tfjs';
import type { Preset } from './presets.js';
import type { Body } from './ours.js';

const tf = (): typeof TF => (globalThis as unknown as { tf: typeof TF }).tf;

async function readAll(ts: TF.Tensor[]): Promise<void> {
  await Promise.all(ts.map((t) => t.data()));
  tf().dispose(ts);
}

export const PEER: Record<string, (p: Preset) => Body> = {
  conv3d({ conv: c }) {
    const x = tf().randomNormal([c.n, c.d, c.hw, c.hw, c.ci]) as TF.Tensor5D;
    const w = tf().randomNormal([3, 3, 3, c.ci, c.co]) as TF.Tensor5D;
    const g = tf().grads((a: TF.Tensor, b: TF.Tensor) =>
      tf()
        .conv3d(a as TF.Tensor5D, b as TF.Tensor5D, 1, 'same')
        .sum(),
    );
    return () => readAll(g([x, w]));
  },
  matmul({ matmul: m }) {
    const a = tf().randomNormal([m.m, m.k]);
    const b = tf().randomNormal([m.k, m.n]);
    return () => readAll([tf().matMul(a, b)]);
  },
  lstm({ lstm: l }) {
    const x = tf().randomNormal([l.b, l.i]);
    const h = tf().randomNormal([l.b, l.h]);
    const c = tf().randomNormal([l.b, l.h]);
    const k = tf().randomNormal([l.i + l.h, 4 * l.h]);
    const bias = tf().randomNormal([4 * l.h]);
    const g = tf().grads((kk: TF.Tensor, xx: TF.Tensor) => {
      const [, hNew] = tf().basicLSTMCell(
        tf().scalar(1),
        kk as TF.Tensor2D,
        bias as TF.Tensor1D,
        xx as TF.Tensor2D,
        c as TF.Tensor2D,
        h as TF.Tensor2D,
      );
      return hNew.sum();
    });
    return () => readAll(g([k, x]));
  },
  maxPool({ pool: p }) {
    const x = tf().randomNormal([1, p.d, p.hw, p.hw, p.c]) as TF.Tensor5D;
    const g = tf().grad((a: TF.Tensor) =>
      tf()
        .maxPool3d(a as TF.Tensor5D, 2, 2, 'valid')
        .sum(),
    );
    return () => readAll([g(x)]);
  },
  c3dStep({ c3d: c }) {
    const t = tf();
    const blocks = c.channels.length - 1;
    const ws = c.channels
      .slice(1)
      .map((co, i) => [t.variable(t.randomNormal([3, 3, 3, c.channels[i], co]).mul(0.1)), t.variable(t.zeros([co]))]);
    const feat = c.channels[blocks] * (c.d >> (blocks - 1)) * (c.hw >> blocks) * (c.hw >> blocks);
    const head = t.variable(t.randomNormal([feat, c.classes]).mul(0.01));
    const opt = t.train.adam(1e-3);
    const x = t.randomNormal([c.n, c.d, c.hw, c.hw, c.channels[0]]) as TF.Tensor5D;
    const labels = t.oneHot(
      t.tensor1d(
        Array.from({ length: c.n }, (_, i) => i % c.classes),
        'int32',
      ),
      c.classes,
    );
    return async () => {
      const loss = opt.minimize(() => {
        let h: TF.Tensor5D = x;
        ws.forEach(([w, b], i) => {
          // The bias is added on a [-1, C] view (free in tfjs): tfjs-webgpu 4.22 cannot compile
          // 5-D broadcasting ("cannot index type 'vec5'"), and the maths is the same.
          const conv = t.conv3d(h, w as TF.Tensor5D, 1, 'same');
          const y = t.relu(t.add(conv.reshape([-1, conv.shape[4]]), b).reshape(conv.shape)) as TF.Tensor5D;
          h = i === 0 ? t.maxPool3d(y, [1, 2, 2], [1, 2, 2], 'valid') : t.maxPool3d(y, 2, 2, 'valid');
        });
        return t.losses.softmaxCrossEntropy(labels, t.matMul(h.reshape([c.n, feat]), head)) as TF.Scalar;
      }, true);
      if (loss) await readAll([loss]);
    };
  },
};
