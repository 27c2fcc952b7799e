// The numbers the webcam demo's build-time training and its page must agree on: descriptor
// options (crop side, assumed frame rate), the rolling window the estimator sees, the synthetic
// data the bundled checkpoint is trained on. Imported by both sides; no Node or DOM imports.
import type { StreamOptions } from '../../src/index.js';

/** Descriptor options shared by training and the page: 64-px aligned crops, as `plm-ipe demo`'s small preset. */
export const DESCRIPTOR_OPTIONS: Readonly<StreamOptions> = Object.freeze({ size: 64 });

/** Frame rate the bundled checkpoint was trained at; the page samples the camera at about this rate. */
export const TARGET_FPS = 10;

/** Descriptors the estimator sees: the last 3 s at TARGET_FPS (the synthetic clips are 2–3 s). */
export const WINDOW = 30;

/** The bundled checkpoint's LSTM width (the paper's is 256; 64 keeps per-frame inference cheap). */
export const DEMO_HIDDEN = 64;

/** File stem of the bundled checkpoint inside the build folder (`<stem>.json` + `<stem>.safetensors`). */
export const CHECKPOINT_STEM = 'checkpoint/landmark-estimator';
