// The numbers the webcam demo's build and its page agree on: where the bundled checkpoint lives in
// the build folder, the frame rate the page samples the camera at, and how long a trial lasts.
// The extraction options (crop sizes, clip length, flow reference) are NOT here: they come from the
// checkpoint's run (`report/config.json`), so the page describes frames exactly as training did.
// Imported by both sides; no Node or DOM imports.

/** Folder of the bundled checkpoint inside the build folder. */
export const CHECKPOINT_DIR = 'checkpoint';

/** File stem of the bundled model (`<dir>/<stem>.json` + `.safetensors`), a PLMIPE saved by `plm-ipe demo`. */
export const CHECKPOINT_STEM = `${CHECKPOINT_DIR}/plm-ipe`;

/** The run configuration copied beside it (`plm-ipe demo`'s `report/config.json`). */
export const CONFIG_FILE = `${CHECKPOINT_DIR}/config.json`;

/**
 * Frame rate the page samples the camera at when the checkpoint's config does not say (its
 * `dataset.fps`, the rate its synthetic videos were rendered at, wins when present).
 */
export const TARGET_FPS = 8;

/**
 * Length of one trial in seconds: the demo's synthetic videos last 2-3 s from the moment an outfit
 * appears, so the model has never seen a longer sequence. A trial restarts after this long.
 */
export const TRIAL_SECONDS = 3;

/** Valid descriptor rows a trial needs before the landmark branch is run. */
export const MIN_VALID_ROWS = 3;

/** Longer side of the frames kept for the pixel branch (the clips are face crops resized to `extract.clipSize`). */
export const CLIP_FRAME_SIDE = 160;

/** A pixel-branch forward slower than this disables the branch for the session. */
export const PIXEL_BUDGET_MS = 400;
