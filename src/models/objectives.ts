// The paper's objectives on logits: cross-entropy (eq. 5), the temperature-softened KL terms
// of mutual learning (eq. 6), probability fusion (eq. 8) and EarlyFusion's cross-entropy of a
// probability mixture; plus label validation. Pure functions of tensors; imports only the
// tensor and losses API, never a backend.
import { tensor } from '../tensor/creation.js';
import { logSoftmax, softmax } from '../tensor/ops/softmax.js';
import { maximum } from '../tensor/ops/binary.js';
import type { Tensor } from '../tensor/tensor.js';
import { crossEntropy } from '../losses/cross-entropy.js';

/** How a loss adds over the batch: 'mean' (default; learning rates do not depend on batch size) or 'sum' (eq. 5-6 as printed). */
export type BatchReduction = 'mean' | 'sum';

/**
 * Which KL each estimator adds to its loss. 'paper': eq. 6-7 as printed, each adds KL(own || peer)
 * (L^L gets KL(ŷL || ŷP), L^P gets KL(ŷP || ŷL)). 'dml': Deep Mutual Learning (Zhang et al. 2018),
 * each adds KL(peer || own), the usual distillation direction.
 */
export type KlDirection = 'paper' | 'dml';

/**
 * Scale of the KL term. 'T^2' (Hinton et al. 2015): softening logits by T shrinks the KL
 * gradient by about 1/T^2, so multiplying by T^2 keeps the soft term's pull comparable to the
 * cross-entropy whatever T is. 1: the equations as printed (at T = 10 the mutual term then
 * carries about a hundredth of the cross-entropy's gradient).
 */
export type KlScale = 'T^2' | 1;

/** Checks class-index labels for a batch of `n` and returns them as a plain array. */
export function checkLabels(
  labels: readonly number[] | undefined,
  n: number,
  numClasses: number,
  op: string,
): number[] {
  if (labels === undefined || labels === null || typeof (labels as ArrayLike<number>).length !== 'number') {
    throw new Error(`${op}: batch.labels must be an array of ${n} class indices`);
  }
  if (labels.length !== n) throw new Error(`${op}: batch has ${labels.length} labels but ${n} videos`);
  const out = Array.from(labels);
  out.forEach((y, i) => {
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new Error(`${op}: labels[${i}] must be a class index in [0, ${numClasses - 1}], got ${y}`);
    }
  });
  return out;
}

/**
 * Eq. 5: cross-entropy of softmax(logits) with the labels, summed or averaged over the batch.
 * With `weights` (one per video, e.g. a batch's `weights` in class-balanced training)
 * each video's term is multiplied by its weight before the sum or the mean over the N videos.
 */
export function predictionLoss(
  logits: Tensor,
  labels: readonly number[],
  reduction: BatchReduction = 'mean',
  weights?: readonly number[],
): Tensor {
  // Non-finite values are reported by the caller, which knows the step and the term.
  if (!weights) return crossEntropy(logits, labels, { reduction, checkFinite: false });
  const perVideo = crossEntropy(logits, labels, { reduction: 'none', checkFinite: false }).mul(
    tensor(Float32Array.from(weights), [weights.length]),
  );
  return reduction === 'sum' ? perVideo.sum() : perVideo.mean();
}

/**
 * Eq. 6 with temperature: KL(softmax(p/T) || softmax(q/T)) per video, summed or averaged over the
 * batch. Computed from two log-softmaxes (no log of a probability that underflowed to 0).
 * Gradients flow to whichever side is not detached.
 * @example
 * // the landmark estimator's term with the paper's direction, peer detached:
 * const kl = softKl(landmarkLogits, pixelLogits.detach(), 10);
 */
export function softKl(
  pLogits: Tensor,
  qLogits: Tensor,
  temperature: number,
  reduction: BatchReduction = 'mean',
): Tensor {
  const logP = logSoftmax(pLogits.div(temperature), 1);
  const logQ = logSoftmax(qLogits.div(temperature), 1);
  const perVideo = logP.exp().mul(logP.sub(logQ)).sum(1);
  return reduction === 'sum' ? perVideo.sum() : perVideo.mean();
}

/**
 * The KL term an estimator adds to its own loss (eq. 6-7), with the peer detached so only the
 * owner learns from it, scaled by T^2 or 1.
 */
export function mutualKlTerm(
  ownLogits: Tensor,
  peerLogits: Tensor,
  options: { temperature: number; direction: KlDirection; scale: KlScale; reduction?: BatchReduction },
): { kl: Tensor; scaled: Tensor } {
  const peer = peerLogits.detach();
  const { temperature: t, direction, reduction = 'mean' } = options;
  const kl = direction === 'paper' ? softKl(ownLogits, peer, t, reduction) : softKl(peer, ownLogits, t, reduction);
  return { kl, scaled: options.scale === 'T^2' ? kl.mul(t * t) : kl };
}

/** Eq. 8 generalised: w_L softmax(zL) + w_P softmax(zP). With w_L = λ, w_P = 1 - λ it is eq. 8. */
export function fuseProbabilities(
  landmarkLogits: Tensor,
  pixelLogits: Tensor,
  landmarkWeight: number,
  pixelWeight = 1 - landmarkWeight,
): Tensor {
  return softmax(landmarkLogits, 1).mul(landmarkWeight).add(softmax(pixelLogits, 1).mul(pixelWeight));
}

/**
 * EarlyFusion's loss: cross-entropy of the mixture ŷ = β1 ŷL + β2 ŷP, i.e. -log(β1 ŷL + β2 ŷP)[y],
 * computed as -logsumexp(log β1 + log ŷL, log β2 + log ŷP)[y] so it stays finite when one
 * branch is confidently wrong. `weights`: one per video, as in {@link predictionLoss}.
 */
export function mixtureCrossEntropy(
  landmarkLogits: Tensor,
  pixelLogits: Tensor,
  labels: readonly number[],
  beta: readonly [number, number],
  reduction: BatchReduction = 'mean',
  weights?: readonly number[],
): Tensor {
  const [n, c] = landmarkLogits.shape;
  const a = logSoftmax(landmarkLogits, 1).add(Math.log(beta[0]));
  const b = logSoftmax(pixelLogits, 1).add(Math.log(beta[1]));
  // The shift m only steadies the exponentials; logsumexp does not depend on it, so it is detached.
  const m = maximum(a, b).detach();
  const logMix = a.sub(m).exp().add(b.sub(m).exp()).log().add(m);
  const oneHot = new Float32Array(n * c);
  labels.forEach((y, i) => (oneHot[i * c + y] = 1));
  const unweighted = logMix
    .mul(tensor(oneHot, [n, c]))
    .sum(1)
    .neg();
  const perVideo = weights ? unweighted.mul(tensor(Float32Array.from(weights), [n])) : unweighted;
  return reduction === 'sum' ? perVideo.sum() : perVideo.mean();
}
