// Ceiling of the landmark branch: leave-one-subject-out logistic regression on the exact aligned
// landmark displacement (mean over frames, relative to frame 0) of lip corners, lips and brows.
import { generateDataset } from '../../src/data/synthetic/dataset.ts';
import { alignFace } from '../../src/landmarks/align.ts';
import { scoreToLabel } from '../../src/data/manifest.ts';
const cfg = JSON.parse(process.env.CFG ?? '{}');
const ds = generateDataset({ seed: 1, subjects: 10, sessionsPerSubject: 1, size: 64, fps: 8, ...(cfg.dataset ?? {}) });
const pts = (f: Float32Array) => Array.from({ length: 68 }, (_, i) => [f[2 * i], f[2 * i + 1]] as [number, number]);
const P = [48, 54, 59, 55, 51, 57, 19, 24, 21, 22];
const X: number[][] = [], y: number[] = [], subj: string[] = [];
for (const e of ds.entries) {
  const v = ds.renderVideo(e);
  const src = cfg.jitter ? v.landmarks : v.landmarksExact;
  const a0 = alignFace(pts(src[0]), { size: 64 });
  const f = new Array(2 * P.length).fill(0);
  for (let t = 1; t < src.length; t++) { const a = alignFace(pts(src[t]), { size: 64 }); P.forEach((i, j) => { f[2 * j] += (a.landmarks[i].x - a0.landmarks[i].x) / a0.iod / (src.length - 1); f[2 * j + 1] += (a.landmarks[i].y - a0.landmarks[i].y) / a0.iod / (src.length - 1); }); }
  X.push(f); y.push(scoreToLabel(e.score)); subj.push(e.subject);
}
function logreg(X: number[][], y: number[], tr: number[], te: number[]): [number, number] {
  const d = X[0].length; // standardize
  const mu = new Array(d).fill(0), sd = new Array(d).fill(0);
  for (const i of tr) X[i].forEach((v, j) => (mu[j] += v / tr.length));
  for (const i of tr) X[i].forEach((v, j) => (sd[j] += (v - mu[j]) ** 2 / tr.length));
  const Z = X.map((r) => r.map((v, j) => (v - mu[j]) / (Math.sqrt(sd[j]) + 1e-6)));
  const W = Array.from({ length: 3 }, () => new Array(d + 1).fill(0)); const lr = 0.05, l2 = Number(process.env.L2 ?? 0.05);
  for (let it = 0; it < 300; it++) {
    const G = Array.from({ length: 3 }, () => new Array(d + 1).fill(0));
    for (const i of tr) { const z = [0, 1, 2].map((k) => W[k][d] + Z[i].reduce((s, v, j) => s + v * W[k][j], 0)); const m = Math.max(...z); const e = z.map((v) => Math.exp(v - m)); const S = e[0] + e[1] + e[2];
      for (let k = 0; k < 3; k++) { const g = e[k] / S - (y[i] === k ? 1 : 0); for (let j = 0; j < d; j++) G[k][j] += g * Z[i][j] / tr.length; G[k][d] += g / tr.length; } }
    for (let k = 0; k < 3; k++) for (let j = 0; j <= d; j++) W[k][j] -= lr * (G[k][j] + (j < d ? l2 * W[k][j] : 0));
  }
  const acc = (idx: number[]) => idx.filter((i) => { const z = [0, 1, 2].map((k) => W[k][d] + Z[i].reduce((s, v, j) => s + v * W[k][j], 0)); return z.indexOf(Math.max(...z)) === y[i]; }).length / idx.length;
  return [acc(tr), acc(te)];
}

const subs = [...new Set(subj)];
let tra = 0, tea = 0;
for (const s of subs) { const tr = y.map((_, i) => i).filter((i) => subj[i] !== s); const te = y.map((_, i) => i).filter((i) => subj[i] === s); const [a, b] = logreg(X, y, tr, te); tra += a / subs.length; tea += b / subs.length; }
console.log(`geometry oracle: train ${(100 * tra).toFixed(1)} loso-test ${(100 * tea).toFixed(1)}`);
