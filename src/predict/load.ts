// Loading a Predictor in any JavaScript runtime: from a checkpoint's bytes plus its run's
// config.json, or from URLs through fetch (a model's .json with the weights it names, or a run
// folder served over HTTP). Node's run folders on disk are in src/node/predict.ts. No node: imports.
import { modelFromBytes } from '../models/checkpoint.js';
import { describeValue } from '../landmarks/errors.js';
import type { VideoExtractOptions } from '../pipeline/video-features.js';
import { Predictor, type PredictorOptions } from './predictor.js';
import { checkExtract, methodFolder, parseRunConfig, type RunSettings } from './run-settings.js';

/** A checkpoint in memory: what `saveModel` wrote (`<stem>.json`, `<stem>.safetensors`) and the run's config.json. */
export interface CheckpointBytes {
  /** The model's JSON file, as text. */
  model: string;
  /** The `.safetensors` weights. */
  weights: Uint8Array | ArrayBuffer;
  /**
   * The run's `report/config.json` (text or parsed). Null only together with `extract`: a
   * checkpoint without its run must say how its features were extracted.
   */
  config: string | object | null;
  /** Extraction options overriding the config's (or standing in for a missing config). */
  extract?: VideoExtractOptions;
  /** Frame rate overriding the config's. */
  fps?: number;
  /** Labels errors (e.g. the file stem). Default 'checkpoint'. */
  name?: string;
}

/** Options of {@link loadPredictor} for URLs. */
export interface LoadPredictorOptions extends PredictorOptions {
  /** URL of the run's config.json when loading a model's .json (default: `config.json` beside it). */
  config?: string | URL;
  /** Method whose checkpoint a run folder gives (default 'PLM-IPE'). */
  method?: string;
}

function isBytes(source: unknown): source is CheckpointBytes {
  return !!source && typeof source === 'object' && !(source instanceof URL) && 'model' in source && 'weights' in source;
}

/** Builds the predictor from a checkpoint's bytes and its run's settings. */
export function predictorFromBytes(source: CheckpointBytes, options: PredictorOptions = {}): Predictor {
  const name = source.name ?? options.name ?? 'checkpoint';
  if (typeof source.model !== 'string')
    throw new Error(`loadPredictor: ${name}.model expected the model's JSON text, got ${describeValue(source.model)}`);
  const weights = source.weights instanceof ArrayBuffer ? new Uint8Array(source.weights) : source.weights;
  if (!(weights instanceof Uint8Array))
    throw new Error(
      `loadPredictor: ${name}.weights expected the .safetensors bytes (Uint8Array or ArrayBuffer), got ${describeValue(source.weights)}`,
    );
  let settings: RunSettings;
  if (source.config == null) {
    if (!source.extract)
      throw new Error(
        `loadPredictor: ${name} has no run config; pass the run's report/config.json as config (or the extraction options as extract)`,
      );
    settings = { extract: checkExtract(source.extract, `loadPredictor: ${name}.extract`), fps: source.fps ?? null };
  } else {
    const run = parseRunConfig(source.config, `${name} config.json`);
    settings = {
      extract: source.extract ? checkExtract(source.extract, `loadPredictor: ${name}.extract`) : run.extract,
      fps: source.fps ?? run.fps,
    };
  }
  return new Predictor(modelFromBytes(source.model, weights, name), settings, { ...options, name });
}

async function fetchOk(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`loadPredictor: cannot fetch ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new Error(`loadPredictor: cannot fetch ${url}: HTTP ${res.status}`);
  return res;
}

/**
 * Loads a predictor from checkpoint bytes ({@link CheckpointBytes}) or a URL: a model's `.json`
 * (its weights fetched by the name it records, the run's config from `options.config` or
 * `config.json` beside it), or a run folder served over HTTP (`report/config.json` and the last
 * checkpoint named by `checkpoints/<method>/state.json`). In Node, `plm-ipe/node`'s loadPredictor
 * also takes run folders and files on disk.
 * @example
 * const predictor = await loadPredictor('./checkpoint/plm-ipe.json', { config: './checkpoint/config.json' });
 */
export async function loadPredictor(
  source: string | URL | CheckpointBytes,
  options: LoadPredictorOptions = {},
): Promise<Predictor> {
  if (isBytes(source)) return predictorFromBytes(source, options);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new Error(`loadPredictor: source expected a URL or { model, weights, config }, got ${describeValue(source)}`);
  }
  const base = typeof location !== 'undefined' ? location.href : undefined;
  let url: URL;
  try {
    url = new URL(String(source), base);
  } catch {
    throw new Error(
      `loadPredictor: '${String(source)}' is not a URL; in Node, plm-ipe/node's loadPredictor also takes run folders and files`,
    );
  }
  let modelUrl: URL;
  let configUrl: URL;
  if (url.pathname.endsWith('.json')) {
    modelUrl = url;
    configUrl = options.config ? new URL(String(options.config), base) : new URL('config.json', url);
  } else {
    const dir = new URL(url.href.endsWith('/') ? url.href : `${url.href}/`);
    const methodDir = new URL(`checkpoints/${methodFolder(options.method ?? 'PLM-IPE')}/`, dir);
    const state = (await (await fetchOk(new URL('state.json', methodDir).href)).json()) as {
      checkpoint?: string;
      selected?: string;
    };
    // `selected` is the epoch validation picked (what the report evaluated); older runs name only the last.
    const stem = state?.selected ?? state?.checkpoint;
    if (typeof stem !== 'string') throw new Error(`loadPredictor: ${methodDir.href}state.json names no checkpoint`);
    modelUrl = new URL(`${stem}.json`, methodDir);
    configUrl = options.config ? new URL(String(options.config), base) : new URL('report/config.json', dir);
  }
  const model = await (await fetchOk(modelUrl.href)).text();
  let weightsName = modelUrl.pathname
    .split('/')
    .pop()!
    .replace(/\.json$/, '.safetensors');
  try {
    weightsName = (JSON.parse(model) as { weights?: string }).weights ?? weightsName;
  } catch {
    // modelFromBytes reports the bad JSON.
  }
  const [weights, config] = await Promise.all([
    fetchOk(new URL(weightsName, modelUrl).href).then(async (r) => new Uint8Array(await r.arrayBuffer())),
    fetchOk(configUrl.href).then((r) => r.text()),
  ]);
  const stem = modelUrl.pathname
    .split('/')
    .pop()!
    .replace(/\.json$/, '');
  return predictorFromBytes({ model, weights, config, name: stem }, options);
}
