// Page side: the memory test of test/gpu/memory.test.ts in the browser — training steps of a
// small Linear + LSTM + Adam model, plus a Conv3d big enough to run as a tiled WGSL product on
// WebGPU (its weight gradient with split-K scratch buffers), keep the backend's live buffers (and, on WebGPU, the real
// GPUBuffers) at their post-warm-up count, and the loss falls. Losses are read with `await data()`.
import {
  Adam,
  Conv3d,
  crossEntropy,
  Linear,
  LSTM,
  memory,
  randn,
  setBackend,
  tidy,
  manualSeed,
  type Tensor,
} from '../../../src/index.js';
import { liveGpuBuffers } from './gpu-buffer-count.js';
import { gpuInstance, useGpu } from './backends.js';
import type { GpuModeRequest } from '../../../src/backend/gpu/index.js';

export interface MemoryReport {
  mode: string;
  steps: number;
  buffersBase: number;
  buffersAfter: number;
  gpuBuffersBase: number;
  gpuBuffersAfter: number;
  firstLoss: number;
  lastLoss: number;
  /** Calls of the tiled WGSL products (WebGPU; null elsewhere). */
  wgslCalls: number | null;
}

// Collects garbage where the runtime allows it (Node with --expose-gc), then lets the
// FinalizationRegistry callbacks run: tensors an earlier check dropped without disposing are freed
// before a count, not during the steps (which made the count after fall below the base under load).
const settle = async (): Promise<void> => {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 20));
};

export async function runMemoryCheck(mode: GpuModeRequest, steps: number): Promise<MemoryReport> {
  const mode0 = await useGpu(mode);
  try {
    manualSeed(3);
    const proj = new Linear(6, 8);
    const lstm = new LSTM({ inputSize: 8, hiddenSize: 8, batchFirst: true });
    const head = new Linear(8, 3);
    // 1.2M multiply-adds: above the WGSL products' threshold.
    const conv = new Conv3d(2, 40, 3, { padding: 1 });
    const opt = new Adam([...proj.parameters(), ...lstm.parameters(), ...head.parameters(), ...conv.parameters()], {
      lr: 0.01,
    });
    const x = randn([4, 5, 6]);
    const clip = randn([1, 2, 4, 12, 12]);
    const targets = [0, 1, 2, 1];
    const step = async (): Promise<number> => {
      const loss: Tensor = tidy(() => {
        opt.zeroGrad();
        const { h } = lstm.forward(proj.forward(x));
        const y = conv.forward(clip);
        const l = crossEntropy(head.forward(h.squeeze(0)), targets).add(y.mul(y).mean().mul(0.01));
        l.backward();
        opt.step();
        return l;
      });
      const v = (await loss.data())[0];
      loss.dispose();
      return v;
    };
    const firstLoss = await step();
    for (let i = 0; i < 4; i++) await step();
    await settle();
    // The base is the steady state: tensors that earlier checks left to the garbage collector, and
    // WebGPU buffers whose release waits on submitted work, can still be freed during the first
    // steps, so warm up until two counts in a row agree (at most 10 more steps).
    let buffersBase = memory().buffers;
    let gpuBuffersBase = liveGpuBuffers();
    for (let i = 0; i < 10; i++) {
      await step();
      await settle();
      const [b, g] = [memory().buffers, liveGpuBuffers()];
      const stable = b === buffersBase && g === gpuBuffersBase;
      [buffersBase, gpuBuffersBase] = [b, g];
      if (stable) break;
    }
    let lastLoss = firstLoss;
    for (let i = 0; i < steps; i++) lastLoss = await step();
    await settle();
    return {
      mode: mode0,
      steps,
      buffersBase,
      buffersAfter: memory().buffers,
      gpuBuffersBase,
      gpuBuffersAfter: liveGpuBuffers(),
      firstLoss,
      lastLoss,
      wgslCalls: gpuInstance(mode).wgslStats()?.calls ?? null,
    };
  } finally {
    setBackend('cpu');
  }
}
