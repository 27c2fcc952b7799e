// What the page shows and what the end-to-end test reads: one plain object, mirrored on
// `globalThis.__plmDemo`. Nothing here touches the DOM.

/** The page's live state. */
export interface DemoState {
  /** 'loading' until the camera, face-api, backend and checkpoint are up; 'running'; or 'error'. */
  status: 'loading' | 'running' | 'error';
  /** The last error message, if any. */
  error: string | null;
  /** `getBackend()` of the estimator, and why better modes were not used. */
  backend: { name: string; mode: string; skipped: string[]; softwareGpu: string | null } | null;
  /** TensorFlow.js backend face-api runs on. */
  faceApiBackend: string | null;
  /** The checkpoint in use, and where its extraction options came from. */
  checkpoint: string | null;
  extractSource: string | null;
  /** Whether the checkpoint has a pixel branch (a PLMIPE). */
  hasPixelBranch: boolean;
  /** Null while the pixel branch may run; else why it is off ("N ms per clip on <backend>", "not in this checkpoint"). */
  pixelOff: string | null;
  /** Frames processed, frames with a face, valid descriptor rows. */
  frames: number;
  faces: number;
  validDescriptors: number;
  /** Processed frames per second (moving average), and the rate the page aims at. */
  fps: number;
  targetFps: number;
  /** Milliseconds of the last frame's steps: face-api detection, descriptor, model call. */
  detectMs: number;
  describeMs: number;
  inferMs: number;
  /** Milliseconds per clip of the last pixel-branch call (computeClips + C3D + LSTM + fusion), 0 before one. */
  pixelMsPerClip: number;
  /** Trials started (1-based number of the current one), and the current trial's frames and length. */
  trialCount: number;
  trialFrames: number;
  trialLength: number;
  /**
   * Predictions made, and the most recent ones (newest last), [negative, neutral, positive] each: the
   * fused prediction (eq. 8) where the pixel branch ran, else the landmark branch's.
   */
  predictionCount: number;
  predictions: number[][];
  /** Which branch gave each of `predictions`: 'fused' or 'landmark'. */
  predictionBranches: ('fused' | 'landmark')[];
  /** The branches' own recent probabilities (newest last); pixel rows only where that branch ran. */
  landmarkPredictions: number[][];
  pixelPredictions: number[][];
  /** Predictions for which the pixel branch ran. */
  pixelRuns: number;
}

/** How many recent rows each prediction list keeps. */
export const HISTORY = 50;

/** A fresh state, also published on `globalThis.__plmDemo`. */
export function createState(): DemoState {
  const state: DemoState = {
    status: 'loading',
    error: null,
    backend: null,
    faceApiBackend: null,
    checkpoint: null,
    extractSource: null,
    hasPixelBranch: false,
    pixelOff: null,
    frames: 0,
    faces: 0,
    validDescriptors: 0,
    fps: 0,
    targetFps: 0,
    detectMs: 0,
    describeMs: 0,
    inferMs: 0,
    pixelMsPerClip: 0,
    trialCount: 0,
    trialFrames: 0,
    trialLength: 0,
    predictionCount: 0,
    predictions: [],
    predictionBranches: [],
    landmarkPredictions: [],
    pixelPredictions: [],
    pixelRuns: 0,
  };
  (globalThis as { __plmDemo?: DemoState }).__plmDemo = state;
  return state;
}

/** Appends `item` to `list`, keeping the last {@link HISTORY}. */
export function pushRecent<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > HISTORY) list.shift();
}
