import { generateDataset } from '../../src/data/synthetic/dataset.ts';
import { extractFeatures, syntheticSources } from '../../src/pipeline/extract.ts';
import { demoConfig } from '../../src/pipeline/demo-config.ts';
import { planReaction } from '../../src/data/synthetic/reaction.ts';
import { createRng } from '../../src/tensor/random.ts';
const cfg = JSON.parse(process.env.CFG ?? '{}');
const base = demoConfig({ size: 'tiny', seed: 1 });
const ds = generateDataset({ ...base.dataset, ...(cfg.dataset ?? {}) });
const ex = await extractFeatures(syntheticSources(ds), { cacheDir: '/tmp/exp/cache', extract: { ...base.extract, ...(cfg.extract ?? {}) } });
const F = ex.features;
const sv = ds.entries.map((e) => { const p = planReaction(ds.subjects[e.synthetic.subjectIndex], e.score, e.synthetic.frames, ds.options.fps, createRng(`${ds.options.seed}/video/${e.id}`), { gain: ds.options.reactionGain, neutralBand: ds.options.neutralBand }); return (p.expressedValence > 0 ? 1 : -1) * p.intensity; });
// oracle accuracy: best thresholds on signed intensity
let best = 0; for (let a = -1; a <= 0; a += 0.02) for (let b = 0; b <= 1; b += 0.02) { const acc = F.filter((f, i) => (sv[i] < a ? 0 : sv[i] > b ? 2 : 1) === f.label).length / F.length; best = Math.max(best, acc); }
console.log('oracle signed-intensity acc', best.toFixed(3));
// correlation of per-region mean magnitude with |intensity|
const d = F[0].dim; const corr: number[] = [];
for (let j = 0; j < d; j++) { const x = F.map((f) => { let s = 0, n = 0; for (let t = 0; t < f.valid.length; t++) if (f.valid[t]) { s += f.descriptors[t * d + j]; n++; } return s / Math.max(1, n); }); const z = sv.map(Math.abs);
  const mx = x.reduce((a, b) => a + b) / x.length, mz = z.reduce((a, b) => a + b) / z.length; let sxy = 0, sxx = 0, szz = 0; x.forEach((v, i) => { sxy += (v - mx) * (z[i] - mz); sxx += (v - mx) ** 2; szz += (z[i] - mz) ** 2; }); corr.push(sxy / Math.sqrt(sxx * szz + 1e-12)); }
console.log('corr(|intensity|, mean desc) orient:', corr.slice(0, 36).map((v) => v.toFixed(2)).join(' '));
console.log('magn:', corr.slice(36).map((v) => v.toFixed(2)).join(' '));
const f0 = F[5]; console.log('sample row', Array.from(f0.descriptors.slice(3 * d, 4 * d)).map((v) => v.toFixed(2)).join(' '), 'valid', Array.from(f0.valid).join(''));
{
  const [, C, L, H, W] = F[0].clipShape;
  const td = F.map((f) => { let s = 0; for (let c = 0; c < C; c++) for (let y = H / 2; y < H; y++) for (let x = W / 4; x < (3 * W) / 4; x++) s += Math.abs(f.clips[((c * L + L - 1) * H + y) * W + x] - f.clips[((c * L) * H + y) * W + x]); return s; });
  const z = sv.map(Math.abs); const mx = td.reduce((a, b) => a + b) / td.length, mz = z.reduce((a, b) => a + b) / z.length; let sxy = 0, sxx = 0, szz = 0; td.forEach((v, i) => { sxy += (v - mx) * (z[i] - mz); sxx += (v - mx) ** 2; szz += (z[i] - mz) ** 2; });
  console.log('corr(|intensity|, lower-face clip |last-first|)', (sxy / Math.sqrt(sxx * szz)).toFixed(3));
  const ents = ds.entries; const e = ents[sv.map(Math.abs).indexOf(Math.max(...sv.map(Math.abs)))];
  const p = planReaction(ds.subjects[e.synthetic.subjectIndex], e.score, e.synthetic.frames, ds.options.fps, createRng(`${ds.options.seed}/video/${e.id}`), { gain: ds.options.reactionGain, neutralBand: ds.options.neutralBand });
  console.log('strongest video', e.id, 'frames', e.synthetic.frames, 'smile per frame', p.frames.map((s) => (s.expression.smile + s.expression.frownMouth + s.look.teeth).toFixed(2)).join(' '));
}
