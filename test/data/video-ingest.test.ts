// Phone-style videos through probeVideo / streamVideo / decodeVideo, with fixtures made by ffmpeg
// here (small): display-matrix rotations of 90, 180 and 270 degrees come out upright with the shown
// size, 30 and 60 fps resample to the asked rate, a variable-frame-rate file to evenly spaced frames,
// anamorphic pixels become square, 1080p decodes straight to a small size; audio-only, truncated and
// empty files are errors naming the file. Skips without ffmpeg.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVideo, hasFfmpeg, probeVideo, streamVideo } from '../../src/data/video.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ingest-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let ok = false;
beforeAll(async () => {
  ok = await hasFfmpeg();
  if (!ok) console.warn('ffmpeg not found: video ingestion tests skipped');
});

function ff(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: 'pipe' });
}

/** A 64x48 clip whose top-left quarter is red (so the picture's orientation can be checked). */
function upright(name: string, options: { rate?: number; seconds?: number; size?: string } = {}): string {
  const file = path.join(dir, name);
  const size = options.size ?? '64x48';
  ff(
    '-f',
    'lavfi',
    '-i',
    `color=c=blue:s=${size}:r=${options.rate ?? 30}:d=${options.seconds ?? 1}`,
    '-vf',
    'drawbox=x=0:y=0:w=iw/2:h=ih/2:color=red:t=fill',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    file,
  );
  return file;
}

/** Mean RGB of a w x h region of an RGB frame. */
function meanRgb(rgb: Uint8Array, width: number, x0: number, y0: number, w: number, h: number): number[] {
  const s = [0, 0, 0];
  for (let y = y0; y < y0 + h; y++)
    for (let x = x0; x < x0 + w; x++) for (let c = 0; c < 3; c++) s[c] += rgb[3 * (y * width + x) + c];
  return s.map((v) => v / (w * h));
}

const isRed = (p: number[]) => p[0] > 150 && p[2] < 100;

describe('video ingestion', () => {
  it('applies the display rotation: 90, 180, 270 degrees come out with the shown size', async (ctx) => {
    if (!ok) return ctx.skip();
    const base = upright('base.mp4');
    for (const rotation of [90, 180, 270]) {
      const file = path.join(dir, `rot${rotation}.mp4`);
      ff('-i', base, '-c', 'copy', '-metadata:s:v:0', `rotate=${rotation}`, file);
      const info = await probeVideo(file);
      expect(info.rotation, `${rotation}`).toBe(rotation);
      const [w, h] = rotation === 180 ? [64, 48] : [48, 64];
      expect([info.width, info.height]).toEqual([w, h]);
      expect([info.codedWidth, info.codedHeight]).toEqual([64, 48]);
      const v = await decodeVideo(file, { maxFrames: 2 });
      expect([v.width, v.height], `${rotation}`).toEqual([w, h]);
      expect(v.frames[0].length).toBe(w * h * 3);
      // The red quarter moves with the rotation: exactly one corner is red.
      const corners = [
        [0, 0],
        [w - 8, 0],
        [0, h - 8],
        [w - 8, h - 8],
      ].map(([x, y]) => isRed(meanRgb(v.frames[0], w, x, y, 8, 8)));
      expect(corners.filter(Boolean), `${rotation}: ${corners}`).toHaveLength(1);
      expect(corners[0], `${rotation}: not upright-red at top-left`).toBe(false);
    }
  }, 60_000);

  it('resamples 30 and 60 fps to the asked rate, and a variable frame rate to evenly spaced frames', async (ctx) => {
    if (!ok) return ctx.skip();
    for (const rate of [30, 60]) {
      const file = upright(`r${rate}.mp4`, { rate, seconds: 2 });
      const info = await probeVideo(file);
      expect(info.fps).toBe(rate);
      expect(info.variableFrameRate).toBe(false);
      expect(info.duration).toBeCloseTo(2, 1);
      const v = await decodeVideo(file, { fps: 8 });
      expect(v.fps).toBe(8);
      expect(v.frames.length).toBe(16);
    }
    // Variable frame rate: 1 s at 10 fps then 1 s at 30 fps (every third frame dropped, then all kept, timestamps passed through).
    const vfr = path.join(dir, 'vfr.mp4');
    ff(
      '-f',
      'lavfi',
      '-i',
      'color=c=blue:s=64x48:r=30:d=2',
      '-vf',
      "select='lt(mod(n\\,3)\\,1)+gte(n\\,30)'",
      '-vsync',
      'vfr',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      vfr,
    );
    const info = await probeVideo(vfr);
    expect(info.variableFrameRate).toBe(true);
    expect(info.fps).toBeGreaterThan(15);
    expect(info.fps).toBeLessThan(25);
    const v = await decodeVideo(vfr);
    // Resampled to its average rate: as many frames as 2 s hold at that rate (not the 40 stored unevenly).
    expect(v.fps).toBe(info.fps);
    expect(Math.abs(v.frames.length - 2 * info.fps)).toBeLessThanOrEqual(2);
  }, 60_000);

  it('makes anamorphic pixels square, and decodes 1080p straight to a small size', async (ctx) => {
    if (!ok) return ctx.skip();
    const ana = path.join(dir, 'anamorphic.mp4');
    ff(
      '-f',
      'lavfi',
      '-i',
      'testsrc=s=48x48:r=10:d=1',
      '-vf',
      'setsar=4/3',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      ana,
    );
    const info = await probeVideo(ana);
    expect(info.sampleAspectRatio).toBeCloseTo(4 / 3, 5);
    expect([info.width, info.height]).toEqual([64, 48]);
    const v = await decodeVideo(ana, { maxFrames: 1 });
    expect([v.width, v.height]).toEqual([64, 48]);

    const hd = upright('1080p.mp4', { size: '1920x1080', seconds: 0.5, rate: 30 });
    const s = await streamVideo(hd, { maxWidth: 320, fps: 10 });
    expect([s.info.width, s.info.height]).toEqual([1920, 1080]);
    expect([s.width, s.height]).toEqual([320, 180]);
    let n = 0;
    for await (const f of s.frames) {
      expect(f.length).toBe(320 * 180 * 3);
      n++;
    }
    expect(n).toBe(5);
  }, 60_000);

  it('names the file for audio-only, truncated and empty files', async (ctx) => {
    if (!ok) return ctx.skip();
    const audio = path.join(dir, 'voice.m4a');
    ff('-f', 'lavfi', '-i', 'sine=f=440:d=0.5', '-c:a', 'aac', audio);
    await expect(probeVideo(audio)).rejects.toThrow(
      /cannot read video .*voice\.m4a: no video stream found \(streams: audio\)/,
    );
    await expect(decodeVideo(audio)).rejects.toThrow(/voice\.m4a/);
    const whole = fs.readFileSync(upright('whole.mp4', { seconds: 2 }));
    const cut = path.join(dir, 'truncated.mp4');
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 3)));
    await expect(decodeVideo(cut)).rejects.toThrow(/cannot read video .*truncated\.mp4: .+/);
    const reason = await decodeVideo(cut).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(reason).toMatch(/moov atom not found/);
    expect(reason, 'no ffmpeg context address').not.toMatch(/ @ 0x[0-9a-f]+\]/);
    const empty = path.join(dir, 'empty.mov');
    fs.writeFileSync(empty, '');
    await expect(decodeVideo(empty)).rejects.toThrow(/cannot read video .*empty\.mov: the file is empty/);
    for (const f of [audio, cut, empty]) {
      const m = await decodeVideo(f).then(
        () => '',
        (e: Error) => e.message,
      );
      expect(m.length, m).toBeLessThan(400);
    }
  }, 60_000);
});
