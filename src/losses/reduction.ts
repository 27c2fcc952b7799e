// Shared checks for loss functions: reduction names and the non-finite guard that turns a
// silent NaN into an Error naming the loss.
import type { Tensor } from '../tensor/tensor.js';

export function checkReduction<R extends string>(op: string, reduction: string, allowed: readonly R[]): R {
  if (!allowed.includes(reduction as R)) {
    throw new Error(`${op}: reduction must be one of ${allowed.map((r) => `'${r}'`).join(', ')}, got '${reduction}'`);
  }
  return reduction as R;
}

/**
 * Throws if `t` holds NaN or infinity (where the backend can read synchronously; backends
 * that cannot block skip the check). Cheap for losses: their inputs are `[N, classes]`.
 */
export function checkFinite(op: string, name: string, t: Tensor): void {
  let values: Float32Array;
  try {
    values = t.dataSync();
  } catch {
    return;
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new Error(
        `${op}: ${name} contains ${values[i]} at flat index ${i} (shape [${t.shape.join(', ')}]); the model has diverged or its input is bad`,
      );
    }
  }
}
