// The table's TensorFlow.js runner: every row with a `tfjs` twin runs in plm-ipe and in tfjs's
// plain-JS cpu backend on the same inputs; forward values and the gradients of L = sum(f(x) * R)
// for every input that requires grad must agree. LSTM and Adam parity live in the layers/optim tests.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from './compare.js';
import { inputValues } from './gradcheck.js';
import { opRowResults } from './run.js';
import { OP_ROWS } from './rows/ops.js';
import type { OpRow } from './table.js';
import { uniform } from './inputs.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Tolerance: 1e-4 relative, plus an absolute floor of 1e-5 of the largest |expected| value.
// The floor is needed because both libraries round to float32 (tfjs also accumulates conv and
// matmul sums in float32), so an element that is a sum of terms of size ~max cancelling to
// near zero carries an absolute error ~1e-7..1e-6 * max that no relative bound can absorb.
function close(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  expectClose(actual, expected, { rtol: 1e-4, atol: 1e-5 * scale, label });
}

/** tfjs's forward values and, when compared, the gradients of sum(out * R) (R as opRowResults draws it). */
function theirs(row: OpRow): Float32Array[] {
  const twin = row.tfjs!;
  const values = inputValues(row.name, row.inputs);
  return tf.tidy(() => {
    const xs = row.inputs.map((s, i) => tf.tensor(values[i], [...s.shape]));
    const out = twin.call(tf, ...xs);
    const results = [out.dataSync() as Float32Array];
    if (twin.grads === false) return results;
    const r = tf.tensor(uniform(out.size, -1, 1, `R:${row.name}:0`), out.shape);
    const wanted = row.inputs.map((s) => s.requiresGrad ?? true);
    const g = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(twin.call(tf, ...args), r)))(xs);
    g.forEach((t, i) => wanted[i] && results.push(t.dataSync() as Float32Array));
    return results;
  });
}

describe('conformance: TensorFlow.js parity (forward and gradients)', () => {
  for (const row of OP_ROWS.filter((r) => r.tfjs)) {
    it(`${row.op}: ${row.name}`, async () => {
      const ours = await opRowResults(row);
      const expected = theirs(row);
      close(ours[0], expected[0], `${row.name}: forward`);
      if (row.tfjs!.grads === false) return;
      expect(ours.length, `${row.name}: outputs + gradients`).toBe(expected.length);
      for (let k = 1; k < ours.length; k++) close(ours[k], expected[k], `${row.name}: gradient of input ${k - 1}`);
    });
  }
});
