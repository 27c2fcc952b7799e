// Class-balanced cross-entropy and the KL ramp (against a pixel branch that collapses onto one
// class): the weights N / (C n_c), the weighted eq. 5 and mixture CE, the weights reaching every CE
// term of a mutual step (the KL stays unweighted), the mechanism (at a prediction that ignores the
// input the plain CE still pulls toward the majority class, the balanced CE does not), and the
// KL ramp's factor in eq. 7.
import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad, tensor } from '../../src/index.js';
import {
  PLMIPE,
  PixelOnly,
  createOptimizers,
  klRampFactor,
  mixtureCrossEntropy,
  predictionLoss,
  softKl,
  CPU_PRESET,
  type TrainingPreset,
} from '../../src/models/index.js';
import { balancedClassWeights, makeBatch } from '../../src/pipeline/dataset.js';
import type { VideoFeatures } from '../../src/pipeline/extract.js';
import { trainMethod } from '../../src/pipeline/train.js';
import { SMALL_TRAINING } from '../../src/pipeline/demo-config.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_C3D, TINY_LANDMARK, featureBatch } from './fixtures.js';

const TINY_PRESET: TrainingPreset = {
  ...CPU_PRESET,
  c3d: TINY_C3D,
  landmark: { ...CPU_PRESET.landmark, hiddenSize: 32 },
};

describe('balancedClassWeights', () => {
  it('gives N / (C n_c): every class the same total weight, mean weight 1', () => {
    const w = balancedClassWeights([50, 39, 31]);
    expect(w[0]).toBeCloseTo(120 / 150, 6);
    expect(w[1]).toBeCloseTo(120 / 117, 6);
    expect(w[2]).toBeCloseTo(120 / 93, 6);
    expect(50 * w[0]).toBeCloseTo(31 * w[2], 4);
    expect((50 * w[0] + 39 * w[1] + 31 * w[2]) / 120).toBeCloseTo(1, 6);
  });

  it('gives a class without training videos weight 0 and refuses bad counts', () => {
    expect(balancedClassWeights([4, 0, 2])).toEqual([0.75, 0, 1.5]);
    expect(() => balancedClassWeights([0, 0, 0])).toThrow(/no training videos/);
    expect(() => balancedClassWeights([1.5, 2, 3])).toThrow(
      /counts must be a non-empty array of integers >= 0, got \[3 values\]/,
    );
  });
});

describe('weighted cross-entropy', () => {
  it('predictionLoss multiplies each video by its weight before the mean or the sum', () => {
    const logits = tensor([
      [2, 0, -1],
      [0.5, 0.5, 0],
      [-1, 1, 3],
    ]);
    const labels = [0, 1, 2];
    const rows = [0, 1, 2].map((i) =>
      predictionLoss(tensor([(logits.toArray() as number[][])[i]]), [labels[i]], 'sum').item(),
    );
    const w = [0.5, 2, 1];
    expect(predictionLoss(logits, labels, 'sum', w).item()).toBeCloseTo(0.5 * rows[0] + 2 * rows[1] + rows[2], 5);
    expect(predictionLoss(logits, labels, 'mean', w).item()).toBeCloseTo(
      (0.5 * rows[0] + 2 * rows[1] + rows[2]) / 3,
      5,
    );
    expect(predictionLoss(logits, labels, 'mean', [1, 1, 1]).item()).toBeCloseTo(
      predictionLoss(logits, labels).item(),
      6,
    );
  });

  it('mixtureCrossEntropy weights each video the same way', () => {
    const zL = tensor([
      [1, 0, 0],
      [0, 2, 0],
    ]);
    const zP = tensor([
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const rows = [0, 1].map((i) =>
      mixtureCrossEntropy(
        tensor([(zL.toArray() as number[][])[i]]),
        tensor([(zP.toArray() as number[][])[i]]),
        [[2, 1][i]],
        [0.3, 0.7],
      ).item(),
    );
    expect(mixtureCrossEntropy(zL, zP, [2, 1], [0.3, 0.7], 'mean', [3, 0]).item()).toBeCloseTo((3 * rows[0]) / 2, 5);
  });

  it('at an input-blind prediction the plain CE pulls toward the majority class, the balanced CE does not', () => {
    // A branch whose clips carry no signal: the same logits for every video, labels 3/1/1.
    const labels = [0, 0, 0, 1, 2];
    const gradOfMean = (weights?: number[]): number[] => {
      const z = tensor(new Array(5).fill([0, 0, 0]), undefined, { requiresGrad: true });
      predictionLoss(z, labels, 'mean', weights).backward();
      const g = z.grad!.toArray() as number[][];
      return [0, 1, 2].map((c) => g.reduce((a, r) => a + r[c], 0)); // what a shared bias would follow
    };
    const plain = gradOfMean();
    expect(plain[0]).toBeLessThan(-0.1); // descending raises the majority class's logit for every video
    const balanced = gradOfMean(labels.map((y) => balancedClassWeights([3, 1, 1])[y]));
    for (const g of balanced) expect(Math.abs(g)).toBeLessThan(1e-6); // uniform is the balanced optimum
  });
});

describe('batch weights in the training steps', () => {
  it('reach both CE terms of a mutual step; the KL terms stay unweighted', () => {
    const labels = [0, 0, 2, 1];
    const weights = [0.5, 0.5, 2, 1];
    const losses = (w?: number[]) => {
      manualSeed(21);
      const model = new PLMIPE({ pixel: { c3d: TINY_C3D }, landmark: TINY_LANDMARK, temperature: 3 });
      const opts = createOptimizers(model, TINY_PRESET);
      manualSeed(22);
      const batch = { ...featureBatch([1, 2, 1, 1], [3, 4, 2, 3], labels), ...(w ? { weights: w } : {}) };
      const zP = noGrad(() => model.pixelEstimator.forward(batch.pixel));
      const zL = noGrad(() => model.landmarkEstimator.forward(batch.landmark));
      const r = model.mutualStep(batch, { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark });
      return { r, zP, zL };
    };
    const { r, zP, zL } = losses(weights);
    const plain = losses().r;
    expect(r.pixel.ce).toBeCloseTo(predictionLoss(zP, labels, 'mean', weights).item(), 5);
    expect(r.landmark.ce).toBeCloseTo(predictionLoss(zL, labels, 'mean', weights).item(), 5);
    expect(r.landmark.kl).toBeCloseTo(softKl(zL, zP, 3).item(), 5);
    expect(r.landmark.kl).toBeCloseTo(plain.landmark.kl, 6);
    expect(r.pixel.ce).not.toBeCloseTo(plain.pixel.ce, 4);
  });

  it('makeBatch turns class weights into one weight per video', () => {
    const video = (id: string, label: number): VideoFeatures => ({
      id,
      label,
      subject: id,
      session: id,
      clips: new Float32Array(3 * 2 * 4 * 4),
      clipShape: [1, 3, 2, 4, 4],
      descriptors: new Float32Array(2 * 72),
      valid: new Uint8Array(2).fill(1),
      dim: 72,
    });
    const b = makeBatch([video('a', 2), video('b', 0), video('c', 2)], [0, 1, 2], { classWeights: [0.5, 1, 3] });
    expect(b.weights).toEqual([3, 0.5, 3]);
    expect(makeBatch([video('a', 2)], [0]).weights).toBeUndefined();
  });

  it('refuses weights that do not match the batch, naming the problem', () => {
    const model = new PixelOnly({ pixel: { c3d: TINY_C3D } });
    const opts = createOptimizers(model, TINY_PRESET);
    const batch = featureBatch([1, 1], [2, 2], [0, 1]);
    expect(() => model.trainStep({ ...batch, weights: [1] }, opts)).toThrow(
      /PixelOnly.trainStep: batch has 1 weights but 2 videos/,
    );
    expect(() => model.trainStep({ ...batch, weights: [1, -1] }, opts)).toThrow(
      /weights\[1\] must be a finite number >= 0, got -1/,
    );
  });
});

describe('KL ramp', () => {
  it('klRampFactor goes linearly from 0 in epoch 1 to 1 after the ramp; no ramp is 1', () => {
    expect([1, 2, 3, 4, 5, 6].map((e) => klRampFactor(4, e))).toEqual([0, 0.25, 0.5, 0.75, 1, 1]);
    expect(klRampFactor(undefined, 1)).toBe(1);
    expect(klRampFactor(0, 1)).toBe(1);
    expect(() => klRampFactor(-1, 1)).toThrow(/klRampEpochs must be an integer >= 0, got -1/);
  });

  it('klWeight multiplies the scaled KL in both halves of eq. 7 (0: cross-entropy only)', () => {
    for (const w of [0, 0.5]) {
      manualSeed(31);
      const model = new PLMIPE({ pixel: { c3d: TINY_C3D }, landmark: TINY_LANDMARK, temperature: 3 });
      model.klWeight = w;
      const opts = createOptimizers(model, TINY_PRESET);
      manualSeed(32);
      const r = model.mutualStep(featureBatch([1, 1, 2], [3, 2, 4], [0, 1, 2]), {
        pixelOptimizer: opts.pixel,
        landmarkOptimizer: opts.landmark,
      });
      expect(r.landmark.kl).toBeGreaterThan(0);
      expect(r.landmark.total).toBeCloseTo(r.landmark.ce + w * 9 * r.landmark.kl, 5);
      expect(r.pixel.total).toBeCloseTo(r.pixel.ce + w * 9 * r.pixel.kl, 5);
    }
  });
});

describe('the trainer', () => {
  it('refuses an unknown classBalance, naming the value', async () => {
    const f: VideoFeatures = {
      id: 'a',
      label: 0,
      subject: 'a',
      session: 'a',
      clips: new Float32Array(3 * 8 * 32 * 32),
      clipShape: [1, 3, 8, 32, 32],
      descriptors: new Float32Array(2 * 72),
      valid: new Uint8Array(2).fill(1),
      dim: 72,
    };
    const split = { train: [0], validation: [], test: [], testSubjects: [] };
    const preset = { ...SMALL_TRAINING, classBalance: 'inverse' as never };
    await expect(
      trainMethod({
        method: 'LBE',
        preset,
        features: [f],
        split,
        epochs: 1,
        checkpointDir: mkdtempSync(join(tmpdir(), 'plm-ipe-cb-')),
      }),
    ).rejects.toThrow(/classBalance must be 'none' or 'balanced', got "inverse"/);
  });
});
