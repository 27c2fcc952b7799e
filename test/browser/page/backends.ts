// Page side: one gpu backend instance per mode for the whole page (kernels compile once), made
// current with `useGpu`, which also awaits ready() (WebGPU device, or the fallback without one).
// Besides the gpu.js modes, 'webgpu-nowgsl' is WebGPU with gpu.js kernels only (no tiled WGSL
// products), so a bench can show what those add, and 'webgpu-fold' limits the WGSL products to 3
// workgroups per dispatch dimension, so small checks exercise the folded grid of huge products.
import { ready, registerBackend, setBackend } from '../../../src/index.js';
import { GpuBackend, type GpuBackendOptions, type GpuModeRequest } from '../../../src/backend/gpu/index.js';

export type PageGpu = GpuModeRequest | 'webgpu-nowgsl' | 'webgpu-fold';

const instances = new Map<string, GpuBackend>();

function optionsOf(v: PageGpu): GpuBackendOptions {
  if (v === 'webgpu-nowgsl') return { mode: 'webgpu', wgsl: false };
  if (v === 'webgpu-fold') return { mode: 'webgpu', wgslGridLimit: 3 };
  return { mode: v };
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
