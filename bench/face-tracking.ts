// Bench for the face-api landmark provider on real faces (face-api's demo photo sample1.jpg): landmark
// frames per second with detect-then-track (the landmark net alone between detections, a full
// detection every 10 frames) against the detector on every frame, in the same process, for a
// 224x224 close-up and a 640x480 view, each a slowly panning video of the photo. Goal: > 25 fps.
// Run: node --import tsx bench/face-tracking.ts   (--quick: 20 frames a case instead of 60)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { cropResize } from '../src/data/preprocess.js';
import { createFaceApiProvider } from '../src/landmarks/providers/face-api-node.js';
import type { Frame } from '../src/landmarks/types.js';
import { decodeJpeg } from '../test/fixtures/landmarks/jpeg-baseline.js';
import { report, type BenchRow } from './util.js';

const require = createRequire(import.meta.url);
const frames = process.argv.includes('--quick') ? 20 : 60;

type Box = { x: number; y: number; width: number; height: number };

/** A panning video: `count` views of `box` moving 2 source px right a frame, resized to w x h. */
function pan(
  img: { width: number; height: number; data: Uint8Array },
  box: Box,
  w: number,
  h: number,
  count: number,
): Frame[] {
  return Array.from({ length: count }, (_, k) => ({
    width: w,
    height: h,
    data: cropResize(img.data, img.width, img.height, { ...box, x: box.x + 2 * k }, w, h),
    channels: 3 as const,
  }));
}

/** Frames per second of `detect` over the video, after one warm-up frame; and the faces found. */
async function fps(
  video: Frame[],
  track: boolean,
): Promise<{ ms: number; found: number; detectorRuns: number; tracked: number }> {
  const provider = await createFaceApiProvider({ track });
  await provider.detect(video[0]);
  provider.reset();
  const t0 = performance.now();
  let found = 0;
  for (const f of video) if (await provider.detect(f)) found++;
  const ms = (performance.now() - t0) / video.length;
  return { ms, found, detectorRuns: provider.stats.detectorRuns, tracked: provider.stats.tracked };
}

async function main(): Promise<void> {
  const img = decodeJpeg(
    readFileSync(path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg')),
  );
  const probe = await createFaceApiProvider();
  const faces = await probe.detectAll(img, { inputSize: 416 });
  const f = faces[0].box;
  // A close-up: the face fills ~80 % of a 224x224 frame. A 640x480 view: the face ~20 % of its width.
  const closeSide = f.width / 0.8;
  const close: Box = {
    x: f.x + f.width / 2 - closeSide / 2 - frames,
    y: f.y + f.height / 2 - closeSide / 2,
    width: closeSide,
    height: closeSide,
  };
  const wideW = f.width / 0.2;
  const wide: Box = {
    x: Math.max(0, Math.min(img.width - wideW - 2 * frames, f.x + f.width / 2 - wideW / 2)),
    y: Math.max(0, Math.min(img.height - (wideW * 3) / 4, f.y + f.height / 2 - (wideW * 3) / 8)),
    width: wideW,
    height: (wideW * 3) / 4,
  };
  const rows: BenchRow[] = [];
  for (const [name, box, w, h] of [
    ['224x224 close-up', close, 224, 224],
    ['640x480, face 20% wide', wide, 640, 480],
  ] as const) {
    const video = pan(img, box, w, h, frames);
    const tracked = await fps(video, true);
    const every = await fps(video, false);
    rows.push({
      case: `${name}, ${frames} frames`,
      ours: 'detect, then track (re-detect every 10)',
      peer: 'detector on every frame',
      oursMs: tracked.ms,
      peerMs: every.ms,
      note:
        `tracked ${(1000 / tracked.ms).toFixed(1)} fps (faces in ${tracked.found}/${frames}, ${tracked.detectorRuns} detector runs, ${tracked.tracked} tracked frames); ` +
        `every frame ${(1000 / every.ms).toFixed(1)} fps (faces in ${every.found}/${frames}, ${every.detectorRuns} detector runs)`,
    });
  }
  report('face-tracking', rows, {
    unit: 'ms per frame (landmarks only; fps = 1000 / ms)',
    photo: 'face-api demo/sample1.jpg',
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
