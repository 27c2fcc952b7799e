// Shared helpers of the gpu backend tests: one GpuBackend instance per mode (kernels compile
// once per file, not per test), the list of modes this machine can run, and a cpu-vs-gpu
// comparison with an explicit tolerance.
import { expect } from 'vitest';
import { manualSeed, registerBackend, setBackend, type Tensor } from '../../src/index.js';
import { GpuBackend } from '../../src/backend/gpu/index.js';
import type { GpuMode } from '../../src/backend/gpu/mode.js';

/** headlessgl needs an X display; the test script runs vitest under `xvfb-run -a` when it can. */
export const HAS_DISPLAY = !!process.env.DISPLAY;
export const HEADLESSGL_SKIP = 'headlessgl tests skipped: no DISPLAY (run under `xvfb-run -a npx vitest run test/gpu`)';

export const MODES: readonly { mode: GpuMode; available: boolean }[] = [
  { mode: 'webasm', available: true },
  { mode: 'headlessgl', available: HAS_DISPLAY },
];

const instances = new Map<string, GpuBackend>();

/** The shared backend instance of `mode` (created on first use). */
export function gpuBackend(mode: GpuMode): GpuBackend {
  let b = instances.get(mode);
  if (!b) {
    b = new GpuBackend({ mode });
    if (b.mode !== mode) throw new Error(`wanted gpu mode ${mode}, got ${b.mode} (${b.fallbackReason})`);
    instances.set(mode, b);
    const inst = b;
    registerBackend(`gpu-test-${mode}`, () => inst);
  }
  return b;
}

/** Makes the shared instance of `mode` the current backend. */
export function useGpu(mode: GpuMode): void {
  gpuBackend(mode);
  setBackend(`gpu-test-${mode}`);
}

/** Runs `fn` on cpu and on gpu `mode` from the same seed; returns both results read back. */
export function onBoth(mode: GpuMode, fn: () => Tensor[], seed = 7): { cpu: Float32Array[]; gpu: Float32Array[] } {
  const run = (): Float32Array[] => {
    manualSeed(seed);
    const ts = fn();
    const out = ts.map((t) => t.dataSync());
    for (const t of ts) t.dispose();
    return out;
  };
  setBackend('cpu');
  const cpu = run();
  useGpu(mode);
  const gpu = run();
  setBackend('cpu');
  return { cpu, gpu };
}

/**
 * Asserts max|gpu - cpu| <= atol + rtol * max|cpu|. The cpu backend is the reference; the f32
 * backends accumulate in float32, so tolerances scale with the reduction length.
 */
export function expectClose(name: string, cpu: Float32Array, gpu: Float32Array, rtol: number, atol = 0): void {
  expect(gpu.length, `${name}: length`).toBe(cpu.length);
  let maxRef = 0;
  let maxErr = 0;
  let at = -1;
  for (let i = 0; i < cpu.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(cpu[i]));
    const e = Math.abs(cpu[i] - gpu[i]);
    if (!(e <= maxErr)) {
      maxErr = e;
      at = i;
    }
  }
  const tol = atol + rtol * maxRef;
  expect(maxErr <= tol, `${name}: max abs error ${maxErr} at ${at} (cpu ${cpu[at]}, gpu ${gpu[at]}) > tolerance ${tol}`).toBe(true);
}

export function expectAllClose(name: string, r: { cpu: Float32Array[]; gpu: Float32Array[] }, rtol: number, atol = 0): void {
  r.cpu.forEach((c, i) => expectClose(`${name}[${i}]`, c, r.gpu[i], rtol, atol));
}
