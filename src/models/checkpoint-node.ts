// Model checkpoints on disk (Node only: node:fs, node:path, atomic writes): saveModel writes
// `<base>.safetensors` + `<base>.json`, loadModel/loadModelInto read them back, loadC3DWeights also
// takes a path. The format and its checks are ./checkpoint.ts (browser-safe). Exported from `plm-ipe/node`.
import type { NamedTensors } from '../io/safetensors.js';
import { saveSafetensors } from '../io/safetensors-node.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { C3D } from './c3d.js';
import {
  FORMAT,
  VERSION,
  buildModel,
  configJson,
  loadC3DWeights as loadC3DWeightsFromBytes,
  loadWeightsInto,
  modelKind,
  parseModelJson,
  parseModelWeights,
  type ModelFile,
  type SavableModel,
} from './checkpoint.js';

/** `runs/plm` or `runs/plm.safetensors` -> both file paths. */
function paths(base: string): { weights: string; json: string } {
  const stem = base.replace(/\.(safetensors|json)$/, '');
  return { weights: `${stem}.safetensors`, json: `${stem}.json` };
}

/**
 * Saves a model as `<base>.safetensors` (weights, with kind and config in its metadata) and
 * `<base>.json` (kind and config), each written atomically; weights first, so a JSON file never
 * points at weights that are not fully on disk.
 * @example
 * await saveModel(model, 'runs/plm-ipe');   // runs/plm-ipe.safetensors + runs/plm-ipe.json
 * const again = await loadModel('runs/plm-ipe');
 */
export async function saveModel(model: SavableModel, base: string): Promise<{ weights: string; json: string }> {
  const kind = modelKind(model);
  const p = paths(base);
  const config = configJson(model);
  await saveSafetensors(model.stateDict(), p.weights, { format: FORMAT, kind, config });
  const nodePath = await import('node:path');
  const file: ModelFile = {
    format: FORMAT,
    version: VERSION,
    kind,
    config: JSON.parse(config),
    weights: nodePath.basename(p.weights),
  };
  await writeFileAtomic(p.json, JSON.stringify(file, null, 2) + '\n');
  return p;
}

async function readModelFile(
  base: string,
): Promise<{ file: ModelFile; tensors: NamedTensors; json: string; weights: string }> {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  const p = paths(base);
  let text: string;
  try {
    text = await fs.readFile(p.json, 'utf8');
  } catch (err) {
    throw new Error(`loadModel: cannot read the model config '${p.json}': ${(err as Error).message}`);
  }
  const file = parseModelJson(text, `'${p.json}'`);
  const weights = nodePath.join(nodePath.dirname(p.json), file.weights ?? nodePath.basename(p.weights));
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(weights);
  } catch (err) {
    throw new Error(`loadModel: cannot read the weights '${weights}': ${(err as Error).message}`);
  }
  return { file, tensors: parseModelWeights(file, bytes, `'${weights}'`, `'${p.json}'`), json: p.json, weights };
}

/**
 * Rebuilds a saved model from `<base>.json` and loads `<base>.safetensors` into it.
 * @example
 * const model = (await loadModel('runs/plm-ipe')) as PLMIPE;
 */
export async function loadModel(base: string): Promise<SavableModel> {
  const { file, tensors } = await readModelFile(base);
  return buildModel(file, tensors);
}

/**
 * Loads saved weights into an existing model after checking its kind and configuration match
 * the file's; a mismatch is an error naming the first differing field.
 */
export async function loadModelInto(model: SavableModel, base: string): Promise<void> {
  const { file, tensors, json } = await readModelFile(base);
  loadWeightsInto(model, file, tensors, `'${json}'`);
}

/**
 * Loads C3D weights converted from PyTorch into `c3d`, from a safetensors file's path or its bytes
 * (see the root entry's `loadC3DWeights` for the key rules). Returns the keys that were dropped.
 * @example
 * const pbe = new PixelEstimator();
 * await loadC3DWeights(pbe.c3d, 'c3d-sports1m.safetensors');
 */
export async function loadC3DWeights(c3d: C3D, source: string | Uint8Array | ArrayBuffer): Promise<string[]> {
  if (typeof source !== 'string') return loadC3DWeightsFromBytes(c3d, source);
  const fs = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(source);
  } catch (err) {
    throw new Error(`loadC3DWeights: cannot read '${source}': ${(err as Error).message}`);
  }
  return loadC3DWeightsFromBytes(c3d, bytes, `'${source}'`);
}
