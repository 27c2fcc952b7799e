// Build-time training of the demo's bundled checkpoint: renders a small synthetic dataset,
// turns each video into 72-d descriptor rows with describeVideo, trains a LandmarkEstimator for a
// few epochs on the cpu backend and saves it with saveModel. Node only; about a minute on 2 cores.
import {
  Adam, LABELS, LandmarkEstimator, crossEntropy, describeVideo, generateDataset, manualSeed, noGrad, saveModel, scoreToLabel, tensor, tidy,
} from '../../src/index.js';
import { DEMO_HIDDEN, DESCRIPTOR_OPTIONS, TARGET_FPS } from './settings.js';

/** Options of {@link trainCheckpoint}. */
export interface TrainCheckpointOptions {
  /** Synthetic subjects (15 videos each). Default 10. */
  subjects?: number;
  /** Training epochs. Default 12. */
  epochs?: number;
  /** Seed of the data and the weights. Default 7. */
  seed?: number;
  /** Progress lines. Default console.log. */
  log?: (line: string) => void;
}

interface Sequence {
  values: Float32Array;
  length: number;
  label: number;
}

/** Renders the synthetic videos and describes each one (landmarks from the generator's detector-like track). */
function makeSequences(subjects: number, seed: number): Sequence[] {
  const ds = generateDataset({ seed, subjects, sessionsPerSubject: 1, size: 112, fps: TARGET_FPS });
  return ds.entries.map((entry) => {
    const video = ds.renderVideo(entry);
    const frames = video.frames.map((data) => ({ width: video.width, height: video.height, data, channels: 3 as const }));
    const points = video.landmarks.map((f) => Array.from({ length: 68 }, (_, i) => [f[2 * i], f[2 * i + 1]] as [number, number]));
    const d = describeVideo(frames, points, { ...DESCRIPTOR_OPTIONS, fps: TARGET_FPS });
    return { values: d.values, length: d.length, label: scoreToLabel(entry.score) };
  });
}

/** Pads a batch of sequences to the longest one: `[N, T, 72]` values and the lengths. */
function batchOf(seqs: Sequence[]): { data: Float32Array; shape: [number, number, number]; lengths: number[] } {
  const T = Math.max(...seqs.map((s) => s.length));
  const data = new Float32Array(seqs.length * T * 72);
  seqs.forEach((s, i) => data.set(s.values, i * T * 72));
  return { data, shape: [seqs.length, T, 72], lengths: seqs.map((s) => s.length) };
}

function shuffle<T>(xs: T[], rng: () => number): T[] {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Trains the demo's LandmarkEstimator and saves it as `<base>.safetensors` + `<base>.json`.
 * Returns the final training accuracy and the class counts.
 */
export async function trainCheckpoint(base: string, options: TrainCheckpointOptions = {}): Promise<{ accuracy: number; counts: number[] }> {
  const log = options.log ?? console.log;
  const seed = options.seed ?? 7;
  const t0 = Date.now();
  manualSeed(seed);
  const seqs = makeSequences(options.subjects ?? 10, seed);
  const counts = LABELS.map((_, k) => seqs.filter((s) => s.label === k).length);
  log(`checkpoint: ${seqs.length} synthetic videos described in ${((Date.now() - t0) / 1000).toFixed(1)} s (negative/neutral/positive ${counts.join('/')})`);
  const model = new LandmarkEstimator({ hiddenSize: DEMO_HIDDEN });
  const opt = new Adam(model.parameters(), { lr: 5e-3 });
  // Inverse-frequency class weights would need a weighted loss; oversampling the rarer classes is simpler.
  const maxCount = Math.max(...counts);
  const balanced = seqs.flatMap((s) => Array.from({ length: Math.round(maxCount / Math.max(1, counts[s.label])) }, () => s));
  let state = seed;
  const rng = (): number => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  let accuracy = 0;
  const epochs = options.epochs ?? 12;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffle(balanced, rng);
    let lossSum = 0;
    let correct = 0;
    for (let i = 0; i < order.length; i += 16) {
      const part = order.slice(i, i + 16);
      const b = batchOf(part);
      const labels = part.map((s) => s.label);
      const { loss, pred } = tidy(() => {
        opt.zeroGrad();
        const logits = model.forward({ descriptors: tensor(b.data, b.shape), lengths: b.lengths });
        const l = crossEntropy(logits, labels);
        l.backward();
        opt.step();
        return { loss: l.item(), pred: Array.from(noGrad(() => logits.argMax(1)).dataSync()) };
      });
      lossSum += loss * part.length;
      correct += pred.filter((p, k) => p === labels[k]).length;
    }
    accuracy = correct / order.length;
    log(`checkpoint: epoch ${epoch}/${epochs} loss ${(lossSum / order.length).toFixed(3)} train accuracy ${(accuracy * 100).toFixed(1)}%`);
  }
  await saveModel(model, base);
  log(`checkpoint: saved ${base}.{json,safetensors} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { accuracy, counts };
}
