// The page's model loading UI glue: the bundled checkpoint fetched with the library's loadPredictor
// (the model's .json, the weights it names, and the run's config.json), or a pair dropped on the
// page, optionally with its run's config.json (without one the page says it falls back to
// SMALL_EXTRACT). Everything about models and extraction is the library's Predictor.
import { SMALL_EXTRACT, loadPredictor, predictorFromBytes, type Predictor } from 'plm-ipe';

/** A predictor and, for the page, where its extraction options came from. */
export interface LoadedCheckpoint {
  predictor: Predictor;
  /** The run's config.json, or SMALL_EXTRACT when none was dropped. */
  extractSource: string;
  /** For the page: the model, its kind and its extraction. */
  label: string;
}

/** Fetches `<stem>.json`, the weights file it names and the run's config.json. */
export async function fetchCheckpoint(stem: string, configUrl: string): Promise<LoadedCheckpoint> {
  const predictor = await loadPredictor(`${stem}.json`, { config: configUrl });
  return { predictor, extractSource: configUrl, label: predictor.describe() };
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
  const name = weights[0].name.replace(/\.safetensors$/, '');
  const config = configs.length ? await configs[0].text() : null;
  const predictor = predictorFromBytes({
    model: await json[0].text(),
    weights: new Uint8Array(await weights[0].arrayBuffer()),
    config,
    name,
    // The page's fallback, said on screen: a pair dropped without its run gets the demo's extraction.
    extract: config ? undefined : { ...SMALL_EXTRACT },
  });
  const extractSource = configs.length
    ? `dropped ${configs[0].name}`
    : "SMALL_EXTRACT (no config.json given: drop the run's report/config.json with the pair to use its own)";
  return { predictor, extractSource, label: predictor.describe() };
}
