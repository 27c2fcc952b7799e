// Shared helpers of the gpu backend tests: one GpuBackend instance per mode (kernels compile
// once per file, not per test), and the list of modes this machine can run.
import { registerBackend, setBackend } from '../../src/index.js';
import { GpuBackend } from '../../src/backend/gpu/index.js';

/** headlessgl needs an X display; the test script runs vitest under `xvfb-run -a` when it can. */
export const HAS_DISPLAY = !!process.env.DISPLAY;
export const HEADLESSGL_SKIP = 'headlessgl tests skipped: no DISPLAY (run under `xvfb-run -a npx vitest run test/gpu`)';

/** The gpu.js modes Node can run, and whether this machine can. */
export const MODES: readonly { mode: 'webasm' | 'headlessgl'; available: boolean }[] = [
  { mode: 'webasm', available: true },
  { mode: 'headlessgl', available: HAS_DISPLAY },
];

const instances = new Map<string, GpuBackend>();

/** The shared backend instance of `mode` (created on first use). */
export function gpuBackend(mode: 'webasm' | 'headlessgl'): GpuBackend {
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
export function useGpu(mode: 'webasm' | 'headlessgl'): void {
  gpuBackend(mode);
  setBackend(`gpu-test-${mode}`);
}
