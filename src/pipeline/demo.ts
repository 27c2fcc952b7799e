// The end-to-end run behind `plm-ipe demo` (and `train`/`eval` on extracted features): train the
// five methods of Table 1 on a split, evaluate them and PLM-IPE's branches (Table 2), and write the
// report folder. Generation of the synthetic set and extraction happen here too for the demo.
// Prints through a `log` callback only; the CLI decides where lines go.
import { generateDataset } from '../data/synthetic/dataset.js';
import type { ProgressStream } from '../data/progress.js';
import { formatDuration } from '../data/progress.js';
import type { TrainingPreset } from '../models/presets.js';
import { classCounts, splitFeatures, type FeatureSplit } from './dataset.js';
import { extractFeatures, syntheticSources, type VideoFeatures } from './extract.js';
import { evaluateMethod, type MethodEvaluation } from './evaluate.js';
import { methodSlug, trainMethod, TRAINED_METHODS, type EpochRecord } from './train.js';
import { summaryText, writeReport, type ResultRow, type RunResults } from './report.js';
import type { DemoConfig } from './demo-config.js';
import type { MethodName } from '../models/presets.js';
import { checkPretrainedExtract } from './pretrained.js';

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
  log: (line: string) => void;
  title?: string;
  startedAt?: number;
  /** Training videos the per-epoch train accuracy is measured on (see TrainOptions; default all). */
  trainAccuracyVideos?: number;
  /** Pretrained C3D weights for every method's pixel branch (see TrainOptions). */
  c3dWeights?: string;
}

/** Trains every method, evaluates, prints and writes the report. Returns the results. */
export async function trainAndReport(options: TrainAndReportOptions): Promise<RunResults & { reportFile: string }> {
  const path = await import('node:path');
  const { features, split, training, log } = options;
  const methods = options.methods ?? TRAINED_METHODS;
  const evaluations: Record<string, MethodEvaluation> = {};
  const histories: Record<string, EpochRecord[]> = {};
  const checkpoints: Record<string, string> = {};
  for (const name of methods) {
    const t0 = performance.now();
    const result = await trainMethod({
      method: name, preset: training, features, split, seed: options.seed, trainAccuracyVideos: options.trainAccuracyVideos, c3dWeights: options.c3dWeights,
      checkpointDir: path.join(options.out, 'checkpoints', methodSlug(name)),
      onEpoch: (r, resumed) => log(`[${name}] epoch ${r.epoch}/${training.epochs} loss ${r.loss.toFixed(4)} ` +
        `train ${(100 * r.trainAccuracy).toFixed(1)}% test ${(100 * r.testAccuracy).toFixed(1)}% ` +
        (resumed ? '(from checkpoint)' : `(${r.seconds.toFixed(1)} s)`)),
    });
    evaluations[name] = evaluateMethod(result.method, features, split.test);
    histories[name] = result.history;
    checkpoints[name] = `${result.checkpoint}.safetensors`;
    log(`[${name}] test accuracy ${(100 * evaluations[name].report.accuracy).toFixed(2)}% in ${formatDuration((performance.now() - t0) / 1000)}`);
  }
  const row = (name: string, ev: MethodEvaluation | undefined): ResultRow[] => (ev ? [{ name, report: ev.report }] : []);
  const plm = evaluations['PLM-IPE'];
  const results: RunResults = {
    table1: ['PBE', 'LBE', 'EarlyFusion', 'LateFusion', 'PLM-IPE'].flatMap((n) => row(n, evaluations[n])),
    table2: [
      ...row('PBE', evaluations.PBE),
      ...row('LBE', evaluations.LBE),
      ...(plm?.branches ? [{ name: 'PBE-w/-Mut', report: plm.branches.pixel.report }, { name: 'LBE-w/-Mut', report: plm.branches.landmark.report }] : []),
    ],
    histories,
    testCounts: classCounts(features, split.test),
    trainCounts: classCounts(features, split.train),
  };
  const wallSeconds = (performance.now() - (options.startedAt ?? performance.now())) / 1000;
  const reportFile = await writeReport(path.join(options.out, 'report'), results, {
    title: options.title ?? 'PLM-IPE results', config: options.config, wallSeconds, checkpoints,
  });
  log('');
  log(summaryText(results));
  log('');
  log(`Report: ${reportFile}`);
  return { ...results, reportFile };
}

/** Options of {@link runDemo}. */
export interface DemoRunOptions {
  config: DemoConfig;
  out: string;
  log: (line: string) => void;
  progress?: ProgressStream;
  /** Methods to train (default all five of Table 1); Table 2's mutual rows need 'PLM-IPE'. */
  methods?: readonly MethodName[];
  /** Pretrained C3D weights; the config's extraction must then be `pretrainedExtract`'s (checked). */
  c3dWeights?: string;
}

/**
 * Generates the synthetic dataset, extracts features (cached under `<out>/cache`), trains the five
 * methods and writes `<out>/report`. Rerunning with the same options resumes every stage.
 */
export async function runDemo(options: DemoRunOptions): Promise<RunResults & { reportFile: string; wallSeconds: number }> {
  const path = await import('node:path');
  const start = performance.now();
  const { config, log } = options;
  if (options.c3dWeights) checkPretrainedExtract(config.extract, 'the demo configuration', options.c3dWeights);
  const ds = generateDataset(config.dataset);
  log(`Synthetic dataset: ${ds.entries.length} videos of ${ds.options.width}x${ds.options.height} at ${ds.options.fps} fps, ${ds.subjects.length} subjects (seed ${config.seed})`);
  const extracted = await extractFeatures(syntheticSources(ds), { cacheDir: path.join(options.out, 'cache'), extract: config.extract, progress: options.progress });
  log(`Features: ${extracted.computed} videos extracted, ${extracted.cached} read from the cache (${formatDuration((performance.now() - start) / 1000)})`);
  const split = splitFeatures(extracted.features, { seed: config.seed });
  log(`Split by subject: ${split.train.length} training videos, ${split.test.length} test videos (test subjects ${split.testSubjects.join(', ')}); ` +
    `train accuracy per epoch measured on ${Math.min(split.test.length, split.train.length)} of the training videos`);
  const results = await trainAndReport({
    features: extracted.features, split, training: config.training, seed: config.seed, out: options.out, methods: options.methods,
    config, log, trainAccuracyVideos: split.test.length, c3dWeights: options.c3dWeights, title: `PLM-IPE demo (preset ${config.preset}, size ${config.size}, seed ${config.seed})`, startedAt: start,
  });
  const wallSeconds = (performance.now() - start) / 1000;
  log(`Total wall time ${formatDuration(wallSeconds)}`);
  return { ...results, wallSeconds };
}
