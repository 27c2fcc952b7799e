// Node-only. Reading and writing videos: metadata from ffprobe's JSON (rotation, pixel aspect, frame
// rate), decoding through the system's ffmpeg (FFMPEG_PATH or `ffmpeg` on PATH) as a stream of raw
// RGB frames at the size and rate asked for, read folders of PNG/JPEG
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
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? missingFfmpeg(what) : new Error(`ffmpeg failed while ${what}: ${e.message}`)),
    );
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
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
  // ffmpeg prefixes lines with its context's address ("[mov,mp4,... @ 0x55d0c1a2b180] "): noise that
  // differs on every run, so messages (and a service's answers) stay short and comparable without it.
  return text
    .trim()
    .split(/\r?\n/)
    .map((l) => l.replace(/^\[[^\]]* @ 0x[0-9a-f]+\] /i, ''))
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join(' | ');
}

async function requireFile(path: string, kind: string): Promise<import('node:fs').Stats> {
  const fs = await import('node:fs/promises');
  try {
    return await fs.stat(path);
  } catch {
    throw new Error(`${kind} not found: ${path}`);
  }
}

/** The ffprobe executable: `FFPROBE_PATH`, else `ffprobe` beside `FFMPEG_PATH` when that is set, else `ffprobe` from PATH. */
export function ffprobePath(): string {
  const env = typeof process !== 'undefined' ? process.env : {};
  if (env.FFPROBE_PATH && env.FFPROBE_PATH.trim() !== '') return env.FFPROBE_PATH;
  const ff = env.FFMPEG_PATH;
  return ff && ff.trim() !== ''
    ? ff.replace(/ffmpeg(\.exe)?$/i, (_m, exe: string | undefined) => `ffprobe${exe ?? ''}`)
    : 'ffprobe';
}

/** What {@link probeVideo} finds out about a video file. */
export interface VideoInfo {
  /** Width of the picture as shown: rotation applied, pixels made square (what decoding gives). */
  width: number;
  /** Height of the picture as shown. */
  height: number;
  /** Frame rate of the video stream (its average rate for variable frame rate; NaN when unknown). */
  fps: number;
  /** Duration in seconds (NaN when unknown, e.g. a still image). */
  duration: number;
  /** Stored frame size, before rotation and aspect correction. */
  codedWidth: number;
  codedHeight: number;
  /** Rotation of the display matrix (or the old `rotate` tag) in degrees, normalised to 0, 90, 180 or 270. */
  rotation: 0 | 90 | 180 | 270;
  /** Sample (pixel) aspect ratio: 1 for square pixels, 4/3 for anamorphic 4:3 pixels. */
  sampleAspectRatio: number;
  /** Whether the stream's nominal rate and its average rate differ (a phone's variable frame rate). */
  variableFrameRate: boolean;
  /** Frames in the stream, when the container says. */
  frameCount: number | null;
}

async function runProbe(path: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(
      ffprobePath(),
      ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new Error(
              `ffprobe not found (tried '${ffprobePath()}') while probing ${path}: install ffmpeg, which ships it (Debian/Ubuntu: apt-get install ffmpeg), or set FFPROBE_PATH (or FFMPEG_PATH with ffprobe beside it)`,
            )
          : new Error(`ffprobe failed while probing ${path}: ${e.message}`),
      ),
    );
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** `'30000/1001'` -> 29.97; NaN for `'0/0'` or nonsense. */
function ratio(text: unknown): number {
  if (typeof text !== 'string') return NaN;
  const [n, d] = text.split(/[/:]/).map(Number);
  const v = d === undefined ? n : n / d;
  return Number.isFinite(v) && v > 0 ? v : NaN;
}

interface ProbeStream {
  codec_type?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  sample_aspect_ratio?: string;
  duration?: string;
  nb_frames?: string;
  tags?: { rotate?: string };
  side_data_list?: { side_data_type?: string; rotation?: number }[];
  disposition?: { attached_pic?: number };
}

/**
 * Reads a video's metadata with `ffprobe -print_format json`: the shown size (rotation from the
 * display matrix and non-square pixels applied, as decoding gives frames), frame rate, duration.
 * Errors name the file: missing, empty, unreadable or truncated, or without a video stream.
 */
export async function probeVideo(path: string): Promise<VideoInfo> {
  const stat = await requireFile(path, 'video');
  if (stat.isDirectory()) throw new Error(`probeVideo: ${path} is a folder; use readFrameFolder for folders of frames`);
  if (stat.size === 0) throw new Error(`cannot read video ${path}: the file is empty`);
  const r = await runProbe(path);
  let json: { streams?: ProbeStream[]; format?: { duration?: string } };
  try {
    json = JSON.parse(r.stdout || '{}');
  } catch {
    json = {};
  }
  if (r.code !== 0 || !json.streams)
    throw new Error(`cannot read video ${path}: ${lastLines(r.stderr, 2) || `ffprobe exited with ${r.code}`}`);
  const v = json.streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!v || !(Number(v.width) > 0 && Number(v.height) > 0)) {
    const kinds = json.streams.map((s) => s.codec_type ?? '?').join(', ') || 'none';
    throw new Error(`cannot read video ${path}: no video stream found (streams: ${kinds})`);
  }
  const matrix = v.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const raw = matrix ?? Number(v.tags?.rotate ?? 0);
  const rotation = ((((Math.round(raw / 90) * 90) % 360) + 360) % 360) as VideoInfo['rotation'];
  const sar = ratio(v.sample_aspect_ratio);
  const sampleAspectRatio = Number.isFinite(sar) ? sar : 1;
  const codedWidth = Number(v.width);
  const codedHeight = Number(v.height);
  // Square pixels: stretch the width (as players do), rounded to even for yuv420p encoders downstream.
  const squareWidth = sampleAspectRatio === 1 ? codedWidth : 2 * Math.round((codedWidth * sampleAspectRatio) / 2);
  const [width, height] = rotation === 90 || rotation === 270 ? [codedHeight, squareWidth] : [squareWidth, codedHeight];
  const nominal = ratio(v.r_frame_rate);
  const average = ratio(v.avg_frame_rate);
  const fps = Number.isFinite(average) ? average : nominal;
  const duration = Number(v.duration ?? json.format?.duration);
  const frames = Number(v.nb_frames);
  return {
    width,
    height,
    fps,
    duration: Number.isFinite(duration) ? duration : NaN,
    codedWidth,
    codedHeight,
    rotation,
    sampleAspectRatio,
    variableFrameRate:
      Number.isFinite(nominal) && Number.isFinite(average) && Math.abs(nominal - average) / nominal > 0.01,
    frameCount: Number.isInteger(frames) && frames > 0 ? frames : null,
  };
}

/** Options of {@link decodeVideo}, {@link streamVideo}, {@link readFrameFolder} and {@link loadVideo}. */
export interface DecodeOptions {
  /** Resample to this frame rate (ffmpeg's `fps` filter). Default: the video's own (average) rate (25 for frame folders). */
  fps?: number;
  /** Output width; with only one of width/height the other keeps the aspect ratio (rounded to even). */
  width?: number;
  /** Output height. */
  height?: number;
  /** Scale down (never up) so the picture is at most this wide, keeping its aspect (ignored with width or height). */
  maxWidth?: number;
  /** Stop after this many frames. */
  maxFrames?: number;
  /** Fewer frames than this is an Error naming the file (e.g. 16 for one C3D clip). Default 1. */
  minFrames?: number;
}

function outputSize(info: { width: number; height: number }, o: DecodeOptions): [number, number] {
  let w = o.width;
  let h = o.height;
  if (!w && !h && o.maxWidth && info.width > o.maxWidth) w = 2 * Math.round(o.maxWidth / 2);
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

/** A video being decoded: its metadata, the output size and rate, and its frames as they come. */
export interface VideoStream {
  info: VideoInfo;
  width: number;
  height: number;
  fps: number;
  /** RGB frames (`width * height * 3` bytes each), one at a time: memory stays at a few frames. */
  frames: AsyncIterable<Uint8Array>;
}

/**
 * Starts decoding a video file through ffmpeg straight to the requested size and frame rate, with
 * the display rotation applied and square pixels, as a stream of RGB frames (ffmpeg is paused while
 * the consumer is busy, so memory stays bounded). A variable-frame-rate video is resampled to its
 * average rate unless `fps` is given. Errors name the file.
 * @example
 * const { frames, width, height } = await streamVideo('phone.mov', { fps: 8, maxWidth: 640 });
 * for await (const rgb of frames) detect({ width, height, data: rgb });
 */
export async function streamVideo(path: string, options: DecodeOptions = {}): Promise<VideoStream> {
  const info = await probeVideo(path);
  const [width, height] = outputSize(info, options);
  const fps = options.fps ?? (Number.isFinite(info.fps) ? info.fps : 25);
  // ffmpeg rotates by the display matrix before the filters (autorotate is on by default); scale then gives exactly the shown size with square pixels.
  const filters: string[] = [];
  if (options.fps || info.variableFrameRate) filters.push(`fps=${fps}`);
  filters.push(`scale=${width}:${height}:flags=area`, 'setsar=1');
  const args = ['-v', 'error', '-nostdin', '-i', path, '-an', '-sn', '-dn', '-vf', filters.join(',')];
  if (options.maxFrames) args.push('-frames:v', String(options.maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  return { info, width, height, fps, frames: rawFrames(path, args, width * height * 3) };
}

/** Runs ffmpeg and yields its stdout in frames of `frameBytes`; the last error lines name the file. */
async function* rawFrames(path: string, args: string[], frameBytes: number): AsyncGenerator<Uint8Array> {
  const { spawn } = await import('node:child_process');
  const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? missingFfmpeg(`decoding ${path}`)
          : new Error(`ffmpeg failed while decoding ${path}: ${e.message}`),
      ),
    );
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => {});
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let yielded = 0;
  let done = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= frameBytes) {
        const all = pending.length === 1 ? pending[0] : Buffer.concat(pending);
        const frame = new Uint8Array(frameBytes);
        frame.set(all.subarray(0, frameBytes));
        const rest = all.subarray(frameBytes);
        pending = rest.length ? [rest] : [];
        pendingBytes = rest.length;
        yielded++;
        yield frame;
      }
    }
    const code = await exited;
    done = true;
    if (code !== 0 && yielded === 0)
      throw new Error(`cannot decode video ${path}: ${lastLines(stderr) || `ffmpeg exited with ${code}`}`);
  } finally {
    // The consumer stopped early (maxFrames of its own, an error): stop ffmpeg too.
    if (!done && child.exitCode === null) child.kill('SIGKILL');
  }
}

/**
 * Decodes a video file to RGB frames in memory (see {@link streamVideo} for long videos): resampled
 * to `fps` and scaled, rotation applied, square pixels. Throws, naming the file, when ffmpeg is
 * missing, the file is missing, empty or unreadable, or it yields fewer than `minFrames` frames.
 * @example
 * const video = await decodeVideo('reaction.mp4', { fps: 25, width: 171, height: 128, minFrames: 16 });
 */
export async function decodeVideo(path: string, options: DecodeOptions = {}): Promise<RgbVideo> {
  const s = await streamVideo(path, options);
  const frames: Uint8Array[] = [];
  for await (const f of s.frames) frames.push(f);
  checkCount(path, frames.length, options, s.fps);
  return { width: s.width, height: s.height, fps: s.fps, frames };
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
    '-v',
    'error',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${width}x${height}`,
    '-r',
    String(fps),
    '-i',
    'pipe:0',
    // yuv420p needs even sizes; pad odd ones by one pixel rather than fail.
    '-vf',
    'pad=ceil(iw/2)*2:ceil(ih/2)*2',
    '-c:v',
    'libx264',
    '-preset',
    options.preset ?? 'veryfast',
    '-crf',
    String(options.crf ?? 16),
    '-pix_fmt',
    'yuv420p',
    '-threads',
    '1',
    '-movflags',
    '+faststart',
    tmp,
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
export async function encodeVideos(
  items: ReadonlyArray<{ path: string; video: RgbVideo }>,
  options: EncodeOptions = {},
): Promise<void> {
  if (items.length === 0) return;
  if (items.length === 1) return encodeVideo(items[0].path, items[0].video, options);
  const { width, height, fps } = items[0].video;
  for (const it of items) {
    if (it.video.width !== width || it.video.height !== height || it.video.fps !== fps) {
      throw new Error(
        `encodeVideos: ${it.path} is ${it.video.width}x${it.video.height}@${it.video.fps}, the first is ${width}x${height}@${fps}`,
      );
    }
    if (it.video.frames.length === 0) throw new Error(`encodeVideos: no frames to write to ${it.path}`);
  }
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  const dir = nodePath.dirname(items[0].path);
  await fs.mkdir(dir, { recursive: true });
  const tmpDir = await fs.mkdtemp(nodePath.join(dir, `.encode-${process.pid}-`));
  try {
    const { input, cuts } = concatFrames(
      items.map((it) => it.video),
      width * height * 3,
    );
    const args = segmentArgs(items[0].video, cuts, options, nodePath.join(tmpDir, '%05d.mp4'));
    const r = await runFfmpeg(args, `encoding ${items.length} videos into ${dir}`, input);
    if (r.code !== 0)
      throw new Error(`cannot encode videos into ${dir}: ${lastLines(r.stderr) || `ffmpeg exited with ${r.code}`}`);
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

/** All videos' frames back to back as one raw RGB stream, and the frame where each video after the first starts. */
function concatFrames(videos: RgbVideo[], frameBytes: number): { input: Uint8Array; cuts: number[] } {
  const total = videos.reduce((a, v) => a + v.frames.length, 0);
  const input = new Uint8Array(total * frameBytes);
  const starts: number[] = [];
  let f = 0;
  for (const v of videos) {
    starts.push(f);
    for (const frame of v.frames) input.set(frame, f++ * frameBytes);
  }
  return { input, cuts: starts.slice(1) };
}

/** The ffmpeg arguments that encode a raw RGB stream of `shape`'s size and rate into one mp4 per segment. */
function segmentArgs(
  shape: { width: number; height: number; fps: number },
  cuts: number[],
  options: EncodeOptions,
  out: string,
): string[] {
  const { width, height, fps } = shape;
  // A key frame exactly at each cut; the times sit a hair before the frame so rounding cannot miss it.
  const keyTimes = [0, ...cuts.map((c) => Math.max(0, c / fps - 1e-4).toFixed(5))].join(',');
  // Flags next to their values.
  // prettier-ignore
  return [
    '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps),
    '-i', 'pipe:0', '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2',
    '-c:v', 'libx264', '-preset', options.preset ?? 'veryfast', '-crf', String(options.crf ?? 16),
    '-pix_fmt', 'yuv420p', '-threads', '1', '-force_key_frames', keyTimes,
    '-f', 'segment', '-segment_frames', cuts.join(','), '-reset_timestamps', '1', '-segment_format', 'mp4',
    '-segment_format_options', 'movflags=+faststart', out,
  ];
}

/** Encodes an RGB image as PNG bytes (pngjs). */
export async function encodePng(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  if (rgb.length !== width * height * 3)
    throw new Error(`encodePng: expected ${width * height * 3} bytes, got ${rgb.length}`);
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
