// Page entry of the browser peer bench: our C3D (cpu backend: WebAssembly SIMD, Web Workers when
// the page is cross-origin isolated, relaxed-SIMD FMA when Chromium has it) against
// onnxruntime-web (loaded as a classic script, global `ort`) on the same weights, written as ONNX
// in the page. Exposes `globalThis.__plm.runPeers(options)`.
import {
  C3D,
  manualSeed,
  randn,
  tidy,
  noGrad,
  kernelInfo,
  setKernelThreads,
  type C3DOptions,
} from '../../../src/index.js';
import { startWorkers, workerStats } from '../../../src/backend/cpu/kernels/threads.js';
import { c3dToOnnx } from '../../onnx/c3d-onnx.js';

interface Ort {
  env: { wasm: { numThreads: number; wasmPaths: string }; versions: Record<string, string> };
  Tensor: new (type: string, data: Float32Array, dims: number[]) => unknown;
  InferenceSession: {
    create(
      bytes: Uint8Array,
      o: unknown,
    ): Promise<{ run(feeds: unknown): Promise<Record<string, { data: Float32Array }>> }>;
  };
}

export interface PeersOptions {
  c3d: C3DOptions;
  rounds: number;
  threads: number;
}

export interface PeersReport {
  kernels: { simd: boolean; fma: boolean; threads: number };
  crossOriginIsolated: boolean;
  ortVersion: string;
  maxAbsDiff: number;
  outputMaxAbs: number;
  oursMs: number[];
  ortMs: number[];
}

async function runPeers(o: PeersOptions): Promise<PeersReport> {
  const ort = (globalThis as unknown as { ort: Ort }).ort;
  setKernelThreads(o.threads);
  startWorkers();
  const t0 = performance.now();
  while (workerStats().ready < kernelInfo().threads - 1 && performance.now() - t0 < 10_000)
    await new Promise((r) => setTimeout(r, 20));
  manualSeed(1);
  const model = new C3D(o.c3d).eval();
  const x = randn([1, ...model.clipShape]);
  const xData = x.dataSync() as Float32Array;
  ort.env.wasm.numThreads = o.threads;
  ort.env.wasm.wasmPaths = '/ort/';
  const session = await ort.InferenceSession.create(c3dToOnnx(model, 1), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const feeds = { clip: new ort.Tensor('float32', xData, x.shape as number[]) };
  const ours = (): Float32Array => {
    let out: Float32Array = new Float32Array(0);
    tidy(() =>
      noGrad(() => {
        out = (model.forward(x).dataSync() as Float32Array).slice();
      }),
    );
    return out;
  };
  const a = ours(),
    b = (await session.run(feeds)).features.data;
  let maxAbsDiff = 0,
    outputMaxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - b[i]));
    outputMaxAbs = Math.max(outputMaxAbs, Math.abs(a[i]));
  }
  const oursMs: number[] = [],
    ortMs: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    let t = performance.now();
    ours();
    oursMs.push(performance.now() - t);
    t = performance.now();
    await session.run(feeds);
    ortMs.push(performance.now() - t);
  }
  return {
    kernels: kernelInfo(),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    ortVersion: ort.env.versions.web ?? '?',
    maxAbsDiff,
    outputMaxAbs,
    oursMs,
    ortMs,
  };
}

const g = globalThis as Record<string, unknown>;
g.__plm = { runPeers };
g.__plmReady = true;
