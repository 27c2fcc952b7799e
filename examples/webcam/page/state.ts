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
  /** The checkpoint in use. */
  checkpoint: string | null;
  /** Frames processed, frames with a face, valid descriptor rows. */
  frames: number;
  faces: number;
  validDescriptors: number;
  /** Processed frames per second (moving average). */
  fps: number;
  /** Milliseconds of the last frame's steps: face-api detection, descriptor, estimator call. */
  detectMs: number;
  describeMs: number;
  inferMs: number;
  /** Predictions made, and the most recent ones (newest last), [negative, neutral, positive] each. */
  predictionCount: number;
  predictions: number[][];
}

/** A fresh state, also published on `globalThis.__plmDemo`. */
export function createState(): DemoState {
  const state: DemoState = {
    status: 'loading', error: null, backend: null, faceApiBackend: null, checkpoint: null,
    frames: 0, faces: 0, validDescriptors: 0, fps: 0, detectMs: 0, describeMs: 0, inferMs: 0, predictionCount: 0, predictions: [],
  };
  (globalThis as { __plmDemo?: DemoState }).__plmDemo = state;
  return state;
}
