// Pixel-branch preprocessing: non-overlapping clips with defined remainder handling (paper section 3.2,
// C3D's 16-frame clips), the [clips, 3, L, H, W] layout, normalisation, centre and face crops.
import { describe, expect, it } from 'vitest';
import { C3D_MEAN_RGB, cropResize, faceBox, preprocessVideo, splitClips, warpRgb } from '../../src/data/preprocess.js';
import { generateDataset } from '../../src/data/synthetic/dataset.js';
import type { RgbVideo } from '../../src/data/types.js';

/** A video whose pixel (x, y) of frame t is (t, x, y) — so every value says where it came from. */
function coded(frames: number, width = 20, height = 10): RgbVideo {
  return {
    width,
    height,
    fps: 25,
    frames: Array.from({ length: frames }, (_, t) => {
      const f = new Uint8Array(width * height * 3);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) f.set([t, x, y], (y * width + x) * 3);
      return f;
    }),
  };
}

describe('splitClips', () => {
  const frames = Array.from({ length: 40 }, (_, i) => i);
  it('makes non-overlapping 16-frame clips and drops the remainder by default', () => {
    const clips = splitClips(frames);
    expect(clips).toEqual([frames.slice(0, 16), frames.slice(16, 32)]);
  });
  it("pads the last partial clip with the last frame under remainder: 'pad'", () => {
    const clips = splitClips(frames, { remainder: 'pad' });
    expect(clips).toHaveLength(3);
    expect(clips[2]).toEqual([...frames.slice(32), ...Array(8).fill(39)]);
    expect(splitClips(frames.slice(0, 32), { remainder: 'pad' })).toHaveLength(2); // no empty extra clip
  });
  it('a video shorter than one clip is an error naming it, unless padding', () => {
    expect(() => splitClips(frames.slice(0, 10), { name: 'short.mp4' })).toThrow(
      /short\.mp4: has 10 frames, shorter than one 16-frame clip/,
    );
    expect(splitClips(frames.slice(0, 10), { remainder: 'pad' })).toEqual([
      [...frames.slice(0, 10), ...Array(6).fill(9)],
    ]);
    expect(() => splitClips([], { remainder: 'pad', name: 'empty.mp4' })).toThrow(/empty\.mp4: has no frames/);
    expect(() => splitClips(frames, { clipLength: 0 })).toThrow(/clipLength/);
  });
  it('takes other clip lengths (small models use 8)', () => {
    expect(splitClips(frames, { clipLength: 8 })).toHaveLength(5);
  });
});

describe('preprocessVideo', () => {
  it('lays clips out as [clips, 3, L, H, W] with the right frame in every slot', () => {
    const video = coded(20);
    // A box equal to the frame with the output size equal to the frame: an identity resample.
    const { data, shape, clipStarts } = preprocessVideo(video, {
      clipLength: 8,
      size: [10, 20],
      resize: [10, 20],
      normalize: { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] },
    });
    expect(shape).toEqual([2, 3, 8, 10, 20]);
    expect(clipStarts).toEqual([0, 8]);
    expect(data.length).toBe(2 * 3 * 8 * 10 * 20);
    const at = (n: number, c: number, t: number, y: number, x: number): number =>
      data[(((n * 3 + c) * 8 + t) * 10 + y) * 20 + x];
    expect(at(1, 0, 3, 4, 5)).toBeCloseTo(11); // channel 0 holds the frame index: clip 1, t 3 = frame 11
    expect(at(1, 1, 3, 4, 5)).toBeCloseTo(5); // channel 1 holds x
    expect(at(0, 2, 7, 9, 2)).toBeCloseTo(9); // channel 2 holds y
  });

  it('normalises with the C3D mean (0-255 units) or to [0, 1]', () => {
    const white: RgbVideo = {
      width: 8,
      height: 8,
      fps: 25,
      frames: Array.from({ length: 16 }, () => new Uint8Array(192).fill(255)),
    };
    const c3d = preprocessVideo(white, { size: 4, resize: [6, 6] });
    expect(c3d.shape).toEqual([1, 3, 16, 4, 4]);
    expect(c3d.data[0]).toBeCloseTo(255 - C3D_MEAN_RGB[0]);
    expect(c3d.data[16 * 16 * 2]).toBeCloseTo(255 - C3D_MEAN_RGB[2]);
    const unit = preprocessVideo(white, { size: 4, resize: [6, 6], normalize: 'unit' });
    expect(Math.max(...unit.data)).toBeCloseTo(1);
  });

  it('centre crop follows C3D: resize to 128x171, crop the middle 112x112', () => {
    const video = coded(16, 171, 128);
    const { data, shape } = preprocessVideo(video, {
      normalize: { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] },
    });
    expect(shape).toEqual([1, 3, 16, 112, 112]);
    const plane = 112 * 112;
    // x of the top-left output pixel: the crop starts at (171 - 112) / 2 = 29 (floored).
    expect(data[16 * plane]).toBeCloseTo(29);
    expect(data[2 * 16 * plane]).toBeCloseTo(8); // y starts at (128 - 112) / 2
  });

  it('face crop uses one landmark box per video and needs landmarks', () => {
    const lm = new Float32Array(136);
    for (let i = 0; i < 68; i++) lm.set([40 + (i % 10) * 2, 30 + Math.floor(i / 10) * 3], 2 * i);
    const box = faceBox([lm, lm, lm]);
    expect(box.width).toBeCloseTo(18 * 1.5);
    expect(box.width).toBe(box.height);
    const video = coded(16, 100, 80);
    const out = preprocessVideo(video, { crop: 'face', landmarks: Array(16).fill(lm), size: 32, clipLength: 16 });
    expect(out.shape).toEqual([1, 3, 16, 32, 32]);
    expect(() => preprocessVideo(video, { crop: 'face', name: 'v.mp4' })).toThrow(
      /v\.mp4: crop 'face' needs a landmark track/,
    );
    expect(() => preprocessVideo(video, { crop: 'face', landmarks: [lm], name: 'v.mp4' })).toThrow(
      /16 frames but 1 landmark frames/,
    );
  });

  it('errors name the video: too short, bad frame size', () => {
    expect(() => preprocessVideo(coded(5), { name: 'a.mp4' })).toThrow(
      /a\.mp4: has 5 frames, shorter than one 16-frame clip/,
    );
    const broken = coded(16);
    broken.frames[3] = new Uint8Array(7);
    expect(() => preprocessVideo(broken, { name: 'b.mp4' })).toThrow(/b\.mp4: frame 3 has 7 bytes/);
    expect(preprocessVideo(coded(5), { remainder: 'pad', size: 8, resize: [10, 10] }).shape).toEqual([1, 3, 16, 8, 8]);
  });
});

describe('cropResize', () => {
  it('averages when shrinking, so a fine checkerboard becomes grey rather than aliasing', () => {
    const w = 64;
    const src = new Uint8Array(w * w * 3);
    for (let y = 0; y < w; y++)
      for (let x = 0; x < w; x++) src.fill((x + y) % 2 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const out = cropResize(src, w, w, { x: 0, y: 0, width: w, height: w }, 8, 8);
    for (const v of out) expect(Math.abs(v - 127.5)).toBeLessThan(20);
  });
});

describe('warpRgb and the aligned crop', () => {
  it('the identity transform copies the image; a pure shift samples the shifted pixels', () => {
    const v = coded(1, 12, 12);
    expect(Array.from(warpRgb(v.frames[0], 12, 12, { a: 1, b: 0, tx: 0, ty: 0 }, 12))).toEqual(Array.from(v.frames[0]));
    // Crop (u, v) = frame (u + 3, v + 2): the coded x channel reads u + 3 (inside the frame).
    const out = warpRgb(v.frames[0], 12, 12, { a: 1, b: 0, tx: -3, ty: -2 }, 6);
    expect(out[(1 * 6 + 4) * 3 + 1]).toBe(7);
    expect(out[(1 * 6 + 4) * 3 + 2]).toBe(3);
    expect(() => warpRgb(v.frames[0], 12, 12, { a: 0, b: 0, tx: 0, ty: 0 }, 6)).toThrow(
      /warpRgb: transform must be finite with a non-zero scale/,
    );
  });

  it('removes head motion: a face moved by whole pixels gives the same aligned crop', () => {
    const ds = generateDataset({
      seed: 2,
      subjects: 1,
      sessionsPerSubject: 1,
      outfitsPerSession: 1,
      size: 64,
      fps: 8,
      minSeconds: 1,
      maxSeconds: 1,
    });
    const r = ds.renderVideo(ds.entries[0]);
    const W = 64;
    // Frame 1 is frame 0 moved 5 px right and 3 px down (edge pixels replicated), landmarks moved with it.
    const shifted = new Uint8Array(W * W * 3);
    for (let y = 0; y < W; y++)
      for (let x = 0; x < W; x++) {
        const sx = Math.max(0, x - 5);
        const sy = Math.max(0, y - 3);
        shifted.set(r.frames[0].subarray((sy * W + sx) * 3, (sy * W + sx) * 3 + 3), (y * W + x) * 3);
      }
    const lm = r.landmarks[0].map((v, i) => v + (i % 2 === 0 ? 5 : 3));
    const video: RgbVideo = { width: W, height: W, fps: 8, frames: [r.frames[0], shifted] };
    const track = [r.landmarks[0], Float32Array.from(lm)];
    const aligned = preprocessVideo(video, {
      clipLength: 2,
      size: 24,
      crop: 'aligned',
      normalize: 'unit',
      landmarks: track,
    });
    const face = preprocessVideo(video, { clipLength: 2, size: 24, crop: 'face', normalize: 'unit', landmarks: track });
    const meanAbsDiff = (d: Float32Array): number => {
      let s = 0;
      const plane = 24 * 24;
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < plane; p++) s += Math.abs(d[(c * 2 + 1) * plane + p] - d[c * 2 * plane + p]);
      return s / (3 * plane);
    };
    expect(meanAbsDiff(aligned.data)).toBeLessThan(0.01);
    expect(meanAbsDiff(face.data)).toBeGreaterThan(5 * meanAbsDiff(aligned.data));
  });

  it('names what is missing or wrong', () => {
    expect(() => preprocessVideo(coded(2), { clipLength: 2, crop: 'aligned', name: 'a.mp4' })).toThrow(
      /a\.mp4: crop 'aligned' needs a landmark track/,
    );
    const track = [new Float32Array(136), new Float32Array(136)];
    expect(() =>
      preprocessVideo(coded(2), { clipLength: 2, crop: 'aligned', size: [8, 16], landmarks: track, name: 'a.mp4' }),
    ).toThrow(/needs a square size, got 8x16/);
    expect(() => preprocessVideo(coded(2), { clipLength: 2, crop: 'oval' as never, name: 'a.mp4' })).toThrow(
      /crop must be 'center', 'face', 'aligned' or 'c3d-pytorch', got 'oval'/,
    );
  });
});
