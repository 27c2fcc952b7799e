import { generateDataset } from '../../src/data/synthetic/dataset.ts';
import { demoConfig } from '../../src/pipeline/demo-config.ts';
const cfg = JSON.parse(process.env.CFG ?? '{}');
const base = demoConfig({ size: 'tiny', seed: 1 });
const ds = generateDataset({ ...base.dataset, ...(cfg.dataset ?? {}) });
const rows: { s: string; y: number; f: number[] }[] = [];
const labelOf = (score: number) => (score < 40 ? 0 : score > 60 ? 2 : 1);
for (const e of ds.entries) {
  const v = ds.renderVideo(e);
  const L = v.landmarksExact ?? v.landmarks;
  const feat = (lm: Float32Array) => {
    const iod = Math.hypot(lm[2 * 45] - lm[2 * 36], lm[2 * 45 + 1] - lm[2 * 36 + 1]);
    const cornerY = (lm[2 * 48 + 1] + lm[2 * 54 + 1]) / 2, midY = (lm[2 * 51 + 1] + lm[2 * 57 + 1]) / 2;
    const width = Math.hypot(lm[2 * 54] - lm[2 * 48], lm[2 * 54 + 1] - lm[2 * 48 + 1]);
    const brow = ((lm[2 * 19 + 1] + lm[2 * 24 + 1]) / 2 - (lm[2 * 37 + 1] + lm[2 * 44 + 1]) / 2);
    return [(cornerY - midY) / iod, width / iod, brow / iod];
  };
  const f0 = feat(L[0]); let best = [0, 0, 0];
  for (const lm of L) { const f = feat(lm).map((x, i) => x - f0[i]); for (let i = 0; i < 3; i++) if (Math.abs(f[i]) > Math.abs(best[i])) best[i] = f[i]; }
  rows.push({ s: e.subject, y: labelOf(e.score), f: best });
}
const byClass = [0, 1, 2].map((c) => rows.filter((r) => r.y === c));
for (let c = 0; c < 3; c++) console.log('class', c, 'n', byClass[c].length, 'mean feats', [0, 1, 2].map((i) => (byClass[c].reduce((a, r) => a + r.f[i], 0) / byClass[c].length).toFixed(4)).join(' '));
