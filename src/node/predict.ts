// Node-only conveniences of the Predictor: loading it from a run folder or checkpoint files on disk,
// and predicting on a video file decoded by ffmpeg straight to the run's frame rate (rotation
// applied, square pixels, at most `maxWidth` wide) in two streamed passes, so memory stays bounded
// however long the video is; landmarks from a track file or a provider.
import { streamVideo, readFrameFolder, type DecodeOptions, type VideoStream } from '../data/video.js';
import { readLandmarks } from '../data/landmark-file-node.js';
import { framePoints, type LandmarkTrack } from '../data/types.js';
import { DescriptorStream, type LandmarkProvider } from '../landmarks/descriptor.js';
import { fillTrackGaps, flattenLandmarks } from '../landmarks/track.js';
import { descriptorOptions } from '../pipeline/video-features.js';
import { clipsFromFrames, planClips } from '../predict/clip-plan.js';
import { resampleIndices, resetProvider } from '../predict/predictor.js';
import { methodFolder } from '../predict/run-settings.js';
import {
  loadPredictor as loadFromUrlOrBytes,
  predictorFromBytes,
  type CheckpointBytes,
  type LoadPredictorOptions,
} from '../predict/load.js';
import type { Prediction, Predictor } from '../predict/predictor.js';
import { METHOD_NAMES } from '../models/presets.js';

async function readText(file: string, what: string): Promise<string> {
  const fs = await import('node:fs/promises');
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    throw new Error(`loadPredictor: ${what} (no ${file})`);
  }
}

/**
 * Loads a predictor from a run folder made by `plm-ipe demo` or `plm-ipe train` (its
 * `report/config.json` and the method's last checkpoint), a model file on disk (`<stem>.json` or
 * `.safetensors`; the run's config from `options.config`, else `config.json` beside it, else the
 * run's `report/config.json` two folders up), an http(s) URL, or checkpoint bytes.
 * @example
 * const predictor = await loadPredictor('runs/demo');
 * const p = await predictFile(predictor, 'reaction.mp4', { provider });
 */
export async function loadPredictor(
  source: string | URL | CheckpointBytes,
  options: LoadPredictorOptions = {},
): Promise<Predictor> {
  if (typeof source !== 'string' || /^(https?|blob|data):/i.test(source)) return loadFromUrlOrBytes(source, options);
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  let stat;
  try {
    stat = await fs.stat(source);
  } catch {
    stat = null;
  }
  let stem: string;
  let configFile: string;
  const method = options.method ?? 'PLM-IPE';
  if (stat?.isDirectory() && !(METHOD_NAMES as readonly string[]).includes(method)) {
    throw new Error(`loadPredictor: options.method expected one of ${METHOD_NAMES.join(', ')}, got '${method}'`);
  }
  if (stat?.isDirectory()) {
    configFile = options.config ? String(options.config) : path.join(source, 'report', 'config.json');
    const dir = path.join(source, 'checkpoints', methodFolder(method));
    const state = await readText(
      path.join(dir, 'state.json'),
      `${source} has no ${method} checkpoint; run 'plm-ipe demo' or 'plm-ipe train' first`,
    );
    // `selected` is the epoch validation picked (what the report evaluated); older runs name only the last.
    const parsed = JSON.parse(state) as { checkpoint?: string; selected?: string };
    const name = parsed.selected ?? parsed.checkpoint;
    if (typeof name !== 'string') throw new Error(`loadPredictor: ${path.join(dir, 'state.json')} names no checkpoint`);
    stem = path.join(dir, name);
  } else {
    stem = source.replace(/\.(safetensors|json)$/, '');
    const beside = path.join(path.dirname(stem), 'config.json');
    const runConfig = path.join(path.dirname(stem), '..', '..', 'report', 'config.json');
    configFile = options.config
      ? String(options.config)
      : (await fs.stat(beside).then(
            () => true,
            () => false,
          ))
        ? beside
        : runConfig;
  }
  const model = await readText(`${stem}.json`, `${source} is not a run folder or a model file`);
  let weightsFile = `${stem}.safetensors`;
  try {
    const w = (JSON.parse(model) as { weights?: string }).weights;
    if (w) weightsFile = path.join(path.dirname(stem), w);
  } catch {
    // modelFromBytes reports the bad JSON.
  }
  const weights = await fs.readFile(weightsFile).catch(() => {
    throw new Error(`loadPredictor: cannot read the weights ${weightsFile}`);
  });
  const config = await readText(
    configFile,
    `${source}: the run's config.json is missing, so its extraction settings are unknown; pass options.config`,
  );
  return predictorFromBytes({ model, weights: new Uint8Array(weights), config, name: path.basename(stem) }, options);
}

/** Options of {@link predictFile}. */
export interface PredictFileOptions {
  /** A landmark track JSON of the video (docs/dataset.md), one row per stored frame, in the video's own pixels. */
  landmarks?: string;
  /** Detects the landmarks instead (default: the predictor's provider). */
  provider?: LandmarkProvider;
  /** Frames are decoded at most this wide (default 640: enough for the detector and the small clips). */
  maxWidth?: number;
  /** Run the pixel branch (default true). */
  pixel?: boolean;
}

/** The model's frames of a decoded stream: resampled by `pick` (decoded index per model frame, non-decreasing), then every `step`-th. */
async function* modelFrames(
  frames: AsyncIterable<Uint8Array>,
  pick: number[] | null,
  step: number,
  decoded?: { count: number },
): AsyncGenerator<{ rgb: Uint8Array; source: number }> {
  let i = 0;
  let p = 0;
  let n = 0;
  for await (const rgb of frames) {
    const copies = pick ? countAt(pick, p, i) : 1;
    if (pick) p += copies;
    for (let c = 0; c < copies; c++, n++) if (n % step === 0) yield { rgb, source: i };
    i++;
    // With `decoded`, read to the end so the caller learns how many frames the file has.
    if (pick && p >= pick.length && !decoded) break;
  }
  if (decoded) decoded.count = i;
}

function countAt(pick: number[], from: number, i: number): number {
  let k = from;
  while (k < pick.length && pick[k] === i) k++;
  return k - from;
}

/**
 * Predicts the preference shown in a video file (or a folder of frames) with bounded memory: the file
 * is decoded twice by ffmpeg at the run's frame rate and at most `maxWidth` wide, streaming. The first
 * pass finds the landmarks (a track file, scaled to the decoded size, or a provider); the second
 * describes every frame and keeps only the frames of the clips the run's extraction keeps. The result
 * equals {@link Predictor.predict} on the decoded frames. A run that keeps every clip (`maxClips` 0,
 * the paper's extraction) keeps every frame of the pixel branch.
 */
export async function predictFile(
  predictor: Predictor,
  file: string,
  options: PredictFileOptions = {},
): Promise<Prediction> {
  const fs = await import('node:fs/promises');
  const stat = await fs.stat(file).catch(() => {
    throw new Error(`video not found: ${file}`);
  });
  const fileTrack = options.landmarks ? (await readLandmarks(options.landmarks)).landmarks : null;
  if (stat.isDirectory()) {
    const video = await readFrameFolder(file, { fps: predictor.fps ?? undefined });
    return predictor.predict(video, {
      landmarks: fileTrack ?? undefined,
      provider: options.provider,
      name: file,
      pixel: options.pixel,
    });
  }
  const t0 = performance.now();
  const extract = predictor.extract;
  const step = extract.frameStep ?? 1;
  const open = decodingPasses(predictor, file, fileTrack, options.maxWidth ?? 640);
  const first = await landmarkPass(open, file, fileTrack, options.landmarks, options.provider ?? predictor.provider);
  const { width, height } = first.s;
  const t1 = performance.now();
  const { track, face } = fillTrackGaps(first.detections, file);
  // Pass 2: descriptors of every frame, and the kept clips' frames only.
  const usePixel = (options.pixel ?? true) && predictor.hasPixelBranch;
  const needsClips = usePixel || predictor.runner.landmark === null;
  const modelFps = first.fps / step;
  const plan = needsClips ? planClips(track, extract, file) : null;
  const stream = new DescriptorStream({ ...descriptorOptions(extract), fps: modelFps });
  const needed = new Set(plan?.needed ?? []);
  const { descriptors, valid, kept, dim } = await descriptorPass(
    (await open()).frames,
    stream,
    track,
    needed,
    first.s,
    file,
  );
  const { clips, clipShape } = plan
    ? clipsFromFrames(kept, track, plan, { width, height, fps: modelFps }, { ...extract, frameStep: 1 }, file)
    : {
        clips: new Float32Array(0),
        clipShape: [0, 3, extract.clipLength, extract.clipSize, extract.clipSize] as [
          number,
          number,
          number,
          number,
          number,
        ],
      };
  const t2 = performance.now();
  const rows = await predictor.runner.run({ clips, clipShape, descriptors, valid, dim }, { pixel: usePixel });
  const t3 = performance.now();
  return {
    ...rows,
    frames: track.length,
    faceFrames: face.reduce((a, b) => a + b, 0),
    clips: rows.pixel || rows.branch === 'method' ? clipShape[0] : 0,
    fps: first.fps,
    timings: { landmarksMs: t1 - t0, featuresMs: t2 - t1, modelMs: t3 - t2, totalMs: t3 - t0 },
  };
}

/** One decoding pass over the file: the stream, the model's frame rate and the model's frames. */
interface DecodingPass {
  s: VideoStream;
  fps: number;
  frames: AsyncGenerator<{ rgb: Uint8Array; source: number }>;
}

/** Opens a decoding pass; with `decoded`, the pass reads to the end and counts the file's frames there. */
type OpenPass = (decoded?: { count: number }) => Promise<DecodingPass>;

/** How predictFile decodes `file`, once per pass: at most `maxWidth` wide, at the run's frame rate. */
function decodingPasses(
  predictor: Predictor,
  file: string,
  fileTrack: LandmarkTrack | null,
  maxWidth: number,
): OpenPass {
  const step = predictor.extract.frameStep ?? 1;
  // A landmark file has one row per stored frame: decode at the video's own rate and resample both together.
  const decode: DecodeOptions = { maxWidth, fps: fileTrack ? undefined : (predictor.fps ?? undefined) };
  return async (decoded) => {
    const s = await streamVideo(file, decode);
    const fps = predictor.fps ?? s.fps;
    const pick = fileTrack ? resampleIndices(fileTrack.length, s.fps, fps) : null;
    return { s, fps, frames: modelFrames(s.frames, pick, step, decoded) };
  };
}

/**
 * Pass 1: the landmarks of every model frame, from the track file (scaled to the decoded size) or the
 * provider (null where it found no face). With a track file every frame is counted: a track of
 * another length (another video, or another frame rate) would otherwise silently cut or stretch the video.
 */
async function landmarkPass(
  open: OpenPass,
  file: string,
  fileTrack: LandmarkTrack | null,
  trackFile: string | undefined,
  provider: LandmarkProvider | null | undefined,
): Promise<DecodingPass & { detections: (Float32Array | null)[] }> {
  const decoded = fileTrack ? { count: 0 } : undefined;
  const first = await open(decoded);
  const { width, height } = first.s;
  const scale = width / first.s.info.width;
  if (!fileTrack && !provider)
    throw new Error(`predictFile: video '${file}' has no landmarks; pass options.landmarks or a provider`);
  if (provider && !fileTrack) resetProvider(provider);
  const detections: (Float32Array | null)[] = [];
  for await (const { rgb, source } of first.frames) {
    if (fileTrack) {
      const row = fileTrack[source];
      if (!row) throw new Error(`${trackFile}: has ${fileTrack.length} frames of landmarks but video ${file} has more`);
      detections.push(scale === 1 ? row : row.map((v) => v * scale));
    } else {
      const pts = await provider!.detect({ width, height, data: rgb, channels: 3 });
      detections.push(
        pts == null ? null : flattenLandmarks(pts, 'predictFile', `provider.detect(frame ${detections.length})`),
      );
    }
  }
  if (fileTrack && decoded!.count !== fileTrack.length) {
    throw new Error(
      `${trackFile}: has ${fileTrack.length} frames of landmarks but video ${file} has ${decoded!.count} frames`,
    );
  }
  if (detections.length === 0) {
    // A still image probes as a video without a duration and gives no frame once resampled.
    const still = Number.isFinite(first.s.info.duration) ? '' : ' (it has no duration: a still image?)';
    throw new Error(`video ${file} has no frames at ${+first.fps.toFixed(3)} fps${still}`);
  }
  return { ...first, detections };
}

/** Pass 2: the descriptor of every frame of the filled track, and the frames listed in `needed` (the kept clips'). */
async function descriptorPass(
  frames: AsyncIterable<{ rgb: Uint8Array }>,
  stream: DescriptorStream,
  track: LandmarkTrack,
  needed: Set<number>,
  size: { width: number; height: number },
  file: string,
): Promise<{ descriptors: Float32Array; valid: Uint8Array; kept: Map<number, Uint8Array>; dim: number }> {
  const { width, height } = size;
  const kept = new Map<number, Uint8Array>();
  const dim = 72;
  const descriptors = new Float32Array(track.length * dim);
  const valid = new Uint8Array(track.length);
  let t = 0;
  for await (const { rgb } of frames) {
    if (t >= track.length) break;
    const d = stream.push({ width, height, data: rgb, channels: 3 }, framePoints(track[t]), 'predictFile');
    descriptors.set(d.values.subarray(0, dim), t * dim);
    valid[t] = d.valid ? 1 : 0;
    if (needed.has(t)) kept.set(t, rgb);
    t++;
  }
  if (t !== track.length)
    throw new Error(`video ${file} gave ${t} frames on the second decoding but ${track.length} on the first`);
  return { descriptors, valid, kept, dim };
}
