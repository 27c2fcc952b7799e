// The pipeline on a few tiny synthetic videos: batching pads descriptors and flattens clips, the
// extract cache survives a crash (a rerun reuses every finished video), training resumes from its
// last checkpoint, and the report holds Tables 1 and 2.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../src/index.js';
import {
  computeFeatures,
  extractFeatures,
  pickApexClips,
  syntheticSources,
  type VideoExtractOptions,
  type VideoFeatures,
} from '../../src/pipeline/extract.js';
import { learningRateFactor } from '../../src/models/presets.js';
import { createRng } from '../../src/tensor/random.js';
import { batchIndices, makeBatch, splitFeatures } from '../../src/pipeline/dataset.js';
import { selectEpoch, trainMethod, type EpochRecord } from '../../src/pipeline/train.js';
import { readdirSync } from 'node:fs';
import { evaluateMethod } from '../../src/pipeline/evaluate.js';
import { summaryText, accuracyTable } from '../../src/pipeline/report.js';
import { SMALL_TRAINING } from '../../src/pipeline/demo-config.js';
import { classificationReport } from '../../src/eval/metrics.js';

const EXTRACT: VideoExtractOptions = {
  clipLength: 8,
  clipSize: 32,
  crop: 'face',
  normalize: 'unit',
  maxClips: 1,
  frameStep: 1,
  descriptorCropSize: 48,
};
const tmp = () => mkdtempSync(join(tmpdir(), 'plm-ipe-pipeline-'));
const tinySet = () =>
  generateDataset({
    seed: 3,
    subjects: 5,
    sessionsPerSubject: 1,
    outfitsPerSession: 3,
    size: 48,
    fps: 8,
    minSeconds: 1.2,
    maxSeconds: 1.5,
  });

function fake(id: string, clips: number, frames: number, label: number): VideoFeatures {
  return {
    id,
    label,
    subject: id,
    session: id,
    clips: new Float32Array(clips * 3 * 2 * 4 * 4).fill(label + 1),
    clipShape: [clips, 3, 2, 4, 4],
    descriptors: new Float32Array(frames * 72).fill(1),
    valid: new Uint8Array(frames).fill(1),
    dim: 72,
  };
}

describe('batching', () => {
  it('pads descriptors to the longest sequence and lists every clip with its video', () => {
    const f = [fake('a', 2, 5, 0), fake('b', 1, 3, 2)];
    const b = makeBatch(f, [0, 1]);
    expect(b.pixel.clips!.shape).toEqual([3, 3, 2, 4, 4]);
    expect(b.pixel.videoIndex).toEqual([0, 0, 1]);
    expect(b.landmark.descriptors.shape).toEqual([2, 5, 72]);
    expect(b.landmark.lengths).toEqual([5, 3]);
    const d = b.landmark.descriptors.dataSync();
    expect(d[(1 * 5 + 3) * 72]).toBe(0); // padding of the shorter sequence
    expect(d[(1 * 5 + 2) * 72]).toBe(1);
    expect(b.labels).toEqual([0, 2]);
  });

  it('shuffles deterministically per seed and epoch and covers every index once', () => {
    const a = batchIndices([0, 1, 2, 3, 4, 5, 6], 3, { seed: 1, epoch: 2 });
    expect(a).toEqual(batchIndices([0, 1, 2, 3, 4, 5, 6], 3, { seed: 1, epoch: 2 }));
    expect(a.map((x) => x.length)).toEqual([3, 3, 1]);
    expect(a.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('extraction cache', () => {
  it('resumes after a crash: finished videos come from the cache', async () => {
    const ds = tinySet();
    const dir = tmp();
    const sources = syntheticSources(ds);
    await expect(
      extractFeatures(sources, {
        cacheDir: dir,
        extract: EXTRACT,
        onVideo: (i) => {
          if (i === 5) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    const again = await extractFeatures(sources, { cacheDir: dir, extract: EXTRACT });
    expect(again.cached).toBe(6);
    expect(again.computed).toBe(ds.entries.length - 6);
    const f = again.features[0];
    expect(f.clipShape).toEqual([1, 3, 8, 32, 32]);
    expect(f.dim).toBe(72);
    expect(f.descriptors.length).toBe(f.valid.length * 72);
    // Another option is another key: nothing is reused.
    const other = await extractFeatures(sources.slice(0, 2), { cacheDir: dir, extract: { ...EXTRACT, maxClips: 2 } });
    expect(other.cached).toBe(0);
  });
});

describe('clip baseline', () => {
  it("'first-frame' subtracts the video's first frame from every clip frame", () => {
    const ds = tinySet();
    const video = ds.renderVideo(ds.entries[0]);
    const opts = { ...EXTRACT, maxClips: 0, clipLength: 4 };
    const raw = computeFeatures(video, video.landmarks, opts, 'v');
    const diff = computeFeatures(video, video.landmarks, { ...opts, clipBaseline: 'first-frame' }, 'v');
    const [K, C, L, H, W] = raw.clipShape;
    expect(K).toBeGreaterThan(1);
    const at = (a: Float32Array, k: number, c: number, t: number, p: number) => a[((k * C + c) * L + t) * H * W + p];
    for (const [k, c, t, p] of [
      [0, 0, 0, 5],
      [0, 2, 3, 100],
      [K - 1, 1, L - 1, H * W - 1],
    ]) {
      expect(at(diff.clips, k, c, t, p)).toBeCloseTo(at(raw.clips, k, c, t, p) - at(raw.clips, 0, c, 0, p), 6);
    }
    expect(Array.from(diff.clips.subarray(0, H * W)).every((v) => v === 0)).toBe(true);
    expect(Array.from(diff.descriptors)).toEqual(Array.from(raw.descriptors));
  });

  it('rejects an unknown clipBaseline, naming the option and the value', () => {
    const ds = tinySet();
    const video = ds.renderVideo(ds.entries[0]);
    expect(() => computeFeatures(video, video.landmarks, { ...EXTRACT, clipBaseline: 'mean' as never }, 'v')).toThrow(
      /extract\.clipBaseline must be 'none' or 'first-frame', got "mean"/,
    );
  });
});

describe('flip augmentation', () => {
  it('mirrors whole videos left-right, about half of them, reproducibly', () => {
    const feature = (id: string): VideoFeatures => {
      const clips = new Float32Array(2 * 3 * 2 * 2 * 4);
      clips.forEach((_, i) => (clips[i] = i));
      return {
        id,
        label: 0,
        subject: id,
        session: '1',
        clips,
        clipShape: [2, 3, 2, 2, 4],
        descriptors: new Float32Array(72),
        valid: new Uint8Array([1]),
        dim: 72,
      };
    };
    const features = Array.from({ length: 40 }, (_, i) => feature(`v${i}`));
    const idx = features.map((_, i) => i);
    const plain = makeBatch(features, idx).pixel.clips!.dataSync();
    const flipped = makeBatch(features, idx, { flip: createRng('a') }).pixel.clips!.dataSync();
    const again = makeBatch(features, idx, { flip: createRng('a') }).pixel.clips!.dataSync();
    expect(Array.from(again)).toEqual(Array.from(flipped));
    const per = 2 * 3 * 2 * 2 * 4;
    let mirrored = 0;
    for (let v = 0; v < 40; v++) {
      const a = plain.subarray(v * per, (v + 1) * per);
      const b = flipped.subarray(v * per, (v + 1) * per);
      const isMirror = Array.from({ length: per / 4 }, (_, r) =>
        [3, 2, 1, 0].every((j, x) => b[r * 4 + x] === a[r * 4 + j]),
      ).every(Boolean);
      const isSame = a.every((x, i) => x === b[i]);
      expect(isMirror !== isSame).toBe(true);
      if (isMirror) mirrored++;
    }
    expect(mirrored).toBeGreaterThan(10);
    expect(mirrored).toBeLessThan(30);
  });
});

describe('clip selection', () => {
  /** A track of `n` frames where frames in `moving` have the mouth corners pulled 3 px outwards. */
  const track = (n: number, moving: (t: number) => boolean) => {
    const ds = tinySet();
    const base = ds.renderVideo(ds.entries[0]).landmarks[0];
    return Array.from({ length: n }, (_, t) => {
      const f = Float32Array.from(base);
      if (moving(t)) {
        f[2 * 48] -= 3;
        f[2 * 54] += 3;
      }
      return f;
    });
  };

  it("'apex' keeps the clips whose faces moved furthest from the first frame, in temporal order", () => {
    const tr = track(32, (t) => (t >= 8 && t < 16) || t >= 28);
    expect(pickApexClips(tr, 4, 8, 1)).toEqual([1]);
    expect(pickApexClips(tr, 4, 8, 2)).toEqual([1, 3]);
    expect(pickApexClips(tr, 4, 8, 0)).toEqual([0, 1, 2, 3]);
    // Head motion alone (every point shifted) is not a reaction.
    const moved = track(16, () => false).map((f, t) => (t >= 8 ? f.map((v) => v + 4) : f));
    const react = track(16, (t) => t < 8 && t > 0);
    expect(
      pickApexClips(
        moved.map((f, t) => (t < 8 ? react[t] : f)),
        2,
        8,
        1,
      ),
    ).toEqual([0]);
  });

  it('computeFeatures uses it, and rejects an unknown clipSelection', () => {
    const ds = tinySet();
    const video = ds.renderVideo(ds.entries[0]);
    const opts = { ...EXTRACT, clipLength: 4, maxClips: 1, clipSelection: 'apex' as const };
    const f = computeFeatures(video, video.landmarks, opts, 'v');
    expect(f.clipShape[0]).toBe(1);
    expect(() => computeFeatures(video, video.landmarks, { ...opts, clipSelection: 'peak' as never }, 'v')).toThrow(
      /extract\.clipSelection must be 'spread' or 'apex', got "peak"/,
    );
  });
});

describe('learning-rate schedule', () => {
  it("'cosine' starts at the preset's rate and decays towards 0; 'constant' stays", () => {
    expect(learningRateFactor('cosine', 1, 10)).toBe(1);
    expect(learningRateFactor('cosine', 6, 10)).toBeCloseTo(0.5, 12);
    expect(learningRateFactor('cosine', 10, 10)).toBeCloseTo(0.0245, 4);
    expect(learningRateFactor(undefined, 7, 10)).toBe(1);
    expect(() => learningRateFactor('step' as never, 1, 10)).toThrow(
      /lrSchedule must be 'constant' or 'cosine', got "step"/,
    );
  });

  it('a resumed run follows the same schedule as an uninterrupted one', async () => {
    const ds = tinySet();
    const { features } = await extractFeatures(syntheticSources(ds), { cacheDir: tmp(), extract: EXTRACT });
    const split = splitFeatures(features, { seed: 1 });
    const preset = {
      ...SMALL_TRAINING,
      lrSchedule: 'cosine' as const,
      landmark: { inputSize: 72, hiddenSize: 8, numClasses: 3 },
    };
    const straight = await trainMethod({
      method: 'LBE',
      preset,
      features,
      split,
      epochs: 3,
      seed: 1,
      checkpointDir: tmp(),
    });
    const dir = tmp();
    await trainMethod({
      method: 'LBE',
      preset,
      features,
      split,
      epochs: 3,
      seed: 1,
      checkpointDir: dir,
      onEpoch: (r) => {
        if (r.epoch === 2) throw new Error('simulated crash');
      },
    }).catch(() => {});
    const resumed = await trainMethod({
      method: 'LBE',
      preset,
      features,
      split,
      epochs: 3,
      seed: 1,
      checkpointDir: dir,
    });
    expect(resumed.resumedEpochs).toBe(2);
    expect(resumed.history[2].loss).toBeCloseTo(straight.history[2].loss, 6);
    // And the schedule is applied: epoch 2's smaller steps show in epoch 3's loss (one batch per epoch here).
    const constant = await trainMethod({
      method: 'LBE',
      preset: { ...preset, lrSchedule: 'constant' },
      features,
      split,
      epochs: 3,
      seed: 1,
      checkpointDir: tmp(),
    });
    expect(constant.history[1].loss).toBeCloseTo(straight.history[1].loss, 6);
    expect(constant.history[2].loss).not.toBeCloseTo(straight.history[2].loss, 6);
  });
});

describe('training', () => {
  it('writes a checkpoint per epoch and resumes from the last one', async () => {
    const ds = tinySet();
    const { features } = await extractFeatures(syntheticSources(ds), { cacheDir: tmp(), extract: EXTRACT });
    const split = splitFeatures(features, { seed: 1 });
    const dir = tmp();
    const preset = { ...SMALL_TRAINING, landmark: { inputSize: 72, hiddenSize: 8, numClasses: 3 } };
    const first = await trainMethod({ method: 'LBE', preset, features, split, epochs: 2, seed: 1, checkpointDir: dir });
    expect(first.history.map((r) => r.epoch)).toEqual([1, 2]);
    expect(first.checkpoint.endsWith('epoch-002')).toBe(true);
    const resumed = await trainMethod({
      method: 'LBE',
      preset,
      features,
      split,
      epochs: 3,
      seed: 1,
      checkpointDir: dir,
    });
    expect(resumed.resumedEpochs).toBe(2);
    expect(resumed.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(resumed.history[0]).toEqual(first.history[0]);
    await expect(
      trainMethod({ method: 'PBE', preset, features, split, epochs: 1, checkpointDir: dir }),
    ).rejects.toThrow(/belongs to method 'LBE'/);
    // Train accuracy on a sample: one video scores 0 or 1.
    const sampled = await trainMethod({
      method: 'LBE',
      preset,
      features,
      split,
      epochs: 1,
      seed: 1,
      checkpointDir: tmp(),
      trainAccuracyVideos: 1,
    });
    expect([0, 1]).toContain(sampled.history[0].trainAccuracy);
    await expect(
      trainMethod({
        method: 'LBE',
        preset,
        features,
        split,
        epochs: 1,
        checkpointDir: tmp(),
        trainAccuracyVideos: 0.5,
      }),
    ).rejects.toThrow(/trainAccuracyVideos must be a positive integer, got 0.5/);
  });
});

describe('model selection on the validation part', () => {
  const rec = (epoch: number, f1: number, acc = 0.5): EpochRecord => ({
    epoch,
    loss: 1,
    terms: {},
    trainAccuracy: NaN,
    validationAccuracy: acc,
    validationMacroF1: f1,
    validationPredicted: [1, 1, 1],
    seconds: 0,
  });

  it('picks the best validation macro F1, then accuracy, then the earlier epoch; the last without validation', () => {
    expect(selectEpoch([rec(1, 0.2), rec(2, 0.6), rec(3, 0.4)])).toBe(2);
    expect(selectEpoch([rec(1, 0.6, 0.5), rec(2, 0.6, 0.7), rec(3, 0.6, 0.7)])).toBe(2);
    expect(selectEpoch([rec(1, NaN), rec(2, NaN)])).toBe(2);
    expect(() => selectEpoch([])).toThrow(/empty history/);
  });

  it("keeps the selected epoch's checkpoint beside the newest, returns its model, and never evaluates the test part", async () => {
    const ds = tinySet();
    const { features } = await extractFeatures(syntheticSources(ds), { cacheDir: tmp(), extract: EXTRACT });
    const split = splitFeatures(features, { seed: 1 });
    expect(split.validation.length).toBeGreaterThan(0);
    const subjects = (idx: number[]) => new Set(idx.map((i) => features[i].subject));
    for (const s of subjects(split.validation))
      expect(subjects(split.train).has(s) || subjects(split.test).has(s)).toBe(false);
    const dir = tmp();
    const preset = { ...SMALL_TRAINING, landmark: { inputSize: 72, hiddenSize: 8, numClasses: 3 } };
    // Test labels poisoned: if training looked at them (for curves or selection), nothing would change here,
    // but an out-of-range label would throw in the evaluation.
    const poisoned = features.map((f, i) => (split.test.includes(i) ? { ...f, label: 7 } : f));
    const r = await trainMethod({
      method: 'LBE',
      preset,
      features: poisoned,
      split,
      epochs: 4,
      seed: 1,
      checkpointDir: dir,
    });
    expect(r.selectedEpoch).toBe(selectEpoch(r.history));
    const files = readdirSync(dir)
      .filter((n) => n.endsWith('.safetensors') && !n.includes('optim'))
      .sort();
    const wanted = [...new Set([r.selectedEpoch, 4])].map((e) => `epoch-00${e}.safetensors`).sort();
    expect(files).toEqual(wanted);
    expect(r.selectedCheckpoint.endsWith(`epoch-00${r.selectedEpoch}`)).toBe(true);
    expect(() => evaluateMethod(r.method, poisoned, split.test)).toThrow(/is not a class/); // the poison is real
  });
});

describe('report', () => {
  it('prints Table 1 and Table 2 like the paper', () => {
    const r = classificationReport([0, 1, 2, 2], [0, 1, 2, 0], 3);
    const rows = (names: string[]) => names.map((name) => ({ name, report: r }));
    const text = summaryText({
      table1: rows(['PBE', 'LBE', 'EarlyFusion', 'LateFusion', 'PLM-IPE']),
      table2: rows(['PBE', 'LBE', 'PBE-w/-Mut', 'LBE-w/-Mut']),
      histories: {},
      testCounts: [1, 1, 2],
      trainCounts: [3, 3, 3],
    });
    expect(text).toContain('Table 1: Performance comparison among different methods.');
    expect(text).toContain('Table 2: The ablation study of our proposed method.');
    expect(text).toContain('| PLM-IPE     |       75.00 |');
    expect(text).toContain('LBE-w/-Mut');
    expect(accuracyTable(rows(['PBE'])).split('\n')).toHaveLength(3);
  });
});
