// Loads a LandmarkEstimator in the browser from a checkpoint pair written by saveModel
// (`<stem>.json` + `<stem>.safetensors`): fetched from the build folder or dropped on the page.
// Accepts a LandmarkEstimator, or the landmark branch (`landmark.*` keys) of a saved PLMIPE / LandmarkOnly.
import { LandmarkEstimator, PAPER_LANDMARK_CONFIG, parseSafetensors, type LandmarkEstimatorConfig, type ModelFile, type NamedTensors } from '../../../src/index.js';

/** A loaded checkpoint and where it came from. */
export interface LoadedCheckpoint {
  model: LandmarkEstimator;
  /** For the page: file name, kind and size. */
  label: string;
}

/** The landmark-estimator part of a saved model's weights and config, by the saved kind. */
function landmarkPart(file: ModelFile, tensors: NamedTensors): { config: Partial<LandmarkEstimatorConfig>; state: NamedTensors } {
  const pick = (prefix: string): NamedTensors =>
    Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
  const config = (file.config ?? {}) as Record<string, unknown>;
  switch (file.kind) {
    case 'LandmarkEstimator':
      return { config: config as Partial<LandmarkEstimatorConfig>, state: tensors };
    case 'PLMIPE':
    case 'LandmarkOnly':
      return { config: (config.landmark ?? {}) as Partial<LandmarkEstimatorConfig>, state: pick('landmark.') };
    default:
      throw new Error(`this demo runs the landmark branch: the checkpoint holds a ${file.kind}; save a LandmarkEstimator, LandmarkOnly or PLMIPE`);
  }
}

/** Builds the model from the JSON text and the weights' bytes; `name` labels errors. */
export function checkpointFromBytes(jsonText: string, weights: Uint8Array, name: string): LoadedCheckpoint {
  let file: ModelFile;
  try {
    file = JSON.parse(jsonText) as ModelFile;
  } catch (err) {
    throw new Error(`${name}: the .json file is not JSON (${(err as Error).message})`);
  }
  if (file?.format !== 'plm-ipe-model') throw new Error(`${name}: not a plm-ipe model file (format '${String(file?.format)}')`);
  const { tensors } = parseSafetensors(weights, `${name}.safetensors`);
  try {
    const { config, state } = landmarkPart(file, tensors);
    const inputSize = config.inputSize ?? PAPER_LANDMARK_CONFIG.inputSize;
    if (inputSize !== 72) throw new Error(`${name}: the estimator expects ${inputSize}-d descriptors; this demo computes 72-d ones`);
    const model = new LandmarkEstimator(config);
    model.loadStateDict(state);
    const kb = Math.round(weights.byteLength / 1024);
    return { model, label: `${name} (${file.kind}, LSTM ${model.config.hiddenSize}, ${kb} KiB)` };
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/** Fetches `<stem>.json` and the weights file it names, relative to the page. */
export async function fetchCheckpoint(stem: string): Promise<LoadedCheckpoint> {
  const jsonRes = await fetch(`${stem}.json`);
  if (!jsonRes.ok) throw new Error(`cannot fetch ${stem}.json: HTTP ${jsonRes.status}`);
  const jsonText = await jsonRes.text();
  const weightsName = (JSON.parse(jsonText) as ModelFile).weights ?? `${stem.split('/').pop()}.safetensors`;
  const dir = stem.includes('/') ? stem.slice(0, stem.lastIndexOf('/') + 1) : '';
  const wRes = await fetch(dir + weightsName);
  if (!wRes.ok) throw new Error(`cannot fetch ${dir + weightsName}: HTTP ${wRes.status}`);
  return checkpointFromBytes(jsonText, new Uint8Array(await wRes.arrayBuffer()), stem.split('/').pop() ?? stem);
}

/** Loads a dropped pair: exactly one `.json` and one `.safetensors` file among `files`. */
export async function checkpointFromFiles(files: ArrayLike<File>): Promise<LoadedCheckpoint> {
  const list = Array.from(files);
  const json = list.filter((f) => f.name.endsWith('.json'));
  const weights = list.filter((f) => f.name.endsWith('.safetensors'));
  if (json.length !== 1 || weights.length !== 1) {
    throw new Error(`drop one .json and one .safetensors file together (got ${list.map((f) => f.name).join(', ') || 'nothing'})`);
  }
  return checkpointFromBytes(await json[0].text(), new Uint8Array(await weights[0].arrayBuffer()), weights[0].name.replace(/\.safetensors$/, ''));
}
