// The cpu backend's hot primitives, all synchronous on Float32Array: GEMM, conv3d forward and
// gradients, 3D max/avg pooling, plus runtime facts. The backend imports only from this file.
// Must not import node modules at top level (the bundle also runs in browsers).
import { getRuntime } from './runtime.js';
import { kernelThreads } from './threads.js';

export { gemm, type GemmOptions } from './gemm.js';
export { conv3dForward, conv3dForwardGemm, conv3dGradInput, conv3dGradWeight, conv3dGradWeightGemm } from './conv3d.js';
export { conv3dGradWeightWinograd, winogradGradWeightQualifies } from './winograd-grad.js';
export { conv3dForwardWinograd, conv3dReluMaxPoolWinograd, winogradQualifies } from './winograd.js';
export { maxPool3dForward, maxPool3dBackward, avgPool3dForward, avgPool3dBackward } from './pool3d.js';
export { setKernelThreads } from './threads.js';
export { residentOffset, releaseResident, residentFloats } from './resident.js';

/**
 * Which path runs: `simd` is true when the WebAssembly SIMD GEMM kernel compiled (always, on
 * Node 20 and current browsers; the module throws at first use otherwise); `fma` when the engine
 * has relaxed SIMD and the kernel multiplies and adds with `f32x4.relaxed_madd` (Chromium, Node 22+;
 * Node 20 with `PLM_WASM_RELAXED_SIMD=1`, which turns V8's flag on; `PLM_WASM_RELAXED_SIMD=0`
 * keeps the plain-SIMD kernel everywhere); `threads` is how many threads large products
 * use (1 without worker_threads + shared memory, or after setKernelThreads(1)).
 */
export function kernelInfo(): { simd: boolean; fma: boolean; threads: number } {
  const rt = getRuntime();
  return { simd: true, fma: rt.fma, threads: kernelThreads() };
}
