// `plm-ipe extract <manifest>`, `plm-ipe train` and `plm-ipe eval`: the real-dataset workflow.
// extract caches features per video; train trains methods on a features folder with per-epoch
// checkpoints (resumable) and writes a report; eval reloads the last checkpoints and prints the tables.
import { Command, Option } from 'commander';
import { PAPER_EXTRACT, type ExtractOptions } from '../pipeline/extract.js';
import { SMALL_EXTRACT, SMALL_TRAINING } from '../pipeline/demo-config.js';
import { loadFeatureFolder, extractManifest } from '../pipeline/feature-folder.js';
import { splitFeatures, classCounts } from '../pipeline/dataset.js';
import { trainAndReport } from '../pipeline/demo.js';
import { parseMethodName, TRAINED_METHODS, methodSlug } from '../pipeline/train.js';
import { evaluateMethod } from '../pipeline/evaluate.js';
import { summaryText, type ResultRow } from '../pipeline/report.js';
import { loadModel } from '../models/checkpoint-node.js';
import { PAPER_PRESET, type MethodName, type TrainingPreset } from '../models/presets.js';
import type { PreferenceMethod } from '../models/method.js';
import { integer, oneOf, positiveInt } from './errors.js';
import { log, selectBackend } from './setup.js';
import { c3dWeightsOption, describeC3DWeights } from './c3d-weights.js';
import { checkPretrainedExtract, pretrainedExtract } from '../pipeline/pretrained.js';

const presetOption = () => new Option('--preset <preset>', 'sizes: small (CPU) or paper').argParser(oneOf(['small', 'paper'] as const)).default('small');
const backendOption = () => new Option('--backend <backend>', 'compute backend').argParser(oneOf(['cpu', 'gpu'] as const)).default('cpu');

/** Builds `extract`. */
export function extractCommand(): Command {
  return new Command('extract')
    .description('extract pixel clips and landmark descriptors of every video in a manifest (cached per video; a rerun resumes)')
    .argument('<manifest>', 'manifest.jsonl (see docs/dataset.md)')
    .option('--out <dir>', 'features folder', 'features')
    .addOption(presetOption())
    .option('--provider <name>', 'landmark detector for entries without a landmark file (face-api)')
    .option('--clip-length <n>', 'frames per clip', positiveInt)
    .option('--clip-size <n>', 'clip side in pixels', positiveInt)
    .addOption(new Option('--crop <crop>', 'pixel crop: center (C3D), face (one box per video) or aligned (every frame aligned on the eyes and nose)').argParser(oneOf(['center', 'face', 'aligned'] as const)))
    .option('--max-clips <n>', 'clips kept per video (0: all)', integer)
    .option('--frame-step <n>', 'use every n-th frame', positiveInt)
    .addOption(c3dWeightsOption())
    .action(async (manifest: string, opts: { out: string; preset: 'small' | 'paper'; provider?: string; clipLength?: number; clipSize?: number; crop?: 'center' | 'face' | 'aligned'; maxClips?: number; frameStep?: number; c3dWeights?: string }) => {
      const base: ExtractOptions = opts.preset === 'paper' ? { ...PAPER_EXTRACT } : { ...SMALL_EXTRACT };
      const extract: ExtractOptions = {
        ...base,
        ...(opts.clipLength ? { clipLength: opts.clipLength } : {}),
        ...(opts.clipSize ? { clipSize: opts.clipSize } : {}),
        ...(opts.crop ? { crop: opts.crop } : {}),
        ...(opts.maxClips !== undefined ? { maxClips: opts.maxClips } : {}),
        ...(opts.frameStep ? { frameStep: opts.frameStep } : {}),
      };
      if (opts.c3dWeights && opts.crop) throw new Error(`--crop ${opts.crop} and --c3d-weights conflict: pretrained weights take clips cropped as c3d-pytorch's predict.py does; drop --crop`);
      if (opts.c3dWeights) log(await describeC3DWeights(opts.c3dWeights));
      const r = await extractManifest(manifest, opts.out, { extract: opts.c3dWeights ? pretrainedExtract(extract) : extract, provider: opts.provider, progress: process.stderr });
      const counts = classCounts(r.features, r.features.map((_, i) => i));
      log(`Extracted ${r.features.length} videos into ${opts.out} (${r.computed} computed, ${r.cached} from the cache); classes negative/neutral/positive ${counts.join('/')}`);
    });
}

function trainingPreset(preset: 'small' | 'paper', features: { clipShape: number[] }): TrainingPreset {
  const base: TrainingPreset = preset === 'paper' ? { ...PAPER_PRESET } : { ...SMALL_TRAINING };
  // The network must fit the extracted clips.
  const [, , l, h] = features.clipShape;
  return { ...base, c3d: { ...base.c3d, clipLength: l, inputSize: h } };
}

function methodList(value: string): MethodName[] {
  return value === 'all' ? [...TRAINED_METHODS] : value.split(',').map((m) => parseMethodName(m.trim()));
}

/** Builds `train`. */
export function trainCommand(): Command {
  return new Command('train')
    .description('train methods on a features folder (split by subject as in the paper), a checkpoint per epoch, then print Tables 1 and 2')
    .option('--features <dir>', 'features folder made by extract', 'features')
    .option('--method <names>', `comma-separated methods or 'all' (${TRAINED_METHODS.join(', ')})`, 'all')
    .addOption(presetOption())
    .option('--epochs <n>', 'epochs (default: the preset\'s)', positiveInt)
    .option('--batch-size <n>', 'videos per batch (default: the preset\'s)', positiveInt)
    .option('--seed <n>', 'seed of the split and training', integer, 1)
    .option('--out <dir>', 'run folder (checkpoints/, report/); a rerun resumes', 'runs/train')
    .addOption(backendOption())
    .addOption(c3dWeightsOption())
    .action(async (opts: { features: string; method: string; preset: 'small' | 'paper'; epochs?: number; batchSize?: number; seed: number; out: string; backend: 'cpu' | 'gpu'; c3dWeights?: string }) => {
      const methods = methodList(opts.method);
      await selectBackend(opts.backend);
      const start = performance.now();
      if (opts.c3dWeights) log(await describeC3DWeights(opts.c3dWeights));
      const { features, info } = await loadFeatureFolder(opts.features, process.stderr);
      if (opts.c3dWeights) checkPretrainedExtract(info.extract, `features folder ${opts.features}`, opts.c3dWeights);
      const split = splitFeatures(features, { seed: opts.seed });
      const training = { ...trainingPreset(opts.preset, features[0]), ...(opts.epochs ? { epochs: opts.epochs } : {}), ...(opts.batchSize ? { batchSize: opts.batchSize } : {}) };
      if (opts.c3dWeights) await describeC3DWeights(opts.c3dWeights, training.c3d);
      log(`Training ${methods.join(', ')} on ${split.train.length} videos, testing on ${split.test.length}, ${training.epochs} epochs`);
      await trainAndReport({ features, split, training, methods, seed: opts.seed, out: opts.out, log, startedAt: start, c3dWeights: opts.c3dWeights,
        config: { features: opts.features, extract: info.extract, manifest: info.manifest, training, seed: opts.seed, methods, c3dWeights: opts.c3dWeights ?? null } });
    });
}

/** The last checkpoint of a method in a run folder. */
export async function lastCheckpoint(run: string, method: string): Promise<string | null> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const dir = path.join(run, 'checkpoints', methodSlug(method));
  try {
    const state = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as { checkpoint: string };
    return path.join(dir, state.checkpoint);
  } catch {
    return null;
  }
}

/** Builds `eval`. */
export function evalCommand(): Command {
  return new Command('eval')
    .description('evaluate the last checkpoint of each method of a run on the test split: Tables 1 and 2, confusion matrix, per-class F1')
    .option('--features <dir>', 'features folder made by extract', 'features')
    .option('--run <dir>', 'run folder made by train or demo', 'runs/train')
    .option('--seed <n>', 'seed of the split (as used for training)', integer, 1)
    .addOption(backendOption())
    .action(async (opts: { features: string; run: string; seed: number; backend: 'cpu' | 'gpu' }) => {
      await selectBackend(opts.backend);
      const { features } = await loadFeatureFolder(opts.features, process.stderr);
      const split = splitFeatures(features, { seed: opts.seed });
      const table1: ResultRow[] = [];
      const extra: ResultRow[] = [];
      for (const name of TRAINED_METHODS) {
        const ck = await lastCheckpoint(opts.run, name);
        if (!ck) continue;
        const model = (await loadModel(ck)) as unknown as PreferenceMethod;
        const ev = evaluateMethod(model, features, split.test);
        table1.push({ name, report: ev.report });
        if (ev.branches) extra.push({ name: 'PBE-w/-Mut', report: ev.branches.pixel.report }, { name: 'LBE-w/-Mut', report: ev.branches.landmark.report });
        log(`${name}: ${ck}`);
      }
      if (table1.length === 0) throw new Error(`no checkpoints in ${opts.run}/checkpoints; run 'plm-ipe train --out ${opts.run}' first`);
      const table2 = [...table1.filter((r) => r.name === 'PBE' || r.name === 'LBE'), ...extra];
      log(summaryText({ table1, table2, histories: {}, testCounts: classCounts(features, split.test), trainCounts: classCounts(features, split.train) }));
    });
}
