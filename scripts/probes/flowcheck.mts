// Does the descriptor see a known expression? For the strongest reactions, compare the aligned
// exact-landmark displacement of the lip corners (IOD units) with the descriptor's mouth-region rho/IOD.
import { generateDataset } from '../../src/data/synthetic/dataset.ts';
import { describeVideo } from '../../src/landmarks/descriptor.ts';
import { alignFace } from '../../src/landmarks/align.ts';
const cfg = JSON.parse(process.env.CFG ?? '{}');
const ds = generateDataset({ seed: 1, subjects: 10, sessionsPerSubject: 1, size: 64, fps: 8, ...(cfg.dataset ?? {}) });
const S = cfg.size ?? 64;
const ents = ds.entries.slice(0, cfg.n ?? 40);
const pts = (f: Float32Array) => Array.from({ length: 68 }, (_, i) => [f[2 * i], f[2 * i + 1]] as [number, number]);
const rows: number[][] = [];
for (const e of ents) {
  const v = ds.renderVideo(e);
  const lms = (cfg.exact ? v.landmarksExact : v.landmarks).map(pts);
  const frames = v.frames.map((data) => ({ width: v.width, height: v.height, data, channels: 3 as const }));
  const d = describeVideo(frames, lms, { size: S, magnitude: 'iod', reference: cfg.ref ?? 'first', fps: v.fps });
  const a0 = alignFace(pts(v.landmarksExact[0]), { size: S });
  let best = 0, bestT = 0;
  for (let t = 1; t < frames.length; t++) {
    const a = alignFace(pts(v.landmarksExact[t]), { size: S });
    const disp = [48, 54, 59, 55].map((i) => Math.hypot(a.landmarks[i].x - a0.landmarks[i].x, a.landmarks[i].y - a0.landmarks[i].y) / a0.iod);
    const m = Math.max(...disp);
    if (m > best) { best = m; bestT = t; }
  }
  const r = d.rhoIod.subarray(bestT * 36, bestT * 36 + 36);
  const mouth = Math.max(r[25], r[26], r[28], r[29], r[30], r[31]);
  const other = Math.max(r[0], r[5], r[6], r[13], r[14], r[19]);
  rows.push([best, mouth, other]);
  console.log(e.id, 'sv', (v.expressedValence > 0 ? '+' : '-') + v.intensity.toFixed(2), 'true lip disp/IOD', best.toFixed(3), '@', bestT, 'desc mouth', mouth.toFixed(3), 'forehead/temple', other.toFixed(3));
}
const corr = (a: number[], b: number[]) => { const ma = a.reduce((x, y) => x + y) / a.length, mb = b.reduce((x, y) => x + y) / b.length; let s = 0, sa = 0, sb = 0; a.forEach((v, i) => { s += (v - ma) * (b[i] - mb); sa += (v - ma) ** 2; sb += (b[i] - mb) ** 2; }); return s / Math.sqrt(sa * sb); };
console.log('corr(true, mouth)', corr(rows.map((r) => r[0]), rows.map((r) => r[1])).toFixed(3), 'corr(true, other)', corr(rows.map((r) => r[0]), rows.map((r) => r[2])).toFixed(3));
