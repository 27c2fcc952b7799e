// `plm-ipe extract <manifest>`, `plm-ipe train` and `plm-ipe eval`: the real-dataset workflow.
// extract caches features per video; train trains methods on a features folder (paper split, k folds
// or a split file; several seeds) with per-epoch checkpoints (resumable) and writes a report; eval
// reloads each run's reported checkpoints with the run's own config.json and prints the tables.
import { Command, InvalidArgumentError, Option } from 'commander';
import { PAPER_EXTRACT, type ExtractResult, type VideoExtractOptions } from '../pipeline/extract.js';
import { SMALL_EXTRACT, SMALL_TRAINING } from '../pipeline/demo-config.js';
import {
  loadFeatureFolder,
  extractManifest,
  featureFolderStatus,
  type FeatureFolderInfo,
} from '../pipeline/feature-folder.js';
import { parseShard, statusText, type Shard } from '../pipeline/extract-status.js';
import {
  classCounts,
  featureEntries,
  partitionFeatures,
  relabel,
  splitPlan,
  type FeatureSplit,
} from '../pipeline/dataset.js';
import { trainComparison } from '../pipeline/demo.js';
import {
  comparisonTable,
  comparisonText,
  summarizeRuns,
  type ComparisonSummary,
  type RunOutcome,
} from '../pipeline/comparison.js';
import {
  checkRunConfig,
  continuedTraining,
  readRunConfig,
  readRunSplit,
  writeRunConfig,
  type RunConfig,
} from '../pipeline/run-config.js';
import {
  DEFAULT_VALIDATION_FRACTION,
  formatSplitFile,
  parseSplitFile,
  type SubjectPartition,
} from '../data/subject-splits.js';
import { DEFAULT_THRESHOLDS, type LabelThresholds } from '../data/manifest.js';
import type { VideoFeatures } from '../pipeline/video-features.js';
import { TRAINED_METHODS } from '../pipeline/train.js';
import { methodFolder } from '../predict/run-settings.js';
import { evaluateMethod } from '../pipeline/evaluate.js';
import { summaryText, type ResultRow } from '../pipeline/report.js';
import { loadModel } from '../models/checkpoint-node.js';
import { PAPER_PRESET, type TrainingPreset } from '../models/presets.js';
import type { PreferenceMethod } from '../models/method.js';
import { integer, methodList, oneOf, positiveInt } from './errors.js';
import { log, selectBackend } from './setup.js';
import { c3dWeightsOption, describeC3DWeights } from './c3d-weights.js';
import { checkPretrainedExtract, pretrainedExtract } from '../pipeline/pretrained.js';

const presetOption = () =>
  new Option('--preset <preset>', 'sizes: small (CPU) or paper')
    .argParser(oneOf(['small', 'paper'] as const))
    .default('small');
const backendOption = () =>
  new Option('--backend <backend>', 'compute backend').argParser(oneOf(['cpu', 'gpu'] as const)).default('cpu');

export function extractCommand(): Command {
  return new Command('extract')
    .description(
      'extract pixel clips and landmark descriptors of every video in a manifest (cached per video; a rerun resumes and retries only what failed)',
    )
    .argument('[manifest]', "manifest.jsonl (see docs/dataset.md); with --status, default: the features folder's")
    .option('--out <dir>', 'features folder', 'features')
    .addOption(presetOption())
    .option('--provider <name>', 'landmark detector for entries without a landmark file (face-api)')
    .option('--clip-length <n>', 'frames per clip', positiveInt)
    .option('--clip-size <n>', 'clip side in pixels', positiveInt)
    .addOption(
      new Option(
        '--crop <crop>',
        'pixel crop: center (C3D), face (one box per video) or aligned (every frame aligned on the eyes and nose)',
      ).argParser(oneOf(['center', 'face', 'aligned'] as const)),
    )
    .option('--max-clips <n>', 'clips kept per video (0: all)', integer)
    .option('--frame-step <n>', 'use every n-th frame', positiveInt)
    .option(
      '--shard <I/N>',
      "extract only shard I of N (0-based; every N-th video); 'env' or 'env/N' reads Slurm's SLURM_ARRAY_TASK_ID/COUNT or Kubernetes' JOB_COMPLETION_INDEX",
    )
    .option('--workers <n>', 'run n local processes, one shard each, into the same folder', positiveInt)
    .option(
      '--strict',
      'stop at the first video that fails (default: record it in <out>/failures/, go on, summarise at the end)',
    )
    .addOption(c3dWeightsOption())
    .option('--status', 'list done, failed and missing videos of the features folder, extract nothing')
    .action(runExtract);
}

/** The flags of `plm-ipe extract`. */
interface ExtractFlags {
  out: string;
  preset: 'small' | 'paper';
  provider?: string;
  clipLength?: number;
  clipSize?: number;
  crop?: 'center' | 'face' | 'aligned';
  maxClips?: number;
  frameStep?: number;
  shard?: string;
  workers?: number;
  strict?: boolean;
  status?: boolean;
  c3dWeights?: string;
}

/** `plm-ipe extract`: lists the folder's status, or runs local workers, or extracts (one shard or all). */
async function runExtract(manifest: string | undefined, opts: ExtractFlags): Promise<void> {
  if (opts.status) {
    await logFolderStatus(opts.out, 2);
    return;
  }
  if (!manifest) throw new Error('extract needs a manifest (or --status to inspect a features folder)');
  if (opts.workers && opts.shard)
    throw new Error(
      `--workers ${opts.workers} and --shard ${opts.shard} both given; --workers picks the shards itself`,
    );
  if (opts.workers && opts.workers > 1) {
    await runWorkers(opts.workers);
    await logFolderStatus(opts.out, 1);
    return;
  }
  const extract = extractSettings(opts);
  if (opts.c3dWeights && opts.crop)
    throw new Error(
      `--crop ${opts.crop} and --c3d-weights conflict: pretrained weights take clips cropped as c3d-pytorch's predict.py does; drop --crop`,
    );
  if (opts.c3dWeights) log(await describeC3DWeights(opts.c3dWeights));
  const shard = opts.shard ? parseShard(opts.shard, process.env) : undefined;
  const r = await extractManifest(manifest, opts.out, {
    extract: opts.c3dWeights ? pretrainedExtract(extract) : extract,
    provider: opts.provider,
    progress: process.stderr,
    shard,
    strict: opts.strict,
    keepFeatures: !shard,
  });
  logExtraction(r, opts.out, shard);
}

/** Logs the features folder's done, failed and missing videos; any failed or missing sets `exitCode`. */
async function logFolderStatus(out: string, exitCode: number): Promise<void> {
  const status = await featureFolderStatus(out);
  log(statusText(status));
  if (status.failed.length || status.missing.length) process.exitCode = exitCode;
}

/** The preset's extraction settings with the flags that override them. */
function extractSettings(opts: ExtractFlags): VideoExtractOptions {
  const base: VideoExtractOptions = opts.preset === 'paper' ? { ...PAPER_EXTRACT } : { ...SMALL_EXTRACT };
  return {
    ...base,
    ...(opts.clipLength ? { clipLength: opts.clipLength } : {}),
    ...(opts.clipSize ? { clipSize: opts.clipSize } : {}),
    ...(opts.crop ? { crop: opts.crop } : {}),
    ...(opts.maxClips !== undefined ? { maxClips: opts.maxClips } : {}),
    ...(opts.frameStep ? { frameStep: opts.frameStep } : {}),
  };
}

/** The summary of one extraction run and its first failures (which set exit code 1). */
function logExtraction(r: ExtractResult, out: string, shard: Shard | undefined): void {
  const part = shard ? `shard ${shard.index}/${shard.count}: ` : '';
  const counts = classCounts(
    r.features,
    r.features.map((_, i) => i),
  );
  log(
    `${part}${r.computed + r.cached} videos into ${out} (${r.computed} computed, ${r.cached} from the cache, ${r.failed.length} failed)` +
      (shard ? '' : `; classes negative/neutral/positive ${counts.join('/')}`),
  );
  if (r.failed.length) {
    log(
      `failed (recorded in ${out}/failures/; a rerun retries them; 'plm-ipe extract --status --out ${out}' lists them):`,
    );
    for (const f of r.failed.slice(0, 20)) log(`  ${f.id}: ${f.reason}`);
    if (r.failed.length > 20) log(`  ... (${r.failed.length - 20} more)`);
    process.exitCode = 1;
  }
}

/** Reruns this very command as n child processes with --shard i/n (its output prefixed), waiting for all. */
async function runWorkers(n: number): Promise<void> {
  const { spawn } = await import('node:child_process');
  const args: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--workers') i++;
    else if (!argv[i].startsWith('--workers=')) args.push(argv[i]);
  }
  const codes = await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<number>((resolve) => {
          const child = spawn(
            process.execPath,
            [...process.execArgv, process.argv[1], ...args, '--shard', `${i}/${n}`],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          );
          const prefix = (stream: NodeJS.ReadableStream, to: NodeJS.WritableStream) => {
            let rest = '';
            stream.on('data', (chunk: Buffer) => {
              const lines = (rest + chunk.toString()).split(/\r?\n|\r/);
              rest = lines.pop() ?? '';
              for (const l of lines) if (l.trim()) to.write(`[shard ${i}/${n}] ${l}\n`);
            });
          };
          prefix(child.stdout!, process.stdout);
          prefix(child.stderr!, process.stderr);
          child.on('close', (code) => resolve(code ?? 1));
        }),
    ),
  );
  log(`workers: ${codes.filter((c) => c === 0).length} of ${n} shards finished cleanly`);
}

function trainingPreset(preset: 'small' | 'paper', features: { clipShape: number[] }): TrainingPreset {
  const base: TrainingPreset = preset === 'paper' ? { ...PAPER_PRESET } : { ...SMALL_TRAINING };
  // The network must fit the extracted clips.
  const [, , l, h] = features.clipShape;
  return { ...base, c3d: { ...base.c3d, clipLength: l, inputSize: h } };
}

/** Commander parser for a score threshold (0 to 100). */
function threshold(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new InvalidArgumentError(`expected a score from 0 to 100, got '${value}'.`);
  return n;
}

/** Commander parser for --validation: a fraction in [0, 1). */
function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n < 1))
    throw new InvalidArgumentError(`expected a fraction from 0 (no validation) to below 1, got '${value}'.`);
  return n;
}

function thresholdsOf(
  opts: { negativeBelow?: number; positiveAbove?: number },
  base: LabelThresholds = DEFAULT_THRESHOLDS,
): LabelThresholds {
  const t = {
    negativeBelow: opts.negativeBelow ?? base.negativeBelow,
    positiveAbove: opts.positiveAbove ?? base.positiveAbove,
  };
  if (t.negativeBelow > t.positiveAbove) {
    throw new Error(`--negative-below (${t.negativeBelow}) must not be above --positive-above (${t.positiveAbove})`);
  }
  return t;
}

/** Logs to stdout, or to stderr when stdout carries the --json document. */
function logger(json: boolean | undefined): (line: string) => void {
  return json ? (line) => process.stderr.write(`${line}\n`) : log;
}

/** The results as the --json document of train and eval. */
function resultsDocument(
  run: string,
  r: { summary: ComparisonSummary; outcomes: RunOutcome[]; reportFile?: string },
): unknown {
  return {
    run,
    reportFile: r.reportFile ?? null,
    ...r.summary,
    perRun: r.outcomes.map(({ fold, seed, scores, selectedEpochs }) => ({ fold, seed, scores, selectedEpochs })),
  };
}

interface SplitFlags {
  seed?: number;
  folds?: number;
  split?: string;
  validation?: number;
  negativeBelow?: number;
  positiveAbove?: number;
}

const splitOptions = (cmd: Command): Command =>
  cmd
    .option('--seed <n>', 'seed of the split (and the first training seed); default 1', integer)
    .option(
      '--folds <k>',
      "subject-grouped k-fold: every subject is tested once (default: the paper's single split)",
      positiveInt,
    )
    .option(
      '--split <file>',
      'split file: {"train": [...], "validation": [...], "test": [...]} subject ids, or {"folds": [...]} (docs/dataset.md)',
    )
    .option(
      '--validation <fraction>',
      'share of the training subjects that picks the reported epoch (0: none, report the last epoch); default 0.15',
      fraction,
    )
    .option('--negative-below <score>', 'scores below this are negative (default 40)', threshold)
    .option('--positive-above <score>', 'scores above this are positive (default 60)', threshold)
    .option('--json', 'print the results as one JSON document on stdout (logs go to stderr)');

export function trainCommand(): Command {
  return splitOptions(
    new Command('train')
      .description(
        'train methods on a features folder (subject-disjoint train/validation/test, or k folds), a checkpoint per epoch, then print Tables 1 and 2',
      )
      .option('--features <dir>', 'features folder made by extract', 'features')
      .option('--method <names>', `comma-separated methods or 'all' (${TRAINED_METHODS.join(', ')})`, 'all')
      .addOption(presetOption())
      .option('--epochs <n>', "epochs (default: the preset's)", positiveInt)
      .option('--batch-size <n>', "videos per batch (default: the preset's)", positiveInt)
      .option(
        '--seeds <n>',
        'train every split with n seeds (seed, seed+1, ...) and report mean ± 95% CI',
        positiveInt,
        1,
      )
      .option(
        '--out <dir>',
        'run folder (config.json, split.json, checkpoints/, report/); a rerun resumes',
        'runs/train',
      )
      .addOption(backendOption())
      .addOption(c3dWeightsOption()),
  ).action(runTrain);
}

/** The flags of `plm-ipe train`. */
interface TrainFlags extends SplitFlags {
  features: string;
  method: string;
  preset: 'small' | 'paper';
  epochs?: number;
  batchSize?: number;
  seeds: number;
  out: string;
  backend: 'cpu' | 'gpu';
  json?: boolean;
  c3dWeights?: string;
}

/** `plm-ipe train`: the features and splits, the run's config.json (checked against a resumed run's), the training. */
async function runTrain(opts: TrainFlags): Promise<void> {
  const path = await import('node:path');
  const out = logger(opts.json);
  const methods = methodList(opts.method);
  if (opts.split && opts.folds)
    throw new Error(
      `--split and --folds both given (${opts.split} and ${opts.folds}); a split file lists its own folds`,
    );
  await selectBackend(opts.backend);
  const start = performance.now();
  const seed = opts.seed ?? 1;
  const thresholds = thresholdsOf(opts);
  if (opts.c3dWeights) out(await describeC3DWeights(opts.c3dWeights));
  const { info, features } = await trainingFeatures(opts, thresholds, out);
  const { plan, splits, validationFraction } = await trainingSplits(opts, features, seed, out);
  const recorded = await readRunConfig(opts.out);
  const training = continuedTraining(recorded, {
    ...trainingPreset(opts.preset, features[0]),
    ...(opts.epochs ? { epochs: opts.epochs } : {}),
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
  });
  if (opts.c3dWeights) await describeC3DWeights(opts.c3dWeights, training.c3d);
  const seeds = Array.from({ length: opts.seeds }, (_, i) => seed + i);
  const config: RunConfig = {
    format: 'plm-ipe-run',
    features: path.resolve(opts.features),
    manifest: info.manifest,
    extract: info.extract,
    training,
    methods,
    seed,
    seeds,
    folds: opts.folds ?? null,
    splitFile: opts.split ? path.resolve(opts.split) : null,
    validationFraction,
    thresholds,
    c3dWeights: opts.c3dWeights ?? null,
  };
  if (recorded) checkRunConfig(opts.out, recorded, config);
  await writeRunConfig(opts.out, config, formatSplitFile(plan));
  out(
    `Training ${methods.join(', ')}: ${splits.length > 1 ? `${splits.length} folds x ` : ''}${seeds.length} seed(s); ` +
      `fold 1 has ${splits[0].train.length} training, ${splits[0].validation.length} validation and ${splits[0].test.length} test videos, ${training.epochs} epochs`,
  );
  const result = await trainComparison({
    features,
    splits,
    seeds,
    training,
    methods,
    out: opts.out,
    log: out,
    startedAt: start,
    config,
    c3dWeights: opts.c3dWeights,
  });
  if (opts.json) process.stdout.write(`${JSON.stringify(resultsDocument(opts.out, result), null, 1)}\n`);
}

/** The features folder's videos, labelled with `thresholds` (failed extractions left out with a warning). */
async function trainingFeatures(
  opts: TrainFlags,
  thresholds: LabelThresholds,
  out: (line: string) => void,
): Promise<{ info: FeatureFolderInfo; features: VideoFeatures[] }> {
  const loaded = await loadFeatureFolder(opts.features, process.stderr);
  if (opts.c3dWeights) checkPretrainedExtract(loaded.info.extract, `features folder ${opts.features}`, opts.c3dWeights);
  for (const f of loaded.failed ?? []) out(`warning: video '${f.id}' is left out: its extraction failed (${f.reason})`);
  return { info: loaded.info, features: relabel(loaded.features, thresholds) };
}

/** The subject partitions the flags ask for (paper split, k folds or a split file) and the videos of each. */
async function trainingSplits(
  opts: TrainFlags,
  features: VideoFeatures[],
  seed: number,
  out: (line: string) => void,
): Promise<{ plan: SubjectPartition[]; splits: FeatureSplit[]; validationFraction: number }> {
  const fs = await import('node:fs/promises');
  const splitFile = opts.split
    ? {
        text: await fs.readFile(opts.split, 'utf8').catch((err: Error) => {
          throw new Error(`cannot read --split ${opts.split}: ${err.message}`);
        }),
        source: opts.split,
      }
    : undefined;
  const validationFraction = opts.validation ?? DEFAULT_VALIDATION_FRACTION;
  const plan = splitPlan(features, { seed, folds: opts.folds, file: splitFile, validationFraction });
  for (const w of plan.flatMap((p) => p.warnings)) out(`warning: ${w}`);
  return { plan, splits: plan.map((p) => partitionFeatures(features, p)), validationFraction };
}

/** The checkpoint a method of a run reports (the epoch picked on validation; the last one for older runs), or null. */
export async function lastCheckpoint(run: string, method: string): Promise<string | null> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const dir = path.join(run, 'checkpoints', methodFolder(method));
  try {
    const state = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as {
      checkpoint: string;
      selected?: string;
    };
    return path.join(dir, state.selected ?? state.checkpoint);
  } catch {
    return null;
  }
}

/** Evaluates the reported checkpoints of one (fold, seed) run folder on its test split. */
async function evaluateRunFolder(
  dir: string,
  features: readonly VideoFeatures[],
  split: FeatureSplit,
  fold: number,
  seed: number,
  out: (line: string) => void,
): Promise<{ table1: ResultRow[]; table2: ResultRow[]; outcome: RunOutcome }> {
  const table1: ResultRow[] = [];
  const extra: ResultRow[] = [];
  const predicted: Record<string, number[]> = {};
  for (const name of TRAINED_METHODS) {
    const ck = await lastCheckpoint(dir, name);
    if (!ck) continue;
    const model = (await loadModel(ck)) as unknown as PreferenceMethod;
    const ev = evaluateMethod(model, features, split.test);
    table1.push({ name, report: ev.report });
    predicted[name] = ev.predicted;
    if (ev.branches) {
      extra.push(
        { name: 'PBE-w/-Mut', report: ev.branches.pixel.report },
        { name: 'LBE-w/-Mut', report: ev.branches.landmark.report },
      );
      predicted['PBE-w/-Mut'] = ev.branches.pixel.predicted;
      predicted['LBE-w/-Mut'] = ev.branches.landmark.predicted;
    }
    out(`${name}: ${ck}`);
  }
  if (table1.length === 0)
    throw new Error(`no checkpoints in ${dir}/checkpoints; run 'plm-ipe train --out ${dir}' first`);
  const table2 = [...table1.filter((r) => r.name === 'PBE' || r.name === 'LBE'), ...extra];
  const outcome: RunOutcome = {
    fold,
    seed,
    predicted,
    selectedEpochs: {},
    videos: split.test.map((i) => ({ id: features[i].id, subject: features[i].subject, label: features[i].label })),
    scores: Object.fromEntries(
      [...table1, ...table2].map((r) => [r.name, { accuracy: r.report.accuracy, macroF1: r.report.macroF1 }]),
    ),
  };
  return { table1, table2, outcome };
}

export function evalCommand(): Command {
  return new Command('eval')
    .description(
      "evaluate the reported checkpoint of each method of a run on its test split (features, split, seeds and thresholds come from the run's config.json): Tables 1 and 2, confusion matrix, per-class F1",
    )
    .option(
      '--run <dir>',
      "run folder made by train (a demo's test results are in its report/results.json)",
      'runs/train',
    )
    .option('--features <dir>', "features folder (default: the run's)")
    .option('--seed <n>', "seed of the split (default: the run's; a different one is an error)", integer)
    .option('--negative-below <score>', "label threshold (default: the run's)", threshold)
    .option('--positive-above <score>', "label threshold (default: the run's)", threshold)
    .option('--json', 'print the results as one JSON document on stdout (logs go to stderr)')
    .addOption(backendOption())
    .action(runEval);
}

/** The flags of `plm-ipe eval`. */
interface EvalFlags {
  features?: string;
  run: string;
  seed?: number;
  negativeBelow?: number;
  positiveAbove?: number;
  backend: 'cpu' | 'gpu';
  json?: boolean;
}

/** `plm-ipe eval`: the run's config.json (checked against the flags), its features and split, each run folder, the tables. */
async function runEval(opts: EvalFlags): Promise<void> {
  const path = await import('node:path');
  const out = logger(opts.json);
  await selectBackend(opts.backend);
  const recorded = await recordedRunConfig(opts.run);
  const given: Partial<RunConfig> = {
    ...(opts.features !== undefined ? { features: path.resolve(opts.features) } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.negativeBelow !== undefined || opts.positiveAbove !== undefined
      ? { thresholds: thresholdsOf(opts, recorded.thresholds) }
      : {}),
  };
  checkRunConfig(opts.run, recorded, given);
  const { features: raw } = await loadFeatureFolder(recorded.features, process.stderr);
  const features = relabel(raw, recorded.thresholds);
  const plan = parseSplitFile(
    (await readRunSplit(opts.run)).text,
    path.join(opts.run, 'split.json'),
    featureEntries(features),
  );
  const splits = plan.map((p) => partitionFeatures(features, p));
  const single = splits.length === 1 && recorded.seeds.length === 1;
  const outcomes: RunOutcome[] = [];
  let tables: { table1: ResultRow[]; table2: ResultRow[] } | null = null;
  for (let k = 0; k < splits.length; k++) {
    for (const seed of recorded.seeds) {
      const dir = single ? opts.run : path.join(opts.run, 'folds', `fold-${k + 1}-seed-${seed}`);
      const r = await evaluateRunFolder(dir, features, splits[k], k + 1, seed, out);
      outcomes.push(r.outcome);
      tables = r;
    }
  }
  const summary = summarizeRuns(outcomes);
  if (single && tables) {
    out(
      summaryText({
        ...tables,
        histories: {},
        testCounts: classCounts(features, splits[0].test),
        trainCounts: classCounts(features, splits[0].train),
        validationCounts: classCounts(features, splits[0].validation),
      }),
    );
    if (summary.comparisons.length)
      out(
        `\nPaired comparisons on these test videos (bootstrap over test subjects):\n${comparisonTable(summary.comparisons)}`,
      );
  } else {
    out(comparisonText(summary));
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(resultsDocument(opts.run, { summary, outcomes }), null, 1)}\n`);
}

/** The config.json of a run folder made by `plm-ipe train`; the error says what the folder is when it has none. */
async function recordedRunConfig(run: string): Promise<RunConfig> {
  const path = await import('node:path');
  const recorded = await readRunConfig(run);
  if (recorded) return recorded;
  // A demo folder has report/config.json but no features folder to evaluate on.
  const demo = await import('node:fs/promises').then((fs) =>
    fs.stat(path.join(run, 'report', 'config.json')).then(
      () => true,
      () => false,
    ),
  );
  throw new Error(
    demo
      ? `${run} has no config.json: it is a 'plm-ipe demo' folder, whose test results are already in ${path.join(run, 'report', 'results.json')}; eval evaluates folders made by 'plm-ipe train'`
      : `${run} has no config.json; it is not a run folder made by 'plm-ipe train' (or it was made by an older version: train it again)`,
  );
}
