// PLMIPE's alternating mutual step (eq. 7, section 3.4): each half changes only its own
// estimator, the pixel half learns from the *updated* landmark estimator (DML's order), every
// loss term is reported and guarded against NaN, memory returns to its baseline; eq. 8 at
// prediction; the baselines share the interface; bad batches fail clearly.
import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad, memory, liveTensorCount, tensor, randn, Adam, SGD } from '../../src/index.js';
import {
  PLMIPE,
  PixelOnly,
  LandmarkOnly,
  EarlyFusion,
  LateFusion,
  createOptimizers,
  createMethod,
  softKl,
  predictionLoss,
  CPU_PRESET,
  METHOD_NAMES,
  type PreferenceBatch,
  type TrainingPreset,
} from '../../src/models/index.js';
import { TINY_C3D, TINY_LANDMARK, randomBatch, featureBatch, snapshot, changedKeys } from './fixtures.js';

const TINY_PRESET: TrainingPreset = {
  ...CPU_PRESET,
  c3d: TINY_C3D,
  landmark: { ...CPU_PRESET.landmark, hiddenSize: 32 },
  trainBackbone: true,
};

function tinyModel(options: ConstructorParameters<typeof PLMIPE>[0] = {}): PLMIPE {
  return new PLMIPE({ pixel: { c3d: TINY_C3D }, landmark: TINY_LANDMARK, ...options });
}

describe('eq. 7: alternating updates, each of its own estimator', () => {
  it('the landmark half changes only landmark parameters, the pixel half only pixel parameters', () => {
    manualSeed(10);
    const model = tinyModel();
    const opts = createOptimizers(model, TINY_PRESET);
    const batch = randomBatch([2, 1, 1], [5, 3, 4], [0, 1, 2]);
    const before = snapshot(model);
    const pixelKeys = model
      .namedParameters()
      .map(([k]) => k)
      .filter((k) => k.startsWith('pixel.'));
    const landmarkKeys = model
      .namedParameters()
      .map(([k]) => k)
      .filter((k) => k.startsWith('landmark.'));
    let afterLandmark = new Map<string, Float32Array>();
    let pixelGradsDuringLandmarkHalf: unknown[] = [];
    model.mutualStep(
      batch,
      { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark },
      {
        onHalfStep: (half) => {
          if (half === 'landmark') {
            afterLandmark = snapshot(model);
            pixelGradsDuringLandmarkHalf = model.pixelEstimator.parameters().map((p) => p.grad);
          }
        },
      },
    );
    const after = snapshot(model);
    // Landmark half: every landmark tensor moved, no pixel tensor moved, no pixel grad appeared.
    expect(changedKeys(before, afterLandmark).sort()).toEqual([...landmarkKeys].sort());
    expect(pixelGradsDuringLandmarkHalf.every((g) => g === null)).toBe(true);
    // Pixel half: pixel tensors moved (C3D end to end here), landmark tensors untouched.
    const pixelChanged = changedKeys(afterLandmark, after);
    expect(pixelChanged.every((k) => k.startsWith('pixel.'))).toBe(true);
    expect(pixelChanged).toContain('pixel.fc.weight');
    expect(pixelChanged).toContain('pixel.c3d.conv1.weight');
    expect(pixelChanged).toContain('pixel.c3d.fc7.weight');
    expect(changedKeys(afterLandmark, after).filter((k) => landmarkKeys.includes(k))).toEqual([]);
    expect(pixelKeys.length).toBe(2 * 10 + 2);
  });

  it('the landmark half sees the pixel prediction before the step, the pixel half the updated landmark one (DML order)', () => {
    manualSeed(11);
    const model = tinyModel({ temperature: 3 });
    const opts = createOptimizers(model, TINY_PRESET);
    const batch = featureBatch([1, 2, 1], [4, 4, 2], [2, 0, 1]);
    const zP0 = noGrad(() => model.pixelEstimator.forward(batch.pixel));
    const zL0 = noGrad(() => model.landmarkEstimator.forward(batch.landmark));
    let klWithUpdatedPeer = NaN;
    const r = model.mutualStep(
      batch,
      { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark },
      {
        onHalfStep: (half) => {
          // (tensors made in the callback are freed when the step's tidy ends: read numbers here)
          if (half === 'landmark')
            klWithUpdatedPeer = softKl(
              zP0,
              noGrad(() => model.landmarkEstimator.forward(batch.landmark)),
              3,
            ).item();
        },
      },
    );
    // 'paper' direction: L^L adds KL(ŷL || ŷP), L^P adds KL(ŷP || ŷL).
    expect(r.landmark.ce).toBeCloseTo(predictionLoss(zL0, batch.labels!).item(), 5);
    expect(r.landmark.kl).toBeCloseTo(softKl(zL0, zP0, 3).item(), 5);
    expect(r.pixel.ce).toBeCloseTo(predictionLoss(zP0, batch.labels!).item(), 5);
    expect(r.pixel.kl).toBeCloseTo(klWithUpdatedPeer, 5);
    expect(r.pixel.kl).not.toBeCloseTo(softKl(zP0, zL0, 3).item(), 7);
    // eq. 7 with T^2: total = ce + T^2 kl
    expect(r.landmark.total).toBeCloseTo(r.landmark.ce + 9 * r.landmark.kl, 5);
    expect(r.pixel.total).toBeCloseTo(r.pixel.ce + 9 * r.pixel.kl, 5);
  });

  it("'dml' direction adds KL(peer || own); klScale 1 adds it unscaled", () => {
    manualSeed(12);
    const model = tinyModel({ klDirection: 'dml', klScale: 1 });
    const opts = createOptimizers(model, TINY_PRESET);
    const batch = featureBatch([1, 1], [3, 3], [1, 2]);
    const zP0 = noGrad(() => model.pixelEstimator.forward(batch.pixel));
    const zL0 = noGrad(() => model.landmarkEstimator.forward(batch.landmark));
    const r = model.mutualStep(batch, { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark });
    expect(r.landmark.kl).toBeCloseTo(softKl(zP0, zL0, 10).item(), 6);
    expect(r.landmark.total).toBeCloseTo(r.landmark.ce + r.landmark.kl, 6);
  });

  it("refuses optimizers that hold the other estimator's parameters", () => {
    const model = tinyModel();
    const batch = featureBatch([1, 1], [3, 3], [1, 2]);
    const wrong = new Adam(model.parameters());
    const ok = createOptimizers(model, TINY_PRESET);
    expect(() => model.mutualStep(batch, { pixelOptimizer: ok.pixel, landmarkOptimizer: wrong })).toThrow(
      /mutualStep: optimizers.landmarkOptimizer holds a parameter \(index 0\) that is not the landmarkEstimator's/,
    );
  });
});

describe('training never silently diverges', () => {
  it('a NaN loss stops with an error naming the step and the term, before that half updates', () => {
    manualSeed(13);
    const model = tinyModel();
    const opts = createOptimizers(model, TINY_PRESET);
    const good = featureBatch([1, 1], [3, 3], [0, 1]);
    model.mutualStep(good, { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark });
    const bad: PreferenceBatch = {
      ...good,
      landmark: { descriptors: tensor(new Float32Array(2 * 3 * 72).fill(NaN), [2, 3, 72]) },
    };
    const before = snapshot(model);
    expect(() => model.mutualStep(bad, { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark })).toThrow(
      /^mutualStep: landmark CE term is NaN at step 2/,
    );
    expect(changedKeys(before, snapshot(model))).toEqual([]);
    const infPixel: PreferenceBatch = {
      ...good,
      pixel: { features: tensor(new Float32Array(2 * 256).fill(Infinity), [2, 256]), videoIndex: [0, 1] },
    };
    expect(() => model.mutualStep(infPixel, { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark })).toThrow(
      /landmark KL term is NaN at step 3/,
    );
    const pbe = new PixelOnly({ pixel: { c3d: TINY_C3D } });
    expect(() => pbe.trainStep(infPixel, createOptimizers(pbe, TINY_PRESET))).toThrow(
      /PixelOnly.trainStep: pixel CE term is NaN at step 1/,
    );
  });
});

describe('memory', () => {
  it('mutual steps leave live tensors and buffers at their baseline (cached features and end to end)', () => {
    manualSeed(14);
    for (const batch of [featureBatch([2, 1, 1], [4, 2, 3], [0, 1, 2]), randomBatch([1, 1], [3, 2], [2, 1])]) {
      const model = tinyModel();
      const opts = createOptimizers(model, TINY_PRESET);
      const run = () => model.mutualStep(batch, { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark });
      run(); // creates Adam's slots and the grads
      const base = memory();
      const baseTensors = liveTensorCount();
      for (let i = 0; i < 3; i++) run();
      expect(memory()).toEqual(base);
      expect(liveTensorCount()).toBe(baseTensors);
      const probs = model.predictAll(batch);
      for (const p of Object.values(probs)) p.dispose();
      expect(memory()).toEqual(base);
    }
  });
});

describe('eq. 8 and the Table 2 ablation', () => {
  it('predictAll gives fused = λ ŷL + (1 - λ) ŷP and both branches; output picks what predictProba reports', () => {
    manualSeed(15);
    const model = tinyModel({ lambda: 0.3 });
    const batch = featureBatch([1, 2], [3, 2], [0, 1]);
    const { fused, pixel, landmark } = model.predictAll(batch);
    const [f, p, l] = [fused.dataSync(), pixel.dataSync(), landmark.dataSync()];
    for (let i = 0; i < 6; i++) expect(f[i]).toBeCloseTo(0.3 * l[i] + 0.7 * p[i], 6);
    expect([...model.predictProba(batch).dataSync()]).toEqual([...f]);
    expect([...model.predictProba(batch, 'pixel').dataSync()]).toEqual([...p]);
    expect(model.methodName).toBe('PLM-IPE');
    expect(tinyModel({ output: 'landmark' }).methodName).toBe('LBE-w/-Mut');
    expect(model.predict(batch)).toHaveLength(2);
  });
});

describe('baselines share one interface', () => {
  it('every method of Tables 1-2 trains a step and predicts through the same calls', () => {
    manualSeed(16);
    const batch = featureBatch([1, 2, 1], [3, 2, 4], [0, 1, 2]);
    for (const name of METHOD_NAMES) {
      const method = createMethod(name, TINY_PRESET);
      expect(method.methodName).toBe(name);
      const opts = createOptimizers(method, TINY_PRESET);
      const losses = method.trainStep(batch, opts);
      expect(Number.isFinite(losses.loss)).toBe(true);
      const probs = method.predictProba(batch);
      expect(probs.shape).toEqual([3, 3]);
      const rows = probs.dataSync();
      for (let i = 0; i < 3; i++) expect(rows[3 * i] + rows[3 * i + 1] + rows[3 * i + 2]).toBeCloseTo(1, 5);
    }
  });

  it('EarlyFusion steps both estimators on one loss; LateFusion trains each on its own CE', () => {
    manualSeed(17);
    const batch = featureBatch([1, 1], [3, 3], [0, 2]);
    const early = new EarlyFusion({ pixel: { c3d: TINY_C3D }, landmark: TINY_LANDMARK, weights: [0.5, 0.5] });
    const before = snapshot(early);
    const r = early.trainStep(batch, createOptimizers(early, TINY_PRESET));
    expect(Object.keys(r)).toEqual(['loss', 'fused.ce']);
    const moved = changedKeys(before, snapshot(early));
    expect(moved).toContain('landmark.fc.weight');
    expect(moved).toContain('pixel.fc.weight');
    const late = new LateFusion({ pixel: { c3d: TINY_C3D }, landmark: TINY_LANDMARK });
    expect(Object.keys(late.trainStep(batch, createOptimizers(late, TINY_PRESET)))).toEqual([
      'loss',
      'landmark.ce',
      'pixel.ce',
    ]);
    expect(() => new EarlyFusion({ weights: [0.5, 0.6] })).toThrow(
      /weights must be \[landmark, pixel\], each in \[0, 1\], summing to 1/,
    );
    const lbe = new LandmarkOnly({ landmark: TINY_LANDMARK });
    expect(() => lbe.trainStep(batch, {})).toThrow('LandmarkOnly.trainStep: optimizers.landmark is required');
    expect(() =>
      lbe.trainStep(batch, { landmark: new SGD(new PixelOnly({ pixel: { c3d: TINY_C3D } }).parameters(), { lr: 1 }) }),
    ).toThrow(/not the landmarkEstimator's/);
  });
});

describe('bad batches', () => {
  it('fail with messages naming the problem', () => {
    const model = tinyModel();
    const opts = {
      pixelOptimizer: createOptimizers(model, TINY_PRESET).pixel,
      landmarkOptimizer: createOptimizers(model, TINY_PRESET).landmark,
    };
    const batch = featureBatch([1, 1], [3, 3], [0, 1]);
    expect(() => model.mutualStep({ ...batch, landmark: { descriptors: randn([3, 3, 72]) } }, opts)).toThrow(
      'mutualStep: the views disagree: batch.pixel has 2 videos but batch.landmark has 3 sequences',
    );
    expect(() => model.mutualStep({ ...batch, labels: [0, 3] }, opts)).toThrow(
      'mutualStep: labels[1] must be a class index in [0, 2], got 3',
    );
    expect(() => model.mutualStep({ ...batch, labels: [0] }, opts)).toThrow(
      'mutualStep: batch has 1 labels but 2 videos',
    );
    expect(() => model.mutualStep({ ...batch, landmark: { descriptors: randn([2, 3, 70]) } }, opts)).toThrow(
      /descriptors must be \[N, T, 72\]/,
    );
    expect(() => model.mutualStep(randomBatch([1, 1], [3, 3], [0, 1], { ...TINY_C3D, inputSize: 20 }), opts)).toThrow(
      /clips must be \[N, 3, 4, 16, 16\]/,
    );
    expect(() => new PLMIPE({ lambda: 2 })).toThrow('PLMIPE: lambda must be in [0, 1], got 2');
  });
});

describe('mutualStepAsync (for backends without synchronous readback)', () => {
  it('gives the same losses and parameters as mutualStep, keeps memory flat, and guards NaN the same way', async () => {
    const batch = randomBatch([1, 1], [3, 2], [2, 1]);
    const runBoth = async (): Promise<{
      sync: Map<string, Float32Array>;
      async: Map<string, Float32Array>;
      losses: unknown[];
    }> => {
      manualSeed(21);
      const a = tinyModel();
      const oa = createOptimizers(a, TINY_PRESET);
      manualSeed(21);
      const b = tinyModel();
      const ob = createOptimizers(b, TINY_PRESET);
      const losses: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        losses.push(a.mutualStep(batch, { pixelOptimizer: oa.pixel, landmarkOptimizer: oa.landmark }));
        losses.push(await b.mutualStepAsync(batch, { pixelOptimizer: ob.pixel, landmarkOptimizer: ob.landmark }));
      }
      return { sync: snapshot(a), async: snapshot(b), losses };
    };
    const r = await runBoth();
    expect(r.losses[1]).toEqual(r.losses[0]);
    expect(r.losses[3]).toEqual(r.losses[2]);
    for (const [k, v] of r.sync) expect(Array.from(r.async.get(k)!), k).toEqual(Array.from(v));

    manualSeed(22);
    const model = tinyModel();
    const opts = createOptimizers(model, TINY_PRESET);
    const step = () => model.mutualStepAsync(batch, { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark });
    await step();
    const base = memory();
    const baseTensors = liveTensorCount();
    for (let i = 0; i < 2; i++) await step();
    expect(memory()).toEqual(base);
    expect(liveTensorCount()).toBe(baseTensors);

    const bad: PreferenceBatch = {
      ...batch,
      landmark: { descriptors: tensor(new Float32Array(2 * 3 * 72).fill(NaN), [2, 3, 72]), lengths: [3, 2] },
    };
    const before = snapshot(model);
    await expect(
      model.mutualStepAsync(bad, { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark }),
    ).rejects.toThrow(/^mutualStepAsync: landmark CE term is NaN at step 4/);
    expect(changedKeys(before, snapshot(model))).toEqual([]);
  });
});
