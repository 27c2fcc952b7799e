// Node-only conveniences of the Predictor: loading it from a run folder or checkpoint files on disk,
// and predicting on a video file decoded by ffmpeg straight to the run's frame rate (rotation
// applied, square pixels, at most `maxWidth` wide), with landmarks from a track file or a provider.
import { streamVideo, readFrameFolder, type DecodeOptions } from '../data/video.js';
import { readLandmarks } from '../data/landmark-file.js';
import type { RgbVideo } from '../data/types.js';
import type { LandmarkProvider } from '../landmarks/descriptor.js';
import { loadPredictor as loadFromUrlOrBytes, predictorFromBytes, type CheckpointBytes, type LoadPredictorOptions } from '../predict/load.js';
import type { Prediction, Predictor } from '../predict/predictor.js';

/** `PLM-IPE` -> `plm-ipe`, as training names checkpoint folders (methodSlug's rule). */
function slug(method: string): string {
  return method.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

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
export async function loadPredictor(source: string | URL | CheckpointBytes, options: LoadPredictorOptions = {}): Promise<Predictor> {
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
  if (stat?.isDirectory()) {
    configFile = options.config ? String(options.config) : path.join(source, 'report', 'config.json');
    const dir = path.join(source, 'checkpoints', slug(method));
    const state = await readText(path.join(dir, 'state.json'), `${source} has no ${method} checkpoint; run 'plm-ipe demo' or 'plm-ipe train' first`);
    const name = (JSON.parse(state) as { checkpoint?: string }).checkpoint;
    if (typeof name !== 'string') throw new Error(`loadPredictor: ${path.join(dir, 'state.json')} names no checkpoint`);
    stem = path.join(dir, name);
  } else {
    stem = source.replace(/\.(safetensors|json)$/, '');
    const beside = path.join(path.dirname(stem), 'config.json');
    const runConfig = path.join(path.dirname(stem), '..', '..', 'report', 'config.json');
    configFile = options.config ? String(options.config) : (await fs.stat(beside).then(() => true, () => false)) ? beside : runConfig;
  }
  const model = await readText(`${stem}.json`, `${source} is not a run folder or a model file`);
  let weightsFile = `${stem}.safetensors`;
  try {
    const w = (JSON.parse(model) as { weights?: string }).weights;
    if (w) weightsFile = path.join(path.dirname(stem), w);
  } catch {
    // parseModel reports the bad JSON.
  }
  const weights = await fs.readFile(weightsFile).catch(() => {
    throw new Error(`loadPredictor: cannot read the weights ${weightsFile}`);
  });
  const config = await readText(configFile, `${source}: the run's config.json is missing, so its extraction settings are unknown; pass options.config`);
  return predictorFromBytes({ model, weights: new Uint8Array(weights), config, name: path.basename(stem) }, options);
}

/** Options of {@link predictFile}. */
export interface PredictFileOptions {
  /** A landmark track JSON of the video (docs/dataset.md), in the video's own pixels. */
  landmarks?: string;
  /** Detects the landmarks instead (default: the predictor's provider). */
  provider?: LandmarkProvider;
  /** Frames are decoded at most this wide (default 640: enough for the detector and the small clips). */
  maxWidth?: number;
  /** Run the pixel branch (default true). */
  pixel?: boolean;
}

/**
 * Predicts the preference shown in a video file (or a folder of frames): decoded at the run's frame
 * rate (the video's own when the run does not say) and at most `maxWidth` wide; landmarks from a
 * track file (scaled to the decoded size; resampled with the frames) or detected.
 */
export async function predictFile(predictor: Predictor, file: string, options: PredictFileOptions = {}): Promise<Prediction> {
  const fs = await import('node:fs/promises');
  const stat = await fs.stat(file).catch(() => {
    throw new Error(`video not found: ${file}`);
  });
  let video: RgbVideo;
  let scale = 1;
  // A landmark file has one row per frame of the video as stored: decode at its own rate, the Predictor resamples both together.
  const decode: DecodeOptions = { maxWidth: options.maxWidth ?? 640, fps: options.landmarks ? undefined : (predictor.fps ?? undefined) };
  if (stat.isDirectory()) {
    video = await readFrameFolder(file, { fps: predictor.fps ?? undefined });
  } else {
    const s = await streamVideo(file, decode);
    const frames: Uint8Array[] = [];
    for await (const f of s.frames) frames.push(f);
    if (frames.length === 0) throw new Error(`video ${file} has no frames`);
    video = { width: s.width, height: s.height, fps: s.fps, frames };
    scale = s.width / s.info.width;
  }
  let landmarks: Float32Array[] | undefined;
  if (options.landmarks) {
    landmarks = (await readLandmarks(options.landmarks)).landmarks;
    if (scale !== 1) landmarks = landmarks.map((t) => t.map((v) => v * scale));
  }
  return predictor.predict(video, { landmarks, provider: options.provider, name: file, pixel: options.pixel });
}
