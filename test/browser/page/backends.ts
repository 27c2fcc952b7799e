// Page side: one gpu backend instance per mode for the whole page (kernels compile once), made
// current with `useGpu`, which also awaits ready() (WebGPU device, or the fallback without one).
import { ready, registerBackend, setBackend } from '../../../src/index.js';
import { GpuBackend, type GpuModeRequest } from '../../../src/backend/gpu/index.js';

const instances = new Map<string, GpuBackend>();

/** The page's gpu backend of `mode`, registered as `gpu-<mode>`. */
export function gpuInstance(mode: GpuModeRequest): GpuBackend {
  let b = instances.get(mode);
  if (!b) {
    const inst = new GpuBackend({ mode });
    b = inst;
    instances.set(mode, inst);
    registerBackend(`gpu-${mode}`, () => inst);
  }
  return b;
}

/** Makes the `mode` instance current and ready; returns the mode actually running. */
export async function useGpu(mode: GpuModeRequest): Promise<string> {
  const b = gpuInstance(mode);
  setBackend(`gpu-${mode}`);
  await ready();
  return b.mode;
}
