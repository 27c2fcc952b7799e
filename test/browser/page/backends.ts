// Page side: one gpu backend instance per mode for the whole page (kernels compile once), made
// current with `useGpu`, which also awaits ready() (WebGPU device, or the fallback without one).
// Besides the gpu.js modes, 'webgpu-nowgsl' is WebGPU with gpu.js kernels only (no tiled WGSL
// products), so a bench can show what those add.
import { ready, registerBackend, setBackend } from '../../../src/index.js';
import { GpuBackend, type GpuBackendOptions, type GpuModeRequest } from '../../../src/backend/gpu/index.js';

export type PageGpu = GpuModeRequest | 'webgpu-nowgsl';

const instances = new Map<string, GpuBackend>();

function optionsOf(v: PageGpu): GpuBackendOptions {
  return v === 'webgpu-nowgsl' ? { mode: 'webgpu', wgsl: false } : { mode: v };
}

/** The page's gpu backend of `mode`, registered as `gpu-<mode>`. */
export function gpuInstance(mode: PageGpu): GpuBackend {
  let b = instances.get(mode);
  if (!b) {
    const inst = new GpuBackend(optionsOf(mode));
    b = inst;
    instances.set(mode, inst);
    registerBackend(`gpu-${mode}`, () => inst);
  }
  return b;
}

/** Makes the `mode` instance current and ready; returns the mode actually running. */
export async function useGpu(mode: PageGpu): Promise<string> {
  const b = gpuInstance(mode);
  setBackend(`gpu-${mode}`);
  await ready();
  return b.mode;
}
