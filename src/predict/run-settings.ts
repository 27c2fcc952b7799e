// A training run's `report/config.json` as inference needs it (RunSettings): the extraction options
// (how frames became clips and descriptors) and the frame rate the run's videos had. Parsing and
// checks only; browser-safe, no I/O, no models. (`<run>/config.json`, what `train` resumes from, is
// pipeline/run-config.ts.)
import { upgradeExtractOptions, type VideoExtractOptions } from '../pipeline/video-features.js';
import { describeValue } from '../landmarks/errors.js';

/** What a predictor takes from a run's configuration. */
export interface RunSettings {
  /** How training turned frames into pixel clips and 72-d descriptors. */
  extract: VideoExtractOptions;
  /**
   * Frames per second the run's videos were sampled at (`dataset.fps` of a demo run, or `fps`), or
   * null when the run does not say (a `train` run on a manifest: its videos' own rate).
   */
  fps: number | null;
}

/**
 * Parses a run's config.json text (or its parsed object) and checks the `extract` fields inference
 * uses. `name` labels errors (the file or URL).
 * @example
 * const { extract, fps } = parseRunConfig(await (await fetch('runs/demo/report/config.json')).text(), 'config.json');
 */
export function parseRunConfig(source: string | object, name: string): RunSettings {
  let run: { extract?: VideoExtractOptions; dataset?: { fps?: unknown }; fps?: unknown };
  if (typeof source === 'string') {
    try {
      run = JSON.parse(source) as typeof run;
    } catch (err) {
      throw new Error(`${name}: not JSON (${(err as Error).message})`);
    }
  } else {
    run = source as typeof run;
  }
  if (!run || typeof run !== 'object')
    throw new Error(`${name}: expected a run's config.json object, got ${describeValue(run)}`);
  return { extract: checkExtract(run.extract, `${name}: extract`), fps: runFps(run.dataset?.fps ?? run.fps, name) };
}

/**
 * Checks the extraction fields a predictor reads; returns them, a deprecated `descriptorSize` moved
 * to `descriptorCropSize`.
 */
export function checkExtract(e: unknown, what: string): VideoExtractOptions {
  if (!e || typeof e !== 'object') {
    throw new Error(
      `${what} expected the extraction options of a run (report/config.json of plm-ipe demo or train), got ${describeValue(e)}`,
    );
  }
  const extract = upgradeExtractOptions(e as VideoExtractOptions);
  const x = extract as unknown as Record<string, unknown>;
  for (const key of ['clipLength', 'clipSize', 'descriptorCropSize', 'frameStep'] as const) {
    if (!(Number.isInteger(x[key]) && (x[key] as number) > 0))
      throw new Error(`${what}.${key} must be a positive integer, got ${describeValue(x[key])}`);
  }
  if (!Number.isInteger(x.maxClips) || (x.maxClips as number) < 0)
    throw new Error(`${what}.maxClips must be an integer >= 0, got ${describeValue(x.maxClips)}`);
  return extract;
}

function runFps(fps: unknown, name: string): number | null {
  if (fps === undefined || fps === null) return null;
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0)
    throw new Error(`${name}: the frame rate (dataset.fps) must be a positive number, got ${describeValue(fps)}`);
  return fps;
}

/**
 * The folder a run keeps a method's checkpoints in (`checkpoints/<folder>/`): `PLM-IPE` -> `plm-ipe`.
 * Training names the folders with it too (`plm-ipe demo` and `train`), so both find the same checkpoints.
 */
export function methodFolder(method: string): string {
  return method
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
