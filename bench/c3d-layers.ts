// Where the paper-size C3D clip forward spends its time: each layer of C3D.forward timed on its own
// (the same ops, in the same order, in eval mode under noGrad; the cpu backend is synchronous, so an
// op's time is its call), median of --rounds after a warm-up.
// The sum is about the whole forward; bench/peers.ts times the forward itself against the peers.
// Results: bench/results/c3d-layers.json. Run: node --import tsx bench/c3d-layers.ts [--rounds=3]
import { maxPool3d, noGrad, randn, tidy, manualSeed, kernelInfo, type Tensor } from '../src/index.js';
import { C3D } from '../src/models/index.js';
import { c3dPools } from '../src/models/c3d.js';
import { startWorkers, workerStats } from '../src/backend/cpu/kernels/threads.js';
import { report, type BenchRow } from './util.js';

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);

async function main(): Promise<void> {
  startWorkers();
  while (workerStats().ready < kernelInfo().threads - 1) await new Promise((r) => setTimeout(r, 20));
  manualSeed(1);
  const m = new C3D({}).eval();
  const x = randn([1, ...m.clipShape]);
  const p = c3dPools(m.config);
  const layers: Array<[string, (t: Tensor) => Tensor]> = [
    ['conv1 + relu', (t) => m.conv1.forwardRelu(t)],
    ['pool1', (t) => maxPool3d(t, p.pool1)],
    ['conv2 + relu', (t) => m.conv2.forwardRelu(t)],
    ['pool2', (t) => maxPool3d(t, p.pool2)],
    ['conv3a + relu', (t) => m.conv3a.forwardRelu(t)],
    ['conv3b + relu', (t) => m.conv3b.forwardRelu(t)],
    ['pool3', (t) => maxPool3d(t, p.pool3)],
    ['conv4a + relu', (t) => m.conv4a.forwardRelu(t)],
    ['conv4b + relu', (t) => m.conv4b.forwardRelu(t)],
    ['pool4', (t) => maxPool3d(t, p.pool4)],
    ['conv5a + relu', (t) => m.conv5a.forwardRelu(t)],
    ['conv5b + relu', (t) => m.conv5b.forwardRelu(t)],
    ['pool5', (t) => maxPool3d(t, p.pool5)],
    ['fc6 + relu', (t) => m.fc6.forward(t.reshape([1, m.geometry.fc6In])).relu()],
    ['fc7 + relu', (t) => m.fc7.forward(t).relu()],
  ];
  const ms: number[][] = layers.map(() => []);
  const outSizes: number[] = layers.map(() => 0);
  for (let r = 0; r <= rounds; r++) {
    tidy(() =>
      noGrad(() => {
        let h = x;
        layers.forEach(([, f], i) => {
          const t0 = performance.now();
          h = f(h);
          outSizes[i] = h.size;
          if (r > 0) ms[i].push(performance.now() - t0);
        });
      }),
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // Multiply-adds x 2 of the conv and fc layers (each output: inputs x taps), counted as the direct method does.
  const fanIn: Record<string, number> = {
    conv1: m.conv1.inChannels * 27,
    conv2: m.conv2.inChannels * 27,
    conv3a: m.conv3a.inChannels * 27,
    conv3b: m.conv3b.inChannels * 27,
    conv4a: m.conv4a.inChannels * 27,
    conv4b: m.conv4b.inChannels * 27,
    conv5a: m.conv5a.inChannels * 27,
    conv5b: m.conv5b.inChannels * 27,
    fc6: m.geometry.fc6In,
    fc7: m.geometry.featureSize,
  };
  const flops = layers.map(([name], i) => {
    const k = fanIn[name.split(' ')[0]];
    return k ? 2 * k * outSizes[i] : undefined;
  });
  const rows: BenchRow[] = layers.map(([name], i) => ({
    case: `C3D paper forward: ${name}`,
    ours: 'plm-ipe cpu',
    peer: '-',
    oursMs: median(ms[i]),
    peerMs: NaN,
    flops: flops[i],
  }));
  const total = rows.reduce((s, r) => s + r.oursMs, 0);
  console.log(`kernels ${JSON.stringify(kernelInfo())}; sum of the layers ${total.toFixed(0)} ms`);
  report('c3d-layers', rows, { rounds, totalMs: total });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
