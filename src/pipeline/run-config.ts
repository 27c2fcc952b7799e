// A run folder remembers how it was made: `<run>/config.json` (features folder, extraction and
// training options, seeds, folds, label thresholds) and `<run>/split.json` (the subjects of every
// part of every fold). `train` writes them before training and refuses to resume a run made with
// other settings; `eval` reads them, and a flag that disagrees is an error naming both values.
// Node only (lazy node: imports).
import { writeFileAtomic } from '../io/atomic-write.js';
import type { LabelThresholds } from '../data/manifest.js';
import type { TrainingPreset } from '../models/presets.js';
import { upgradeExtractOptions, type VideoExtractOptions } from './video-features.js';

/** The contents of `<run>/config.json`. */
export interface RunConfig {
  format: 'plm-ipe-run';
  /** Features folder (absolute). */
  features: string;
  manifest?: string;
  extract?: VideoExtractOptions;
  training: TrainingPreset;
  methods: string[];
  /** Seed of the split plan; the training seeds are `seeds`. */
  seed: number;
  seeds: number[];
  /** k of the subject-grouped k-fold, or null for the paper's split (or a split file). */
  folds: number | null;
  /** The split file given with --split (absolute), or null. Its subjects are copied into split.json either way. */
  splitFile: string | null;
  validationFraction: number;
  thresholds: LabelThresholds;
  /** Pretrained C3D weights given with --c3d-weights, or null. */
  c3dWeights?: string | null;
}

/** The settings a rerun or `eval` must agree on, with how to print them. */
const CHECKED: { key: keyof RunConfig; flag: string }[] = [
  { key: 'features', flag: '--features' },
  { key: 'seed', flag: '--seed' },
  { key: 'seeds', flag: '--seeds' },
  { key: 'folds', flag: '--folds' },
  { key: 'splitFile', flag: '--split' },
  { key: 'validationFraction', flag: '--validation' },
  { key: 'thresholds', flag: '--negative-below/--positive-above' },
];

/** Reads `<run>/config.json`, or null when the run has none. */
export async function readRunConfig(run: string): Promise<RunConfig | null> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const file = path.join(run, 'config.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  const config = JSON.parse(text) as RunConfig;
  if (config.format !== 'plm-ipe-run')
    throw new Error(`${file} is not a plm-ipe run configuration (format '${String(config.format)}')`);
  return config.extract ? { ...config, extract: upgradeExtractOptions(config.extract) } : config;
}

const show = (v: unknown): string =>
  v === null || v === undefined ? 'none' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/**
 * Throws when `given` (settings from flags; undefined ones are not checked) disagrees with the run's
 * recorded config, naming the flag and both values.
 */
export function checkRunConfig(run: string, recorded: RunConfig, given: Partial<RunConfig>): void {
  for (const { key, flag } of CHECKED) {
    if (given[key] === undefined) continue;
    if (JSON.stringify(given[key]) !== JSON.stringify(recorded[key])) {
      throw new Error(
        `${flag} is ${show(given[key])} but run ${run} was made with ${show(recorded[key])}; ` +
          `drop the flag to use the run's value, or use another --out/--run folder`,
      );
    }
  }
}

/**
 * The training preset a rerun of `run` continues with: `training`, except for the settings whose
 * default changed after runs were made with the old one, which keep the run's recorded value (or the
 * old default where the record predates the setting). So a run resumed or retrained by a newer
 * plm-ipe trains, and its config.json reads, as it was made: `classBalance` `'none'` and
 * `klRampEpochs` 0 for runs recorded before the small preset's `'balanced'` and 4.
 */
export function continuedTraining(recorded: RunConfig | null, training: TrainingPreset): TrainingPreset {
  if (!recorded) return training;
  return { ...training, ...recordedChangedDefaults(recorded.training) };
}

/** The settings whose default changed, as `recorded` (a run's training preset) had them. */
function recordedChangedDefaults(
  recorded: Partial<TrainingPreset>,
): Pick<TrainingPreset, 'classBalance' | 'klRampEpochs'> {
  return { classBalance: recorded.classBalance ?? 'none', klRampEpochs: recorded.klRampEpochs ?? 0 };
}

/**
 * The changed-default settings on which a demo folder's recorded training (`<out>/report/config.json`)
 * and this run's differ, as `name recorded -> now` lines; empty when they agree. A demo rerun resumes
 * finished checkpoints, so it must not report a folder trained the old way under the new settings.
 */
export function changedDefaultsBetween(recorded: Partial<TrainingPreset>, training: TrainingPreset): string[] {
  const was = recordedChangedDefaults(recorded);
  const now = recordedChangedDefaults(training);
  return (Object.keys(was) as (keyof typeof was)[])
    .filter((k) => was[k] !== now[k])
    .map((k) => `${k} ${String(was[k])} -> ${String(now[k])}`);
}

/** Writes `<run>/config.json` and `<run>/split.json` (the split plan's text) atomically. */
export async function writeRunConfig(run: string, config: RunConfig, splitText: string): Promise<void> {
  const path = await import('node:path');
  await writeFileAtomic(path.join(run, 'split.json'), splitText);
  await writeFileAtomic(path.join(run, 'config.json'), JSON.stringify(config, null, 2));
}

/** Reads `<run>/split.json` as text (for parseSplitFile). */
export async function readRunSplit(run: string): Promise<{ text: string; source: string }> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const source = path.join(run, 'split.json');
  try {
    return { text: await fs.readFile(source, 'utf8'), source };
  } catch {
    throw new Error(`run ${run} has no split.json; train it again with this version of plm-ipe`);
  }
}
