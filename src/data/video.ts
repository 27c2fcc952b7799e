// Node-only. Reading and writing videos: decode through the system's ffmpeg (FFMPEG_PATH or `ffmpeg`
// on PATH) as a pipe of raw RGB frames, probe sizes from ffmpeg's stderr, read folders of PNG/JPEG
// frames, encode mp4s and write PNGs. Every failure is an Error naming the file. node:* modules and
// pngjs are imported lazily so bundling this file for the browser does not pull them in.
import type { RgbVideo } from './types.js';
import { writeFileAtomic } from '../io/atomic-write.js';

/** The ffmpeg executable used: `FFMPEG_PATH` when set, else `ffmpeg` from PATH. */
export function ffmpegPath(): string {
  const env = typeof process !== 'undefined' ? process.env.FFMPEG_PATH : undefined;
  return env && env.trim() !== '' ? env : 'ffmpeg';
}

interface RunResult {
  code: number | null;
  stdout: Uint8Array;
  stderr: string;
}

function missingFfmpeg(what: string): Error {
  return new Error(
    `ffmpeg not found (tried '${ffmpegPath()}') while ${what}: install it (Debian/Ubuntu: apt-get install ffmpeg) or set FFMPEG_PATH to its path`,
  );
}

async function runFfmpeg(args: string[], what: string, input?: Uint8Array): Promise<RunResult> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? missingFfmpeg(what) : new Error(`ffmpeg failed while ${what}: ${e.message}`)));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    // ffmpeg may exit before reading all of stdin (bad arguments); that EPIPE is reported through 'close'.
    child.stdin.on('error', () => {});
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Whether ffmpeg can be run (see {@link ffmpegPath}). */
export async function hasFfmpeg(): Promise<boolean> {
  try {
    const r = await runFfmpeg(['-hide_banner', '-version'], 'checking its version');
    return r.code === 0;
  } catch {
    return false;
  }
}

function lastLines(text: string, n = 3): string {
  return text.trim().split(/\r?\n/).filter((l) => l.trim() !== '').slice(-n).join(' | ');
}

async function requireFile(path: string, kind: string): Promise<import('node:fs').Stats> {
  const fs = await import('node:fs/promises');
  try {
    return await fs.stat(path);
  } catch {
    throw new Error(`${kind} not found: ${path}`);
  }
}

/** What {@link probeVideo} finds out about a video file. */
export interface VideoInfo {
  width: number;
  height: number;
  /** Frame rate of the video stream (NaN when ffmpeg does not report one). */
  fps: number;
  /** Duration in seconds (NaN when unknown, e.g. a still image). */
  duration: number;
}

/**
 * Reads a video's size, frame rate and duration from ffmpeg's own report (`ffmpeg -i`), so no
 * ffprobe is needed. Errors name the file: missing, unreadable, or without a video stream.
 */
export async function probeVideo(path: string): Promise<VideoInfo> {
  const stat = await requireFile(path, 'video');
  if (stat.isDirectory()) throw new Error(`probeVideo: ${path} is a folder; use readFrameFolder for folders of frames`);
  if (stat.size === 0) throw new Error(`cannot read video ${path}: the file is empty`);
  const r = await runFfmpeg(['-hide_banner', '-nostdin', '-i', path], `probing ${path}`);
  // Without an output ffmpeg exits 1 by design; the stream report on stderr is what we want.
  const m = /Stream #[^\n]*?Video:[^\n]*?[ ,](\d{1,5})x(\d{1,5})[ ,\[]/.exec(r.stderr);
  if (!m) {
    if (/Invalid data|could not find codec|moov atom not found|Error opening input|End of file/i.test(r.stderr)) {
      throw new Error(`cannot read video ${path}: ${lastLines(r.stderr, 2)}`);
    }
    throw new Error(`cannot read video ${path}: no video stream found (${lastLines(r.stderr, 2)})`);
  }
  const fpsMatch = /Stream #[^\n]*?Video:[^\n]*?([\d.]+) (?:fps|tbr)/.exec(r.stderr);
  const dur = /Duration: (\d+):(\d+):([\d.]+)/.exec(r.stderr);
  return {
    width: Number(m[1]),
    height: Number(m[2]),
    fps: fpsMatch ? Number(fpsMatch[1]) : NaN,
    duration: dur ? Number(dur[1]) * 3600 + Number(dur[2]) * 60 + Number(dur[3]) : NaN,
  };
}

/** Options of {@link decodeVideo}, {@link readFrameFolder} and {@link loadVideo}. */
export interface DecodeOptions {
  /** Resample to this frame rate (ffmpeg's `fps` filter). Default: the video's own rate (25 for frame folders). */
  fps?: number;
  /** Output width; with only one of width/height the other keeps the aspect ratio (rounded to even). */
  width?: number;
  /** Output height. */
  height?: number;
  /** Stop after this many frames. */
  maxFrames?: number;
  /** Fewer frames than this is an Error naming the file (e.g. 16 for one C3D clip). Default 1. */
  minFrames?: number;
}

function outputSize(info: { width: number; height: number }, o: DecodeOptions): [number, number] {
  let w = o.width;
  let h = o.height;
  if (w && !h) h = 2 * Math.round((w * info.height) / info.width / 2);
  if (h && !w) w = 2 * Math.round((h * info.width) / info.height / 2);
  return [w ?? info.width, h ?? info.height];
}

function checkCount(path: string, n: number, o: DecodeOptions, fps: number): void {
  if (n === 0) throw new Error(`video ${path} has no frames`);
  const min = o.minFrames ?? 1;
  if (n < min) {
    throw new Error(`video ${path} is too short: ${n} frames at ${fps} fps, fewer than the ${min} frames of one clip`);
  }
}

/**
 * Decodes a video file to RGB frames through ffmpeg (`-f rawvideo -pix_fmt rgb24` on a pipe),
 * optionally resampled to `fps` and scaled. Throws, naming the file, when ffmpeg is missing, the file
 * is missing, empty or unreadable, or it yields fewer than `minFrames` frames.
 * @example
 * const video = await decodeVideo('reaction.mp4', { fps: 25, width: 171, height: 128, minFrames: 16 });
 */
export async function decodeVideo(path: string, options: DecodeOptions = {}): Promise<RgbVideo> {
  const info = await probeVideo(path);
  const [width, height] = outputSize(info, options);
  const filters: string[] = [];
  if (options.fps) filters.push(`fps=${options.fps}`);
  if (width !== info.width || height !== info.height) filters.push(`scale=${width}:${height}:flags=area`);
  const args = ['-v', 'error', '-nostdin', '-i', path, '-an', '-sn'];
  if (filters.length) args.push('-vf', filters.join(','));
  if (options.maxFrames) args.push('-frames:v', String(options.maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  const r = await runFfmpeg(args, `decoding ${path}`);
  const frameBytes = width * height * 3;
  const n = Math.floor(r.stdout.length / frameBytes);
  if (r.code !== 0 && n === 0) throw new Error(`cannot decode video ${path}: ${lastLines(r.stderr) || `ffmpeg exited with ${r.code}`}`);
  const fps = options.fps ?? (Number.isFinite(info.fps) ? info.fps : 25);
  checkCount(path, n, options, fps);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < n; i++) frames.push(r.stdout.slice(i * frameBytes, (i + 1) * frameBytes));
  return { width, height, fps, frames };
}

/** Natural sort, so `frame2.png` comes before `frame10.png`. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });
}

const IMAGE_RE = /\.(png|jpe?g)$/i;

/** Decodes one PNG (pngjs) or JPEG (ffmpeg) image to RGB. */
export async function readImage(path: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const stat = await requireFile(path, 'image');
  if (stat.size === 0) throw new Error(`cannot read image ${path}: the file is empty`);
  if (/\.png$/i.test(path)) {
    const fs = await import('node:fs/promises');
    const { PNG } = await import('pngjs');
    let png: { width: number; height: number; data: Uint8Array };
    try {
      png = PNG.sync.read(await fs.readFile(path));
    } catch (err) {
      throw new Error(`cannot read image ${path}: ${(err as Error).message}`);
    }
    // pngjs always hands back RGBA (grey and palette images expanded); drop alpha.
    const rgb = new Uint8Array(png.width * png.height * 3);
    for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
      rgb[j] = png.data[i];
      rgb[j + 1] = png.data[i + 1];
      rgb[j + 2] = png.data[i + 2];
    }
    return { width: png.width, height: png.height, data: rgb };
  }
  const video = await decodeVideo(path, { maxFrames: 1 });
  return { width: video.width, height: video.height, data: video.frames[0] };
}

/**
 * Reads a folder of PNG/JPEG frames (sorted by name, numbers compared as numbers) as a video at
 * `fps` (default 25). Frames of different sizes are an error unless width/height are given, in which
 * case every frame is resized.
 */
export async function readFrameFolder(dir: string, options: DecodeOptions = {}): Promise<RgbVideo> {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  await requireFile(dir, 'frame folder');
  const names = (await fs.readdir(dir)).filter((n) => IMAGE_RE.test(n) && !n.startsWith('.')).sort(naturalCompare);
  const fps = options.fps ?? 25;
  if (names.length === 0) throw new Error(`video ${dir} has no frames (no .png/.jpg/.jpeg files in the folder)`);
  const limit = options.maxFrames ? Math.min(options.maxFrames, names.length) : names.length;
  const frames: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  const { resizeRgb } = await import('./preprocess.js');
  for (let i = 0; i < limit; i++) {
    const file = nodePath.join(dir, names[i]);
    const img = await readImage(file);
    let data = img.data;
    let [w, h] = [img.width, img.height];
    if (options.width || options.height) {
      [w, h] = outputSize(img, options);
      if (w !== img.width || h !== img.height) data = resizeRgb(img.data, img.width, img.height, w, h);
    }
    if (i === 0) [width, height] = [w, h];
    else if (w !== width || h !== height) {
      throw new Error(`frame ${file} is ${w}x${h} but the first frame of ${dir} is ${width}x${height}`);
    }
    frames.push(data);
  }
  checkCount(dir, frames.length, options, fps);
  return { width, height, fps, frames };
}

/** Reads a video file (ffmpeg) or a folder of frames, whichever `path` is. */
export async function loadVideo(path: string, options: DecodeOptions = {}): Promise<RgbVideo> {
  const stat = await requireFile(path, 'video');
  return stat.isDirectory() ? readFrameFolder(path, options) : decodeVideo(path, options);
}

/** Options of {@link encodeVideo}. */
export interface EncodeOptions {
  /** x264 constant rate factor: lower is better quality. Default 16, which keeps subtle expressions. */
  crf?: number;
  /** x264 preset. Default `veryfast`. */
  preset?: string;
}

/**
 * Encodes RGB frames as an H.264 mp4 (yuv420p, so any player reads it) through ffmpeg, written to a
 * temp file and renamed, so an interrupted run never leaves a truncated video under the final name.
 */
export async function encodeVideo(path: string, video: RgbVideo, options: EncodeOptions = {}): Promise<void> {
  const { width, height, fps, frames } = video;
  if (frames.length === 0) throw new Error(`encodeVideo: no frames to write to ${path}`);
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  await fs.mkdir(nodePath.dirname(path), { recursive: true });
  const tmp = nodePath.join(nodePath.dirname(path), `.${nodePath.basename(path)}.${process.pid}.tmp.mp4`);
  const input = new Uint8Array(width * height * 3 * frames.length);
  frames.forEach((f, i) => input.set(f, i * width * height * 3));
  const args = [
    '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
    // yuv420p needs even sizes; pad odd ones by one pixel rather than fail.
    '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:v', 'libx264', '-preset', options.preset ?? 'veryfast',
    '-crf', String(options.crf ?? 16), '-pix_fmt', 'yuv420p', '-threads', '1', '-movflags', '+faststart', tmp,
  ];
  const r = await runFfmpeg(args, `encoding ${path}`, input);
  if (r.code !== 0) {
    await fs.rm(tmp, { force: true });
    throw new Error(`cannot encode video ${path}: ${lastLines(r.stderr) || `ffmpeg exited with ${r.code}`}`);
  }
  await fs.rename(tmp, path);
}

/**
 * Encodes several videos of the same size and rate with one ffmpeg process (its segment muxer cut at
 * forced key frames), which saves ffmpeg's start-up cost per video — most of the time for short
 * clips. Each file appears under its final name only when complete.
 */
export async function encodeVideos(items: ReadonlyArray<{ path: string; video: RgbVideo }>, options: EncodeOptions = {}): Promise<void> {
  if (items.length === 0) return;
  if (items.length === 1) return encodeVideo(items[0].path, items[0].video, options);
  const { width, height, fps } = items[0].video;
  for (const it of items) {
    if (it.video.width !== width || it.video.height !== height || it.video.fps !== fps) {
      throw new Error(`encodeVideos: ${it.path} is ${it.video.width}x${it.video.height}@${it.video.fps}, the first is ${width}x${height}@${fps}`);
    }
    if (it.video.frames.length === 0) throw new Error(`encodeVideos: no frames to write to ${it.path}`);
  }
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  const dir = nodePath.dirname(items[0].path);
  await fs.mkdir(dir, { recursive: true });
  const tmpDir = await fs.mkdtemp(nodePath.join(dir, `.encode-${process.pid}-`));
  try {
    const frameBytes = width * height * 3;
    const total = items.reduce((a, it) => a + it.video.frames.length, 0);
    const input = new Uint8Array(total * frameBytes);
    const starts: number[] = [];
    let f = 0;
    for (const it of items) {
      starts.push(f);
      for (const frame of it.video.frames) input.set(frame, f++ * frameBytes);
    }
    const cuts = starts.slice(1);
    // A key frame exactly at each cut; the times sit a hair before the frame so rounding cannot miss it.
    const keyTimes = [0, ...cuts.map((c) => Math.max(0, c / fps - 1e-4).toFixed(5))].join(',');
    const args = [
      '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
      '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:v', 'libx264', '-preset', options.preset ?? 'veryfast', '-crf', String(options.crf ?? 16),
      '-pix_fmt', 'yuv420p', '-threads', '1', '-force_key_frames', keyTimes,
      '-f', 'segment', '-segment_frames', cuts.join(','), '-reset_timestamps', '1', '-segment_format', 'mp4',
      '-segment_format_options', 'movflags=+faststart', nodePath.join(tmpDir, '%05d.mp4'),
    ];
    const r = await runFfmpeg(args, `encoding ${items.length} videos into ${dir}`, input);
    if (r.code !== 0) throw new Error(`cannot encode videos into ${dir}: ${lastLines(r.stderr) || `ffmpeg exited with ${r.code}`}`);
    const made = (await fs.readdir(tmpDir)).filter((n) => n.endsWith('.mp4')).sort();
    if (made.length !== items.length) {
      throw new Error(`encoding into ${dir}: ffmpeg made ${made.length} segments for ${items.length} videos`);
    }
    for (let i = 0; i < items.length; i++) {
      await fs.mkdir(nodePath.dirname(items[i].path), { recursive: true });
      await fs.rename(nodePath.join(tmpDir, made[i]), items[i].path);
    }
  } finally {
    await fs.rm(tmpDir, { recursive: true, force: true });
  }
}

/** Encodes an RGB image as PNG bytes (pngjs). */
export async function encodePng(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  if (rgb.length !== width * height * 3) throw new Error(`encodePng: expected ${width * height * 3} bytes, got ${rgb.length}`);
  const { PNG } = await import('pngjs');
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i];
    rgba[j + 1] = rgb[i + 1];
    rgba[j + 2] = rgb[i + 2];
    rgba[j + 3] = 255;
  }
  return PNG.sync.write(Object.assign(new PNG({ width, height }), { data: rgba }), { colorType: 2 });
}

/** Writes an RGB image as a PNG file, atomically. */
export async function writePng(path: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  await writeFileAtomic(path, await encodePng(rgb, width, height));
}

/** Writes every frame as `<dir>/000000.png`, `000001.png`, … (the fallback when ffmpeg is absent). */
export async function writeFrameFolder(dir: string, video: RgbVideo): Promise<void> {
  const nodePath = await import('node:path');
  for (let i = 0; i < video.frames.length; i++) {
    await writePng(nodePath.join(dir, `${String(i).padStart(6, '0')}.png`), video.frames[i], video.width, video.height);
  }
}
