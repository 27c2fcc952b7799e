// conv3d forward against TensorFlow.js's cpu backend (NDHWC input, filter [kD, kH, kW, in, out],
// so both are transposed here) at 1e-4 of max |y|, for 'same' (pad 1) and 'valid' stride 2.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv3dForward } from '../../src/backend/cpu/kernels/index.js';
import { conv3dGeometry } from '../../src/tensor/geometry.js';
import { random, relErr } from './reference.js';

function toNDHWC(x: Float32Array, [n, c, d, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let ci = 0; ci < c; ci++)
      for (let s = 0; s < d * h * w; s++) out[(b * d * h * w + s) * c + ci] = x[(b * c + ci) * d * h * w + s];
  return out;
}

function filterToTf(wt: Float32Array, [o, i, kd, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(wt.length), kv = kd * kh * kw;
  for (let co = 0; co < o; co++) for (let ci = 0; ci < i; ci++) for (let t = 0; t < kv; t++) out[(t * i + ci) * o + co] = wt[(co * i + ci) * kv + t];
  return out;
}

describe('conv3d parity with tfjs-cpu', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  for (const [pad, stride] of [['same', 1], ['valid', 2]] as const) {
    it(`pad ${pad}, stride ${stride}`, () => {
      const xs = [2, 5, 6, 9, 10], ws = [7, 5, 3, 3, 3];
      const g = conv3dGeometry(xs, ws, { stride, padding: pad === 'same' ? 1 : 0 });
      const x = random(xs.reduce((a, b) => a * b), 31), w = random(ws.reduce((a, b) => a * b), 32);
      const ours = conv3dForward(x, w, null, g);
      const yt = tf.tidy(() =>
        tf.conv3d(
          tf.tensor5d(toNDHWC(x, xs), [xs[0], xs[2], xs[3], xs[4], xs[1]]),
          tf.tensor5d(filterToTf(w, ws), [3, 3, 3, 5, 7]),
          stride, pad,
        ),
      );
      expect(yt.shape).toEqual([g.batch, g.outD, g.outH, g.outW, g.outChannels]);
      const theirs = yt.dataSync() as Float32Array;
      yt.dispose();
      expect(relErr(toNDHWC(ours, [g.batch, g.outChannels, g.outD, g.outH, g.outW]), theirs)).toBeLessThan(1e-4);
    });
  }
});
