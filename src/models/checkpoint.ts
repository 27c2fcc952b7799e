// Model checkpoints: a whole model as one safetensors file (weights by state-dict key) plus a
// JSON file with its kind and configuration, both written atomically; loading rebuilds the model
// or checks an existing one field by field. Also loads a C3D backbone converted from PyTorch.
// Node only for paths. Imports only the io API and the model classes, never a backend.
import { parseSafetensors, saveSafetensors, type NamedTensors } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Module } from '../layers/module.js';
import { C3D } from './c3d.js';
import { PixelEstimator } from './pixel-estimator.js';
import { LandmarkEstimator } from './landmark-estimator.js';
import { PLMIPE } from './plm-ipe.js';
import { EarlyFusion, LandmarkOnly, LateFusion, PixelOnly } from './baselines.js';

const FORMAT = 'plm-ipe-model';
const VERSION = 1;

// Order matters for instanceof: nothing here subclasses another entry.
const KINDS = {
  C3D: { cls: C3D, make: (c: never) => new C3D(c) },
  PixelEstimator: { cls: PixelEstimator, make: (c: never) => new PixelEstimator(c) },
  LandmarkEstimator: { cls: LandmarkEstimator, make: (c: never) => new LandmarkEstimator(c) },
  PLMIPE: { cls: PLMIPE, make: (c: never) => new PLMIPE(c) },
  PixelOnly: { cls: PixelOnly, make: (c: never) => new PixelOnly(c) },
  LandmarkOnly: { cls: LandmarkOnly, make: (c: never) => new LandmarkOnly(c) },
  EarlyFusion: { cls: EarlyFusion, make: (c: never) => new EarlyFusion(c) },
  LateFusion: { cls: LateFusion, make: (c: never) => new LateFusion(c) },
} as const;

/** Model classes that save and load with {@link saveModel} / {@link loadModel}. */
export type ModelKind = keyof typeof KINDS;
/** A model {@link saveModel} can save: an instance of one of the {@link ModelKind} classes. */
export type SavableModel = InstanceType<(typeof KINDS)[ModelKind]['cls']>;

/** The JSON file beside the weights. */
export interface ModelFile {
  format: typeof FORMAT;
  version: number;
  kind: ModelKind;
  config: unknown;
  /** The weights file's name, relative to the JSON file. */
  weights: string;
}

/** The kind name of a model, or an error for modules this format does not know. */
export function modelKind(model: Module): ModelKind {
  for (const [kind, { cls }] of Object.entries(KINDS)) if (model instanceof cls) return kind as ModelKind;
  throw new Error(`saveModel: ${model.constructor.name} is not a savable model; kinds: ${Object.keys(KINDS).join(', ')}`);
}

/** `runs/plm` or `runs/plm.safetensors` -> both file paths. */
function paths(base: string): { weights: string; json: string } {
  const stem = base.replace(/\.(safetensors|json)$/, '');
  return { weights: `${stem}.safetensors`, json: `${stem}.json` };
}

function configJson(model: SavableModel): string {
  return JSON.stringify(model.config);
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
  const file: ModelFile = { format: FORMAT, version: VERSION, kind, config: JSON.parse(config), weights: nodePath.basename(p.weights) };
  await writeFileAtomic(p.json, JSON.stringify(file, null, 2) + '\n');
  return p;
}

async function readModelFile(base: string): Promise<{ file: ModelFile; tensors: NamedTensors; json: string; weights: string }> {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  const p = paths(base);
  let text: string;
  try {
    text = await fs.readFile(p.json, 'utf8');
  } catch (err) {
    throw new Error(`loadModel: cannot read the model config '${p.json}': ${(err as Error).message}`);
  }
  const file = checkModelFile(text, `'${p.json}'`);
  const weights = nodePath.join(nodePath.dirname(p.json), file.weights ?? nodePath.basename(p.weights));
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(weights);
  } catch (err) {
    throw new Error(`loadModel: cannot read the weights '${weights}': ${(err as Error).message}`);
  }
  return { file, tensors: parseWeights(file, bytes, `'${weights}'`, `'${p.json}'`), json: p.json, weights };
}

/** Parses and checks a model's JSON text (format, version, kind); `name` labels errors. */
function checkModelFile(text: string, name: string): ModelFile {
  let file: ModelFile;
  try {
    file = JSON.parse(text) as ModelFile;
  } catch (err) {
    throw new Error(`loadModel: cannot read the model config ${name}: ${(err as Error).message}`);
  }
  if (file?.format !== FORMAT) throw new Error(`loadModel: ${name} is not a plm-ipe model file (format '${String(file?.format)}')`);
  if (file.version !== VERSION) throw new Error(`loadModel: ${name} has version ${file.version}; this library reads version ${VERSION}`);
  if (!(file.kind in KINDS)) throw new Error(`loadModel: ${name} has unknown kind '${file.kind}'; known: ${Object.keys(KINDS).join(', ')}`);
  return file;
}

/** Parses the weights' bytes and checks they were saved with the JSON file's configuration. */
function parseWeights(file: ModelFile, bytes: Uint8Array, weightsName: string, jsonName: string): NamedTensors {
  const { tensors, metadata } = parseSafetensors(bytes, weightsName);
  if (metadata.config !== undefined && metadata.config !== JSON.stringify(file.config)) {
    for (const t of Object.values(tensors)) t.dispose();
    throw new Error(`loadModel: ${weightsName} was saved with a different configuration than ${jsonName} says (${firstDifference(JSON.parse(metadata.config), file.config, 'weights', 'json') ?? 'kind'}); the pair is from two different saves`);
  }
  return tensors;
}

/**
 * {@link loadModel} from bytes (browser-safe): the model's JSON text and its weights, as fetched or
 * dropped on a page. `name` (e.g. the file stem) labels errors.
 * @example
 * const model = parseModel(await (await fetch('plm.json')).text(), new Uint8Array(await (await fetch('plm.safetensors')).arrayBuffer()), 'plm');
 */
export function parseModel(jsonText: string, weights: Uint8Array, name: string): SavableModel {
  const file = checkModelFile(jsonText, `'${name}.json'`);
  const tensors = parseWeights(file, weights, `'${name}.safetensors'`, `'${name}.json'`);
  try {
    const model = KINDS[file.kind].make(file.config as never) as SavableModel;
    model.loadStateDict(tensors);
    return model;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/** The first field where two configurations differ, as a message, or null. */
function firstDifference(a: unknown, b: unknown, aName: string, bName: string, path = ''): string | null {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], aName, bName, path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  return `field '${path}' is ${JSON.stringify(a)} in the ${aName} but ${JSON.stringify(b)} in the ${bName}`;
}

/**
 * Rebuilds a saved model from `<base>.json` and loads `<base>.safetensors` into it.
 * @example
 * const model = (await loadModel('runs/plm-ipe')) as PLMIPE;
 */
export async function loadModel(base: string): Promise<SavableModel> {
  const { file, tensors } = await readModelFile(base);
  const model = KINDS[file.kind].make(file.config as never) as SavableModel;
  try {
    model.loadStateDict(tensors);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  return model;
}

/**
 * Loads saved weights into an existing model after checking its kind and configuration match
 * the file's; a mismatch is an error naming the first differing field.
 */
export async function loadModelInto(model: SavableModel, base: string): Promise<void> {
  const { file, tensors, json } = await readModelFile(base);
  try {
    const kind = modelKind(model);
    if (kind !== file.kind) throw new Error(`loadModel: '${json}' holds a ${file.kind}, not a ${kind}`);
    const diff = firstDifference(file.config, JSON.parse(configJson(model)), 'file', 'model');
    if (diff) throw new Error(`loadModel: the configuration of '${json}' does not match the model: ${diff}`);
    model.loadStateDict(tensors);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/**
 * Loads C3D weights converted from PyTorch (keys `conv1.weight` ... `fc7.bias`, see
 * docs/models.md) into `c3d`. `fc8.*` (the Sports-1M classifier) is dropped; a `module.` prefix
 * (DataParallel) is stripped; anything else must match exactly (strict), shapes included.
 * Returns the keys that were dropped.
 * @example
 * const pbe = new PixelEstimator();
 * await loadC3DWeights(pbe.c3d, 'c3d-sports1m.safetensors');
 */
export async function loadC3DWeights(c3d: C3D, source: string | Uint8Array | ArrayBuffer): Promise<string[]> {
  let bytes: Uint8Array | ArrayBuffer;
  let label = 'C3D weights';
  if (typeof source === 'string') {
    const fs = await import('node:fs/promises');
    try {
      bytes = await fs.readFile(source);
    } catch (err) {
      throw new Error(`loadC3DWeights: cannot read '${source}': ${(err as Error).message}`);
    }
    label = `'${source}'`;
  } else {
    bytes = source;
  }
  const { tensors } = parseSafetensors(bytes, label);
  const state: NamedTensors = {};
  const dropped: string[] = [];
  for (const [rawKey, t] of Object.entries(tensors)) {
    const key = rawKey.startsWith('module.') ? rawKey.slice('module.'.length) : rawKey;
    if (key.startsWith('fc8.')) {
      dropped.push(rawKey);
      t.dispose();
    } else {
      state[key] = t;
    }
  }
  try {
    c3d.loadStateDict(state);
  } catch (err) {
    throw new Error(`loadC3DWeights: ${label} does not fit this C3D (width ${c3d.config.width}, clips [${c3d.clipShape.join(', ')}]): ${(err as Error).message}`);
  } finally {
    for (const t of Object.values(state)) t.dispose();
  }
  return dropped;
}
