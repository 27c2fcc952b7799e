// Issue 15: why does the tiny demo's pixel branch (PBE) predict one class? Per fold of the tiny demo's
// data: class counts of the training and validation parts, then per epoch the pixel logits on the
// VALIDATION videos: per-class mean (the bias every video shares) against the across-video sd of
// each logit (the part that depends on the clip), and the predicted counts. Test parts are never
// evaluated. Run from the repo root:
//   node --import tsx scripts/probes/pixel-collapse-diagnosis.mts [folds] [method] ['{"classBalance":"balanced"}'] [seed]
// (the optional JSON overrides the tiny demo's training preset, e.g. classBalance or klRampEpochs).
import { generateDataset } from '../../src/data/synthetic/dataset.js';
import { demoConfig } from '../../src/pipeline/demo-config.js';
import { extractFeatures, syntheticSources } from '../../src/pipeline/extract.js';
import { classCounts, makeBatch, partitionFeatures, splitPlan } from '../../src/pipeline/dataset.js';
import { trainMethod } from '../../src/pipeline/train.js';
import type { PreferenceMethod } from '../../src/models/method.js';
import type { TrainingPreset } from '../../src/models/presets.js';

const folds = Number(process.argv[2] ?? 3);
const methodName = (process.argv[3] ?? 'PBE') as 'PBE' | 'PLM-IPE';
const overrides = JSON.parse(process.argv[4] ?? '{}') as Partial<TrainingPreset>;
const config = demoConfig({ size: 'tiny', seed: Number(process.argv[5] ?? 1) });
config.training = { ...config.training, ...overrides };
const ds = generateDataset(config.dataset);
const { features } = await extractFeatures(syntheticSources(ds), { cacheDir: '/tmp/mutual-collapse/cache', extract: config.extract });
const splits = splitPlan(features, { seed: config.seed, folds }).map((p) => partitionFeatures(features, p));
const f2 = (v: number) => v.toFixed(2);

/** Per-class mean and across-video sd of log-probabilities (logits up to a per-video constant, centred per video). */
function logitStats(method: PreferenceMethod, idx: number[]): { mean: number[]; sd: number[] } {
  const batch = makeBatch(features, idx);
  const p = (method as unknown as { predictProba(b: unknown, branch?: string): { toArray(): number[][]; dispose(): void } }).predictProba(batch, methodName === 'PLM-IPE' ? 'pixel' : undefined);
  const rows = p.toArray().map((r) => { const l = r.map(Math.log); const m = l.reduce((a, b) => a + b) / 3; return l.map((x) => x - m); });
  p.dispose();
  batch.pixel.clips?.dispose();
  batch.landmark.descriptors.dispose();
  const mean = [0, 1, 2].map((c) => rows.reduce((a, r) => a + r[c], 0) / rows.length);
  const sd = [0, 1, 2].map((c) => Math.sqrt(rows.reduce((a, r) => a + (r[c] - mean[c]) ** 2, 0) / rows.length));
  return { mean, sd };
}

let f1Sum = 0;
let collapsed = 0;
for (let k = 0; k < splits.length; k++) {
  const s = splits[k];
  console.log(`fold ${k + 1}: train classes ${classCounts(features, s.train).join('/')}, validation classes ${classCounts(features, s.validation).join('/')}`);
  const r = await trainMethod({
    method: methodName, preset: config.training, features, split: s, seed: config.seed,
    checkpointDir: `/tmp/collapse-diag/seed-${config.seed}/${methodName}-${JSON.stringify(overrides).replace(/\W+/g, '_')}/fold-${k + 1}`, skipTrainAccuracy: true, keepAll: true,
  });
  for (const e of r.history) {
    const px = e.validationBranches?.pixel;
    console.log(`  epoch ${e.epoch}: pixel ce ${f2(e.terms['pixel.ce'] ?? e.terms.loss)}, val predicted ${(px ? px.predicted : e.validationPredicted).join('/')} F1 ${f2(px ? px.macroF1 : e.validationMacroF1)}`);
  }
  const sel = r.history[r.selectedEpoch - 1];
  const selPx = sel.validationBranches?.pixel;
  f1Sum += selPx ? selPx.macroF1 : sel.validationMacroF1;
  if ((selPx ? selPx.predicted : sel.validationPredicted).filter((c) => c > 0).length === 1) collapsed++;
  const st = logitStats(r.method, s.validation);
  console.log(`  selected epoch ${r.selectedEpoch}: centred log-prob mean ${st.mean.map(f2).join('/')}, across-video sd ${st.sd.map(f2).join('/')}`);
  const tr = logitStats(r.method, s.train);
  console.log(`  same on the training videos: mean ${tr.mean.map(f2).join('/')}, sd ${tr.sd.map(f2).join('/')}`);
}
console.log(`${methodName} ${JSON.stringify(overrides)} seed ${config.seed}: pixel validation macro F1 at the selected epochs ${f2(f1Sum / splits.length)}, one class in ${collapsed}/${splits.length} folds`);
