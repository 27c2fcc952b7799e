// Calling a gpu.js WebGPU kernel without waiting: gpu.js returns a Promise from every WebGPU
// call, but once a kernel is built its run() writes the arguments, encodes and submits on the
// spot, and the result lives in the kernel's new `outputBuffer` (immutable pipeline kernels get
// a fresh buffer per call). We wrap that buffer right away, so results chain on the device with
// no await. Only a kernel's first call (the asynchronous shader and pipeline build) or a call
// whose inputs are still pending goes through a Promise.
import { webgpuClasses, WebGpuValue, type WebGpuBufferResult } from './webgpu-value.js';

/** The parts of gpu.js's WebGPUKernel this module relies on (gpu.js 2.24.1, web-gpu/kernel.js). */
interface WebGpuKernelInternals {
  built: boolean;
  outputBuffer: unknown;
  output: number[];
  componentCount: number;
  context: unknown;
  run(...args: unknown[]): Promise<WebGpuBufferResult>;
}

/** A gpu.js kernel as createKernel returns it (the run shortcut holding the kernel object). */
export interface WebGpuShortcut {
  (...args: unknown[]): unknown;
  kernel: WebGpuKernelInternals;
}

type LaunchArg = Float32Array | WebGpuValue;

/** How many calls submitted at once and how many waited on a Promise (tests and reports). */
export const webgpuLaunchStats = { immediate: 0, deferred: 0 };

/** Runs `k` on `args` and returns its output as a WebGpuValue of `size` floats. */
export function launchWebGpu(k: WebGpuShortcut, args: readonly LaunchArg[], size: number): WebGpuValue {
  const now = args.map((a) => (a instanceof WebGpuValue ? a.now : a));
  const inner = k.kernel;
  if (inner.built && now.every((a) => a !== null)) {
    // Synchronous path: run() validates and submits before returning (errors throw here).
    const before = inner.outputBuffer;
    const p = inner.run(...now);
    if (inner.outputBuffer === before)
      throw new Error('gpu backend (webgpu) internal: the kernel did not allocate an output buffer');
    const handle = new webgpuClasses.WebGPUBufferResult({
      buffer: inner.outputBuffer,
      output: [...inner.output],
      componentCount: inner.componentCount,
      context: inner.context,
      kernel: inner,
    });
    // gpu.js's own handle holds a second reference to the same buffer: drop it.
    void p.then(
      (h) => h.delete(),
      () => {},
    );
    webgpuLaunchStats.immediate++;
    return new WebGpuValue(size, handle);
  }
  // First call (kernel build is asynchronous) or inputs still pending: chain on promises.
  const ready = Promise.all(args.map((a) => (a instanceof WebGpuValue ? a.resolved() : a))).then(
    (resolved) => k(...resolved) as Promise<WebGpuBufferResult>,
  );
  for (const a of args) if (a instanceof WebGpuValue) a.use(ready);
  webgpuLaunchStats.deferred++;
  return new WebGpuValue(size, ready);
}
