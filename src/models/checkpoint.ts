// Model checkpoints: a whole model as one safetensors file (weights by state-dict key) plus a
// JSON file with its kind and configuration; loading rebuilds the model or checks an existing one
// field by field. Also loads a pretrained C3D backbone (PyTorch or safetensors). Browser-safe: bytes
// and URLs only; paths on disk are ./checkpoint-node.ts. Imports the io formats and the model
// classes, never a backend or a node: module.
import { parseSafetensors, type NamedTensors } from '../io/safetensors.js';
import { loadTorchCheckpoint } from '../io/torch/checkpoint.js';
import type { Module } from '../layers/module.js';
import { C3D } from './c3d.js';
import { PixelEstimator } from './pixel-estimator.js';
import { LandmarkEstimator } from './landmark-estimator.js';
import { PLMIPE } from './plm-ipe.js';
import { EarlyFusion, LandmarkOnly, LateFusion, PixelOnly } from './baselines.js';

export const FORMAT = 'plm-ipe-model';
export const VERSION = 1;

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

/** Model classes that save and load with `saveModel` / `loadModel` (`plm-ipe/node`) and {@link modelFromBytes}. */
export type ModelKind = keyof typeof KINDS;
/** A model `saveModel` can save: an instance of one of the {@link ModelKind} classes. */
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
  throw new Error(
    `saveModel: ${model.constructor.name} is not a savable model; kinds: ${Object.keys(KINDS).join(', ')}`,
  );
}

/** The model's configuration as saved (JSON text). */
export function configJson(model: SavableModel): string {
  return JSON.stringify(model.config);
}

/** The first field where two configurations differ, as a message, or null. */
export function firstDifference(a: unknown, b: unknown, aName: string, bName: string, path = ''): string | null {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        aName,
        bName,
        path ? `${path}.${k}` : k,
      );
      if (d) return d;
    }
    return null;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  return `field '${path}' is ${JSON.stringify(a)} in the ${aName} but ${JSON.stringify(b)} in the ${bName}`;
}

/** A value's kind for error messages: type and, for arrays, length; never the contents. */
function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of ${v.byteLength} bytes`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  return typeof v === 'object' ? `an object (${(v as object).constructor?.name ?? 'Object'})` : typeof v;
}

/**
 * Parses and checks a model file's JSON text (format, version, kind); `name` labels errors and
 * `who` is the function they are reported for.
 */
export function parseModelJson(text: string, name: string, who = 'loadModel'): ModelFile {
  let file: ModelFile;
  try {
    file = JSON.parse(text) as ModelFile;
  } catch (err) {
    throw new Error(`${who}: cannot read the model config ${name}: ${(err as Error).message}`);
  }
  if (file?.format !== FORMAT)
    throw new Error(`${who}: ${name} is not a plm-ipe model file (format '${String(file?.format)}')`);
  if (file.version !== VERSION)
    throw new Error(`${who}: ${name} has version ${file.version}; this library reads version ${VERSION}`);
  if (!(file.kind in KINDS))
    throw new Error(`${who}: ${name} has unknown kind '${file.kind}'; known: ${Object.keys(KINDS).join(', ')}`);
  return file;
}

/** The weights of a checked model file; weights saved with another configuration are an error. */
export function parseModelWeights(
  file: ModelFile,
  bytes: Uint8Array | ArrayBuffer,
  weightsName: string,
  jsonName: string,
  who = 'loadModel',
): NamedTensors {
  const { tensors, metadata } = parseSafetensors(bytes, weightsName);
  if (metadata.config !== undefined && metadata.config !== JSON.stringify(file.config)) {
    for (const t of Object.values(tensors)) t.dispose();
    throw new Error(
      `${who}: ${weightsName} was saved with a different configuration than ${jsonName} says (${firstDifference(JSON.parse(metadata.config), file.config, 'weights', 'json') ?? 'kind'}); the pair is from two different saves`,
    );
  }
  return tensors;
}

/** Rebuilds the model a checked file describes and loads `tensors` into it (they are disposed). */
export function buildModel(file: ModelFile, tensors: NamedTensors): SavableModel {
  const model = KINDS[file.kind].make(file.config as never) as SavableModel;
  try {
    model.loadStateDict(tensors);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  return model;
}

/**
 * Loads `tensors` into an existing model after checking its kind and configuration match the
 * file's; a mismatch is an error naming the first differing field. The tensors are disposed.
 */
export function loadWeightsInto(
  model: SavableModel,
  file: ModelFile,
  tensors: NamedTensors,
  jsonName: string,
  who = 'loadModel',
): void {
  try {
    const kind = modelKind(model);
    if (kind !== file.kind) throw new Error(`${who}: ${jsonName} holds a ${file.kind}, not a ${kind}`);
    const diff = firstDifference(file.config, JSON.parse(configJson(model)), 'file', 'model');
    if (diff) throw new Error(`${who}: the configuration of ${jsonName} does not match the model: ${diff}`);
    model.loadStateDict(tensors);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/** True for bytes of a safetensors file: its JSON header opens at byte 8 (a torch zip or pickle never has '{' there). */
function isSafetensors(bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[8] === 0x7b;
}

/**
 * Rebuilds a model saved by `saveModel` from its two files' contents: the JSON text and the
 * safetensors bytes (from `fetch`, a file input, IndexedDB...). Runs anywhere.
 * @example
 * const model = modelFromBytes(jsonText, new Uint8Array(await file.arrayBuffer())) as PLMIPE;
 */
export function modelFromBytes(json: string, weights: Uint8Array | ArrayBuffer, name = 'checkpoint'): SavableModel {
  if (typeof json !== 'string')
    throw new Error(`modelFromBytes: json must be the model file's JSON text (a string), got ${describeValue(json)}`);
  if (!(weights instanceof Uint8Array || weights instanceof ArrayBuffer)) {
    throw new Error(`modelFromBytes: weights must be a Uint8Array or an ArrayBuffer, got ${describeValue(weights)}`);
  }
  const file = parseModelJson(json, `${name} (json)`, 'modelFromBytes');
  return buildModel(file, parseModelWeights(file, weights, `${name} (weights)`, `${name} (json)`, 'modelFromBytes'));
}

/**
 * Fetches a model saved by `saveModel` over HTTP(S): `url` names the JSON file (`.../plm.json`, or
 * the stem `.../plm`); the weights come from the file name it records, relative to it.
 * @example
 * const model = (await fetchModel('/models/plm-ipe.json')) as PLMIPE;
 */
export async function fetchModel(url: string | URL, init?: RequestInit): Promise<SavableModel> {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const jsonUrl = new URL(
    String(url)
      .replace(/\.safetensors$/, '.json')
      .replace(/(?<!\.json)$/, '.json'),
    base,
  );
  const get = async (u: URL): Promise<Response> => {
    const r = await fetch(u, init);
    if (!r.ok) throw new Error(`fetchModel: GET ${u.href} answered ${r.status} ${r.statusText}`);
    return r;
  };
  const jsonText = await (await get(jsonUrl)).text();
  const file = parseModelJson(jsonText, `'${jsonUrl.href}'`, 'fetchModel');
  const weightsUrl = new URL(
    file.weights ??
      jsonUrl.pathname
        .replace(/\.json$/, '.safetensors')
        .split('/')
        .pop()!,
    jsonUrl,
  );
  const bytes = new Uint8Array(await (await get(weightsUrl)).arrayBuffer());
  return buildModel(file, parseModelWeights(file, bytes, `'${weightsUrl.href}'`, `'${jsonUrl.href}'`, 'fetchModel'));
}

/**
 * Loads pretrained C3D weights into `c3d`: a PyTorch checkpoint (`.pickle`, `.pt`, `.pth`, as
 * `torch.save` writes them, e.g. DavideA/c3d-pytorch's Sports-1M `c3d.pickle`) or a safetensors
 * file, told apart by content. Keys are `conv1.weight` ... `fc7.bias`; `fc8.*` (the Sports-1M
 * classifier) is dropped; a `module.` prefix (DataParallel) is stripped; anything else must match
 * exactly (strict), shapes included. Returns the keys that were dropped. Clips for these weights
 * should be preprocessed as they were trained (`C3D_PYTORCH_PREPROCESS`, docs/models.md).
 * Takes bytes here (browser-safe); the `plm-ipe/node` function of the same name also takes a path.
 * @example
 * const pbe = new PixelEstimator();
 * await loadC3DWeights(pbe.c3d, new Uint8Array(await (await fetch('c3d.pickle')).arrayBuffer()));
 */
export async function loadC3DWeights(
  c3d: C3D,
  source: Uint8Array | ArrayBuffer,
  label = 'C3D weights',
): Promise<string[]> {
  if (!(source instanceof Uint8Array || source instanceof ArrayBuffer)) {
    const got = typeof source === 'string' ? 'a path (string)' : describeValue(source);
    throw new Error(
      `loadC3DWeights: source must be a Uint8Array or an ArrayBuffer here, got ${got}; to load a file by path in Node, import { loadC3DWeights } from 'plm-ipe/node'`,
    );
  }
  const view = source instanceof Uint8Array ? source : new Uint8Array(source);
  const tensors = isSafetensors(view)
    ? parseSafetensors(view, label).tensors
    : await loadTorchCheckpoint(view, { label, integers: 'drop' });
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
    throw new Error(
      `loadC3DWeights: ${label} does not fit this C3D (width ${c3d.config.width}, clips [${c3d.clipShape.join(', ')}]): ${(err as Error).message}`,
    );
  } finally {
    for (const t of Object.values(state)) t.dispose();
  }
  return dropped;
}
