// Page side: what is particular to the WebGPU mode. After the first (asynchronous) build, every
// kernel call submits immediately (no Promise in the chain); dataSync() on a computed tensor
// throws an error that names `await tensor.data()`, while small uploads still read synchronously;
// and a backend asked for webgpu on a browser without an adapter falls back in ready().
import { add, matmul, relu, setBackend, sum, tensor } from '../../../src/index.js';
import { GpuBackend } from '../../../src/backend/gpu/index.js';
import { webgpuLaunchStats } from '../../../src/backend/gpu/webgpu-launch.js';
import { useGpu } from './backends.js';

export interface WebGpuContractReport {
  running: string;
  firstRun: { immediate: number; deferred: number };
  secondRun: { immediate: number; deferred: number };
  value: number[];
  expected: number[];
  readSyncError: string;
  uploadReadSync: number[];
}

export async function runWebGpuContract(): Promise<WebGpuContractReport> {
  const running = await useGpu('webgpu');
  try {
    const a = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const b = tensor(new Float32Array([1, 0, -1, 2, 0.5, 1]), [3, 2]);
    const chain = () => sum(relu(add(matmul(a, b), tensor([-1, 1]))), 1);
    const s0 = { ...webgpuLaunchStats };
    const y1 = chain();
    const value = Array.from(await y1.data());
    const s1 = { ...webgpuLaunchStats };
    const y2 = chain();
    const s2 = { ...webgpuLaunchStats };
    await y2.data();
    let readSyncError = '';
    try {
      y2.dataSync();
    } catch (e) {
      readSyncError = (e as Error).message;
    }
    const uploadReadSync = Array.from(a.dataSync());
    return {
      running,
      firstRun: { immediate: s1.immediate - s0.immediate, deferred: s1.deferred - s0.deferred },
      secondRun: { immediate: s2.immediate - s1.immediate, deferred: s2.deferred - s1.deferred },
      value,
      // [[1,2,3],[4,5,6]] @ [[1,0],[-1,2],[0.5,1]] = [[0.5,7],[2,16]]; + [-1,1], relu, row sums.
      expected: [0 + 8, 1 + 17],
      readSyncError,
      uploadReadSync,
    };
  } finally {
    setBackend('cpu');
  }
}

/** In a browser without a WebGPU adapter: the mode a webgpu request runs after ready(), and why. */
export async function webgpuWithoutAdapter(): Promise<{ before: string; after: string; reason: string | null }> {
  const b = new GpuBackend({ mode: 'webgpu' });
  const before = b.mode;
  await b.ready();
  return { before, after: b.mode, reason: b.fallbackReason };
}
