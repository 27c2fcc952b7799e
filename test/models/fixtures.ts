// Shared fixtures of the model tests: tiny configurations that run in milliseconds on a CPU,
// random batches of both views, and a parameter snapshot helper. Public API only.
import { createRng, randn, tensor, type Tensor, type Module } from '../../src/index.js';
import type { C3DOptions, PreferenceBatch } from '../../src/models/index.js';

/** A C3D small enough for unit tests: 4-frame 16x16 clips, 1/16 width (256-d features), no dropout. */
export const TINY_C3D: C3DOptions = { width: 1 / 16, clipLength: 4, inputSize: 16, temporalPools: 2, dropout: 0 };

/** A small landmark estimator configuration (the paper's 72-d input, hidden 32). */
export const TINY_LANDMARK = { hiddenSize: 32 };

/** A random batch of `n` videos: video i has `clipCounts[i]` clips and `lengths[i]` descriptor frames. */
export function randomBatch(
  clipCounts: number[],
  lengths: number[],
  labels: number[],
  c3d: C3DOptions = TINY_C3D,
): PreferenceBatch {
  const total = clipCounts.reduce((a, b) => a + b, 0);
  const size = typeof c3d.inputSize === 'number' ? c3d.inputSize : 16;
  const videoIndex = clipCounts.flatMap((k, i) => new Array<number>(k).fill(i));
  return {
    pixel: { clips: randn([total, 3, c3d.clipLength ?? 4, size, size]), videoIndex },
    landmark: { descriptors: randn([lengths.length, Math.max(...lengths), 72]), lengths },
    labels,
  };
}

/** Random cached clip features `[total, f]` for a batch whose videos have `clipCounts` clips. */
export function featureBatch(clipCounts: number[], lengths: number[], labels: number[], f = 256): PreferenceBatch {
  const total = clipCounts.reduce((a, b) => a + b, 0);
  return {
    pixel: {
      features: randn([total, f]).relu(),
      videoIndex: clipCounts.flatMap((k, i) => new Array<number>(k).fill(i)),
    },
    landmark: { descriptors: randn([lengths.length, Math.max(...lengths), 72]), lengths },
    labels,
  };
}

/** Copies of every parameter's values, by state-dict key. */
export function snapshot(m: Module): Map<string, Float32Array> {
  return new Map(m.namedParameters().map(([k, p]) => [k, p.dataSync()]));
}

/** Keys whose values differ between two snapshots. */
export function changedKeys(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  return [...a.keys()].filter((k) => {
    const x = a.get(k)!;
    const y = b.get(k)!;
    return x.some((v, i) => v !== y[i]);
  });
}

/** Max |a - b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export { createRng, tensor, type Tensor };
