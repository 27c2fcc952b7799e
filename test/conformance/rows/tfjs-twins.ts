// TF.js spellings of plm-ipe's ops for the table's tfjs twins. tfjs is passed in (the table is
// bundled for the browser without it). Layouts are converted here: plm-ipe is NCDHW with weight
// [out, in, kD, kH, kW] (PyTorch), tfjs NDHWC with filter [kD, kH, kW, in, out]. tfjs has no
// explicit conv/pool padding, so padding is tf.pad (zeros for conv and average pooling, -Infinity
// for max pooling) and a 'valid' op; dilated gradients, which tfjs lacks, go through an explicitly
// dilated kernel.
import type * as TF from '@tensorflow/tfjs';
import type { Conv3dOptions } from '../../../src/index.js';

type Tf = typeof TF;
type Triple = [number, number, number];

export const toNDHWC = (tf: Tf, x: TF.Tensor): TF.Tensor => tf.transpose(x, [0, 2, 3, 4, 1]);
export const toNCDHW = (tf: Tf, x: TF.Tensor): TF.Tensor => tf.transpose(x, [0, 4, 1, 2, 3]);
/** [out, in, kD, kH, kW] -> [kD, kH, kW, in, out]. */
export const toTfFilter = (tf: Tf, w: TF.Tensor): TF.Tensor => tf.transpose(w, [2, 3, 4, 1, 0]);

export const triple = (v: number | readonly number[] | undefined, dflt: number): Triple =>
  v === undefined ? [dflt, dflt, dflt] : typeof v === 'number' ? [v, v, v] : [v[0], v[1], v[2]];

/** Symmetric spatial padding of an NDHWC tensor. */
export function padSpatial(tf: Tf, x: TF.Tensor, p: Triple, value = 0): TF.Tensor {
  return tf.pad(
    x,
    [
      [0, 0],
      [p[0], p[0]],
      [p[1], p[1]],
      [p[2], p[2]],
      [0, 0],
    ],
    value,
  );
}

/**
 * A kernel with dilation d as an ordinary kernel of extent d (k - 1) + 1 with zeros between taps,
 * written as a constant selection matrix times the flattened kernel so tfjs can take its gradient.
 */
function dilateFilter(tf: Tf, f: TF.Tensor, dil: Triple): TF.Tensor {
  const [kD, kH, kW, cin, cout] = f.shape;
  const [DD, DH, DW] = [dil[0] * (kD - 1) + 1, dil[1] * (kH - 1) + 1, dil[2] * (kW - 1) + 1];
  const S = new Float32Array(DD * DH * DW * kD * kH * kW);
  for (let a = 0; a < kD; a++)
    for (let b = 0; b < kH; b++)
      for (let c = 0; c < kW; c++) {
        const row = (a * dil[0] * DH + b * dil[1]) * DW + c * dil[2];
        S[row * kD * kH * kW + (a * kH + b) * kW + c] = 1;
      }
  const flat = tf.reshape(f, [kD * kH * kW, cin * cout]);
  return tf.reshape(tf.matMul(tf.tensor2d(S, [DD * DH * DW, kD * kH * kW]), flat), [DD, DH, DW, cin, cout]);
}

/** plm-ipe's conv3d(x, w, b, opts) in tfjs. */
export function tfConv3d(tf: Tf, opts: Conv3dOptions, x: TF.Tensor, w: TF.Tensor, b?: TF.Tensor): TF.Tensor {
  const stride = triple(opts.stride, 1);
  const dil = triple(opts.dilation, 1);
  const xp = padSpatial(tf, toNDHWC(tf, x), triple(opts.padding, 0));
  let f = toTfFilter(tf, w);
  if (dil.some((d) => d !== 1)) f = dilateFilter(tf, f, dil);
  let y = tf.conv3d(xp as TF.Tensor5D, f as TF.Tensor5D, stride, 'valid');
  if (b) y = tf.add(y, b);
  return toNCDHW(tf, y);
}

/** tfjs softmax-like ops work on the last dim only: move `dim` last and back. */
export function alongDim(tf: Tf, f: (t: TF.Tensor) => TF.Tensor, dim: number, x: TF.Tensor): TF.Tensor {
  const rank = x.rank;
  const d = dim < 0 ? dim + rank : dim;
  const perm = [...Array(rank).keys()].filter((i) => i !== d).concat(d);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return tf.transpose(f(tf.transpose(x, perm)), inverse);
}
