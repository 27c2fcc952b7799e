// Training one method of Tables 1-2 for E epochs on extracted features: seeded shuffles, per-epoch
// loss and train/validation accuracy (the test videos are never looked at here), model selection on
// the validation part, and a checkpoint per epoch (model, optimizer state, history) written
// atomically with a small state file written last, so an interrupted run resumes from the last
// complete epoch. A NaN/Inf loss stops training with the method, epoch and batch named.
import { createRng, manualSeed } from '../tensor/random.js';
import { serializeSafetensors, parseSafetensors, type NamedTensors } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import {
  createMethod,
  createOptimizers,
  klRampFactor,
  learningRateFactor,
  type MethodName,
  type TrainingPreset,
} from '../models/presets.js';
import type { MethodOptimizers, PreferenceMethod } from '../models/method.js';
import { PLMIPE } from '../models/plm-ipe.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import type { SavableModel } from '../models/checkpoint.js';
import { loadModelInto, saveModel } from '../models/checkpoint-node.js';
import { balancedClassWeights, batchIndices, classCounts, makeBatch, type FeatureSplit } from './dataset.js';
import { accuracyOf, evaluateMethod, type MethodEvaluation } from './evaluate.js';
import { loadPretrainedC3D } from './pretrained.js';
import type { VideoFeatures } from './extract.js';

/** The five methods that are trained (PBE-w/-Mut and LBE-w/-Mut are PLM-IPE's branches). */
export const TRAINED_METHODS = [
  'PBE',
  'LBE',
  'EarlyFusion',
  'LateFusion',
  'PLM-IPE',
] as const satisfies readonly MethodName[];

/** One epoch of the training history. */
export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch's batches (the method's `loss` term). */
  loss: number;
  /** Mean of every loss term the method reports (`pixel.ce`, `landmark.kl`, ...). */
  terms: Record<string, number>;
  trainAccuracy: number;
  /** Accuracy on the validation videos (NaN without a validation part). */
  validationAccuracy: number;
  /** Macro F1 on the validation videos: what picks the reported epoch (a one-class collapse scores low). */
  validationMacroF1: number;
  /** Videos predicted as each class on validation `[negative, neutral, positive]` (a collapse shows as one non-zero count). */
  validationPredicted: [number, number, number];
  /** PLM-IPE only: each branch alone on the validation videos (a branch collapsing onto one class shows here first). */
  validationBranches?: Record<
    'pixel' | 'landmark',
    { accuracy: number; macroF1: number; predicted: [number, number, number] }
  >;
  seconds: number;
}

/** What a training run needs. */
export interface TrainOptions {
  method: MethodName;
  preset: Readonly<TrainingPreset>;
  features: readonly VideoFeatures[];
  split: FeatureSplit;
  /** Epochs in all (a resumed run trains the missing ones). Default: the preset's. */
  epochs?: number;
  /** Default: the preset's. */
  batchSize?: number;
  seed?: number | string;
  /** Folder of this method's checkpoints; resumes from it when it holds a state file. */
  checkpointDir: string;
  /** Keep every epoch's checkpoint (default: only the last, older ones are deleted after the next is complete). */
  keepAll?: boolean;
  /** Skip the train-set accuracy (a forward pass over the training set each epoch). */
  skipTrainAccuracy?: boolean;
  /**
   * Measure the train-set accuracy on this many training videos, evenly spread over the split
   * (default: all). An eval pass over the whole training set costs about a quarter of a pixel epoch;
   * a sample the size of the test set draws the same curve for much less.
   */
  trainAccuracyVideos?: number;
  /** Called after each epoch (and once per resumed epoch with `resumed` true). */
  onEpoch?: (record: EpochRecord, resumed: boolean) => void;
  /**
   * Pretrained C3D weights (a path or bytes: PyTorch checkpoint or safetensors) loaded into the pixel
   * branch before the first epoch; the preset's `trainBackbone` decides frozen or fine-tuned.
   */
  c3dWeights?: string | Uint8Array;
}

/** The result of {@link trainMethod}. */
export interface TrainResult {
  method: PreferenceMethod;
  history: EpochRecord[];
  /** Epochs read back from a previous run. */
  resumedEpochs: number;
  /** Base path of the last checkpoint (`<dir>/epoch-003`), the one a rerun resumes from. */
  checkpoint: string;
  /**
   * The epoch whose model `method` holds and the report uses: the best validation macro F1
   * (ties: higher validation accuracy, then the earlier epoch), or the last epoch without a validation part.
   */
  selectedEpoch: number;
  /** Base path of the selected epoch's checkpoint. */
  selectedCheckpoint: string;
}

/** The state file: what was completed, written after the checkpoint it points to. */
interface TrainState {
  format: 'plm-ipe-train-state';
  method: string;
  epoch: number;
  checkpoint: string;
  /** Stem of the selected epoch's checkpoint (kept when older ones are deleted). */
  selected?: string;
  history: EpochRecord[];
}

function optimizerEntries(optimizers: MethodOptimizers): [string, Optimizer][] {
  return (['pixel', 'landmark'] as const).filter((k) => optimizers[k]).map((k) => [k, optimizers[k]!]);
}

/** Optimizer states as one safetensors file: slots as `<which>.<param>.<slot>`, steps and hyper-parameters as metadata. */
function serializeOptimizers(optimizers: MethodOptimizers): Uint8Array {
  const tensors: NamedTensors = {};
  const meta: Record<string, unknown> = {};
  for (const [which, opt] of optimizerEntries(optimizers)) {
    const s = opt.stateDict();
    const steps: Record<string, number> = {};
    for (const [i, rec] of Object.entries(s.state)) {
      steps[i] = rec.step;
      for (const [slot, t] of Object.entries(rec.slots)) tensors[`${which}.${i}.${slot}`] = t;
    }
    meta[which] = { hyper: s.hyper, steps };
  }
  return serializeSafetensors(tensors, { optimizers: JSON.stringify(meta) });
}

function restoreOptimizers(optimizers: MethodOptimizers, bytes: Uint8Array, file: string): void {
  const { tensors, metadata } = parseSafetensors(bytes, file);
  const meta = JSON.parse(metadata.optimizers ?? '{}') as Record<
    string,
    { hyper: OptimizerState['hyper']; steps: Record<string, number> }
  >;
  for (const [which, opt] of optimizerEntries(optimizers)) {
    const m = meta[which];
    if (!m) throw new Error(`${file}: no '${which}' optimizer state; the checkpoint is from another method`);
    const state: OptimizerState['state'] = {};
    for (const [i, step] of Object.entries(m.steps)) state[Number(i)] = { step, slots: {} };
    for (const [name, t] of Object.entries(tensors)) {
      const [w, i, slot] = name.split('.');
      if (w === which) state[Number(i)].slots[slot] = t;
    }
    opt.loadStateDict({ hyper: m.hyper, state });
  }
  for (const t of Object.values(tensors)) t.dispose();
}

async function readState(dir: string, method: string): Promise<TrainState | null> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const file = path.join(dir, 'state.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  const state = JSON.parse(text) as TrainState;
  if (state.format !== 'plm-ipe-train-state') throw new Error(`${file} is not a training state file`);
  if (state.method !== method)
    throw new Error(`${file} belongs to method '${state.method}', not '${method}'; use another --out folder`);
  return state;
}

/** `n` of `items` evenly spread (all of them when n is undefined or not smaller). */
function spreadSample<T>(items: readonly T[], n: number | undefined): readonly T[] {
  if (n === undefined || n >= items.length) return items;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`trainAccuracyVideos must be a positive integer, got ${n}`);
  return Array.from({ length: n }, (_, i) => items[Math.floor(((i + 0.5) * items.length) / n)]);
}

/**
 * The epoch a run reports: best validation macro F1, then validation accuracy, then the earlier
 * epoch; the last epoch when there was no validation part (NaN scores).
 */
export function selectEpoch(history: readonly EpochRecord[]): number {
  if (history.length === 0) throw new Error('selectEpoch: empty history');
  let best = history[history.length - 1];
  if (!Number.isFinite(best.validationMacroF1)) return best.epoch;
  best = history[0];
  for (const r of history) {
    if (
      r.validationMacroF1 > best.validationMacroF1 ||
      (r.validationMacroF1 === best.validationMacroF1 && r.validationAccuracy > best.validationAccuracy)
    )
      best = r;
  }
  return best.epoch;
}

/** Videos predicted as each class: the column sums of a confusion matrix. */
const predictedCounts = (r: { confusion: number[][] }): [number, number, number] =>
  [0, 1, 2].map((c) => r.confusion.reduce((a, row) => a + row[c], 0)) as [number, number, number];

const stemOf = (epoch: number): string => `epoch-${String(epoch).padStart(3, '0')}`;

/** A run's starting point: the seeded model and optimizers, with what a previous run completed read back. */
interface RunStart {
  method: PreferenceMethod;
  optimizers: MethodOptimizers;
  /** Completed epochs (resumed ones; grows as epochs finish). */
  history: EpochRecord[];
  /** Base path of the newest complete checkpoint ('' before the first). */
  checkpoint: string;
  /** Base path of the selected epoch's checkpoint ('' before the first). */
  previousSelected: string;
}

/**
 * Creates the checkpoint folder, the seeded model (with pretrained C3D weights) and its optimizers,
 * and restores them from the folder's state file when a previous run left one.
 */
async function prepareRun(options: TrainOptions, epochs: number): Promise<RunStart> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const name = options.method;
  await fs.mkdir(options.checkpointDir, { recursive: true });

  // Same seed and method, same initial weights and dropout masks.
  manualSeed(`${options.seed ?? 0}/${name}/init`);
  const method = createMethod(name, options.preset);
  // Before the optimizers exist (they only hold references) and before a resume overwrites them.
  if (options.c3dWeights !== undefined) await loadPretrainedC3D(method, options.c3dWeights);
  const optimizers = createOptimizers(method, options.preset);
  const start: RunStart = { method, optimizers, history: [], checkpoint: '', previousSelected: '' };

  const state = await readState(options.checkpointDir, name);
  if (state) {
    start.checkpoint = path.join(options.checkpointDir, state.checkpoint);
    await loadModelInto(method as SavableModel, start.checkpoint);
    const optimFile = `${start.checkpoint}.optim.safetensors`;
    restoreOptimizers(optimizers, await fs.readFile(optimFile), optimFile);
    start.history.push(...state.history.slice(0, Math.min(state.epoch, epochs)));
    if (state.selected) start.previousSelected = path.join(options.checkpointDir, state.selected);
    for (const r of start.history) options.onEpoch?.(r, true);
  }
  return start;
}

/** Class weights of the preset's `classBalance`, from the training part only (never validation or test). */
function trainingClassWeights(options: TrainOptions): number[] | undefined {
  const classBalance = options.preset.classBalance ?? 'none';
  if (classBalance !== 'none' && classBalance !== 'balanced')
    throw new Error(`classBalance must be 'none' or 'balanced', got ${JSON.stringify(classBalance)}`);
  return classBalance === 'balanced'
    ? balancedClassWeights(classCounts(options.features, options.split.train))
    : undefined;
}

/** What one epoch's batches need besides the run start. */
interface EpochSettings {
  epoch: number;
  epochs: number;
  batchSize: number;
  seed: number | string;
  classWeights: number[] | undefined;
}

/**
 * One pass over the shuffled training part (seeded by epoch, so a resumed run draws the same
 * batches); returns the mean of each loss term. A failing batch names the epoch, batch and the
 * last good checkpoint.
 */
function trainEpoch(options: TrainOptions, run: RunStart, e: EpochSettings): Record<string, number> {
  const { method, optimizers } = run;
  const { preset, features, split } = options;
  const name = options.method;
  manualSeed(`${e.seed}/${name}/epoch/${e.epoch}`);
  // Set from the preset every epoch (not read back from a checkpoint), so a resumed run follows the same schedule.
  const factor = learningRateFactor(preset.lrSchedule, e.epoch, e.epochs);
  if (optimizers.pixel) optimizers.pixel.lr = preset.pixelLr * factor;
  if (optimizers.landmark) optimizers.landmark.lr = preset.landmarkLr * factor;
  // Likewise the KL ramp (only PLM-IPE has a KL term).
  if (method instanceof PLMIPE) method.klWeight = klRampFactor(preset.klRampEpochs, e.epoch);
  method.train();
  const sums: Record<string, number> = {};
  const batches = batchIndices(split.train, e.batchSize, { seed: e.seed, epoch: e.epoch });
  const flip = preset.pixelFlip ? { flip: createRng(`${e.seed}/${name}/flip/${e.epoch}`) } : {};
  const augment = { ...flip, classWeights: e.classWeights };
  batches.forEach((chunk, b) => {
    const batch = makeBatch(features, chunk, augment);
    try {
      const losses = method.trainStep(batch, optimizers);
      for (const [k, v] of Object.entries(losses)) sums[k] = (sums[k] ?? 0) + v;
    } catch (err) {
      throw new Error(
        `training ${name} stopped in epoch ${e.epoch}, batch ${b + 1}/${batches.length}: ${(err as Error).message}` +
          (run.checkpoint ? `; the last good checkpoint is ${run.checkpoint}` : ''),
      );
    } finally {
      batch.pixel.clips?.dispose();
      batch.landmark.descriptors.dispose();
    }
  });
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / batches.length]));
}

/** Accuracy, macro F1 and predicted counts of one validation report. */
const validationScores = (r: MethodEvaluation['report']) => ({
  accuracy: r.accuracy,
  macroF1: r.macroF1,
  predicted: predictedCounts(r),
});

/** The epoch's record: its losses, train accuracy (on `trainSample`) and the validation scores (seconds set later). */
function epochRecord(
  options: TrainOptions,
  method: PreferenceMethod,
  epoch: number,
  terms: Record<string, number>,
  trainSample: readonly number[],
): EpochRecord {
  const { features, split } = options;
  const validationEval = split.validation.length ? evaluateMethod(method, features, split.validation) : null;
  const validation = validationEval ? validationEval.report : null;
  const record: EpochRecord = {
    epoch,
    loss: terms.loss ?? NaN,
    terms,
    trainAccuracy: options.skipTrainAccuracy ? NaN : accuracyOf(method, features, trainSample),
    validationAccuracy: validation ? validation.accuracy : NaN,
    validationMacroF1: validation ? validation.macroF1 : NaN,
    validationPredicted: validation ? predictedCounts(validation) : [0, 0, 0],
    seconds: 0,
  };
  if (validationEval?.branches) {
    const b = validationEval.branches;
    record.validationBranches = {
      pixel: validationScores(b.pixel.report),
      landmark: validationScores(b.landmark.report),
    };
  }
  return record;
}

/**
 * Writes the epoch's checkpoint and the state file pointing at it (with the selected epoch), then
 * deletes checkpoints neither the state file nor `keepAll` needs; updates `run`'s paths.
 */
async function writeEpochCheckpoint(options: TrainOptions, run: RunStart, epoch: number): Promise<void> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const dir = options.checkpointDir;
  // Model, then optimizer, then the state file that points at them: a crash anywhere leaves
  // the previous state file pointing at a complete previous checkpoint.
  const stem = stemOf(epoch);
  const base = path.join(dir, stem);
  await saveModel(run.method as SavableModel, base);
  await writeFileAtomic(`${base}.optim.safetensors`, serializeOptimizers(run.optimizers));
  const selected = stemOf(selectEpoch(run.history));
  const next: TrainState = {
    format: 'plm-ipe-train-state',
    method: options.method,
    epoch,
    checkpoint: stem,
    selected,
    history: run.history,
  };
  await writeFileAtomic(path.join(dir, 'state.json'), JSON.stringify(next, null, 1));
  if (!options.keepAll) {
    // Only the newest (resume) and the selected checkpoints are kept; the state file already points at them.
    for (const old of [run.checkpoint, run.previousSelected]) {
      if (!old || old === base || path.basename(old) === selected) continue;
      for (const ext of ['.safetensors', '.json', '.optim.safetensors']) await fs.rm(`${old}${ext}`, { force: true });
    }
  }
  run.checkpoint = base;
  run.previousSelected = path.join(dir, selected);
}

/**
 * Trains (or resumes) one method and returns it with its history.
 * @example
 * const { method, history } = await trainMethod({ method: 'PLM-IPE', preset, features, split, checkpointDir: 'runs/x/plm-ipe' });
 */
export async function trainMethod(options: TrainOptions): Promise<TrainResult> {
  const path = await import('node:path');
  const { split, preset } = options;
  const epochs = options.epochs ?? preset.epochs;
  const batchSize = options.batchSize ?? preset.batchSize;
  const seed = options.seed ?? 0;
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`epochs must be a positive integer, got ${epochs}`);
  if (split.train.length === 0) throw new Error('the training split is empty');

  const run = await prepareRun(options, epochs);
  const { method, history } = run;
  const resumedEpochs = history.length;
  const trainSample = spreadSample(split.train, options.trainAccuracyVideos);
  // The same for every epoch and a resumed run.
  const classWeights = trainingClassWeights(options);

  for (let epoch = resumedEpochs + 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    const terms = trainEpoch(options, run, { epoch, epochs, batchSize, seed, classWeights });
    const record = epochRecord(options, method, epoch, terms, trainSample);
    record.seconds = (performance.now() - t0) / 1000;
    history.push(record);
    await writeEpochCheckpoint(options, run, epoch);
    options.onEpoch?.(record, false);
  }
  const selectedEpoch = selectEpoch(history);
  const selectedCheckpoint = path.join(options.checkpointDir, stemOf(selectedEpoch));
  if (selectedCheckpoint !== run.checkpoint) await loadModelInto(method as SavableModel, selectedCheckpoint);
  return { method, history, resumedEpochs, checkpoint: run.checkpoint, selectedEpoch, selectedCheckpoint };
}
