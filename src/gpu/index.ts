// The `plm-ipe/gpu` entry: the gpu.js backend (WebGPU, WebGL2/WebGL, headless GL, WebAssembly),
// its WGSL path and installNodeWebGpu. gpu.js is an optional peer dependency: install it to use
// this entry. Call registerGpuBackend() once, then setBackend('gpu', { mode }) from `plm-ipe`.
export { registerGpuBackend, GpuBackend, installNodeWebGpu } from '../backend/gpu/index.js';
export type {
  GpuBackendOptions,
  GpuMode,
  GpuModeRequest,
  NodeWebGpuOptions,
  NodeWebGpuAdapter,
  WgslStats,
} from '../backend/gpu/index.js';
