// Loads the demo's model in the browser from a checkpoint pair written by saveModel
// (`<stem>.json` + `<stem>.safetensors`) and the run's `config.json`, whose `extract` field says how
// training turned videos into features: fetched from the build folder or dropped on the page.
// A PLMIPE runs both branches; a LandmarkEstimator or LandmarkOnly runs the landmark branch only.
import {
  LandmarkEstimator, PAPER_LANDMARK_CONFIG, PLMIPE, SMALL_EXTRACT, parseSafetensors,
  type VideoExtractOptions as ExtractOptions, type LandmarkEstimatorConfig, type ModelFile, type NamedTensors, type PLMIPEOptions,
} from 'plm-ipe';

/** A loaded checkpoint, the extraction it was trained with, and where both came from. */
export interface LoadedCheckpoint {
  /** The whole model when the checkpoint is a PLMIPE (pixel and landmark branches), else null. */
  plm: PLMIPE | null;
  /** The landmark branch (the PLMIPE's own, or the standalone estimator). */
  landmark: LandmarkEstimator;
  /** How frames become descriptors and clips, as in training. */
  extract: ExtractOptions;
  /** Where `extract` came from: the run's config.json, or SMALL_EXTRACT when none was given. */
  extractSource: string;
  /** Frame rate the run's videos were rendered at (`dataset.fps` of config.json), when it says. */
  fps: number | null;
  /** For the page: file name, kind and size. */
  label: string;
}

/** The run configuration fields the page reads (`plm-ipe demo`'s report/config.json). */
interface RunConfig {
  extract?: ExtractOptions;
  dataset?: { fps?: number };
}

/** The landmark-estimator part of a saved model's weights and config, by the saved kind. */
function landmarkPart(file: ModelFile, tensors: NamedTensors, name: string): { config: Partial<LandmarkEstimatorConfig>; state: NamedTensors } {
  const pick = (prefix: string): NamedTensors =>
    Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
  const config = (file.config ?? {}) as Record<string, unknown>;
  switch (file.kind) {
    case 'LandmarkEstimator':
      return { config: config as Partial<LandmarkEstimatorConfig>, state: tensors };
    case 'LandmarkOnly':
      return { config: (config.landmark ?? {}) as Partial<LandmarkEstimatorConfig>, state: pick('landmark.') };
    default:
      throw new Error(`${name}: the checkpoint holds a ${file.kind}; this demo runs a PLMIPE, LandmarkOnly or LandmarkEstimator`);
  }
}

/** Parses a run's config.json text and checks its `extract` field has what the page uses. */
export function parseRunConfig(text: string, name: string): { extract: ExtractOptions; fps: number | null } {
  let run: RunConfig;
  try {
    run = JSON.parse(text) as RunConfig;
  } catch (err) {
    throw new Error(`${name}: not JSON (${(err as Error).message})`);
  }
  const e = run?.extract;
  if (!e || typeof e !== 'object') throw new Error(`${name}: no 'extract' field; expected the report/config.json of a plm-ipe demo run`);
  for (const key of ['clipLength', 'clipSize', 'descriptorSize'] as const) {
    if (!(Number.isInteger(e[key]) && e[key] > 0)) throw new Error(`${name}: extract.${key} must be a positive integer, got ${JSON.stringify(e[key])}`);
  }
  const fps = run.dataset?.fps;
  return { extract: e, fps: typeof fps === 'number' && fps > 0 ? fps : null };
}

/** Throws when the PLMIPE's C3D does not take the clips `extract` makes (a config.json from another run). */
function checkClipsFit(plm: PLMIPE, extract: ExtractOptions, name: string): void {
  const { clipLength, inputSize } = plm.config.pixel.c3d;
  if (clipLength !== extract.clipLength || inputSize[0] !== extract.clipSize || inputSize[1] !== extract.clipSize) {
    throw new Error(
      `${name}: its C3D takes ${clipLength}-frame ${inputSize[0]}x${inputSize[1]} clips but the extraction options make ` +
        `${extract.clipLength}-frame ${extract.clipSize}x${extract.clipSize} clips; use the config.json of the same run`,
    );
  }
}

/** Builds the model from the JSON text, the weights' bytes and the run's extraction; `name` labels errors. */
export function checkpointFromBytes(jsonText: string, weights: Uint8Array, name: string, run: { extract: ExtractOptions; fps: number | null; source: string } | null): LoadedCheckpoint {
  let file: ModelFile;
  try {
    file = JSON.parse(jsonText) as ModelFile;
  } catch (err) {
    throw new Error(`${name}.json: not JSON (${(err as Error).message})`);
  }
  if (file?.format !== 'plm-ipe-model') throw new Error(`${name}.json: not a plm-ipe model file (format '${String(file?.format)}'; a run's config.json goes beside the model's .json, not instead of it)`);
  const { tensors } = parseSafetensors(weights, `${name}.safetensors`);
  const extract = run?.extract ?? { ...SMALL_EXTRACT };
  const extractSource = run?.source ?? 'SMALL_EXTRACT (no config.json given: drop the run\'s report/config.json with the pair to use its own)';
  const kb = Math.round(weights.byteLength / 1024);
  try {
    if (file.kind === 'PLMIPE') {
      // Every weight is overwritten below, so the cheaper default initialisation is enough.
      const saved = file.config as PLMIPEOptions;
      const plm = new PLMIPE({ ...saved, pixel: { ...saved.pixel, c3d: { ...saved.pixel?.c3d, init: 'pytorch' } } });
      plm.loadStateDict(tensors);
      checkClipsFit(plm, extract, name);
      const c3d = plm.config.pixel.c3d;
      const label = `${name} (PLMIPE: C3D width ${c3d.width} on ${c3d.clipLength}x${c3d.inputSize[0]}² clips, LSTM ${plm.config.landmark.hiddenSize}, λ ${plm.config.lambda}; ${kb} KiB)`;
      return { plm, landmark: plm.landmarkEstimator, extract, extractSource, fps: run?.fps ?? null, label };
    }
    const { config, state } = landmarkPart(file, tensors, name);
    const inputSize = config.inputSize ?? PAPER_LANDMARK_CONFIG.inputSize;
    if (inputSize !== 72) throw new Error(`${name}: the estimator expects ${inputSize}-d descriptors; this demo computes 72-d ones`);
    const landmark = new LandmarkEstimator(config);
    landmark.loadStateDict(state);
    const label = `${name} (${file.kind}, LSTM ${landmark.config.hiddenSize}, ${kb} KiB; landmark branch only)`;
    return { plm: null, landmark, extract, extractSource, fps: run?.fps ?? null, label };
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
  return res;
}

/** Fetches `<stem>.json`, the weights file it names (relative to it) and the run's config.json. */
export async function fetchCheckpoint(stem: string, configUrl: string): Promise<LoadedCheckpoint> {
  const jsonText = await (await fetchOk(`${stem}.json`)).text();
  let weightsName = `${stem.split('/').pop()}.safetensors`;
  try {
    weightsName = (JSON.parse(jsonText) as ModelFile).weights ?? weightsName;
  } catch {
    // checkpointFromBytes reports the bad JSON.
  }
  const dir = stem.includes('/') ? stem.slice(0, stem.lastIndexOf('/') + 1) : '';
  const [weights, configText] = await Promise.all([
    fetchOk(dir + weightsName).then(async (r) => new Uint8Array(await r.arrayBuffer())),
    fetchOk(configUrl).then((r) => r.text()),
  ]);
  const run = parseRunConfig(configText, configUrl);
  return checkpointFromBytes(jsonText, weights, stem.split('/').pop() ?? stem, { ...run, source: configUrl });
}

/**
 * Loads dropped files: one model pair (a `.json` + a `.safetensors`), optionally with the run's
 * `config.json` (told apart from the model's JSON by its name).
 */
export async function checkpointFromFiles(files: ArrayLike<File>): Promise<LoadedCheckpoint> {
  const list = Array.from(files);
  const names = list.map((f) => f.name).join(', ') || 'nothing';
  const configs = list.filter((f) => f.name === 'config.json' || /(^|[-_.])config\.json$/.test(f.name));
  const json = list.filter((f) => f.name.endsWith('.json') && !configs.includes(f));
  const weights = list.filter((f) => f.name.endsWith('.safetensors') && !f.name.endsWith('.optim.safetensors'));
  const other = list.filter((f) => !configs.includes(f) && !json.includes(f) && !weights.includes(f));
  if (json.length !== 1 || weights.length !== 1 || configs.length > 1 || other.length > 0) {
    throw new Error(
      `drop one model .json, its .safetensors and optionally the run's config.json together ` +
        `(e.g. runs/demo/checkpoints/plm-ipe/epoch-010.json, epoch-010.safetensors, runs/demo/report/config.json); got ${names}`,
    );
  }
  const run = configs.length ? { ...parseRunConfig(await configs[0].text(), configs[0].name), source: `dropped ${configs[0].name}` } : null;
  const stem = weights[0].name.replace(/\.safetensors$/, '');
  return checkpointFromBytes(await json[0].text(), new Uint8Array(await weights[0].arrayBuffer()), stem, run);
}
