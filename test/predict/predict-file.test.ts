// predictFile streams a video file twice (landmarks, then descriptors and only the kept clips'
// frames) and must give exactly what Predictor.predict gives on the same decoded frames, for every
// crop, clip selection, baseline and frame step, and when the run's frame rate differs from the
// video's. Skips without ffmpeg.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_EXTRACT, createPredictor, type Predictor, type VideoExtractOptions } from '../../src/index.js';
import { decodeVideo, hasFfmpeg, loadPredictor, predictFile, readLandmarks, writePng } from '../../src/node/index.js';
import { writeRunAndVideos } from './run-fixture.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-predict-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const ffmpeg = await hasFfmpeg();
if (!ffmpeg) console.warn('predictFile test skipped: no ffmpeg');

describe.skipIf(!ffmpeg)('predictFile', () => {
  let base: Predictor;
  let video: string;
  let landmarks: string;
  beforeAll(async () => {
    const made = await writeRunAndVideos(dir, 1);
    base = await loadPredictor(made.run);
    [video] = made.videos;
    [landmarks] = made.landmarks;
  }, 120_000);

  const variants: [string, Partial<VideoExtractOptions>, number][] = [
    ['the demo extraction (aligned, 1 clip, first-frame baseline)', {}, 8],
    ['face crop, apex selection of 2 clips', { crop: 'face', clipSelection: 'apex', maxClips: 2 }, 8],
    [
      'centre crop, frame step 2, a later clip with the first-frame baseline',
      { crop: 'center', maxClips: 1, frameStep: 2, normalize: 'c3d' },
      8,
    ],
    ['every clip, no baseline, the run at 4 fps (resampled)', { maxClips: 0, clipBaseline: 'none' }, 4],
  ];
  it.each(variants)(
    '%s: equals Predictor.predict on the decoded frames',
    async (_name, change, fps) => {
      const predictor = createPredictor(base.runner.model, { extract: { ...SMALL_EXTRACT, ...change }, fps });
      const got = await predictFile(predictor, video, { landmarks });
      const decoded = await decodeVideo(video);
      const track = (await readLandmarks(landmarks)).landmarks;
      const want = await predictor.predict(decoded, { landmarks: track });
      expect(got.frames).toBe(want.frames);
      expect(got.clips).toBe(want.clips);
      for (const k of ['fused', 'pixel', 'landmark'] as const) expect(got[k], k).toEqual(want[k]);
    },
    60_000,
  );

  it('a still image is an error that says so, not a prediction on nothing', async () => {
    const png = path.join(dir, 'photo.png');
    await writePng(png, new Uint8Array(16 * 16 * 3), 16, 16);
    await expect(predictFile(base, png, { provider: { detect: () => null } })).rejects.toThrow(
      `video ${png} has no frames at 8 fps (it has no duration: a still image?)`,
    );
  }, 60_000);

  it('refuses a landmark file with fewer or more rows than the video has frames (not a silent cut)', async () => {
    const track = JSON.parse(fs.readFileSync(landmarks, 'utf8')) as { frames: number; landmarks: number[][] };
    const n = track.landmarks.length;
    for (const rows of [track.landmarks.slice(0, n - 5), [...track.landmarks, ...track.landmarks.slice(0, 3)]]) {
      const file = path.join(dir, `track-${rows.length}.json`);
      fs.writeFileSync(file, JSON.stringify({ ...track, frames: rows.length, landmarks: rows }));
      await expect(predictFile(base, video, { landmarks: file })).rejects.toThrow(
        `has ${rows.length} frames of landmarks but video ${video} has ${n} frames`,
      );
    }
  }, 60_000);
});
