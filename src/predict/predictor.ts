// The Predictor: "video in, preference out" with exactly training's features. It holds a loaded
// model and its run's settings (extraction options, frame rate); `predict` takes a whole video's
// frames with landmarks given or detected, resamples them to the run's frame rate, computes
// computeFeatures' features and runs the model. Browser-safe: Node conveniences (file paths,
// ffmpeg, run folders) live in src/node/predict.ts. Must not import node: modules.
import type { LandmarkTrack, RgbVideo } from '../data/types.js';
import type { LandmarkProvider } from '../landmarks/descriptor.js';
import { describeValue } from '../landmarks/errors.js';
import { fillTrackGaps, flattenLandmarks } from '../landmarks/track.js';
import type { LandmarkInput } from '../landmarks/types.js';
import { computeFeatures, upgradeExtractOptions, type VideoExtractOptions } from '../pipeline/video-features.js';
import type { SavableModel } from '../models/checkpoint.js';
import { ModelRunner, type ModelRows } from './model-runner.js';
import type { RunSettings } from './run-settings.js';
import { PredictionSession, type SessionOptions } from './session.js';

/** What one prediction gave, and what it cost. */
export interface Prediction extends ModelRows {
  /** Frames the model saw (resampled to the run's frame rate, then every `frameStep`-th). */
  frames: number;
  /** Of those, frames where a face was detected (or given); the others hold the previous face. */
  faceFrames: number;
  /** Pixel clips that went through C3D (0 when the pixel branch did not run). */
  clips: number;
  /** Frame rate the frames were sampled at. */
  fps: number;
  /** Milliseconds: landmark detection, feature computation, model, and the whole call. */
  timings: { landmarksMs: number; featuresMs: number; modelMs: number; totalMs: number };
}

/** Options of {@link Predictor.predict}. */
export interface PredictOptions {
  /** Landmarks per frame of `video` (a track, or 68 points per frame; null where there is no face). */
  landmarks?: ReadonlyArray<LandmarkInput | Float32Array | null> | LandmarkTrack;
  /** Detects the landmarks instead (default: the predictor's own provider, if it has one). */
  provider?: LandmarkProvider;
  /** Names the video in errors (a file name, an id). Default 'video'. */
  name?: string;
  /** Run the pixel branch (default true; false runs the landmark branch alone). */
  pixel?: boolean;
}

/** Options of {@link createPredictor}. */
export interface PredictorOptions {
  /** Labels the model in errors and `describe()`. Default 'model'. */
  name?: string;
  /** Landmark detector used when a call gives no landmarks. */
  provider?: LandmarkProvider;
}

/** Indices of the frames of an `from`-fps video nearest to the instants of a `to`-fps sampling. */
export function resampleIndices(count: number, from: number, to: number): number[] {
  if (!(from > 0) || !(to > 0) || Math.abs(from - to) < 1e-6) return Array.from({ length: count }, (_, i) => i);
  const duration = count / from;
  const out: number[] = [];
  for (let k = 0; k / to < duration - 1e-9; k++) out.push(Math.min(count - 1, Math.floor((k * from) / to + 1e-6)));
  return out;
}

/**
 * A loaded model with its run's settings.
 * @example
 * const predictor = await loadPredictor('https://shop.example/model/plm-ipe.json');
 * const p = await predictor.predict(video, { landmarks: track });
 * p.label; // 'positive'
 */
export class Predictor {
  /** The model and how it is run. */
  readonly runner: ModelRunner;
  /** How frames become features, as in training. */
  readonly extract: VideoExtractOptions;
  /** Frames per second the run's videos had (null: the run does not say; videos keep their own rate). */
  readonly fps: number | null;
  readonly name: string;
  /** The detector used when a call gives no landmarks. */
  provider: LandmarkProvider | null;

  constructor(model: SavableModel, settings: RunSettings, options: PredictorOptions = {}) {
    this.name = options.name ?? 'model';
    this.runner = new ModelRunner(model, this.name);
    this.extract = upgradeExtractOptions(settings.extract);
    this.fps = settings.fps;
    this.provider = options.provider ?? null;
    const plm = this.runner.plm;
    if (plm) {
      const { clipLength, inputSize } = plm.config.pixel.c3d;
      const e = this.extract;
      if (clipLength !== e.clipLength || inputSize[0] !== e.clipSize || inputSize[1] !== e.clipSize) {
        throw new Error(
          `${this.name}: its C3D takes ${clipLength}-frame ${inputSize[0]}x${inputSize[1]} clips but the run's extraction makes ` +
            `${e.clipLength}-frame ${e.clipSize}x${e.clipSize} clips; use the config.json of the same run`,
        );
      }
    }
  }

  /** Whether the model has a pixel branch. */
  get hasPixelBranch(): boolean {
    return this.runner.hasPixelBranch;
  }

  /** One line about the model and its extraction. */
  describe(): string {
    const e = this.extract;
    const m = this.runner.plm
      ? `PLMIPE (λ ${this.runner.plm.config.lambda})`
      : this.runner.method
        ? this.runner.method.methodName
        : 'landmark estimator (landmark branch only)';
    return `${this.name}: ${m}; ${this.fps ?? "the video's own"} fps, clips of ${e.clipLength} frames at ${e.clipSize} px (${e.crop} crop), descriptors on ${e.descriptorCropSize}-px crops`;
  }

  /**
   * Predicts the preference shown in a whole video. Frames are resampled to the run's frame rate;
   * landmarks come from `options.landmarks`, else from a provider (frames without a face keep the
   * previous face, as in training). A video without any face is a NoFaceError naming it.
   */
  async predict(video: RgbVideo, options: PredictOptions = {}): Promise<Prediction> {
    const t0 = performance.now();
    const name = options.name ?? 'video';
    checkVideo(video, name);
    const fps = this.fps ?? video.fps;
    const keep = resampleIndices(video.frames.length, video.fps, fps);
    const frames = keep.map((i) => video.frames[i]);
    let detections: (Float32Array | null)[];
    if (options.landmarks) {
      if (options.landmarks.length !== video.frames.length) {
        throw new Error(
          `Predictor.predict: options.landmarks has ${options.landmarks.length} frames but video '${name}' has ${video.frames.length}`,
        );
      }
      detections = keep.map((i) => toFlat(options.landmarks![i], `options.landmarks[${i}]`));
    } else {
      const provider = options.provider ?? this.provider;
      if (!provider)
        throw new Error(
          `Predictor.predict: video '${name}' has no landmarks; pass options.landmarks or a provider (options.provider, or the predictor's)`,
        );
      // A tracking provider must not carry the previous video's face into this one.
      resetProvider(provider);
      detections = [];
      for (let t = 0; t < frames.length; t++) {
        const pts = await provider.detect({ width: video.width, height: video.height, data: frames[t], channels: 3 });
        detections.push(pts == null ? null : flattenLandmarks(pts, 'Predictor.predict', `provider.detect(frame ${t})`));
      }
    }
    const t1 = performance.now();
    const { track, face } = fillTrackGaps(detections, name);
    const f = computeFeatures({ width: video.width, height: video.height, fps, frames }, track, this.extract, name);
    const t2 = performance.now();
    const pixel = options.pixel ?? true;
    const rows = await this.runner.run(f, { pixel });
    const t3 = performance.now();
    return {
      ...rows,
      frames: f.valid.length,
      faceFrames: face.reduce((a, b, t) => a + (t % this.extract.frameStep === 0 ? b : 0), 0),
      clips: rows.pixel || rows.branch === 'method' ? f.clipShape[0] : 0,
      fps,
      timings: { landmarksMs: t1 - t0, featuresMs: t2 - t1, modelMs: t3 - t2, totalMs: t3 - t0 },
    };
  }

  /**
   * A live session: push camera frames as they come; trials start when a face appears and each
   * ended trial gives a prediction (see {@link PredictionSession}).
   */
  createSession(options: SessionOptions = {}): PredictionSession {
    return new PredictionSession(this, options);
  }
}

/** Forgets a tracking provider's face (providers with a `reset()`, such as face-api's). */
export function resetProvider(provider: LandmarkProvider): void {
  (provider as { reset?: () => void }).reset?.();
}

function toFlat(points: LandmarkInput | Float32Array | null | undefined, arg: string): Float32Array | null {
  if (points == null) return null;
  if (points instanceof Float32Array && points.length === 136) return points;
  return flattenLandmarks(points as LandmarkInput, 'Predictor.predict', arg);
}

function checkVideo(video: RgbVideo, name: string): void {
  const fn = 'Predictor.predict';
  if (!video || typeof video !== 'object' || !Array.isArray(video.frames)) {
    throw new Error(
      `${fn}: video expected { width, height, fps, frames: Uint8Array[] } (RGB), got ${describeValue(video)}`,
    );
  }
  if (!(Number.isInteger(video.width) && video.width > 0 && Number.isInteger(video.height) && video.height > 0)) {
    throw new Error(
      `${fn}: video '${name}' width/height expected positive integers, got ${describeValue(video.width)} x ${describeValue(video.height)}`,
    );
  }
  if (!(typeof video.fps === 'number' && video.fps > 0))
    throw new Error(`${fn}: video '${name}' fps expected a positive number, got ${describeValue(video.fps)}`);
  if (video.frames.length === 0) throw new Error(`${fn}: video '${name}' has no frames`);
  const bytes = video.width * video.height * 3;
  video.frames.forEach((f, t) => {
    if (!((f as unknown) instanceof Uint8Array || (f as unknown) instanceof Uint8ClampedArray) || f.length !== bytes) {
      throw new Error(
        `${fn}: video '${name}' frames[${t}] expected ${bytes} RGB bytes (${video.width}x${video.height}x3), got ${describeValue(f)}`,
      );
    }
  });
}

/** Builds a predictor from a model already in memory and its run's settings. */
export function createPredictor(model: SavableModel, settings: RunSettings, options: PredictorOptions = {}): Predictor {
  return new Predictor(model, settings, options);
}
