// Cross-entropy on logits (PyTorch's F.cross_entropy): log-softmax over classes, then the
// negative log-likelihood of class-index targets or the cross-entropy with probability rows.
// Eq. 5 of the paper with reduction 'sum'; 'mean' (default) averages over the batch.
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { logSoftmax } from '../tensor/ops/softmax.js';
import { fmt } from '../tensor/shape.js';
import { checkFinite, checkReduction } from './reduction.js';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** 'mean' over the batch (default), 'sum', or 'none' (one loss per row). */
  reduction?: 'mean' | 'sum' | 'none';
  /** Throw on NaN/infinite logits (default true). */
  checkFinite?: boolean;
}

/** Class indices as a one-hot `[N, C]` tensor, checking each index. */
function oneHot(targets: ArrayLike<number>, n: number, classes: number): Tensor {
  if (targets.length !== n)
    throw new Error(`crossEntropy: targets has ${targets.length} entries but logits has ${n} rows`);
  const data = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const t = targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= classes) {
      throw new Error(`crossEntropy: targets[${i}] must be a class index in [0, ${classes - 1}], got ${t}`);
    }
    data[i * classes + t] = 1;
  }
  return tensor(data, [n, classes]);
}

/**
 * Cross-entropy between logits `[N, C]` and targets: class indices (array, Int32Array or a
 * `[N]` tensor) or probability rows (a `[N, C]` tensor).
 * @example
 * const loss = crossEntropy(logits, [0, 2, 1]);   // mean over the batch
 * loss.backward();
 */
export function crossEntropy(
  logits: Tensor,
  targets: ArrayLike<number> | Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  const reduction = checkReduction('crossEntropy', options.reduction ?? 'mean', ['mean', 'sum', 'none'] as const);
  if (!(logits instanceof Tensor) || logits.rank !== 2) {
    throw new Error(
      `crossEntropy: logits must be a 2-D tensor [batch, classes], got ${logits instanceof Tensor ? fmt(logits.shape) : typeof logits}`,
    );
  }
  const [n, classes] = logits.shape;
  if (options.checkFinite !== false) checkFinite('crossEntropy', 'logits', logits);
  let target: Tensor;
  if (targets instanceof Tensor) {
    if (targets.rank === 2) {
      if (targets.shape[0] !== n || targets.shape[1] !== classes) {
        throw new Error(
          `crossEntropy: probability targets must have the logits' shape ${fmt(logits.shape)}, got ${fmt(targets.shape)}`,
        );
      }
      target = targets;
    } else if (targets.rank === 1) {
      target = oneHot(targets.dataSync(), n, classes);
    } else {
      throw new Error(
        `crossEntropy: targets must be [${n}] class indices or [${n}, ${classes}] probabilities, got ${fmt(targets.shape)}`,
      );
    }
  } else {
    target = oneHot(targets, n, classes);
  }
  const perRow = logSoftmax(logits, 1).mul(target).sum(1).neg();
  if (reduction === 'none') return perRow;
  return reduction === 'sum' ? perRow.sum() : perRow.mean();
}
