// Evaluation of a trained method on a split: class probabilities in mini-batches (eval mode, no
// gradients), then accuracy, confusion matrix and per-class F1. For PLM-IPE also each branch on
// its own, which are Table 2's PBE-w/-Mut and LBE-w/-Mut. No training, no disk.
import { tidy } from '../tensor/engine.js';
import { argmaxRows, classificationReport, type ClassificationReport } from '../eval/metrics.js';
import { PLMIPE } from '../models/plm-ipe.js';
import type { PreferenceMethod } from '../models/method.js';
import { batchIndices, makeBatch } from './dataset.js';
import type { VideoFeatures } from './extract.js';

/** Probabilities `[N, 3]` row-major and the report of one way of predicting. */
export interface Evaluation {
  probs: Float32Array;
  predicted: number[];
  report: ClassificationReport;
}

/** A method's evaluation; `branches` only for PLM-IPE (its pixel and landmark estimators alone). */
export interface MethodEvaluation extends Evaluation {
  branches?: { pixel: Evaluation; landmark: Evaluation };
}

function score(probs: Float32Array, truth: number[]): Evaluation {
  const predicted = argmaxRows(probs, 3);
  return { probs, predicted, report: classificationReport(truth, predicted, 3) };
}

/**
 * Evaluates `method` on the videos `indices` (batches of `batchSize` bound the memory).
 * @example
 * const ev = evaluateMethod(model, features, split.test);
 * ev.report.accuracy; ev.branches?.pixel.report.accuracy; // PBE-w/-Mut
 */
export function evaluateMethod(
  method: PreferenceMethod,
  features: readonly VideoFeatures[],
  indices: readonly number[],
  batchSize = 16,
): MethodEvaluation {
  const n = indices.length;
  const truth = indices.map((i) => features[i].label);
  const isMutual = method instanceof PLMIPE;
  const main = new Float32Array(n * 3);
  const pixel = new Float32Array(isMutual ? n * 3 : 0);
  const landmark = new Float32Array(isMutual ? n * 3 : 0);
  let row = 0;
  for (const chunk of batchIndices(indices, batchSize, null)) {
    tidy(() => {
      const batch = makeBatch(features, chunk);
      if (method instanceof PLMIPE) {
        const all = method.predictAll(batch);
        main.set(all.fused.dataSync(), row * 3);
        pixel.set(all.pixel.dataSync(), row * 3);
        landmark.set(all.landmark.dataSync(), row * 3);
      } else {
        main.set(method.predictProba(batch).dataSync(), row * 3);
      }
    });
    row += chunk.length;
  }
  const out: MethodEvaluation = score(main, truth);
  if (isMutual) out.branches = { pixel: score(pixel, truth), landmark: score(landmark, truth) };
  return out;
}

/** Accuracy only (per-epoch curves). */
export function accuracyOf(
  method: PreferenceMethod,
  features: readonly VideoFeatures[],
  indices: readonly number[],
): number {
  return indices.length === 0 ? NaN : evaluateMethod(method, features, indices).report.accuracy;
}
