// The gpu backend's public face: registerGpuBackend() adds `setBackend('gpu', { mode })` to
// the backend registry. The only folder that imports gpu.js is this one; nothing outside it
// imports anything but this file.
import { registerBackend } from '../backend.js';
import { GpuBackend, type GpuBackendOptions } from './gpu-backend.js';

export { GpuBackend } from './gpu-backend.js';
export type { GpuBackendOptions } from './gpu-backend.js';
export type { WgslStats } from './wgsl/runner.js';
export type { GpuMode, GpuModeRequest, Capabilities, ModeChoice } from './mode.js';
export { chooseMode, probeCapabilities } from './mode.js';
export { installNodeWebGpu } from './node-webgpu.js';
export type { NodeWebGpuOptions, NodeWebGpuAdapter } from './node-webgpu.js';

/**
 * Registers the `'gpu'` backend (gpu.js: WebGPU, WebGL2, WebGL, headless GL or WebAssembly).
 * @example
 * registerGpuBackend();
 * setBackend('gpu', { mode: 'auto' });
 * console.log(getBackend().mode); // 'webgl2' in a browser, 'webasm' in Node without a display
 */
export function registerGpuBackend(): void {
  registerBackend('gpu', (options) => new GpuBackend((options ?? {}) as GpuBackendOptions));
}
