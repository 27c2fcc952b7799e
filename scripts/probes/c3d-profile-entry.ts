// Probe page (driver: ./c3d-profile.ts): on one gpu mode, times each op of the small C3D
// forward + backward with a readback after each (`profile`), and whole bench C3D steps
// (`step`). Used to see where a WebGPU/WebGL step spends its time.
import { conv3d, maxPool3d, randn, relu, manualSeed, setBackend, type Tensor } from '../../src/index.js';
import { useGpu, type PageGpu } from '../../test/browser/page/backends.js';
import { OURS } from '../../bench/browser/page/ours.js';
import { PRESETS } from '../../bench/browser/page/presets.js';

async function time(label: string, f: () => Tensor[], out: Record<string, number[]>): Promise<Tensor[]> {
  const t0 = performance.now();
  const r = f();
  await Promise.all(r.map((t) => t.data()));
  (out[label] ??= []).push(performance.now() - t0);
  return r;
}

async function profile(mode: PageGpu): Promise<Record<string, number>> {
  await useGpu(mode);
  manualSeed(1);
  const x = randn([1, 3, 8, 32, 32]);
  const w1 = randn([8, 3, 3, 3, 3], { requiresGrad: true });
  const b1 = randn([8], { requiresGrad: true });
  const w2 = randn([16, 8, 3, 3, 3], { requiresGrad: true });
  const b2 = randn([16], { requiresGrad: true });
  const out: Record<string, number[]> = {};
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    const [y1] = await time('conv1 fwd', () => [conv3d(x, w1, b1, { padding: 1 })], out);
    const [r1] = await time('relu1', () => [relu(y1)], out);
    const [p1] = await time('pool1', () => [maxPool3d(r1, { kernelSize: [1, 2, 2] })], out);
    const [y2] = await time('conv2 fwd', () => [conv3d(p1, w2, b2, { padding: 1 })], out);
    const [r2] = await time('relu2', () => [relu(y2)], out);
    const [p2] = await time('pool2', () => [maxPool3d(r2, { kernelSize: 2 })], out);
    const [s] = await time('sum', () => [p2.sum()], out);
    await time('backward', () => { s.backward(); return [w1.grad!, w2.grad!]; }, out);
    (out.total ??= []).push(performance.now() - t0);
    for (const t of [y1, r1, p1, y2, r2, p2, s]) t.dispose();
    w1.grad = null; w2.grad = null; b1.grad = null; b2.grad = null;
  }
  setBackend('cpu');
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v.slice(1).sort((a, b) => a - b)[0])]));
}

/** Times of `reps` bench C3D steps after one warm-up call. */
async function step(mode: PageGpu, reps: number): Promise<number[]> {
  await useGpu(mode);
  const body = OURS.c3dStep(PRESETS.small);
  await body();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await body();
    out.push(Math.round(performance.now() - t0));
  }
  setBackend('cpu');
  return out;
}
const g = globalThis as Record<string, unknown>;
g.__plm = { profile, step };
g.__plmReady = true;
