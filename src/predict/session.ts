// A live prediction session for a camera: frames arrive at any rate and are sampled at the run's
// frame rate; a trial starts when a face appears and ends after the configured seconds or when the
// face is lost; each ended trial is predicted on exactly training's features (descriptor rows from a
// DescriptorStream reset at the trial's start, pixel clips by computeClips on the trial's frames).
// Browser-safe: DOM pictures are read through data/video-browser.ts. Must not import Node.
import { frameFromImageBitmap, type PictureSource } from '../data/video-browser.js';
import { resizeRgb } from '../data/preprocess.js';
import { DescriptorStream, type FrameDescriptor, type LandmarkProvider } from '../landmarks/descriptor.js';
import { argumentError, describeValue, toPointArray } from '../landmarks/errors.js';
import type { Frame, LandmarkInput, Point2 } from '../landmarks/types.js';
import { checkStridedFrame, frameChannels, frameFromStrided } from '../landmarks/warp.js';
import { isStridedArray, type StridedArray } from '../tensor/strided.js';
import { computeClips, descriptorOptions, type VideoExtractOptions } from '../pipeline/video-features.js';
import type { Prediction, Predictor } from './predictor.js';

/**
 * A camera frame: RGB(A) bytes with their size (ImageData is one), an ndarray-shaped `[H, W, C]`
 * view, or a picture the canvas can draw.
 */
export type FrameInput = Frame | StridedArray | PictureSource;

/** Options of {@link Predictor.createSession}. */
export interface SessionOptions {
  /** Detects each sampled frame's face (else every push must give `landmarks`). */
  provider?: LandmarkProvider;
  /** Sampling rate when the run does not record one. Default 25. */
  fps?: number;
  /** Length of a trial in seconds. Default 3 (the demo's synthetic videos last 2-3 s). */
  trialSeconds?: number;
  /** A face missing for longer than this ends the trial. Default 0.4 s. */
  faceLostSeconds?: number;
  /** Valid descriptor rows a trial needs to be predicted. Default 3. */
  minValidRows?: number;
  /** Longer side the trial's frames are kept at for the pixel branch (its clips are small face crops). Default 160. */
  pixelFrameSide?: number;
  /** Widest picture (video element, bitmap) read from the canvas; larger ones are scaled down. Default 640. */
  maxWidth?: number;
  /** Run the pixel branch on ended trials (default true, where the model has one). */
  pixel?: boolean;
  /** Keep the descriptor's crops, flow and regions on each step (for overlays). Default false. */
  keepDetails?: boolean;
  /** Called with each ended trial (its prediction is null when it was too short to predict). */
  onTrial?: (result: TrialResult) => void;
}

/** Why a trial ended. */
export type TrialEnd = 'complete' | 'face-lost' | 'ended';

/** An ended trial and its prediction. */
export interface TrialResult {
  /** 1-based trial number. */
  trial: number;
  reason: TrialEnd;
  /** Timestamps (ms, as pushed) of the trial's first and last frames. */
  startMs: number;
  endMs: number;
  /** Null when the trial had fewer valid descriptor rows than `minValidRows` (a face seen for a moment). */
  prediction: Prediction | null;
}

/** What one {@link PredictionSession.push} did. */
export interface SessionStep {
  /** False when the frame came too soon after the last sampled one and was skipped. */
  sampled: boolean;
  /** The frame as analysed (RGB or RGBA bytes at processing size), when sampled. */
  frame: Frame | null;
  /** The face's 68 points in `frame` pixels, or null (no face, or not sampled). */
  face: Point2[] | null;
  /** The descriptor of the motion into this frame, when a trial is running. */
  descriptor: FrameDescriptor | null;
  /** The running trial after this frame (index 0 before the first). */
  trial: { index: number; running: boolean; frames: number; validRows: number };
  /** The trial that ended at this frame, with its prediction, or null when none ended. */
  ended: TrialResult | null;
}

/** The trial being recorded: descriptor rows, small RGB frames and their landmark tracks. */
interface TrialData {
  index: number;
  startMs: number;
  lastMs: number;
  rows: Float32Array[];
  valid: number[];
  frames: Uint8Array[];
  track: Float32Array[];
  faces: number;
  size: { width: number; height: number } | null;
  lastTrack: Float32Array | null;
}

/**
 * A live prediction session (see {@link Predictor.createSession}).
 * @example
 * const session = predictor.createSession({ provider, onTrial: (r) => show(r.prediction) });
 * const loop = async () => { await session.push(videoElement, performance.now()); requestAnimationFrame(loop); };
 */
export class PredictionSession {
  /** Frames per second frames are sampled at (the run's rate, divided by its frameStep). */
  readonly fps: number;
  /** Sampled frames in a complete trial. */
  readonly maxFrames: number;
  /**
   * Whether ended trials run the pixel branch (from `options.pixel`, default true); a page may turn it
   * off when the backend proves too slow. Frames are kept either way, so it can be turned back on.
   */
  pixel: boolean;
  private readonly options: SessionOptions;
  private readonly extract: VideoExtractOptions;
  private readonly stream: DescriptorStream;
  private readonly lostFrames: number;
  private nextSampleMs = -Infinity;
  private lastMs = -Infinity;
  private misses = 0;
  private trials = 0;
  private current: TrialData | null = null;

  constructor(
    private readonly predictor: Predictor,
    options: SessionOptions = {},
  ) {
    this.options = options;
    this.pixel = options.pixel ?? true;
    const step = predictor.extract.frameStep ?? 1;
    const base = predictor.fps ?? options.fps ?? 25;
    if (!(base > 0))
      throw argumentError('createSession', 'options.fps', 'a positive number', describeValue(options.fps));
    this.fps = base / step;
    // Frames are sampled at the effective rate already, so the trial's clips take every frame.
    this.extract = { ...predictor.extract, frameStep: 1 };
    const seconds = options.trialSeconds ?? 3;
    if (!(seconds > 0))
      throw argumentError('createSession', 'options.trialSeconds', 'a positive number', describeValue(seconds));
    this.maxFrames = Math.max(1, Math.round(seconds * this.fps));
    this.lostFrames = Math.max(1, Math.round((options.faceLostSeconds ?? 0.4) * this.fps));
    this.stream = new DescriptorStream({
      ...descriptorOptions(predictor.extract),
      fps: this.fps,
      keepDetails: options.keepDetails ?? false,
    });
  }

  /** Whether a trial is under way. */
  get running(): boolean {
    return this.current !== null;
  }

  /**
   * Adds one camera frame taken at `timestampMs` (performance.now(), a VideoFrame's timestamp / 1000,
   * or the frame index × 1000 / fps). Frames closer than one sampling period to the last sampled one
   * are skipped. `landmarks` overrides the provider (68 points, or null for no face).
   */
  async push(
    input: FrameInput,
    timestampMs: number,
    options: { landmarks?: LandmarkInput | null } = {},
  ): Promise<SessionStep> {
    if (typeof timestampMs !== 'number' || !Number.isFinite(timestampMs)) {
      throw argumentError(
        'PredictionSession.push',
        'timestampMs',
        'a finite number of milliseconds',
        describeValue(timestampMs),
      );
    }
    if (timestampMs < this.lastMs) {
      throw argumentError(
        'PredictionSession.push',
        'timestampMs',
        `a time after the previous frame's (${this.lastMs.toFixed(1)} ms)`,
        `${timestampMs.toFixed(1)} ms`,
      );
    }
    // A bad frame is an error whether or not this one is sampled (not only on every n-th frame).
    checkFrameInput(input);
    this.lastMs = timestampMs;
    const period = 1000 / this.fps;
    // Half a millisecond of slack so a camera at exactly the model's rate is never skipped by jitter.
    if (timestampMs < this.nextSampleMs - 0.5)
      return { sampled: false, frame: null, face: null, descriptor: null, trial: this.trialState(), ended: null };
    // A late frame restarts the grid from itself rather than sampling a burst to catch up.
    this.nextSampleMs = timestampMs - this.nextSampleMs > period ? timestampMs + period : this.nextSampleMs + period;
    const frame = toFrame(input, this.options.maxWidth ?? 640);
    const face = await this.detect(frame, options);
    this.misses = face ? 0 : this.misses + 1;
    let ended: TrialResult | null = null;
    if (this.current && this.misses > this.lostFrames) ended = await this.endTrial('face-lost');
    if (!this.current && face) this.startTrial(timestampMs);
    let descriptor: FrameDescriptor | null = null;
    if (this.current) {
      descriptor = this.record(this.current, frame, face, timestampMs);
      if (this.current.rows.length >= this.maxFrames) ended = await this.endTrial('complete');
    }
    return { sampled: true, frame, face, descriptor, trial: this.trialState(), ended };
  }

  /** The running trial's prediction so far (null when none runs or it has too few valid rows). */
  async predictTrial(options: { pixel?: boolean } = {}): Promise<Prediction | null> {
    const t = this.current;
    if (!t || t.valid.reduce((a, b) => a + b, 0) < (this.options.minValidRows ?? 3)) return null;
    return this.predictData(t, options.pixel ?? this.pixel);
  }

  /** Whether the running trial has a clip's worth of frames for the pixel branch. */
  get pixelReady(): boolean {
    const t = this.current;
    return (
      t !== null &&
      this.predictor.hasPixelBranch &&
      t.frames.length >= this.extract.clipLength &&
      t.frames.length === t.rows.length
    );
  }

  /** Ends the running trial now (e.g. "next item" pressed) and returns its result (null when no trial runs). */
  async endTrial(reason: TrialEnd = 'ended'): Promise<TrialResult | null> {
    const t = this.current;
    if (!t) return null;
    this.current = null;
    const prediction = await this.predictDataIfValid(t);
    const result: TrialResult = { trial: t.index, reason, startMs: t.startMs, endMs: t.lastMs, prediction };
    this.options.onTrial?.(result);
    return result;
  }

  /** Forgets the running trial and the sampling clock (e.g. the camera was switched). */
  reset(): void {
    this.current = null;
    this.stream.reset();
    this.nextSampleMs = -Infinity;
    this.lastMs = -Infinity;
    this.misses = 0;
  }

  private trialState(): SessionStep['trial'] {
    const t = this.current;
    return {
      index: t?.index ?? this.trials,
      running: t !== null,
      frames: t?.rows.length ?? 0,
      validRows: t ? t.valid.reduce((a, b) => a + b, 0) : 0,
    };
  }

  private async detect(frame: Frame, options: { landmarks?: LandmarkInput | null }): Promise<Point2[] | null> {
    let pts: LandmarkInput | null;
    if ('landmarks' in options) pts = options.landmarks ?? null;
    else if (this.options.provider) pts = await this.options.provider.detect(frame);
    else
      throw new Error(
        'PredictionSession.push: no landmarks and no provider; pass options.landmarks or createSession({ provider })',
      );
    if (pts == null) return null;
    const flat = toPointArray('PredictionSession.push', 'landmarks', pts, 68);
    return Array.from({ length: 68 }, (_, i) => ({ x: flat[2 * i], y: flat[2 * i + 1] }));
  }

  private startTrial(timestampMs: number): void {
    this.stream.reset();
    this.trials++;
    this.current = {
      index: this.trials,
      startMs: timestampMs,
      lastMs: timestampMs,
      rows: [],
      valid: [],
      frames: [],
      track: [],
      faces: 0,
      size: null,
      lastTrack: null,
    };
  }

  /** Adds a sampled frame to the trial: its descriptor row, and its small RGB copy for the pixel branch. */
  private record(t: TrialData, frame: Frame, face: Point2[] | null, timestampMs: number): FrameDescriptor {
    const d = this.stream.push(frame, face, 'PredictionSession.push');
    t.lastMs = timestampMs;
    // Training's rows: zeros where no descriptor was measured (the first frame, a lost face).
    t.rows.push(d.valid ? d.values.slice(0, 72) : new Float32Array(72));
    t.valid.push(d.valid ? 1 : 0);
    if (face) t.faces++;
    if (this.predictor.hasPixelBranch) {
      const small = smallRgb(frame, this.options.pixelFrameSide ?? 160);
      if (t.size && (t.size.width !== small.width || t.size.height !== small.height)) {
        throw argumentError(
          'PredictionSession.push',
          'frame',
          `${t.size.width}x${t.size.height} as the trial's earlier frames (the camera changed size mid-trial)`,
          `${small.width}x${small.height}`,
        );
      }
      t.size = { width: small.width, height: small.height };
      if (face) {
        const tr = new Float32Array(136);
        face.forEach((p, i) => {
          tr[2 * i] = p.x * small.scale;
          tr[2 * i + 1] = p.y * small.scale;
        });
        t.lastTrack = tr;
      }
      // A missed detection reuses the last landmarks, as training's tracks do.
      if (t.lastTrack) {
        t.frames.push(small.rgb);
        t.track.push(t.lastTrack);
      }
    }
    return d;
  }

  private async predictDataIfValid(t: TrialData): Promise<Prediction | null> {
    if (t.valid.reduce((a, b) => a + b, 0) < (this.options.minValidRows ?? 3)) return null;
    return this.predictData(t, this.pixel);
  }

  /** Both branches when asked and a clip's worth of frames is in, else the landmark branch. */
  private async predictData(t: TrialData, pixel: boolean): Promise<Prediction> {
    const t0 = performance.now();
    const T = t.rows.length;
    const descriptors = new Float32Array(T * 72);
    t.rows.forEach((r, i) => descriptors.set(r, i * 72));
    const canPixel =
      pixel &&
      this.predictor.hasPixelBranch &&
      t.size !== null &&
      t.frames.length >= this.extract.clipLength &&
      t.frames.length === T;
    const runLandmarkOnly = !canPixel && this.predictor.runner.landmark !== null;
    let clips: Float32Array = new Float32Array(0);
    let clipShape: [number, number, number, number, number] = [
      0,
      3,
      this.extract.clipLength,
      this.extract.clipSize,
      this.extract.clipSize,
    ];
    if (!runLandmarkOnly) {
      if (!t.size || t.frames.length === 0)
        throw new Error(`trial ${t.index}: the model needs pixel clips but the trial kept no frames`);
      ({ clips, clipShape } = computeClips(
        { width: t.size.width, height: t.size.height, fps: this.fps, frames: t.frames },
        t.track,
        this.extract,
        `trial ${t.index}`,
      ));
    }
    const t1 = performance.now();
    const rows = await this.predictor.runner.run(
      { clips, clipShape, descriptors, valid: Uint8Array.from(t.valid), dim: 72 },
      { pixel: canPixel },
    );
    const t2 = performance.now();
    return {
      ...rows,
      frames: T,
      faceFrames: t.faces,
      clips: runLandmarkOnly ? 0 : clipShape[0],
      fps: this.fps,
      timings: { landmarksMs: 0, featuresMs: t1 - t0, modelMs: t2 - t1, totalMs: t2 - t0 },
    };
  }
}

/** A frame of bytes as is (checked), or a DOM picture read through a canvas at most `maxWidth` wide. */
export function toFrame(input: FrameInput, maxWidth: number): Frame {
  const fn = 'PredictionSession.push';
  if (isStridedArray(input)) return frameFromStrided(input);
  if (checkFrameInput(input) === 'pixels') return input as Frame;
  const picture = input as PictureSource;
  const w =
    'videoWidth' in picture ? picture.videoWidth : 'displayWidth' in picture ? picture.displayWidth : picture.width;
  const h =
    'videoHeight' in picture
      ? picture.videoHeight
      : 'displayHeight' in picture
        ? picture.displayHeight
        : picture.height;
  if (!(w > 0 && h > 0))
    throw argumentError(
      fn,
      'frame',
      'a picture with a size (is the video playing?)',
      `${describeValue(input)} of ${w}x${h}`,
    );
  const f = Math.min(1, maxWidth / w);
  const rgb = frameFromImageBitmap(picture, {
    width: Math.max(1, Math.round(w * f)),
    height: Math.max(1, Math.round(h * f)),
  });
  return { ...rgb, channels: 3 };
}

/**
 * Throws unless `input` is a frame `push` takes (pixels with a matching size, or something drawable);
 * cheap (draws nothing), so push checks the frames it skips too.
 */
function checkFrameInput(input: FrameInput): 'pixels' | 'strided' | 'drawable' {
  const fn = 'PredictionSession.push';
  if (isStridedArray(input)) {
    checkStridedFrame(input, fn, 'frame');
    return 'strided';
  }
  if (input && typeof input === 'object' && 'data' in input && !ArrayBuffer.isView(input)) {
    frameChannels(input as Frame, fn, 'frame');
    return 'pixels';
  }
  if (ArrayBuffer.isView(input) || input instanceof ArrayBuffer) {
    throw argumentError(
      fn,
      'frame',
      'ImageData, { width, height, data } (RGB or RGBA bytes), ImageBitmap, VideoFrame or a video element (bare bytes have no size)',
      describeValue(input),
    );
  }
  const drawable =
    input &&
    typeof input === 'object' &&
    ('videoWidth' in input || 'displayWidth' in input || ('width' in input && 'height' in input));
  if (!drawable) {
    throw argumentError(
      fn,
      'frame',
      'ImageData, { width, height, data }, ImageBitmap, VideoFrame or a video element',
      describeValue(input),
    );
  }
  return 'drawable';
}

/** The frame at `side` pixels on its longer side (never enlarged) as RGB, and the factor from frame to small pixels. */
function smallRgb(frame: Frame, side: number): { width: number; height: number; rgb: Uint8Array; scale: number } {
  const ch = frameChannels(frame, 'PredictionSession.push', 'frame');
  let rgb: Uint8Array;
  if (ch === 3) rgb = frame.data instanceof Uint8Array ? frame.data : new Uint8Array(frame.data);
  else {
    const n = frame.width * frame.height;
    rgb = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const s = i * ch;
      rgb[3 * i] = frame.data[s];
      rgb[3 * i + 1] = frame.data[ch === 1 ? s : s + 1];
      rgb[3 * i + 2] = frame.data[ch === 1 ? s : s + 2];
    }
  }
  const f = Math.min(1, side / Math.max(frame.width, frame.height));
  if (f === 1) return { width: frame.width, height: frame.height, rgb: ch === 3 ? rgb.slice() : rgb, scale: 1 };
  const width = Math.max(1, Math.round(frame.width * f));
  const height = Math.max(1, Math.round(frame.height * f));
  return { width, height, rgb: resizeRgb(rgb, frame.width, frame.height, width, height), scale: width / frame.width };
}
