// The frozen-backbone path: run C3D once over every clip of a dataset (eval mode, no gradients,
// in mini-batches) and keep only the fc7 features, so the pixel head, the LSTM and mutual
// learning then train on a [clips, 4096] matrix in minutes instead of days on a CPU.
// Imports only the tensor API and the C3D model.
import { noGrad, tidy } from '../tensor/engine.js';
import { tensor } from '../tensor/creation.js';
import { slice } from '../tensor/ops/layout.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { C3D } from './c3d.js';
import { inEvalMode } from './method.js';

/** Options of {@link extractClipFeatures}. */
export interface ClipFeatureOptions {
  /** Clips per C3D forward (default 8): bounds peak memory. */
  batchSize?: number;
  /** Called after each mini-batch with clips done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The old name of {@link ClipFeatureOptions}, which collided with the per-video extraction's options.
 * @deprecated Use `ClipFeatureOptions`; this alias goes in the next release.
 */
export type ExtractOptions = ClipFeatureOptions;

/**
 * fc7 features of every clip, `[totalClips, featureSize]`, computed in eval mode (no dropout)
 * under noGrad; the model's training flag is restored after. `clips` is one tensor
 * `[totalClips, C, L, H, W]` or a list of such tensors (e.g. per video), concatenated in order.
 * Pair the result with the same `videoIndex` as the clips: `{ features, videoIndex }` is a
 * {@link PixelInput}.
 * @example
 * const { clips, videoIndex } = clipsFromVideos(videos, 16);
 * const features = extractClipFeatures(pbe.c3d, clips, { batchSize: 4, onProgress: (d, n) => console.log(`${d}/${n}`) });
 * pbe.forward({ features, videoIndex }); // trains only pbe.fc
 */
export function extractClipFeatures(
  c3d: C3D,
  clips: Tensor | readonly Tensor[],
  options: ClipFeatureOptions = {},
): Tensor {
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`extractClipFeatures: batchSize must be a positive integer, got ${batchSize}`);
  const parts = clips instanceof Tensor ? [clips] : [...clips];
  parts.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`extractClipFeatures: clips[${i}] is not a Tensor`);
    c3d.checkClips(p, `extractClipFeatures (clips${clips instanceof Tensor ? '' : `[${i}]`})`);
  });
  const total = parts.reduce((n, p) => n + p.shape[0], 0);
  if (total === 0)
    throw new Error(`extractClipFeatures: no clips (got shapes ${parts.map((p) => fmt(p.shape)).join(', ')})`);
  const f = c3d.featureSize;
  // Features land in one host array: no per-batch tensors stay alive while the rest run.
  const out = new Float32Array(total * f);
  let done = 0;
  inEvalMode(c3d, () =>
    noGrad(() => {
      for (const part of parts) {
        const n = part.shape[0];
        for (let start = 0; start < n; start += batchSize) {
          const count = Math.min(batchSize, n - start);
          tidy(() => {
            const x = count === n ? part : slice(part, [start, 0, 0, 0, 0], [count, -1, -1, -1, -1]);
            out.set(c3d.forward(x).dataSync(), done * f);
          });
          done += count;
          options.onProgress?.(done, total);
        }
      }
    }),
  );
  return tensor(out, [total, f]);
}
