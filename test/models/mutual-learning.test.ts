// Mutual learning on a generated problem whose views carry complementary evidence (see
// complementary.ts): after the same number of steps from the same seed, PLM-IPE's fused
// prediction (eq. 8) is at least as accurate as the better single-branch method (PBE, LBE).
// Runs on cached clip features (the frozen-backbone path), so it takes a few seconds.
import { describe, expect, it } from 'vitest';
import { manualSeed, slice } from '../../src/index.js';
import {
  createMethod,
  createOptimizers,
  CPU_PRESET,
  PLMIPE,
  type PreferenceBatch,
  type TrainingPreset,
} from '../../src/models/index.js';
import { complementaryData, type ComplementaryData } from './complementary.js';
import { TINY_C3D } from './fixtures.js';

const preset: TrainingPreset = {
  ...CPU_PRESET,
  c3d: TINY_C3D,
  landmark: { inputSize: 72, hiddenSize: 32, numClasses: 3 },
};

function batchOf(d: ComplementaryData, start: number, n: number): PreferenceBatch {
  return {
    pixel: { features: slice(d.features, [2 * start, 0], [2 * n, -1]), videoIndex: d.videoIndex.slice(0, 2 * n) },
    landmark: {
      descriptors: slice(d.descriptors, [start, 0, 0], [n, -1, -1]),
      lengths: d.lengths.slice(start, start + n),
    },
    labels: d.labels.slice(start, start + n),
  };
}

describe('mutual learning on complementary views', () => {
  it('PLM-IPE (fused) reaches at least the accuracy of the better single branch', () => {
    const train = complementaryData(90, 'train');
    const test = complementaryData(90, 'test');
    const batches = [0, 30, 60].map((s) => batchOf(train, s, 30));
    const testBatch = batchOf(test, 0, 90);
    const accuracy = (pred: number[]) => pred.filter((p, i) => p === test.labels[i]).length / pred.length;
    const results: Record<string, number> = {};
    for (const name of ['PBE', 'LBE', 'PLM-IPE'] as const) {
      manualSeed(7);
      const method = createMethod(name, preset);
      const optimizers = createOptimizers(method, preset);
      for (let epoch = 0; epoch < 20; epoch++) for (const b of batches) method.trainStep(b, optimizers);
      results[name] = accuracy(method.predict(testBatch));
      if (method instanceof PLMIPE) {
        results['PBE-w/-Mut'] = accuracy(method.predict(testBatch, 'pixel'));
        results['LBE-w/-Mut'] = accuracy(method.predict(testBatch, 'landmark'));
      }
    }
    console.log('complementary-views accuracy (90 test videos):', JSON.stringify(results));
    const bestSingle = Math.max(results.PBE, results.LBE);
    expect(results['PLM-IPE']).toBeGreaterThanOrEqual(bestSingle);
    // Each view alone sees about 2/3 of the evidence: single branches stay well below the fusion.
    expect(bestSingle).toBeLessThan(0.9);
    expect(results['PLM-IPE']).toBeGreaterThan(0.85);
  });
});
