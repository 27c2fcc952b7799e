// The face-api provider on real faces (face-api's own demo photos): faces from about 10 % of the
// frame width to close-ups that fill it are found (detector input size chosen from the frame and
// the last face, other scales and a padded frame retried); detect-then-track runs the landmark net
// alone between detections, follows a moving face and stays on the same person among several; a
// frame without a face is null. Skipped when the optional packages are not installed.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cropResize } from '../../src/data/preprocess.js';
import { detectorSizes, type FaceApiProvider } from '../../src/landmarks/providers/face-api.js';
import { createFaceApiProvider } from '../../src/landmarks/providers/face-api-node.js';
import type { Point2 } from '../../src/landmarks/types.js';
import { decodeJpeg } from '../fixtures/landmarks/jpeg-baseline.js';

const require = createRequire(import.meta.url);
const resolvable = (n: string) => {
  try {
    require.resolve(`${n}/package.json`);
    return true;
  } catch {
    return false;
  }
};
const missing = ['@vladmandic/face-api', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'].filter(
  (n) => !resolvable(n),
);
if (missing.length) console.warn(`face tracking test skipped: optional packages not installed: ${missing.join(', ')}`);

type Rgb = { width: number; height: number; data: Uint8Array };
const sample = (n: number): Rgb =>
  decodeJpeg(
    readFileSync(
      path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', `sample${n}.jpg`),
    ),
  );

/** The `box` region of `img` resized to `w` x `h` (RGB). */
function view(img: Rgb, box: { x: number; y: number; width: number; height: number }, w: number, h: number): Rgb {
  return { width: w, height: h, data: cropResize(img.data, img.width, img.height, box, w, h) };
}

/** `img` scaled by `s` and placed at (x, y) on a grey `w` x `h` canvas. */
function placed(img: Rgb, s: number, x: number, y: number, w: number, h: number): Rgb {
  const sw = Math.round(img.width * s);
  const sh = Math.round(img.height * s);
  const small = view(img, { x: 0, y: 0, width: img.width, height: img.height }, sw, sh);
  const out = new Uint8Array(w * h * 3).fill(128);
  for (let r = 0; r < sh && r + y < h; r++)
    out.set(small.data.subarray(r * sw * 3, (r * sw + Math.min(sw, w - x)) * 3), ((r + y) * w + x) * 3);
  return { width: w, height: h, data: out };
}

const centre = (pts: Point2[]) => ({
  x: pts.reduce((a, p) => a + p.x, 0) / pts.length,
  y: pts.reduce((a, p) => a + p.y, 0) / pts.length,
});

describe('detector input sizes', () => {
  it('small inputs for close-ups, large ones for small faces, every size when the face is unknown', () => {
    expect(detectorSizes(224, 200)[0]).toBe(160);
    expect(detectorSizes(640, 64)[0]).toBe(416);
    expect(detectorSizes(1920, 100)).toEqual([608, 416]);
    expect(detectorSizes(224, null)).toEqual([416, 224, 160, 608]);
  });
});

describe.skipIf(missing.length > 0)('createFaceApiProvider on real faces', () => {
  let img: Rgb;
  let faces: { box: { x: number; y: number; width: number; height: number } }[];
  let provider: FaceApiProvider;
  beforeAll(async () => {
    provider = await createFaceApiProvider();
    img = sample(1);
    faces = await provider.detectAll(img, { inputSize: 416 });
    expect(faces).toHaveLength(3);
  }, 60_000);

  it('finds faces from about 10 % of the frame width to close-ups that fill it', async () => {
    const found: string[] = [];
    for (const [i, f] of faces.entries()) {
      for (const fill of [0.9, 1]) {
        // A 224x224 close-up: the face box (plus a margin) is the whole frame.
        const side = f.box.width / fill;
        const frame = view(
          img,
          {
            x: f.box.x + f.box.width / 2 - side / 2,
            y: f.box.y + f.box.height / 2 - side / 2,
            width: side,
            height: side,
          },
          224,
          224,
        );
        provider.reset();
        const pts = await provider.detect(frame);
        if (pts) found.push(`face ${i} at ${fill * 100}%`);
        expect(pts, `face ${i} filling ${fill * 100}% of a 224x224 frame`).not.toBeNull();
      }
    }
    // About 10 % of a 640x480 frame: the photo scaled so its ~300-px faces are ~64 px wide.
    const small = placed(img, 64 / 300, 100, 120, 640, 480);
    provider.reset();
    expect(await provider.detect(small), 'faces of ~10 % of a 640x480 frame').not.toBeNull();
    const grey = { width: 224, height: 224, data: new Uint8Array(224 * 224 * 3).fill(128) };
    provider.reset();
    expect(await provider.detect(grey)).toBeNull();
    // Bare RGB bytes where a frame belongs: a short message describing them, not megabytes of numbers.
    const message = await provider.detect(new Uint8Array(1920 * 1080 * 3) as never).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(message).toBe(
      'FaceApiProvider.detect: frame expected { width, height, data }, got Uint8Array of length 6220800',
    );
  }, 120_000);

  it('tracks a moving face with the landmark net alone between detections', async () => {
    const f = faces[1].box;
    const side = f.width * 2;
    const frames = Array.from({ length: 12 }, (_, k) =>
      view(
        img,
        { x: f.x + f.width / 2 - side / 2 + 6 * k, y: f.y + f.height / 2 - side / 2, width: side, height: side },
        224,
        224,
      ),
    );
    const tracker = await createFaceApiProvider({ redetectEvery: 6 });
    const centres: { x: number; y: number }[] = [];
    for (const frame of frames) {
      const pts = await tracker.detect(frame);
      expect(pts).not.toBeNull();
      centres.push(centre(pts!));
    }
    expect(tracker.stats.tracked).toBeGreaterThanOrEqual(9);
    expect(tracker.stats.detectorRuns).toBeLessThanOrEqual(4);
    // The view moves 6 source px right per frame: the face moves 6 * 224 / side px left.
    const step = (6 * 224) / side;
    centres.forEach((c, k) => expect(Math.abs(c.x - (centres[0].x - step * k)), `frame ${k}`).toBeLessThan(4));
  }, 120_000);

  it('stays on the same person when several faces are in view', async () => {
    // A 640-wide view of the three-person photo panning right by 20 source px a frame.
    const box = (k: number) => ({ x: 20 * k, y: 0, width: img.width - 200, height: img.height - 100 });
    const w = 640;
    const h = Math.round(((img.height - 100) * w) / (img.width - 200));
    const sx = w / (img.width - 200);
    const frames = Array.from({ length: 9 }, (_, k) => view(img, box(k), w, h));
    // The smallest face (not the one picked without a track), alone in the first frame: the others greyed out.
    const target = [...faces].sort((a, b) => a.box.width - b.box.width)[0].box;
    const keep = {
      x0: (target.x - target.width * 0.6) * sx,
      x1: (target.x + target.width * 1.6) * sx,
      y0: (target.y - target.height * 0.6) * sx,
      y1: (target.y + target.height * 1.6) * sx,
    };
    const first = { ...frames[0], data: frames[0].data.slice() };
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        if (x < keep.x0 || x > keep.x1 || y < keep.y0 || y > keep.y1)
          first.data.fill(128, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const tracker = await createFaceApiProvider({ redetectEvery: 3 });
    const start = centre((await tracker.detect(first))!);
    expect(Math.abs(start.x - (target.x + target.width / 2) * sx)).toBeLessThan(20);
    // Each face's box centre in frame k's pixels: the tracked points must lie nearest the target's.
    const centreIn = (b: { x: number; y: number; width: number; height: number }, k: number) => ({
      x: (b.x + b.width / 2 - 20 * k) * sx,
      y: (b.y + b.height / 2) * sx,
    });
    for (let k = 1; k < frames.length; k++) {
      const c = centre((await tracker.detect(frames[k]))!);
      const dist = faces.map((f) => Math.hypot(c.x - centreIn(f.box, k).x, c.y - centreIn(f.box, k).y));
      const nearest = dist.indexOf(Math.min(...dist));
      expect(
        faces[nearest].box,
        `frame ${k}: nearest to face ${nearest} (distances ${dist.map((d) => d.toFixed(0)).join(', ')})`,
      ).toBe(target);
      expect(Math.min(...dist), `frame ${k}`).toBeLessThan(0.5 * target.width * sx);
    }
    // Re-detections happened (every 3 frames), and each kept the same person (the others are over 100 px away).
    expect(tracker.stats.detectorRuns).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
