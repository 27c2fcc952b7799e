// Issue 15: why does the demo's pixel branch (PBE, or PLM-IPE's pixel branch) predict one class? Per
// subject fold of the demo's data: class counts of the training and validation parts, then per epoch
// the scores on the VALIDATION videos, and at the selected epoch the pixel logits split into the part
// every video shares (per-class mean) and the part that depends on the clip (across-video sd). Test
// parts are never evaluated. Public API only. Run from the repo root:
//   node --import tsx scripts/probes/pixel-collapse-diagnosis.mts [folds] [method] [overrides] [seed] [--size tiny|small]
// (overrides: JSON merged into the demo's training preset, e.g. '{"classBalance":"none"}' or
// '{"klRampEpochs":4}'; size defaults to tiny; features cached in /tmp/mutual-collapse/cache).
import { demoConfig, generateDataset, makeBatch, partitionFeatures, splitPlan } from 'plm-ipe';
import type { PreferenceMethod, TrainingPreset, VideoFeatures } from 'plm-ipe';
import { extractFeatures, syntheticSources, trainMethod } from 'plm-ipe/node';
import { probeArgs } from './probe-args.mjs';

const { size, positional: args } = probeArgs();
const folds = Number(args[0] ?? 3);
const methodName = args[1] ?? 'PBE';
if (methodName !== 'PBE' && methodName !== 'PLM-IPE')
  throw new Error(`method must be PBE or PLM-IPE, got ${JSON.stringify(methodName)}`);
const overrides = JSON.parse(args[2] ?? '{}') as Partial<TrainingPreset>;
const config = demoConfig({ size, seed: Number(args[3] ?? 1) });
config.training = { ...config.training, ...overrides };
const ds = generateDataset(config.dataset);
const { features } = await extractFeatures(syntheticSources(ds), {
  cacheDir: '/tmp/mutual-collapse/cache',
  extract: config.extract,
});
const splits = splitPlan(features, { seed: config.seed, folds }).map((p) => partitionFeatures(features, p));
const f2 = (v: number) => v.toFixed(2);
const countsOf = (all: readonly VideoFeatures[], idx: readonly number[]) =>
  [0, 1, 2].map((c) => idx.filter((i) => all[i].label === c).length);
const oneClass = (predicted: readonly number[]) => predicted.filter((c) => c > 0).length === 1;

/** Per-class mean and across-video sd of log-probabilities (logits up to a per-video constant, centred per video). */
function logitStats(method: PreferenceMethod, idx: number[]): { mean: number[]; sd: number[] } {
  const batch = makeBatch(features, idx);
  // PLM-IPE's predictProba takes the branch to read; PBE's has one output.
  const pixel = method as PreferenceMethod & {
    predictProba(b: typeof batch, branch?: 'pixel'): ReturnType<PreferenceMethod['predictProba']>;
  };
  const p = pixel.predictProba(batch, methodName === 'PLM-IPE' ? 'pixel' : undefined);
  const rows = (p.toArray() as number[][]).map((r) => {
    const l = r.map(Math.log);
    const m = l.reduce((a, b) => a + b) / 3;
    return l.map((x) => x - m);
  });
  p.dispose();
  batch.pixel.clips?.dispose();
  batch.landmark.descriptors.dispose();
  const mean = [0, 1, 2].map((c) => rows.reduce((a, r) => a + r[c], 0) / rows.length);
  const sd = [0, 1, 2].map((c) => Math.sqrt(rows.reduce((a, r) => a + (r[c] - mean[c]) ** 2, 0) / rows.length));
  return { mean, sd };
}

let pixelF1 = 0;
let fusedF1 = 0;
let fusedAcc = 0;
let pixelCollapsed = 0;
let fusedCollapsed = 0;
const tag = `${size}-seed-${config.seed}/${methodName}-${JSON.stringify(overrides).replace(/\W+/g, '_')}`;
for (let k = 0; k < splits.length; k++) {
  const s = splits[k];
  console.log(
    `fold ${k + 1}: train classes ${countsOf(features, s.train).join('/')}, validation classes ${countsOf(features, s.validation).join('/')}`,
  );
  const r = await trainMethod({
    method: methodName,
    preset: config.training,
    features,
    split: s,
    seed: config.seed,
    checkpointDir: `/tmp/collapse-diag/${tag}/fold-${k + 1}`,
    skipTrainAccuracy: true,
    keepAll: true,
  });
  for (const e of r.history) {
    const px = e.validationBranches?.pixel;
    console.log(
      `  epoch ${e.epoch}: pixel ce ${f2(e.terms['pixel.ce'] ?? e.terms.loss)}, val predicted ${e.validationPredicted.join('/')} F1 ${f2(e.validationMacroF1)}` +
        (px ? `; pixel branch predicted ${px.predicted.join('/')} F1 ${f2(px.macroF1)}` : ''),
    );
  }
  const sel = r.history[r.selectedEpoch - 1];
  const px = sel.validationBranches?.pixel ?? { macroF1: sel.validationMacroF1, predicted: sel.validationPredicted };
  pixelF1 += px.macroF1;
  fusedF1 += sel.validationMacroF1;
  fusedAcc += sel.validationAccuracy;
  if (oneClass(px.predicted)) pixelCollapsed++;
  if (oneClass(sel.validationPredicted)) fusedCollapsed++;
  const st = logitStats(r.method, s.validation);
  console.log(
    `  selected epoch ${r.selectedEpoch}: val F1 ${f2(sel.validationMacroF1)} acc ${f2(sel.validationAccuracy)}; pixel centred log-prob mean ${st.mean.map(f2).join('/')}, across-video sd ${st.sd.map(f2).join('/')}`,
  );
  const tr = logitStats(r.method, s.train);
  console.log(`  same on the training videos: mean ${tr.mean.map(f2).join('/')}, sd ${tr.sd.map(f2).join('/')}`);
}
const n = splits.length;
console.log(
  `${methodName} ${size} ${JSON.stringify(overrides)} seed ${config.seed}: validation macro F1 ${f2(fusedF1 / n)}, accuracy ${f2(fusedAcc / n)}, ` +
    `one class in ${fusedCollapsed}/${n} folds; pixel (branch) macro F1 ${f2(pixelF1 / n)}, one class in ${pixelCollapsed}/${n} folds`,
);
