// Ceiling of the landmark branch: leave-one-subject-out logistic regression on the exact aligned
// landmark displacement (mean over frames, relative to frame 0) of lip corners, lips and brows.
// CFG (JSON: dataset, jitter) overrides the dataset and reads the jittered landmarks; L2 sets the penalty.
import { alignFace, generateDataset, scoreToLabel } from 'plm-ipe';
import { logreg } from './logreg.mjs';
const cfg = JSON.parse(process.env.CFG ?? '{}') as { dataset?: object; jitter?: boolean };
const ds = generateDataset({ seed: 1, subjects: 10, sessionsPerSubject: 1, size: 64, fps: 8, ...(cfg.dataset ?? {}) });
const pts = (f: Float32Array) => Array.from({ length: 68 }, (_, i) => [f[2 * i], f[2 * i + 1]] as [number, number]);
const P = [48, 54, 59, 55, 51, 57, 19, 24, 21, 22];
const X: number[][] = [],
  y: number[] = [],
  subj: string[] = [];
for (const e of ds.entries) {
  const v = ds.renderVideo(e);
  const src = cfg.jitter ? v.landmarks : v.landmarksExact;
  const a0 = alignFace(pts(src[0]), { size: 64 });
  const f = new Array(2 * P.length).fill(0);
  for (let t = 1; t < src.length; t++) {
    const a = alignFace(pts(src[t]), { size: 64 });
    P.forEach((i, j) => {
      f[2 * j] += (a.landmarks[i].x - a0.landmarks[i].x) / a0.iod / (src.length - 1);
      f[2 * j + 1] += (a.landmarks[i].y - a0.landmarks[i].y) / a0.iod / (src.length - 1);
    });
  }
  X.push(f);
  y.push(scoreToLabel(e.score));
  subj.push(e.subject);
}

const subs = [...new Set(subj)];
let tra = 0,
  tea = 0;
for (const s of subs) {
  const tr = y.map((_, i) => i).filter((i) => subj[i] !== s);
  const te = y.map((_, i) => i).filter((i) => subj[i] === s);
  const [a, b] = logreg(X, y, tr, te, Number(process.env.L2 ?? 0.05));
  tra += a / subs.length;
  tea += b / subs.length;
}
console.log(`geometry oracle: train ${(100 * tra).toFixed(1)} loso-test ${(100 * tea).toFixed(1)}`);
