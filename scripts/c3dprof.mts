import { randn, tidy, noGrad, manualSeed } from '../src/index.js';
import { C3D } from '../src/models/index.js';
import { maxPool3d } from '../src/tensor/ops/pool3d.js';
import { startWorkers, workerStats } from '../src/backend/cpu/kernels/threads.js';
startWorkers();
while (workerStats().ready < 1) await new Promise((r) => setTimeout(r, 20));
manualSeed(1);
const m: any = new C3D({}).eval();
const x = randn([1, ...m.clipShape]);
const T: Record<string, number> = {};
const time = <R>(k: string, f: () => R): R => { const t = performance.now(); const r = f(); T[k] = (T[k] ?? 0) + performance.now() - t; return r; };
const p = m.config ?? m.geometry;
for (let it = 0; it < 3; it++) {
  if (it === 1) for (const k in T) T[k] = 0;
  tidy(() => noGrad(() => {
    const pools = (m as any).pools ?? null;
    let h = time('conv1', () => m.conv1.forwardRelu(x));
    h = time('pool1', () => maxPool3d(h, m.poolOptions?.pool1 ?? { kernelSize: [1, 2, 2], stride: [1, 2, 2] }));
    for (const c of ['conv2', 'conv3a', 'conv3b', 'conv4a', 'conv4b', 'conv5a', 'conv5b']) {
      h = time(c, () => m[c].forwardRelu(h));
      if (['conv2', 'conv3b', 'conv4b', 'conv5b'].includes(c)) h = time('pool', () => maxPool3d(h, { kernelSize: 2, stride: 2, ...(c === 'conv5b' ? { padding: [0, 1, 1] } : {}) }));
    }
    h = time('flatten', () => h.reshape([1, -1]));
    h = time('fc6', () => m.fc6.forward(h)); h = time('relu', () => h.relu());
    h = time('fc7', () => m.fc7.forward(h)); h = time('relu', () => h.relu());
    time('read', () => h.dataSync());
  }));
}
let tot = 0; for (const k in T) { T[k] /= 2; tot += T[k]; }
console.log(Object.entries(T).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('\n'), '\ntotal', tot.toFixed(1));
