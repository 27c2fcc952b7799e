import { generateDataset } from '../../src/data/synthetic/dataset.ts';
import { extractFeatures, syntheticSources } from '../../src/pipeline/extract.ts';
import { splitFeatures } from '../../src/pipeline/dataset.ts';
import { demoConfig } from '../../src/pipeline/demo-config.ts';
import { logreg } from './logreg.mts';
const cfg = JSON.parse(process.env.CFG ?? '{}');
const base = demoConfig({ size: 'tiny', seed: 1 });
const ds = generateDataset({ ...base.dataset, ...(cfg.dataset ?? {}) });
const ex = await extractFeatures(syntheticSources(ds), { cacheDir: '/tmp/exp/cache', extract: { ...base.extract, ...(cfg.extract ?? {}) } });
const F = ex.features;
function lmFeat(f: typeof F[0]): number[] {
  const T = f.valid.length, d = f.dim; const mean = new Array(d).fill(0), mx = new Array(36).fill(0); let n = 0;
  for (let t = 0; t < T; t++) if (f.valid[t]) { n++; for (let j = 0; j < d; j++) mean[j] += f.descriptors[t * d + j]; for (let j = 0; j < 36; j++) mx[j] = Math.max(mx[j], f.descriptors[t * d + 36 + j]); }
  return [...mean.map((v) => v / Math.max(1, n)), ...mx];
}
function pxFeat(f: typeof F[0], mode: string): number[] {
  const [, C, L, H, W] = f.clipShape; const g = 8, s = H / g; const out: number[] = [];
  for (let c = 0; c < C; c++) for (let gy = 0; gy < g; gy++) for (let gx = 0; gx < g; gx++) {
    let a = 0, b = 0;
    for (let y = gy * s; y < (gy + 1) * s; y++) for (let x = gx * s; x < (gx + 1) * s; x++) { a += f.clips[((c * L + 0) * H + y) * W + x]; b += f.clips[((c * L + L - 1) * H + y) * W + x]; }
    out.push(mode === 'diff' ? (b - a) / (s * s) : b / (s * s));
  }
  return out;
}
const y = F.map((f) => f.label);
function centre(X: number[][]): number[][] { if (!process.env.CENTRE) return X; const by = new Map<string, number[]>(); F.forEach((f, i) => { const m = by.get(f.subject) ?? new Array(X[0].length + 1).fill(0); X[i].forEach((v, j) => (m[j] += v)); m[X[0].length]++; by.set(f.subject, m); }); return X.map((r, i) => { const m = by.get(F[i].subject)!; const n = m[r.length]; return r.map((v, j) => v - m[j] / n); }); }
// leave-subjects-out CV: 5 folds by subject
const subs = [...new Set(F.map((f) => f.subject))];
for (const [name, X] of [['lm', F.map(lmFeat)], ['px-diff', F.map((f) => pxFeat(f, 'diff'))], ['px-last', F.map((f) => pxFeat(f, 'last'))]] as const) {
  let tra = 0, tea = 0; const K = 5;
  for (let k = 0; k < K; k++) { const ts = new Set(subs.filter((_, i) => i % K === k)); const tr = F.map((_, i) => i).filter((i) => !ts.has(F[i].subject)); const te = F.map((_, i) => i).filter((i) => ts.has(F[i].subject)); const [a, b] = logreg(centre(X as number[][]), y, tr, te); tra += a / K; tea += b / K; }
  console.log(`${name}: train ${(100 * tra).toFixed(1)} cv-test ${(100 * tea).toFixed(1)}`);
}
