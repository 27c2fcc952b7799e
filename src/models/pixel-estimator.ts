// The pixel-based estimator (PBE, eq. 1-2 of the paper): clips through C3D to fc7 features f^P,
// averaged per video, then one linear layer to preference logits. Also owns the clip batch
// type (ragged videos as a flat clip list plus a video index) and splitting videos into clips.
// Imports only the tensor and layers API, never a backend.
import { tensor } from '../tensor/creation.js';
import { concat, permute, reshape, slice } from '../tensor/ops/layout.js';
import { matmul } from '../tensor/ops/matmul.js';
import { softmax } from '../tensor/ops/softmax.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from '../layers/module.js';
import { Linear } from '../layers/linear.js';
import { C3D, resolveC3DConfig, type C3DConfig, type C3DOptions } from './c3d.js';

/**
 * The pixel view of a batch of videos. Videos have different clip counts, so clips of all videos
 * are stacked on one axis and `videoIndex[j]` says which video (0..N-1) clip j belongs to; every
 * video needs at least one clip. Give raw `clips` (trained end to end) or precomputed C3D fc7
 * `features` (frozen backbone, see {@link extractClipFeatures}).
 * @example
 * // video 0 has two clips, video 1 has one:
 * const input: PixelInput = { clips: randn([3, 3, 16, 112, 112]), videoIndex: [0, 0, 1] };
 */
export type PixelInput =
  | { clips: Tensor; videoIndex: readonly number[]; features?: undefined }
  | { features: Tensor; videoIndex: readonly number[]; clips?: undefined };

/** The configuration of a {@link PixelEstimator}. */
export interface PixelEstimatorConfig {
  c3d: C3DConfig;
  /** Preference classes (3: positive, neutral, negative). */
  numClasses: number;
}

/** Constructor options: any C3D options and the class count, paper defaults for the rest. */
export interface PixelEstimatorOptions {
  c3d?: C3DOptions;
  numClasses?: number;
}

/**
 * Splits one video `[C, T, H, W]` into its non-overlapping clips `[K, C, clipLength, H, W]`,
 * K = floor(T / clipLength), as section 3.2 does; the trailing `T mod clipLength` frames are
 * dropped. A video shorter than one clip is an error (pad or loop it upstream).
 */
export function splitIntoClips(video: Tensor, clipLength: number): Tensor {
  if (!(video instanceof Tensor) || video.rank !== 4) {
    throw new Error(
      `splitIntoClips: video must be [C, T, H, W], got ${video instanceof Tensor ? fmt(video.shape) : typeof video}`,
    );
  }
  const [c, t, h, w] = video.shape;
  const k = Math.floor(t / clipLength);
  if (k < 1) throw new Error(`splitIntoClips: video has ${t} frames, fewer than one clip of ${clipLength}`);
  const used = k * clipLength === t ? video : slice(video, [0, 0, 0, 0], [c, k * clipLength, h, w]);
  return permute(reshape(used, [c, k, clipLength, h, w]), [1, 0, 2, 3, 4]);
}

/**
 * Builds a {@link PixelInput} from whole videos `[C, T_i, H, W]` of any lengths.
 * @example
 * const input = clipsFromVideos([videoA, videoB], 16); // { clips: [K_A + K_B, 3, 16, H, W], videoIndex }
 */
export function clipsFromVideos(
  videos: readonly Tensor[],
  clipLength: number,
): { clips: Tensor; videoIndex: number[] } {
  if (videos.length === 0) throw new Error('clipsFromVideos: no videos');
  const parts = videos.map((v) => splitIntoClips(v, clipLength));
  const videoIndex = parts.flatMap((p, i) => new Array<number>(p.shape[0]).fill(i));
  return { clips: parts.length === 1 ? parts[0] : concat(parts, 0), videoIndex };
}

/** Validates a video index over `totalClips` clips and returns the number of videos. */
export function countVideos(videoIndex: readonly number[], totalClips: number, op: string): number {
  if (!Array.isArray(videoIndex)) throw new Error(`${op}: videoIndex must be an array of video numbers, one per clip`);
  if (videoIndex.length !== totalClips)
    throw new Error(`${op}: videoIndex has ${videoIndex.length} entries but there are ${totalClips} clips`);
  let n = 0;
  for (let j = 0; j < videoIndex.length; j++) {
    const v = videoIndex[j];
    if (!Number.isInteger(v) || v < 0) throw new Error(`${op}: videoIndex[${j}] must be a video number >= 0, got ${v}`);
    n = Math.max(n, v + 1);
  }
  const seen = new Uint8Array(n);
  for (const v of videoIndex) seen[v] = 1;
  const missing = seen.indexOf(0);
  if (missing >= 0)
    throw new Error(`${op}: video ${missing} has no clips (videoIndex must cover every video 0..${n - 1})`);
  return n;
}

/** `[N, totalClips]` with 1/K_i where clip j belongs to video i: times features, the per-video mean. */
function averagingMatrix(videoIndex: readonly number[], n: number): Tensor {
  const counts = new Array<number>(n).fill(0);
  for (const v of videoIndex) counts[v]++;
  const m = new Float32Array(n * videoIndex.length);
  videoIndex.forEach((v, j) => (m[v * videoIndex.length + j] = 1 / counts[v]));
  return tensor(m, [n, videoIndex.length]);
}

/**
 * PBE: ŷ^P = softmax(W_p f^P + b_p) (eq. 2), f^P the mean of the video's clip features from C3D
 * (eq. 1). `forward` returns logits `[N, numClasses]`; the paper configuration has 78,008,067
 * parameters (constructing it allocates about 312 MB).
 * @example
 * const pbe = new PixelEstimator({ c3d: { width: 1 / 16, clipLength: 8, inputSize: 32, temporalPools: 3 } });
 * const logits = pbe.forward({ clips: randn([3, 3, 8, 32, 32]), videoIndex: [0, 0, 1] }); // [2, 3]
 */
export class PixelEstimator extends Module {
  readonly config: Readonly<PixelEstimatorConfig>;
  readonly c3d: C3D;
  readonly fc: Linear;

  constructor(options: PixelEstimatorOptions = {}) {
    super();
    const numClasses = options.numClasses ?? 3;
    if (!Number.isInteger(numClasses) || numClasses < 2)
      throw new Error(`PixelEstimator: numClasses must be an integer >= 2, got ${numClasses}`);
    this.config = Object.freeze({ c3d: resolveC3DConfig(options.c3d), numClasses });
    this.c3d = this.registerModule('c3d', new C3D(this.config.c3d));
    this.fc = this.registerModule('fc', new Linear(this.c3d.featureSize, numClasses));
  }

  /** Per-video features f^P `[N, featureSize]`: clip features (from C3D or given) averaged per video. */
  videoFeatures(input: PixelInput): Tensor {
    const op = 'PixelEstimator';
    if (input === null || typeof input !== 'object')
      throw new Error(`${op}: input must be { clips, videoIndex } or { features, videoIndex }`);
    let clipFeatures: Tensor;
    if (input.features !== undefined) {
      const f = input.features;
      if (!(f instanceof Tensor) || f.rank !== 2 || f.shape[1] !== this.c3d.featureSize) {
        throw new Error(
          `${op}: features must be [totalClips, ${this.c3d.featureSize}] (this C3D's fc7 size), got ${f instanceof Tensor ? fmt(f.shape) : typeof f}`,
        );
      }
      clipFeatures = f;
    } else if (input.clips instanceof Tensor) {
      this.c3d.checkClips(input.clips, op);
      clipFeatures = this.c3d.forward(input.clips);
    } else {
      throw new Error(
        `${op}: input needs a clips tensor [totalClips, ${this.c3d.clipShape.join(', ')}] or a features tensor`,
      );
    }
    const n = countVideos(input.videoIndex, clipFeatures.shape[0], op);
    // Every video has one clip: the mean is the identity, skip the product.
    if (n === clipFeatures.shape[0] && input.videoIndex.every((v, j) => v === j)) return clipFeatures;
    return matmul(averagingMatrix(input.videoIndex, n), clipFeatures);
  }

  /** Preference logits `[N, numClasses]` (W_p f^P + b_p, before the softmax of eq. 2). */
  forward(input: PixelInput): Tensor {
    return this.fc.forward(this.videoFeatures(input));
  }

  /** ŷ^P of eq. 2: class probabilities `[N, numClasses]`. */
  predictProba(input: PixelInput): Tensor {
    return softmax(this.forward(input), 1);
  }

  /** Videos in an input (the batch size), validating the video index. */
  batchSize(input: PixelInput): number {
    const t = input.features ?? input.clips;
    if (!(t instanceof Tensor)) throw new Error('PixelEstimator: input needs a clips or features tensor');
    return countVideos(input.videoIndex, t.shape[0], 'PixelEstimator');
  }
}
