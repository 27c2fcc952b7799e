// KL divergence with PyTorch's F.kl_div semantics: the input is log-probabilities, the target
// probabilities (or log-probabilities with logTarget); pointwise target * (log target - input),
// 0 where target is 0. 'batchmean' (default) is the true KL divergence averaged over the batch.
import { Tensor } from '../tensor/tensor.js';
import { where } from '../tensor/ops/dropout.js';
import { greater } from '../tensor/ops/binary.js';
import { onesLike } from '../tensor/ops/layout.js';
import { fmt, shapesEqual } from '../tensor/shape.js';
import { checkFinite, checkReduction } from './reduction.js';

/** Options of {@link klDiv}. */
export interface KlDivOptions {
  /** 'batchmean' (default: sum / batch size, the true KL), 'sum', 'mean' (over all elements) or 'none'. */
  reduction?: 'batchmean' | 'sum' | 'mean' | 'none';
  /** The target is given as log-probabilities (default false). */
  logTarget?: boolean;
  /** Throw on NaN in the input (default true). */
  checkFinite?: boolean;
}

/**
 * KL(target || exp(input)) for `input` = log-probabilities and `target` = probabilities.
 * @example
 * // KL(p || q) averaged over the batch, q from logits:
 * const loss = klDiv(logSoftmax(logitsQ, 1), softmax(logitsP, 1).detach());
 */
export function klDiv(inputLogProbs: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  const reduction = checkReduction('klDiv', options.reduction ?? 'batchmean', [
    'batchmean',
    'sum',
    'mean',
    'none',
  ] as const);
  if (!(inputLogProbs instanceof Tensor))
    throw new Error(`klDiv: inputLogProbs must be a Tensor, got ${typeof inputLogProbs}`);
  if (!(target instanceof Tensor)) throw new Error(`klDiv: target must be a Tensor, got ${typeof target}`);
  if (!shapesEqual(inputLogProbs.shape, target.shape)) {
    throw new Error(
      `klDiv: inputLogProbs ${fmt(inputLogProbs.shape)} and target ${fmt(target.shape)} must have the same shape`,
    );
  }
  if (options.checkFinite !== false) checkFinite('klDiv', 'inputLogProbs', inputLogProbs);
  let pointwise: Tensor;
  if (options.logTarget) {
    pointwise = target.exp().mul(target.sub(inputLogProbs));
  } else {
    // xlogy: 0 * log 0 = 0. log of a placeholder 1 where target is 0 keeps gradients finite.
    const positive = greater(target, 0);
    const safeLog = where(positive, target, onesLike(target)).log();
    pointwise = target.mul(safeLog.sub(inputLogProbs));
  }
  switch (reduction) {
    case 'none':
      return pointwise;
    case 'sum':
      return pointwise.sum();
    case 'mean':
      return pointwise.mean();
    case 'batchmean':
      return pointwise.sum().div(inputLogProbs.rank > 0 ? inputLogProbs.shape[0] : 1);
  }
}
