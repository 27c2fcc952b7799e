// The end-to-end run behind `plm-ipe demo` (and `train`/`eval` on extracted features): train the
// five methods of Table 1 on a split (epochs picked on its validation part), evaluate them and
// PLM-IPE's branches once on its test part (Table 2), and write the report folder; over several
// folds and seeds, one such run each and a comparison report with intervals and paired tests.
// Generation of the synthetic set and extraction happen here too for the demo.
// Prints through a `log` callback only; the CLI decides where lines go.
import { generateDataset } from '../data/synthetic/dataset.js';
import type { ProgressStream } from '../data/progress.js';
import { formatDuration } from '../data/progress.js';
import type { TrainingPreset } from '../models/presets.js';
import { classCounts, partitionFeatures, splitPlan, type FeatureSplit } from './dataset.js';
import { extractFeatures, syntheticSources, type VideoFeatures } from './extract.js';
import { evaluateMethod, type MethodEvaluation } from './evaluate.js';
import { trainMethod, TRAINED_METHODS, type EpochRecord } from './train.js';
import { methodFolder } from '../predict/run-settings.js';
import { summaryText, writeComparisonReport, writeReport, type ResultRow, type RunResults } from './report.js';
import {
  collapsedClass,
  comparisonTable,
  comparisonText,
  summarizeRuns,
  type ComparisonSummary,
  type RunOutcome,
} from './comparison.js';
import { LABELS } from '../data/manifest.js';
import type { DemoConfig } from './demo-config.js';
import { upgradeExtractOptions } from './video-features.js';
import type { MethodName } from '../models/presets.js';
import { checkPretrainedExtract } from './pretrained.js';
import { changedDefaultsBetween } from './run-config.js';

/** Options of {@link trainAndReport}. */
export interface TrainAndReportOptions {
  features: readonly VideoFeatures[];
  split: FeatureSplit;
  training: TrainingPreset;
  methods?: readonly MethodName[];
  seed: number;
  /** Output folder: `checkpoints/<method>/`, `report/`. */
  out: string;
  /** Written to config.json with the training preset. */
  config: unknown;
  /** Receives each progress line (the CLI prints them to stderr). */
  log: (line: string) => void;
  /** Title of the report. */
  title?: string;
  /** `performance.now()` at the start, for the wall time in the report. */
  startedAt?: number;
  /** Training videos the per-epoch train accuracy is measured on (see TrainOptions; default all). */
  trainAccuracyVideos?: number;
  /** Pretrained C3D weights for every method's pixel branch (see TrainOptions). */
  c3dWeights?: string;
  /** 1-based fold number recorded in the outcome (default 1). */
  fold?: number;
  /** Print the tables at the end (default true; a k-fold run prints only the summary). */
  printSummary?: boolean;
}

/** What one trained split gives: its results, report file and per-video outcome (for the paired tests). */
export type SplitRunResult = RunResults & { reportFile: string; outcome: RunOutcome; comparison: ComparisonSummary };

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-');

/** The progress line of one epoch (trained now, or read back with `resumed`). */
function epochLine(name: string, epochs: number, r: EpochRecord, resumed: boolean): string {
  const f1 = Number.isFinite(r.validationMacroF1) ? r.validationMacroF1.toFixed(2) : '-';
  const branches = r.validationBranches
    ? `branches val F1 pixel ${r.validationBranches.pixel.macroF1.toFixed(2)} ` +
      `landmark ${r.validationBranches.landmark.macroF1.toFixed(2)} `
    : '';
  return (
    `[${name}] epoch ${r.epoch}/${epochs} loss ${r.loss.toFixed(4)} ` +
    `train ${pct(r.trainAccuracy)} val ${pct(r.validationAccuracy)} ` +
    `(F1 ${f1}, predicted ${r.validationPredicted.join('/')}) ` +
    branches +
    (resumed ? '(from checkpoint)' : `(${r.seconds.toFixed(1)} s)`)
  );
}

/** Every method trained (epoch picked on validation) and evaluated once on the test part. */
interface TrainedMethods {
  evaluations: Record<string, MethodEvaluation>;
  histories: Record<string, EpochRecord[]>;
  /** The selected epoch's model file per method. */
  checkpoints: Record<string, string>;
  selectedEpochs: Record<string, number>;
}

/** Trains (or resumes) each method in turn, then evaluates its selected epoch on the test videos. */
async function trainAndTest(options: TrainAndReportOptions): Promise<TrainedMethods> {
  const path = await import('node:path');
  const { features, split, training, log } = options;
  const trained: TrainedMethods = { evaluations: {}, histories: {}, checkpoints: {}, selectedEpochs: {} };
  for (const name of options.methods ?? TRAINED_METHODS) {
    const t0 = performance.now();
    const result = await trainMethod({
      method: name,
      preset: training,
      features,
      split,
      seed: options.seed,
      trainAccuracyVideos: options.trainAccuracyVideos,
      c3dWeights: options.c3dWeights,
      checkpointDir: path.join(options.out, 'checkpoints', methodFolder(name)),
      onEpoch: (r, resumed) => log(epochLine(name, training.epochs, r, resumed)),
    });
    // The test videos are looked at here for the first time, with the model of the epoch validation picked.
    const evaluation = evaluateMethod(result.method, features, split.test);
    trained.evaluations[name] = evaluation;
    trained.histories[name] = result.history;
    trained.checkpoints[name] = `${result.selectedCheckpoint}.safetensors`;
    trained.selectedEpochs[name] = result.selectedEpoch;
    log(
      `[${name}] test accuracy ${(100 * evaluation.report.accuracy).toFixed(2)}% (epoch ${result.selectedEpoch}` +
        `${split.validation.length ? ', picked on validation' : ', the last'}) in ${formatDuration((performance.now() - t0) / 1000)}`,
    );
  }
  return trained;
}

/** Tables 1 and 2 (PLM-IPE's branches as PBE-w/-Mut and LBE-w/-Mut) with the histories and class counts. */
function resultTables(options: TrainAndReportOptions, trained: TrainedMethods): RunResults {
  const { features, split } = options;
  const { evaluations } = trained;
  const row = (name: string, ev: MethodEvaluation | undefined): ResultRow[] =>
    ev ? [{ name, report: ev.report }] : [];
  const plm = evaluations['PLM-IPE'];
  return {
    table1: ['PBE', 'LBE', 'EarlyFusion', 'LateFusion', 'PLM-IPE'].flatMap((n) => row(n, evaluations[n])),
    table2: [
      ...row('PBE', evaluations.PBE),
      ...row('LBE', evaluations.LBE),
      ...(plm?.branches
        ? [
            { name: 'PBE-w/-Mut', report: plm.branches.pixel.report },
            { name: 'LBE-w/-Mut', report: plm.branches.landmark.report },
          ]
        : []),
    ],
    histories: trained.histories,
    testCounts: classCounts(features, split.test),
    trainCounts: classCounts(features, split.train),
    validationCounts: classCounts(features, split.validation),
    selectedEpochs: trained.selectedEpochs,
  };
}

/** The per-video outcome of this (fold, seed): what the paired tests and a k-fold summary are built from. */
function runOutcome(options: TrainAndReportOptions, trained: TrainedMethods, results: RunResults): RunOutcome {
  const { features, split } = options;
  const predicted: Record<string, number[]> = Object.fromEntries(
    Object.entries(trained.evaluations).map(([n, ev]) => [n, ev.predicted]),
  );
  const plm = trained.evaluations['PLM-IPE'];
  if (plm?.branches) {
    predicted['PBE-w/-Mut'] = plm.branches.pixel.predicted;
    predicted['LBE-w/-Mut'] = plm.branches.landmark.predicted;
  }
  return {
    fold: options.fold ?? 1,
    seed: options.seed,
    videos: split.test.map((i) => ({ id: features[i].id, subject: features[i].subject, label: features[i].label })),
    predicted,
    scores: Object.fromEntries(
      [...results.table1, ...results.table2].map((r) => [
        r.name,
        { accuracy: r.report.accuracy, macroF1: r.report.macroF1 },
      ]),
    ),
    selectedEpochs: trained.selectedEpochs,
  };
}

/** Trains every method, evaluates, prints and writes the report. Returns the results. */
export async function trainAndReport(options: TrainAndReportOptions): Promise<SplitRunResult> {
  const path = await import('node:path');
  const { log } = options;
  const trained = await trainAndTest(options);
  const results = resultTables(options, trained);
  const outcome = runOutcome(options, trained, results);
  const { predicted } = outcome;
  for (const [name, p] of Object.entries(predicted)) {
    const c = collapsedClass(p);
    if (c !== null)
      log(
        `warning: ${name} predicted '${LABELS[c]}' for every test video: it collapsed onto one class (its accuracy is that class's share)`,
      );
  }
  const comparison = summarizeRuns([outcome]);
  const pairs = comparison.comparisons.length ? comparisonTable(comparison.comparisons) : '';
  const wallSeconds = (performance.now() - (options.startedAt ?? performance.now())) / 1000;
  const reportFile = await writeReport(path.join(options.out, 'report'), results, {
    title: options.title ?? 'PLM-IPE results',
    config: options.config,
    wallSeconds,
    checkpoints: trained.checkpoints,
    extraMarkdown: pairs
      ? `## Paired comparisons (same test videos; p from a paired bootstrap over test subjects)\n\n${pairs}`
      : undefined,
    extraResults: { comparisons: comparison.comparisons, testVideos: outcome.videos, predicted },
  });
  if (options.printSummary ?? true) {
    log('');
    log(summaryText(results));
    if (pairs) log(`\nPaired comparisons on these test videos (bootstrap over test subjects):\n${pairs}`);
    log('');
    log(`Report: ${reportFile}`);
  }
  return { ...results, reportFile, outcome, comparison };
}

/** Options of {@link trainComparison}: {@link trainAndReport}'s, over several splits and seeds. */
export interface TrainComparisonOptions extends Omit<TrainAndReportOptions, 'split' | 'seed' | 'fold'> {
  /** One split (the paper's or a file's) or k folds. */
  splits: readonly FeatureSplit[];
  /** Training seeds; each split is trained once per seed. */
  seeds: readonly number[];
}

/** The result of {@link trainComparison}. */
export interface ComparisonResult {
  summary: ComparisonSummary;
  outcomes: RunOutcome[];
  reportFile: string;
  /** The single run's results when there was only one (fold, seed). */
  single?: SplitRunResult;
}

/**
 * Trains every (split, seed) and writes the comparison: with one of each, exactly
 * {@link trainAndReport} in `out`; otherwise one run per `out/folds/fold-<k>-seed-<s>/` and the
 * summary (tables as mean ± 95 % CI, paired tests, bar chart, every number) in `out/report/`.
 * Every run resumes from its checkpoints.
 */
export async function trainComparison(options: TrainComparisonOptions): Promise<ComparisonResult> {
  const path = await import('node:path');
  const { splits, seeds, log } = options;
  if (splits.length === 0 || seeds.length === 0)
    throw new Error(`trainComparison: needs at least one split and one seed, got ${splits.length} and ${seeds.length}`);
  if (splits.length === 1 && seeds.length === 1) {
    const single = await trainAndReport({ ...options, split: splits[0], seed: seeds[0] });
    return { summary: single.comparison, outcomes: [single.outcome], reportFile: single.reportFile, single };
  }
  const outcomes: RunOutcome[] = [];
  for (let k = 0; k < splits.length; k++) {
    for (const seed of seeds) {
      const split = splits[k];
      log(
        `== fold ${k + 1}/${splits.length}, seed ${seed}: ${split.train.length} training, ${split.validation.length} validation, ${split.test.length} test videos (test subjects ${split.testSubjects.join(', ')})`,
      );
      const r = await trainAndReport({
        ...options,
        split,
        seed,
        fold: k + 1,
        printSummary: false,
        out: path.join(options.out, 'folds', `fold-${k + 1}-seed-${seed}`),
        title: `${options.title ?? 'PLM-IPE results'}: fold ${k + 1}, seed ${seed}`,
      });
      outcomes.push(r.outcome);
    }
  }
  const summary = summarizeRuns(outcomes);
  const text = comparisonText(summary);
  const wallSeconds = (performance.now() - (options.startedAt ?? performance.now())) / 1000;
  const reportFile = await writeComparisonReport(path.join(options.out, 'report'), summary, outcomes, {
    title: options.title ?? 'PLM-IPE results',
    config: options.config,
    wallSeconds,
    text,
  });
  log('');
  log(text);
  log('');
  log(`Report: ${reportFile}`);
  return { summary, outcomes, reportFile };
}

/** Options of {@link runDemo}. */
export interface DemoRunOptions {
  /** Dataset, extraction and training settings (`demoConfig(...)`). */
  config: DemoConfig;
  /** Output folder (cache, checkpoints, report); a rerun resumes. */
  out: string;
  /** Receives each progress line (the CLI prints them to stderr). */
  log: (line: string) => void;
  progress?: ProgressStream;
  /** Methods to train (default all five of Table 1); Table 2's mutual rows need 'PLM-IPE'. */
  methods?: readonly MethodName[];
  /** Pretrained C3D weights; the config's extraction must then be `pretrainedExtract`'s (checked). */
  c3dWeights?: string;
  /** Subject-grouped k-fold instead of the paper's single split. */
  folds?: number;
  /** Training seeds per split (default 1: the config's seed). */
  seeds?: number;
}

/** Refuses an output folder whose finished report was trained with other defaults (it would be resumed, not retrained). */
async function checkDemoFolder(out: string, config: DemoConfig): Promise<void> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const file = path.join(out, 'report', 'config.json');
  const text = await fs.readFile(file, 'utf8').catch(() => null);
  if (text === null) return;
  const recorded = (JSON.parse(text) as { training?: Partial<TrainingPreset> }).training ?? {};
  const changed = changedDefaultsBetween(recorded, config.training);
  if (changed.length) {
    throw new Error(
      `${out} holds a demo trained with other settings (${changed.join(', ')}; from ${file}); ` +
        `its checkpoints would be reported as they are: use another --out, or delete ${out} to train again`,
    );
  }
}

/**
 * Generates the synthetic dataset, extracts features (cached under `<out>/cache`), trains the five
 * methods (on each fold and seed when asked) and writes `<out>/report`. Rerunning with the same options resumes every stage.
 */
export async function runDemo(
  options: DemoRunOptions,
): Promise<ComparisonResult & Partial<SplitRunResult> & { wallSeconds: number }> {
  const path = await import('node:path');
  const start = performance.now();
  const { log } = options;
  // Upgraded here so the report's config.json names the options as they are read back.
  const config = { ...options.config, extract: upgradeExtractOptions(options.config.extract) };
  if (options.c3dWeights) checkPretrainedExtract(config.extract, 'the demo configuration', options.c3dWeights);
  await checkDemoFolder(options.out, config);
  const ds = generateDataset(config.dataset);
  log(
    `Synthetic dataset: ${ds.entries.length} videos of ${ds.options.width}x${ds.options.height} at ${ds.options.fps} fps, ${ds.subjects.length} subjects (seed ${config.seed})`,
  );
  const extracted = await extractFeatures(syntheticSources(ds), {
    cacheDir: path.join(options.out, 'cache'),
    extract: config.extract,
    progress: options.progress,
  });
  log(
    `Features: ${extracted.computed} videos extracted, ${extracted.cached} read from the cache (${formatDuration((performance.now() - start) / 1000)})`,
  );
  const plan = splitPlan(extracted.features, { seed: config.seed, folds: options.folds });
  const splits = plan.map((p) => partitionFeatures(extracted.features, p));
  for (const w of plan.flatMap((p) => p.warnings)) log(`warning: ${w}`);
  const first = splits[0];
  const trainAccuracyVideos = Math.max(...splits.map((s) => s.test.length));
  log(
    `Split by subject${splits.length > 1 ? ` into ${splits.length} folds (fold 1:` : ' ('}${first.train.length} training, ${first.validation.length} validation, ` +
      `${first.test.length} test videos; test subjects ${first.testSubjects.join(', ')}); train accuracy per epoch measured on ${trainAccuracyVideos} of the training videos`,
  );
  const seeds = Array.from({ length: options.seeds ?? 1 }, (_, i) => config.seed + i);
  const result = await trainComparison({
    features: extracted.features,
    splits,
    seeds,
    training: config.training,
    out: options.out,
    methods: options.methods,
    config: { ...config, folds: options.folds ?? null, seeds },
    log,
    trainAccuracyVideos,
    c3dWeights: options.c3dWeights,
    title: `PLM-IPE demo (preset ${config.preset}, size ${config.size}, seed ${config.seed})`,
    startedAt: start,
  });
  const wallSeconds = (performance.now() - start) / 1000;
  log(`Total wall time ${formatDuration(wallSeconds)}`);
  // A single run also returns its tables (table1, table2, ...) at the top level, as before k-fold existed.
  return { ...result.single, ...result, wallSeconds };
}
