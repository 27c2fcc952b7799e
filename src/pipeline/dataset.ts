// In-memory features of a dataset and their batching into the models' PreferenceBatch: the pixel
// view as one flat clip list plus a video index, the landmark view as zero-padded descriptor
// sequences with their lengths. Also the subject split plans (paper split, k-fold, split file) over
// extracted features, relabelling under other thresholds, and the seeded per-epoch shuffle. Plain arrays in, tensors out; no disk, no models.
import { tensor } from '../tensor/creation.js';
import { createRng } from '../tensor/random.js';
import { scoreToLabel, type LabelThresholds, type ManifestEntry } from '../data/manifest.js';
import {
  paperPartition,
  parseSplitFile,
  subjectFolds,
  type SplitPlanOptions,
  type SubjectPartition,
} from '../data/subject-splits.js';
import type { PreferenceBatch } from '../models/method.js';
import type { VideoFeatures } from './video-features.js';

/** Train, validation and test indices into a feature list (no subject in two of them). */
export interface FeatureSplit {
  train: number[];
  /** Videos that pick the reported epoch; empty when the run has no validation part. */
  validation: number[];
  test: number[];
  testSubjects: string[];
  /** Validation subjects, sorted (empty when there is no validation part). */
  validationSubjects?: string[];
  /** Warnings of the split plan (relaxed constraints), to print before training. */
  warnings?: string[];
}

/** Manifest-like entries of features, for the subject split functions (scores are not needed). */
export function featureEntries(features: readonly VideoFeatures[]): ManifestEntry[] {
  return features.map((f) => ({
    id: f.id,
    video: f.id,
    subject: f.subject,
    session: f.session,
    score: f.score ?? 50,
    gender: f.gender,
  }));
}

/** Indices of each part of a subject partition. */
export function partitionFeatures(features: readonly VideoFeatures[], partition: SubjectPartition): FeatureSplit {
  const part = new Map<string, 'train' | 'validation' | 'test'>();
  for (const s of partition.train) part.set(s, 'train');
  for (const s of partition.validation) part.set(s, 'validation');
  for (const s of partition.test) part.set(s, 'test');
  const out: FeatureSplit = {
    train: [],
    validation: [],
    test: [],
    testSubjects: [...partition.test],
    validationSubjects: [...partition.validation],
    warnings: [...partition.warnings],
  };
  features.forEach((f, i) => {
    const p = part.get(f.subject);
    if (p) out[p].push(i);
  });
  return out;
}

/** How {@link splitPlan} splits a run's features. */
export interface SplitPlanRequest extends SplitPlanOptions {
  /** k-fold over subjects (k >= 2); default: the paper's single split. */
  folds?: number;
  /** An explicit split file's text and name (see parseSplitFile); wins over `folds`. */
  file?: { text: string; source: string };
}

/** The subject partitions of a run: one for the paper's split or a one-part file, k for folds. */
export function splitPlan(features: readonly VideoFeatures[], request: SplitPlanRequest = {}): SubjectPartition[] {
  const entries = featureEntries(features);
  if (request.file) return parseSplitFile(request.file.text, request.file.source, entries);
  if (request.folds !== undefined) return subjectFolds(entries, request.folds, request);
  return [paperPartition(entries, request)];
}

/**
 * The paper's split (section 4.1) over extracted features: about 20 % of subjects, each with a
 * single session where the data allows, go to the test set; about 15 % of the remaining subjects
 * (`validationFraction`, 0 for none) form the validation part. No subject is in two parts.
 */
export function splitFeatures(features: readonly VideoFeatures[], options: SplitPlanOptions = {}): FeatureSplit {
  return partitionFeatures(features, paperPartition(featureEntries(features), { seed: options.seed ?? 0, ...options }));
}

/** The features with labels recomputed from their scores under other thresholds (same objects when none are given). */
export function relabel(
  features: readonly VideoFeatures[],
  thresholds: Partial<LabelThresholds> | undefined,
): VideoFeatures[] {
  if (!thresholds || (thresholds.negativeBelow === undefined && thresholds.positiveAbove === undefined))
    return [...features];
  return features.map((f) => {
    if (f.score === undefined)
      throw new Error(`video '${f.id}' has no score in its features; re-extract to use other label thresholds`);
    return { ...f, label: scoreToLabel(f.score, thresholds) };
  });
}

/** Training-time augmentation of {@link makeBatch}'s pixel clips. */
export interface BatchAugmentation {
  /**
   * Mirrors each video's clips left-right with probability 1/2 (C3D's training recipe): a mirrored
   * face shows the same reaction. Draws from this generator (seed it for reproducible epochs).
   */
  flip?: () => number;
  /** Loss weight of each class `[negative, neutral, positive]`: sets `batch.weights` (see balancedClassWeights). */
  classWeights?: readonly number[];
}

/**
 * One batch of the given videos. Every video keeps all its cached clips; descriptor sequences are
 * zero-padded to the longest one and `lengths` tells the LSTM where each ends.
 * @example
 * const batch = makeBatch(features, [3, 7, 9]); // { pixel: { clips, videoIndex }, landmark: { descriptors, lengths }, labels }
 */
export function makeBatch(
  features: readonly VideoFeatures[],
  indices: readonly number[],
  augment: BatchAugmentation = {},
): PreferenceBatch {
  if (indices.length === 0) throw new Error('makeBatch: no videos');
  const first = features[indices[0]];
  const [, c, l, h, w] = first.clipShape;
  const per = c * l * h * w;
  const dim = first.dim;
  let totalClips = 0;
  let maxLen = 0;
  for (const i of indices) {
    const f = features[i];
    const [k, c2, l2, h2, w2] = f.clipShape;
    if (c2 !== c || l2 !== l || h2 !== h || w2 !== w) {
      throw new Error(
        `makeBatch: video '${f.id}' has clips [${f.clipShape.slice(1).join(', ')}] but '${first.id}' has [${first.clipShape.slice(1).join(', ')}]; extract both with the same options`,
      );
    }
    if (f.dim !== dim)
      throw new Error(`makeBatch: video '${f.id}' has ${f.dim}-d descriptors but '${first.id}' has ${dim}-d`);
    totalClips += k;
    maxLen = Math.max(maxLen, f.valid.length);
  }
  const clips = new Float32Array(totalClips * per);
  const videoIndex: number[] = [];
  const descriptors = new Float32Array(indices.length * maxLen * dim);
  const lengths: number[] = [];
  const labels: number[] = [];
  let offset = 0;
  indices.forEach((idx, n) => {
    const f = features[idx];
    clips.set(f.clips, offset * per);
    if (augment.flip && augment.flip() < 0.5)
      mirrorRows(clips.subarray(offset * per, (offset + f.clipShape[0]) * per), w);
    for (let j = 0; j < f.clipShape[0]; j++) videoIndex.push(n);
    offset += f.clipShape[0];
    descriptors.set(f.descriptors, n * maxLen * dim);
    lengths.push(f.valid.length);
    labels.push(f.label);
  });
  const cw = augment.classWeights;
  return {
    pixel: { clips: tensor(clips, [totalClips, c, l, h, w]), videoIndex },
    landmark: { descriptors: tensor(descriptors, [indices.length, maxLen, dim]), lengths },
    labels,
    ...(cw ? { weights: labels.map((y) => cw[y]) } : {}),
  };
}

/** Reverses every row of `w` values in place (a left-right mirror of [..., H, W] images). */
function mirrorRows(data: Float32Array, w: number): void {
  for (let r = 0; r < data.length; r += w) data.subarray(r, r + w).reverse();
}

/** Splits indices into batches of `batchSize`, shuffled with a seeded generator (same seed and epoch, same order). */
export function batchIndices(
  indices: readonly number[],
  batchSize: number,
  shuffle: { seed: number | string; epoch: number } | null,
): number[][] {
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const order = [...indices];
  if (shuffle) {
    const rng = createRng(`${shuffle.seed}/epoch/${shuffle.epoch}`);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}

/** Class counts `[negative, neutral, positive]` of the given videos. */
export function classCounts(features: readonly VideoFeatures[], indices: readonly number[]): [number, number, number] {
  const counts: [number, number, number] = [0, 0, 0];
  for (const i of indices) counts[features[i].label]++;
  return counts;
}

/**
 * Class-balanced loss weights `N / (C n_c)` from the training videos' class counts: each class then
 * carries the same total weight and the weights average 1 over the training set, so the loss keeps
 * its scale. With 16 training subjects the class mix of a fold is far from even (50/39/31 in one
 * tiny fold), and a branch whose clips carry little signal minimises the plain cross-entropy by
 * predicting that fold's majority class for every video. A class without training videos gets 0.
 * @example
 * balancedClassWeights([50, 39, 31]); // [0.8, 1.026, 1.290]
 */
export function balancedClassWeights(counts: readonly number[]): number[] {
  if (!Array.isArray(counts) || counts.length === 0 || counts.some((n) => !(Number.isInteger(n) && n >= 0))) {
    throw new Error(
      `balancedClassWeights: counts must be a non-empty array of integers >= 0, got ${Array.isArray(counts) ? `[${counts.length} values]` : typeof counts}`,
    );
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((n) => n > 0).length;
  if (total === 0) throw new Error('balancedClassWeights: no training videos (all counts are 0)');
  return counts.map((n) => (n > 0 ? total / (present * n) : 0));
}
