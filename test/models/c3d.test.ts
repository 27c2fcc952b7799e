// C3D and the two estimators: the paper's geometry (section 4.2) and parameter counts checked
// without running the paper-size network, PyTorch checkpoint key names, forward shapes on tiny
// configurations, clip averaging of eq. 1, and clear errors for inputs that do not fit.
import { describe, expect, it } from 'vitest';
import { manualSeed, randn, noGrad, tensor, concat } from '../../src/index.js';
import {
  C3D,
  c3dGeometry,
  PixelEstimator,
  LandmarkEstimator,
  splitIntoClips,
  clipsFromVideos,
} from '../../src/models/index.js';
import { TINY_C3D, maxAbsDiff } from './fixtures.js';

// Keys of DavideA/c3d-pytorch's c3d.pickle (the Sports-1M C3D), fc8 dropped.
const PYTORCH_C3D_KEYS = [
  'conv1',
  'conv2',
  'conv3a',
  'conv3b',
  'conv4a',
  'conv4b',
  'conv5a',
  'conv5b',
  'fc6',
  'fc7',
].flatMap((n) => [`${n}.weight`, `${n}.bias`]);

describe('C3D geometry (section 4.2)', () => {
  it('paper configuration: 16x112x112 clips pool to 512x1x4x4, so fc6 is 8192 -> 4096', () => {
    const g = c3dGeometry();
    expect(g.pooled).toEqual({
      pool1: [64, 16, 56, 56], // (1,2,2): time kept
      pool2: [128, 8, 28, 28],
      pool3: [256, 4, 14, 14],
      pool4: [512, 2, 7, 7],
      pool5: [512, 1, 4, 4], // (2,2,2), padding (0,1,1): 7 -> 4
    });
    expect(g.fc6In).toBe(8192);
    expect(g.featureSize).toBe(4096);
  });

  it('derives fc6 for small configurations and width multipliers', () => {
    const g = c3dGeometry({ width: 1 / 16, clipLength: 8, inputSize: 32, temporalPools: 3 });
    expect(g.channels).toEqual({ conv1: 4, conv2: 8, conv3: 16, conv4: 32, conv5: 32 });
    expect(g.pooled.pool5).toEqual([32, 1, 2, 2]);
    expect(g.fc6In).toBe(128);
    expect(g.featureSize).toBe(256);
    expect(c3dGeometry({ inputSize: [112, 160] }).pooled.pool5).toEqual([512, 1, 4, 6]);
  });

  it('rejects configurations that do not fit, saying what to change', () => {
    expect(() => c3dGeometry({ clipLength: 8 })).toThrow(
      /pool5 gets \[512, 1, 7, 7\].*clipLength >= 16 \(or fewer temporalPools\)/,
    );
    expect(() => c3dGeometry({ inputSize: 8, clipLength: 16 })).toThrow(
      /C3D: clips of 16 frames of 8x8 pixels do not fit/,
    );
    expect(() => c3dGeometry({ width: 0 })).toThrow(/width must be a positive number/);
    expect(() => c3dGeometry({ temporalPools: 5 })).toThrow(/temporalPools must be an integer in \[0, 4\]/);
    expect(() => c3dGeometry({ clipLength: 3.5 })).toThrow(/clipLength must be a positive integer/);
  });
});

describe('parameter counts of the paper configuration', () => {
  it('PixelEstimator (C3D to fc7 + Linear(4096, 3)) has 78,008,067 parameters with PyTorch C3D keys', () => {
    manualSeed(0);
    const pbe = new PixelEstimator();
    expect(pbe.numParameters()).toBe(78_008_067);
    expect(pbe.c3d.namedParameters().map(([k]) => k)).toEqual(PYTORCH_C3D_KEYS);
    expect(pbe.c3d.fc6.weight.shape).toEqual([4096, 8192]);
    expect(pbe.fc.weight.shape).toEqual([3, 4096]);
    expect(pbe.c3d.clipShape).toEqual([3, 16, 112, 112]);
  });

  it('LandmarkEstimator (LSTM(72, 256) + Linear(256, 3)) has 338,691 parameters', () => {
    const lbe = new LandmarkEstimator();
    expect(lbe.numParameters()).toBe(338_691);
    expect(lbe.namedParameters().map(([k]) => k)).toEqual([
      'lstm.weight_ih_l0',
      'lstm.weight_hh_l0',
      'lstm.bias_ih_l0',
      'lstm.bias_hh_l0',
      'fc.weight',
      'fc.bias',
    ]);
  });
});

describe('C3D forward on small configurations', () => {
  it('maps [N, 3, L, H, W] to fc7 features [N, 4096 * width]', () => {
    manualSeed(1);
    const c3d = new C3D(TINY_C3D);
    const f = c3d.forward(randn([2, 3, 4, 16, 16]));
    expect(f.shape).toEqual([2, 256]);
    expect([...f.dataSync()].every((v) => v >= 0)).toBe(true); // after ReLU
  });

  it('rejects clips of the wrong size for the configuration', () => {
    const c3d = new C3D(TINY_C3D);
    expect(() => c3d.forward(randn([1, 3, 8, 16, 16]))).toThrow(
      'C3D: clips must be [N, 3, 4, 16, 16] for this C3D configuration, got [1, 3, 8, 16, 16]',
    );
    expect(() => c3d.forward(randn([3, 4, 16, 16]))).toThrow(/clips must be \[N, 3, 4, 16, 16\]/);
  });

  it('dropout (0.5 after fc6 and fc7) acts only in training mode', () => {
    manualSeed(2);
    const c3d = new C3D({ ...TINY_C3D, dropout: 0.5 });
    const x = randn([1, 3, 4, 16, 16]);
    c3d.eval();
    const a = c3d.forward(x).dataSync();
    const b = c3d.forward(x).dataSync();
    expect(maxAbsDiff(a, b)).toBe(0);
    c3d.train();
    expect(maxAbsDiff(c3d.forward(x).dataSync(), a)).toBeGreaterThan(0);
  });
});

describe('PixelEstimator (eq. 1-2)', () => {
  it("eq. 1: f^P of a video is the mean of its clips' fc7 features; the head maps it to 3 logits", () => {
    manualSeed(3);
    const pbe = new PixelEstimator({ c3d: TINY_C3D });
    const clips = randn([3, 3, 4, 16, 16]);
    const videoIndex = [0, 1, 0];
    const f = noGrad(() => pbe.videoFeatures({ clips, videoIndex }));
    const perClip = noGrad(() => pbe.c3d.forward(clips)).dataSync();
    const F = 256;
    const expected0 = Array.from({ length: F }, (_, k) => (perClip[k] + perClip[2 * F + k]) / 2);
    expect(f.shape).toEqual([2, F]);
    expect(maxAbsDiff(f.dataSync().subarray(0, F), expected0)).toBeLessThan(1e-6);
    expect(maxAbsDiff(f.dataSync().subarray(F), perClip.subarray(F, 2 * F))).toBeLessThan(1e-6);
    const logits = pbe.forward({ clips, videoIndex });
    expect(logits.shape).toEqual([2, 3]);
    const p = pbe.predictProba({ clips, videoIndex }).dataSync();
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 6);
  });

  it('precomputed features give the same logits as clips (frozen-backbone input)', () => {
    manualSeed(4);
    const pbe = new PixelEstimator({ c3d: TINY_C3D });
    const clips = randn([3, 3, 4, 16, 16]);
    const videoIndex = [0, 0, 1];
    const features = noGrad(() => pbe.c3d.forward(clips));
    const a = noGrad(() => pbe.forward({ clips, videoIndex })).dataSync();
    const b = noGrad(() => pbe.forward({ features, videoIndex })).dataSync();
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
  });

  it('splits videos into non-overlapping clips (trailing frames dropped)', () => {
    const video = tensor(
      Array.from({ length: 2 * 9 * 2 * 2 }, (_, i) => i),
      [2, 9, 2, 2],
    ); // C=2, T=9
    const clips = splitIntoClips(video, 4);
    expect(clips.shape).toEqual([2, 2, 4, 2, 2]);
    const c = clips.dataSync();
    // clip 1, channel 1, frame 0 is video channel 1, frame 4
    expect(c[((1 * 2 + 1) * 4 + 0) * 4]).toBe((1 * 9 + 4) * 4);
    const { clips: all, videoIndex } = clipsFromVideos([video, concat([video, video], 1)], 4);
    expect(all.shape[0]).toBe(2 + 4);
    expect(videoIndex).toEqual([0, 0, 1, 1, 1, 1]);
    expect(() => splitIntoClips(video, 16)).toThrow('splitIntoClips: video has 9 frames, fewer than one clip of 16');
  });

  it('rejects bad clip batches', () => {
    const pbe = new PixelEstimator({ c3d: TINY_C3D });
    expect(() => pbe.forward({ clips: randn([2, 3, 4, 32, 32]), videoIndex: [0, 1] })).toThrow(
      /PixelEstimator: clips must be \[N, 3, 4, 16, 16\]/,
    );
    expect(() => pbe.forward({ clips: randn([2, 3, 4, 16, 16]), videoIndex: [0] })).toThrow(
      'PixelEstimator: videoIndex has 1 entries but there are 2 clips',
    );
    expect(() => pbe.forward({ clips: randn([2, 3, 4, 16, 16]), videoIndex: [0, 2] })).toThrow(
      'PixelEstimator: video 1 has no clips',
    );
    expect(() => pbe.forward({ features: randn([2, 100]), videoIndex: [0, 1] })).toThrow(
      /features must be \[totalClips, 256\]/,
    );
  });
});

describe('LandmarkEstimator (eq. 3-4)', () => {
  it("eq. 3: f^L is the LSTM state at each sequence's last valid frame; padding does not change it", () => {
    manualSeed(5);
    const lbe = new LandmarkEstimator({ hiddenSize: 16 });
    const x = randn([2, 6, 72]);
    const padded = noGrad(() => lbe.forward({ descriptors: x, lengths: [6, 3] })).dataSync();
    const second = noGrad(() => lbe.forward({ descriptors: x.slice([1, 0, 0], [1, 3, 72]) })).dataSync();
    expect(maxAbsDiff(padded.subarray(3), second)).toBeLessThan(1e-5);
    const mask = tensor([
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0, 0],
    ]);
    expect(maxAbsDiff(noGrad(() => lbe.forward({ descriptors: x, mask })).dataSync(), padded)).toBeLessThan(1e-6);
  });

  it('rejects descriptors that are not 72-d and bad masks', () => {
    const lbe = new LandmarkEstimator({ hiddenSize: 8 });
    expect(() => lbe.forward({ descriptors: randn([2, 5, 68]) })).toThrow(
      'LandmarkEstimator: descriptors must be [N, T, 72] (72-d per frame), got [2, 5, 68]',
    );
    expect(() => lbe.forward({ descriptors: randn([2, 5, 72]), mask: randn([2, 4]) })).toThrow(/mask must be \[2, 5\]/);
    expect(() => lbe.forward({ descriptors: randn([2, 5, 72]), lengths: [5, 9] })).toThrow(
      /lengths\[1\] must be an integer in \[1, 5\]/,
    );
  });
});
