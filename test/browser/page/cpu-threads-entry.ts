// Page entry of the browser cpu-threads test: in a cross-origin-isolated page the cpu kernels run
// on Web Workers sharing the WebAssembly memory. Exposes `globalThis.__plm.runCpuThreads()`:
// waits for the workers, then checks a threaded product against a float64 loop and reports who
// ran its chunks and the one- vs two-thread times.
import { gemm, kernelInfo, setKernelThreads } from '../../../src/backend/cpu/kernels/index.js';
import { startWorkers, workerStats } from '../../../src/backend/cpu/kernels/threads.js';

export interface CpuThreadsReport {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  info: { simd: boolean; fma: boolean; threads: number };
  workersReady: number;
  workerChunks: number;
  maxRelErr: number;
  ms1: number;
  ms2: number;
}

async function runCpuThreads(): Promise<CpuThreadsReport> {
  const info = kernelInfo();
  startWorkers();
  const t0 = performance.now();
  while (workerStats().ready < info.threads - 1 && performance.now() - t0 < 10_000)
    await new Promise((r) => setTimeout(r, 20));
  const [M, N, K] = [192, 640, 384];
  const A = new Float32Array(M * K).map((_, i) => Math.sin(i));
  const B = new Float32Array(K * N).map((_, i) => Math.cos(i * 0.7));
  const C = new Float32Array(M * N);
  const before = workerStats().chunks;
  gemm(false, false, M, N, K, A, B, C);
  // A worker slow to wake (a loaded machine) may leave every chunk of one product to this thread.
  for (let i = 0; i < 5 && workerStats().chunks === before; i++) gemm(false, false, M, N, K, A, B, C);
  const workerChunks = workerStats().chunks - before;
  let maxErr = 0,
    scale = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[i * K + k] * B[k * N + j];
      maxErr = Math.max(maxErr, Math.abs(C[i * N + j] - s));
      scale = Math.max(scale, Math.abs(s));
    }
  }
  const time = (threads: number): number => {
    setKernelThreads(threads);
    const t = performance.now();
    for (let r = 0; r < 5; r++) gemm(false, false, M, N, K, A, B, C);
    return (performance.now() - t) / 5;
  };
  const ms1 = time(1),
    ms2 = time(Math.max(1, info.threads));
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    info,
    workersReady: workerStats().ready,
    workerChunks,
    maxRelErr: maxErr / scale,
    ms1,
    ms2,
  };
}

const g = globalThis as Record<string, unknown>;
g.__plm = { runCpuThreads };
g.__plmReady = true;
