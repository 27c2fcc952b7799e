// Per-class means of a few interpretable descriptor signals (vertical motion of the mouth-corner and
// brow regions), and a leave-subjects-out nearest-centroid accuracy on (cos, sin)·magnitude features.
// CFG (JSON: size, dataset, extract) overrides the demo's configuration; L2 sets the penalty.
import { demoConfig, generateDataset } from 'plm-ipe';
import { extractFeatures, syntheticSources } from 'plm-ipe/node';
import { logreg } from './logreg.mjs';
const cfg = JSON.parse(process.env.CFG ?? '{}') as { size?: 'tiny' | 'small'; dataset?: object; extract?: object };
const base = demoConfig({ size: cfg.size ?? 'tiny', seed: 1 });
const ds = generateDataset({ ...base.dataset, ...(cfg.dataset ?? {}) });
const ex = await extractFeatures(syntheticSources(ds), {
  cacheDir: '/tmp/exp/cache',
  extract: { ...base.extract, ...(cfg.extract ?? {}) },
});
const F = ex.features;
const d = F[0].dim;
// per-video: mean over valid frames of m_k * (cos θ, sin θ)
const feat = F.map((f) => {
  const out = new Array(72).fill(0);
  let n = 0;
  for (let t = 0; t < f.valid.length; t++)
    if (f.valid[t]) {
      n++;
      for (let k = 0; k < 36; k++) {
        const th = f.descriptors[t * d + k] * 2 * Math.PI,
          m = f.descriptors[t * d + 36 + k];
        out[k] += m * Math.cos(th);
        out[36 + k] += m * Math.sin(th);
      }
    }
  return out.map((v) => v / Math.max(1, n));
});
const names: Record<string, number> = {
  'Rmouth y': 36 + 25,
  'Lmouth y': 36 + 26,
  'Rmouth x': 25,
  'Lmouth x': 26,
  'R brow y': 36 + 1,
  'L brow y': 36 + 4,
  'chinR y': 36 + 33,
};
for (const [nm, j] of Object.entries(names)) {
  const m = [0, 1, 2].map((c) => {
    const v = F.map((f, i) => [f.label, feat[i][j]])
      .filter(([l]) => l === c)
      .map(([, x]) => x);
    return v.reduce((a, b) => a + b, 0) / v.length;
  });
  console.log(nm.padEnd(10), m.map((v) => v.toFixed(4)).join('  '));
}
console.log('labels', [0, 1, 2].map((c) => F.filter((f) => f.label === c).length).join(' '));

const y = F.map((f) => f.label);
const subs = [...new Set(F.map((f) => f.subject))];
const sets: [string, number[][]][] = [
  ['cart72', feat],
  ['mouth+brow', feat.map((r) => [25, 26, 1, 4, 61, 62, 37, 40].map((j) => r[j]))],
];
for (const [name, X] of sets) {
  let tra = 0,
    tea = 0;
  const K = subs.length;
  for (let k = 0; k < K; k++) {
    const ts = new Set([subs[k]]);
    const tr = F.map((_, i) => i).filter((i) => !ts.has(F[i].subject));
    const te = F.map((_, i) => i).filter((i) => ts.has(F[i].subject));
    const [a, b] = logreg(X, y, tr, te, Number(process.env.L2 ?? 0.05));
    tra += a / K;
    tea += b / K;
  }
  console.log(`${name}: train ${(100 * tra).toFixed(1)} loso-test ${(100 * tea).toFixed(1)}`);
}
