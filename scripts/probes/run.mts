// usage: CFG='{"dataset":{...},"extract":{...},"training":{...},"methods":["PBE"],"epochs":4}' npx tsx run.ts
import { generateDataset } from '../../src/data/synthetic/dataset.ts';
import { extractFeatures, syntheticSources } from '../../src/pipeline/extract.ts';
import { splitFeatures, classCounts } from '../../src/pipeline/dataset.ts';
import { trainMethod } from '../../src/pipeline/train.ts';
import { evaluateMethod } from '../../src/pipeline/evaluate.ts';
import { demoConfig } from '../../src/pipeline/demo-config.ts';
import { rmSync } from 'node:fs';
const cfg = JSON.parse(process.env.CFG ?? '{}');
const base = demoConfig({ size: cfg.size ?? 'tiny', seed: cfg.seed ?? 1 });
const dataset = { ...base.dataset, ...(cfg.dataset ?? {}) };
const extract = { ...base.extract, ...(cfg.extract ?? {}) };
const training = { ...base.training, ...(cfg.training ?? {}), c3d: { ...base.training.c3d, ...(cfg.training?.c3d ?? {}) }, landmark: { ...base.training.landmark, ...(cfg.training?.landmark ?? {}) } };
const t0 = performance.now();
const ds = generateDataset(dataset);
const ex = await extractFeatures(syntheticSources(ds), { cacheDir: '/tmp/exp/cache', extract });
console.log(`videos ${ds.entries.length} computed ${ex.computed} cached ${ex.cached} in ${((performance.now() - t0) / 1000).toFixed(1)} s; clipShape ${ex.features[0].clipShape}`);
const split = splitFeatures(ex.features, { seed: cfg.seed ?? 1, testFraction: cfg.testFraction });
console.log(`train ${split.train.length} ${classCounts(ex.features, split.train)} test ${split.test.length} ${classCounts(ex.features, split.test)}`);
for (const m of cfg.methods ?? ['PBE']) {
  const dir = `/tmp/exp/ck-${process.pid}-${m}`;
  const t1 = performance.now();
  const r = await trainMethod({ method: m, preset: training, features: ex.features, split, seed: cfg.seed ?? 1, epochs: cfg.epochs ?? training.epochs, checkpointDir: dir,
    onEpoch: (e) => console.log(`[${m}] ep ${e.epoch} loss ${e.loss.toFixed(4)} ${JSON.stringify(Object.fromEntries(Object.entries(e.terms).map(([k, v]) => [k, +v.toFixed(3)])))} train ${(100 * e.trainAccuracy).toFixed(1)} test ${(100 * e.testAccuracy).toFixed(1)} (${e.seconds.toFixed(1)} s)`) });
  const ev = evaluateMethod(r.method, ex.features, split.test);
  console.log(`[${m}] test ${(100 * ev.report.accuracy).toFixed(1)}%` + (ev.branches ? ` pixel ${(100 * ev.branches.pixel.report.accuracy).toFixed(1)} landmark ${(100 * ev.branches.landmark.report.accuracy).toFixed(1)}` : '') + ` in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  if (ev.branches) {
    // Eq. 8 at other λ from the same model (λ only enters PLM-IPE at prediction time). Dev seeds only.
    const truth = split.test.map((i) => ex.features[i].label);
    const acc = (lam: number) => truth.filter((y, r) => { const p = [0, 1, 2].map((c) => lam * ev.branches!.landmark.probs[r * 3 + c] + (1 - lam) * ev.branches!.pixel.probs[r * 3 + c]); return p.indexOf(Math.max(...p)) === y; }).length / truth.length;
    console.log(`[${m}] fused by λ: ` + [0, 0.3, 0.5, 0.7, 1].map((l) => `${l} ${(100 * acc(l)).toFixed(1)}`).join(', '));
  }
  rmSync(dir, { recursive: true, force: true });
}
