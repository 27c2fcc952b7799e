// The strongest-peer bench: the paper-size C3D clip forward against onnxruntime-web
// (WebAssembly SIMD, 2 threads) and onnxruntime-node (native) on identical weights (our C3D
// written as ONNX from TypeScript, outputs compared); the LSTM training step and conv3d
// forward+backward against PyTorch CPU (python3 with torch, when present); peak memory of the
// paper-size forward and training step (child processes, so each peak is its own).
// Run: npm run bench:peers [-- --quick] [--rounds=3] [--only=c3d,torch,lstm,memory] [--threads=2]
// PLM_WASM_RELAXED_SIMD=1: our kernels with relaxed-SIMD FMA, on Node 20 too (results *-fma.json).
// PyTorch: /usr/bin/python3 (or $PLM_BENCH_PYTHON). Debian's torch links the reference BLAS;
// with OpenBLAS unpacked into .cache/openblas (see docs/performance.md) it is also run on that,
// on --threads threads and on one; the fastest run is the peer.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import {
  Linear,
  Adam,
  crossEntropy,
  randn,
  tidy,
  noGrad,
  manualSeed,
  getBackend,
  kernelInfo,
  setKernelThreads,
} from '../src/index.js';
import { C3D, type C3DOptions } from '../src/models/index.js';
import { startWorkers, workerStats } from '../src/backend/cpu/kernels/threads.js';
import { c3dToOnnx } from './onnx/c3d-onnx.js';
import { c3dFlops, convTrainStep, median, report, lstmTrainStep, type BenchRow } from './util.js';
import { useWholeLayerLstm } from './lstm-path.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = argv.includes('--quick');
const rounds = Number(flag('rounds') ?? 3);
const threads = Number(flag('threads') ?? 2);
const only = flag('only')?.split(',');
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

const PAPER: C3DOptions = {};
const QUICK_C3D: C3DOptions = { width: 1 / 4, clipLength: 8, inputSize: 56, temporalPools: 3 };
const c3dOptions = quick ? QUICK_C3D : PAPER;

async function timeOnce(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

async function waitForWorkers(): Promise<void> {
  startWorkers();
  while (workerStats().ready < kernelInfo().threads - 1) await new Promise((r) => setTimeout(r, 20));
}

/** C3D clip forward: ours, onnxruntime-web, onnxruntime-node, interleaved round by round. */
async function c3dCase(): Promise<{ rows: BenchRow[]; meta: Record<string, unknown> }> {
  manualSeed(1);
  const model = new C3D(c3dOptions).eval();
  const x = randn([1, ...model.clipShape]);
  const xData = x.dataSync() as Float32Array;
  const onnx = c3dToOnnx(model, 1);
  const ours = (): Float32Array => {
    let out: Float32Array = new Float32Array(0);
    tidy(() =>
      noGrad(() => {
        out = model.forward(x).dataSync() as Float32Array;
      }),
    );
    return out;
  };
  const oursOut = ours().slice();

  ortWeb.env.wasm.numThreads = threads;
  ortWeb.env.wasm.simd = true;
  const web = await ortWeb.InferenceSession.create(onnx, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const native = await ortNode.InferenceSession.create(onnx, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const feedsWeb = { clip: new ortWeb.Tensor('float32', xData, x.shape as number[]) };
  const feedsNode = { clip: new ortNode.Tensor('float32', xData, x.shape as number[]) };
  const runWeb = async () => (await web.run(feedsWeb)).features.data as Float32Array;
  const runNode = async () => (await native.run(feedsNode)).features.data as Float32Array;
  const webOut = await runWeb();
  const nodeOut = await runNode();
  const parity = {
    web: maxAbsDiff(oursOut, webOut),
    node: maxAbsDiff(oursOut, nodeOut),
    outputMaxAbs: maxAbs(oursOut),
  };
  for (const [peer, d] of [
    ['onnxruntime-web', parity.web],
    ['onnxruntime-node', parity.node],
  ] as const) {
    if (!(d <= 1e-4))
      throw new Error(
        `C3D parity: ours and ${peer} differ by ${d} (max |output| ${parity.outputMaxAbs}), more than 1e-4`,
      );
  }
  const t = { ours: [] as number[], web: [] as number[], node: [] as number[] };
  for (let r = 0; r < rounds + 1; r++) {
    const o = await timeOnce(ours),
      w = await timeOnce(runWeb),
      n = await timeOnce(runNode);
    if (r === 0) continue; // warm-up round
    t.ours.push(o);
    t.web.push(w);
    t.node.push(n);
  }
  await web.release();
  await native.release();
  const flops = c3dFlops(model.geometry);
  const name = quick ? 'C3D clip forward (quick: w1/4 8x56x56)' : 'C3D clip forward paper 3x16x112x112';
  const note = `max |ours - peer| ${parity.web.toExponential(1)} (web) ${parity.node.toExponential(1)} (node), max |output| ${parity.outputMaxAbs.toExponential(1)}`;
  return {
    rows: [
      {
        case: name,
        ours: 'plm-ipe cpu',
        peer: `onnxruntime-web ${ortWeb.env.versions.web} wasm x${threads}`,
        oursMs: median(t.ours),
        peerMs: median(t.web),
        flops,
        note,
      },
      {
        case: name,
        ours: 'plm-ipe cpu',
        peer: `onnxruntime-node ${ortNode.env.versions.node} x${threads}`,
        oursMs: median(t.ours),
        peerMs: median(t.node),
        flops,
      },
    ],
    meta: { c3d: { options: c3dOptions, onnxBytes: onnx.length, parity, samples: t } },
  };
}

interface TorchCase {
  kind: 'lstm' | 'conv' | 'c3d';
  [k: string]: unknown;
}

const LSTM_SHAPE = { B: 32, T: quick ? 10 : 50, I: 72, H: 256 };
// `--only=lstm` runs the PyTorch part without the convolutions.
const CONVS: Record<string, { cin: number; cout: number; d: number; hw: number }> =
  only?.includes('lstm') && !only.includes('torch')
    ? {}
    : quick
      ? { 'conv 32->64 8x28x28': { cin: 32, cout: 64, d: 8, hw: 28 } }
      : {
          'conv 32->64 8x28x28': { cin: 32, cout: 64, d: 8, hw: 28 },
          'conv2 64->128 16x56x56': { cin: 64, cout: 128, d: 16, hw: 56 },
          'conv3a 128->256 8x28x28': { cin: 128, cout: 256, d: 8, hw: 28 },
        };

/** Our side of each torch case, as a function timed once per call. */
function oursTorchCases(): Record<string, () => unknown> {
  const out: Record<string, () => unknown> = {};
  {
    const { B, T, I, H } = LSTM_SHAPE;
    out[`LSTM train step B${B} T${T} ${I}->${H} +Adam`] = lstmTrainStep(B, T, I, H).step;
  }
  for (const [name, c] of Object.entries(CONVS))
    out[`conv3d fwd+bwd ${name}`] = convTrainStep(c.cin, c.cout, c.d, c.hw).step;
  return out;
}

function torchArgs(): Record<string, TorchCase> {
  const cases: Record<string, TorchCase> = {};
  const { B, T, I, H } = LSTM_SHAPE;
  cases[`LSTM train step B${B} T${T} ${I}->${H} +Adam`] = { kind: 'lstm', ...LSTM_SHAPE };
  for (const [name, c] of Object.entries(CONVS)) cases[`conv3d fwd+bwd ${name}`] = { kind: 'conv', ...c };
  return cases;
}

interface TorchVariant {
  label: string;
  env: NodeJS.ProcessEnv;
  threads: number;
}

/**
 * The builds torch runs with: as installed, and OpenBLAS from .cache when unpacked there, on
 * `--threads` threads and (OpenBLAS) on one: on a busy machine OpenBLAS's spinning threads can
 * make two threads many times slower than one, and the peer should be torch at its best.
 */
function torchVariants(): TorchVariant[] {
  const variants: TorchVariant[] = [{ label: 'system BLAS', env: process.env, threads }];
  const dir =
    process.env.PLM_BENCH_OPENBLAS_DIR ??
    path.join(repoRoot, '.cache/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread');
  if (fs.existsSync(path.join(dir, 'libblas.so.3'))) {
    const env = { ...process.env, LD_LIBRARY_PATH: [dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
    variants.push({ label: 'OpenBLAS', env, threads });
    if (threads > 1) variants.push({ label: 'OpenBLAS', env: { ...env, OPENBLAS_NUM_THREADS: '1' }, threads: 1 });
  }
  return variants;
}

function runTorch(
  env: NodeJS.ProcessEnv,
  cases: Record<string, TorchCase>,
  nThreads = threads,
): { version: string; threads: number; cases: Record<string, { ms: number }> } | string {
  const python = process.env.PLM_BENCH_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(
    python,
    [path.join(here, 'torch_peers.py'), JSON.stringify({ threads: nThreads, repeats: 3, cases })],
    { env, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.error) return `${python} did not run (${r.error.message})`;
  if (r.status !== 0) return `${python} failed: ${(r.stderr || '').trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(r.stdout);
}

/**
 * Each torch run times its cases after importing torch and two warm-up calls (a second or more of
 * work); ours would otherwise start each round cold, after that process has held the cores. Here
 * the first few steps after such a pause ran up to 1.5x slower (2 threads) for a few hundred ms,
 * so each of our cases first runs for this long (at least twice) before it is timed.
 */
const WARM_MS = 1000;

async function warmFor(fn: () => unknown, ms: number): Promise<void> {
  const t0 = performance.now();
  for (let n = 0; n < 2 || performance.now() - t0 < ms; n++) await fn();
}

/** Ours vs PyTorch: per round, each of our cases (warmed for WARM_MS, then the median of 3) then one torch run per BLAS variant. */
async function torchCases(): Promise<{ rows: BenchRow[]; meta: Record<string, unknown> }> {
  const ours = oursTorchCases();
  const args = torchArgs();
  const variants = torchVariants();
  const probe = runTorch(process.env, {});
  if (typeof probe === 'string') {
    console.log(`PyTorch rows skipped: ${probe}`);
    return { rows: [], meta: { torch: { skipped: probe } } };
  }
  const lstmName = Object.keys(ours)[0];
  const perStep = async () => {
    useWholeLayerLstm(false);
    try {
      return await ours[lstmName]();
    } finally {
      useWholeLayerLstm(true);
    }
  };
  for (const fn of [...Object.values(ours), perStep]) await fn(); // warm-up
  const oursMs: Record<string, number[]> = {};
  const peerMs: Record<string, Record<string, number[]>> = {};
  const perStepMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(ours)) {
      await warmFor(fn, WARM_MS);
      const s = [await timeOnce(fn), await timeOnce(fn), await timeOnce(fn)];
      (oursMs[name] ??= []).push(median(s));
      if (name === lstmName)
        perStepMs.push(median([await timeOnce(perStep), await timeOnce(perStep), await timeOnce(perStep)]));
    }
    for (const v of variants) {
      const res = runTorch(v.env, args, v.threads);
      if (typeof res === 'string') throw new Error(`PyTorch (${v.label} x${v.threads}) failed mid-bench: ${res}`);
      for (const [name, c] of Object.entries(res.cases))
        ((peerMs[`${v.label} x${v.threads}`] ??= {})[name] ??= []).push(c.ms);
    }
  }
  const rows: BenchRow[] = [];
  for (const name of Object.keys(ours)) {
    const c = args[name];
    const flops =
      c.kind === 'lstm'
        ? 3 *
          (2 * LSTM_SHAPE.B * LSTM_SHAPE.T * LSTM_SHAPE.I * 4 * LSTM_SHAPE.H +
            2 * LSTM_SHAPE.B * LSTM_SHAPE.T * LSTM_SHAPE.H * 4 * LSTM_SHAPE.H)
        : 3 * 2 * (c.cin as number) * (c.cout as number) * 27 * (c.d as number) * (c.hw as number) ** 2;
    for (const v of variants) {
      const key = `${v.label} x${v.threads}`;
      rows.push({
        case: name,
        ours: 'plm-ipe cpu',
        peer: `PyTorch ${probe.version} ${key}`,
        oursMs: median(oursMs[name]),
        peerMs: median(peerMs[key][name]),
        flops,
      });
    }
  }
  rows.push({
    case: lstmName,
    ours: 'plm-ipe cpu',
    peer: 'plm-ipe per-step LSTM path (before the whole-layer LSTM)',
    oursMs: median(oursMs[lstmName]),
    peerMs: median(perStepMs),
  });
  return {
    rows,
    meta: {
      torch: {
        version: probe.version,
        variants: variants.map((v) => `${v.label} x${v.threads}`),
        oursMs,
        peerMs,
        perStepMs,
      },
    },
  };
}

/**
 * This process's peak RSS. On Linux, VmHWM of /proc/self/status: getrusage's maxRSS survives exec,
 * so a child spawned by this (large) bench process would report at least the parent's RSS at the
 * fork (1.6 GiB here, for a forward that peaks near 0.6 GiB).
 */
function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * Child-process measurement of peak memory: `forward` (one paper clip, eval) or `train` (one
 * training step: forward, CE on a 3-way head, backward, Adam). Prints one JSON line.
 */
async function memoryChild(kind: string): Promise<void> {
  manualSeed(1);
  const model = new C3D(c3dOptions);
  const x = randn([1, ...model.clipShape]);
  const params = model.parameters().reduce((s, p) => s + p.size, 0);
  const rssBefore = process.memoryUsage().rss;
  if (kind === 'forward') {
    model.eval();
    tidy(() =>
      noGrad(() => {
        model.forward(x).dataSync();
      }),
    );
  } else {
    model.train();
    const head = new Linear(model.featureSize, 3);
    const opt = new Adam([...model.parameters(), ...head.parameters()], { lr: 1e-4 });
    tidy(() => {
      opt.zeroGrad();
      crossEntropy(head.forward(model.forward(x)), [0]).backward();
      opt.step();
    });
  }
  const { getRuntime } = await import('../src/backend/cpu/kernels/runtime.js');
  const g = model.geometry;
  // Every layer output of one clip (conv outputs, their ReLUs and pools): what training keeps.
  const c = g.channels,
    {
      clipLength: l,
      inputSize: [h, w],
    } = g.config;
  const vol = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const convOut =
    c.conv1 * l * h * w +
    c.conv2 * vol(g.pooled.pool1.slice(1)) +
    2 * c.conv3 * vol(g.pooled.pool2.slice(1)) +
    2 * c.conv4 * vol(g.pooled.pool3.slice(1)) +
    2 * c.conv5 * vol(g.pooled.pool4.slice(1));
  console.log(
    JSON.stringify({
      kind,
      paramBytes: params * 4,
      activationBytes: convOut * 4,
      rssBeforeBytes: rssBefore,
      maxRssBytes: peakRssBytes(),
      wasmHeapBytes: getRuntime().memory.buffer.byteLength,
    }),
  );
}

async function memoryCases(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const kind of ['forward', 'train']) {
    const extra = quick ? ['--quick'] : [];
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), `--memory-child=${kind}`, ...extra],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    );
    if (r.status !== 0)
      throw new Error(`memory child (${kind}) failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    console.log(
      `  peak memory, C3D ${kind}: max RSS ${mib(m.maxRssBytes)} (RSS ${mib(m.rssBeforeBytes)} after building the model and clip), ` +
        `wasm kernel heap ${mib(m.wasmHeapBytes)}; weights ${mib(m.paramBytes)}, conv outputs of one clip ${mib(m.activationBytes)}`,
    );
    out[kind] = m;
  }
  return out;
}

async function main(): Promise<void> {
  const child = flag('memory-child');
  if (child) return memoryChild(child);
  setKernelThreads(threads);
  await waitForWorkers();
  console.log(
    `plm-ipe ${JSON.stringify(getBackend())} kernels ${JSON.stringify(kernelInfo())}; ${rounds} rounds${quick ? ' (quick shapes)' : ''}`,
  );
  const rows: BenchRow[] = [];
  const meta: Record<string, unknown> = { quick, rounds, threads, kernels: kernelInfo() };
  const want = (k: string) => !only || only.includes(k);
  if (want('c3d')) {
    const r = await c3dCase();
    rows.push(...r.rows);
    Object.assign(meta, r.meta);
  }
  if (want('torch') || only?.includes('lstm')) {
    const r = await torchCases();
    rows.push(...r.rows);
    Object.assign(meta, r.meta);
  }
  if (want('memory')) meta.memory = await memoryCases();
  const name = `peers${quick ? '-quick' : ''}${only ? `-${only.join('-')}` : ''}${kernelInfo().fma ? '-fma' : ''}`;
  report(name, rows, meta);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
