// Where the paper-size C3D clip forward spends its time: each layer of C3D.forward timed on its own
// (the same ops, in the same order, in eval mode under noGrad; the cpu backend is synchronous, so an
// op's time is its call), median of --rounds after a warm-up; beside it, the same layer in
// onnxruntime-node (native MLAS, same threads, identical weights written as ONNX), read from its
// profiler (each node's kernel time; conv + ReLU and fc + ReLU are one fused node there).
// The sums are about the whole forwards; bench/peers.ts times the forwards themselves against the peers.
// Results: bench/results/c3d-layers.json. Run: node --import tsx bench/c3d-layers.ts [--rounds=3] [--threads=2]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { maxPool3d, noGrad, randn, tidy, manualSeed, kernelInfo, setKernelThreads, type Tensor } from '../src/index.js';
import { C3D } from '../src/models/index.js';
import { c3dPools } from '../src/models/c3d.js';
import { startWorkers, workerStats } from '../src/backend/cpu/kernels/threads.js';
import { c3dToOnnx } from './onnx/c3d-onnx.js';
import { median, report, type BenchRow } from './util.js';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const rounds = Number(flag('rounds') ?? 3);
const threads = Number(flag('threads') ?? 2);

/**
 * onnxruntime-node's per-node kernel times (ms, median over `rounds` runs after a warm-up run),
 * keyed by our layer names (conv1 ... fc7, pool1 ... pool5), from its JSON profile.
 */
async function ortLayerMs(model: C3D, x: Tensor): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ort-prof-'));
  try {
    const session = await ortNode.InferenceSession.create(c3dToOnnx(model, 1), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      enableProfiling: true,
      profileFilePrefix: path.join(dir, 'c3d'),
    });
    const feeds = { clip: new ortNode.Tensor('float32', x.dataSync() as Float32Array, x.shape as number[]) };
    for (let r = 0; r <= rounds; r++) await session.run(feeds);
    session.endProfiling();
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error(`onnxruntime-node wrote no profile into ${dir}`);
    const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Array<{
      cat?: string;
      name?: string;
      dur?: number;
    }>;
    const runs: Record<string, number[]> = {};
    for (const e of events) {
      // Node events are named like "Conv_conv1_out_kernel_time" or "fused Gemm_fc6_out_kernel_time".
      const layer =
        e.cat === 'Node' && e.name?.endsWith('_kernel_time') ? /(conv\d[ab]?|pool\d|fc\d)/.exec(e.name) : null;
      if (layer && e.dur !== undefined) (runs[layer[1]] ??= []).push(e.dur / 1000);
    }
    // The first run is the warm-up.
    return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v.slice(1))]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  setKernelThreads(threads);
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
  const ort = await ortLayerMs(m, x);
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
  const peer = `onnxruntime-node ${ortNode.env.versions.node} x${threads} (profiler)`;
  const rows: BenchRow[] = layers.map(([name], i) => {
    const key = name.split(' ')[0];
    const k = fanIn[key];
    return {
      case: `C3D paper forward: ${name}`,
      ours: 'plm-ipe cpu',
      peer,
      oursMs: median(ms[i]),
      peerMs: ort[key] ?? NaN,
      flops: k ? 2 * k * outSizes[i] : undefined,
    };
  });
  const total = rows.reduce((s, r) => s + r.oursMs, 0);
  const peerTotal = Object.values(ort).reduce((s, v) => s + v, 0);
  console.log(
    `kernels ${JSON.stringify(kernelInfo())}; sum of the layers ${total.toFixed(0)} ms, onnxruntime-node's nodes ${peerTotal.toFixed(0)} ms`,
  );
  report('c3d-layers', rows, { rounds, threads, totalMs: total, peerTotalMs: peerTotal });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
