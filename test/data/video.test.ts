// Video in Node through the system ffmpeg: decoding a clip made here with ffmpeg's test source,
// probing, resampling, frame folders (PNG and JPEG), batch encoding, and a clear error naming the
// file for every bad input. CI installs ffmpeg; without it these tests are skipped with a message.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeVideo,
  encodeVideos,
  hasFfmpeg,
  loadVideo,
  probeVideo,
  readFrameFolder,
  readImage,
  writePng,
} from '../../src/data/video.js';
import type { RgbVideo } from '../../src/data/types.js';

const ffmpeg = await hasFfmpeg();
if (!ffmpeg)
  console.warn('test/data/video.test.ts: ffmpeg not found (install it or set FFMPEG_PATH); skipping the ffmpeg tests');

let dir = '';
const clip = (): string => path.join(dir, 'testsrc.mp4');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ipe-video-'));
  if (ffmpeg) {
    execFileSync(process.env.FFMPEG_PATH || 'ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=25',
      '-t',
      '1',
      '-pix_fmt',
      'yuv420p',
      clip(),
    ]);
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!ffmpeg)('decoding with ffmpeg', () => {
  it('probes size, rate and duration', async () => {
    const info = await probeVideo(clip());
    expect(info).toMatchObject({ width: 64, height: 48, fps: 25 });
    expect(info.duration).toBeCloseTo(1, 1);
  });

  it('decodes every frame as RGB bytes through the rawvideo pipe', async () => {
    const v = await decodeVideo(clip());
    expect([v.width, v.height, v.fps, v.frames.length]).toEqual([64, 48, 25, 25]);
    expect(v.frames[0].length).toBe(64 * 48 * 3);
    // testsrc's first frame is colourful, and frames differ (the counter changes).
    expect(new Set(v.frames[0]).size).toBeGreaterThan(10);
    expect(Buffer.compare(Buffer.from(v.frames[0]), Buffer.from(v.frames[24]))).not.toBe(0);
  });

  it('resamples the rate and scales, keeping the aspect ratio when one side is given', async () => {
    const v = await decodeVideo(clip(), { fps: 10, width: 32 });
    expect([v.width, v.height, v.fps]).toEqual([32, 24, 10]);
    expect(v.frames.length).toBe(10);
    expect((await decodeVideo(clip(), { maxFrames: 4 })).frames).toHaveLength(4);
  });

  it('reads frame folders: PNG via pngjs, JPEG via ffmpeg, natural order, loadVideo picks the reader', async () => {
    const v = await decodeVideo(clip(), { maxFrames: 3 });
    const folder = path.join(dir, 'frames');
    for (let i = 0; i < 3; i++)
      await writePng(path.join(folder, `f${[1, 2, 10][i]}.png`), v.frames[i], v.width, v.height);
    const back = await loadVideo(folder, { fps: 25 });
    expect(back.frames).toHaveLength(3);
    expect(Buffer.from(back.frames[2]).equals(Buffer.from(v.frames[2]))).toBe(true); // f10 after f2
    const jpgDir = path.join(dir, 'jpg');
    fs.mkdirSync(jpgDir);
    execFileSync(process.env.FFMPEG_PATH || 'ffmpeg', [
      '-v',
      'error',
      '-i',
      clip(),
      '-frames:v',
      '2',
      path.join(jpgDir, '%03d.jpg'),
    ]);
    const jpg = await readFrameFolder(jpgDir);
    expect([jpg.width, jpg.height, jpg.frames.length]).toEqual([64, 48, 2]);
    const img = await readImage(path.join(jpgDir, '001.jpg'));
    expect(img.data.length).toBe(64 * 48 * 3);
  });

  it('encodes a batch of videos with one ffmpeg process, each with its own frames', async () => {
    const make = (n: number, shade: number): RgbVideo => ({
      width: 32,
      height: 32,
      fps: 25,
      frames: Array.from({ length: n }, (_, t) => new Uint8Array(32 * 32 * 3).fill((shade + t * 3) % 256)),
    });
    const items = [make(20, 10), make(7, 100), make(33, 200)].map((video, i) => ({
      path: path.join(dir, 'batch', `v${i}.mp4`),
      video,
    }));
    await encodeVideos(items);
    for (const it of items) {
      const back = await decodeVideo(it.path);
      expect(back.frames.length).toBe(it.video.frames.length);
      expect(Math.abs(back.frames[0][0] - it.video.frames[0][0])).toBeLessThan(6);
    }
    expect(fs.readdirSync(path.join(dir, 'batch')).sort()).toEqual(['v0.mp4', 'v1.mp4', 'v2.mp4']);
  });
});

describe('bad inputs are clear errors naming the file', () => {
  it.skipIf(!ffmpeg)('missing, empty, unreadable, too short', async () => {
    await expect(decodeVideo(path.join(dir, 'nope.mp4'))).rejects.toThrow(/video not found: .*nope\.mp4/);
    const empty = path.join(dir, 'empty.mp4');
    fs.writeFileSync(empty, '');
    await expect(decodeVideo(empty)).rejects.toThrow(/cannot read video .*empty\.mp4: the file is empty/);
    const junk = path.join(dir, 'junk.mp4');
    fs.writeFileSync(junk, 'this is not a video at all, just some text '.repeat(20));
    await expect(decodeVideo(junk)).rejects.toThrow(/cannot read video .*junk\.mp4/);
    await expect(decodeVideo(clip(), { minFrames: 30 })).rejects.toThrow(
      /video .*testsrc\.mp4 is too short: 25 frames at 25 fps, fewer than the 30 frames of one clip/,
    );
    const emptyDir = path.join(dir, 'no-frames');
    fs.mkdirSync(emptyDir);
    await expect(loadVideo(emptyDir)).rejects.toThrow(/video .*no-frames has no frames/);
  });

  it('frames of different sizes in a folder name the odd frame', async () => {
    const folder = path.join(dir, 'mixed');
    await writePng(path.join(folder, '1.png'), new Uint8Array(4 * 4 * 3), 4, 4);
    await writePng(path.join(folder, '2.png'), new Uint8Array(5 * 4 * 3), 5, 4);
    await expect(readFrameFolder(folder)).rejects.toThrow(
      /frame .*2\.png is 5x4 but the first frame of .*mixed is 4x4/,
    );
    fs.writeFileSync(path.join(folder, '3.png'), 'not a png');
    await expect(readImage(path.join(folder, '3.png'))).rejects.toThrow(/cannot read image .*3\.png/);
  });

  it('a missing ffmpeg says how to install it and which file needed it', async () => {
    const saved = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = path.join(dir, 'no-such-ffmpeg');
    try {
      const f = path.join(dir, 'any.mp4');
      fs.writeFileSync(f, 'x');
      await expect(decodeVideo(f)).rejects.toThrow(
        /ffprobe not found \(tried '.*no-such-ffprobe'\) while probing .*any\.mp4: install ffmpeg.*FFMPEG_PATH/,
      );
      expect(await hasFfmpeg()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
  });
});
