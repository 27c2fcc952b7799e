// Compiled gpu.js kernels, one per (kernel, output size, constants) signature: shapes are baked
// in as constants because gpu.js needs loop bounds known when it compiles, and a
// kernel is built on first use then reused. Least-recently-used kernels beyond `limit` are
// destroyed (each pins a shader program, or a wasm memory on webasm). Owns the GPU instance.
// WebGPU calls go through ./webgpu-launch.ts (results are buffer handles, possibly pending).
import { GPU } from 'gpu.js';
import { KERNEL_SOURCES, type KernelName } from './kernels.generated.js';
import type { GpuMode } from './mode.js';
import type { DeviceValue } from './storage.js';
import { launchWebGpu, type WebGpuShortcut } from './webgpu-launch.js';
import { WebGpuValue } from './webgpu-value.js';

type Constants = Record<string, number>;
type Arg = DeviceValue;

interface CompiledKernel {
  (...args: Arg[]): unknown;
  destroy?(): void;
}

function argSize(a: Arg): number {
  if (a instanceof Float32Array || a instanceof WebGpuValue) return a instanceof Float32Array ? a.length : a.size;
  const out = (a as { output?: readonly number[] }).output;
  if (!out) throw new Error('gpu backend internal: kernel argument is neither a Float32Array nor a gpu.js texture');
  return out.reduce((x, y) => x * y, 1);
}

/**
 * Default number of live kernels. webasm gets fewer: each webasm kernel owns a WebAssembly.Memory,
 * and V8 reserves ~8 GiB of address space per memory within a ~1 TiB total, so ~120 live kernels
 * make `new WebAssembly.Memory` throw "could not allocate memory" (seen in Chromium).
 */
export function defaultKernelLimit(mode: GpuMode): number {
  return mode === 'webasm' ? 64 : 400;
}

export class KernelCache {
  readonly gpu: GPU;
  private readonly kernels = new Map<string, CompiledKernel>();
  private readonly limit: number;
  /** Kernels built so far (including evicted ones), for tests and reports. */
  builds = 0;

  constructor(
    readonly mode: GpuMode,
    limit?: number,
  ) {
    this.limit = limit ?? defaultKernelLimit(mode);
    this.gpu = new GPU({ mode } as ConstructorParameters<typeof GPU>[0]);
  }

  /** True where kernel outputs stay on the device (GL textures, WebGPU buffers); false on webasm. */
  get onDevice(): boolean {
    return this.mode !== 'webasm';
  }

  get size(): number {
    return this.kernels.size;
  }

  /**
   * Runs kernel `name` with `size` output cells and the given constants, building it on first use.
   * Returns a texture on GL, a buffer handle on WebGPU and a fresh Float32Array on webasm.
   */
  run(name: KernelName, size: number, constants: Constants, args: readonly Arg[]): DeviceValue {
    // Argument sizes are part of the signature: gpu.js bakes them into the compiled kernel
    // (webasm throws when they change, GL silently reads out of bounds).
    const argSizes = args.map(argSize).join(',');
    const key = `${name}|${size}|${argSizes}|${Object.keys(constants)
      .map((k) => `${k}=${constants[k]}`)
      .join(',')}`;
    let k = this.kernels.get(key);
    if (k) {
      // Refresh LRU position.
      this.kernels.delete(key);
      this.kernels.set(key, k);
    } else {
      k = this.build(name, size, constants);
      this.kernels.set(key, k);
      if (this.kernels.size > this.limit) {
        const [oldKey, old] = this.kernels.entries().next().value as [string, CompiledKernel];
        this.kernels.delete(oldKey);
        old.destroy?.();
      }
    }
    if (this.mode === 'webgpu')
      return launchWebGpu(k as unknown as WebGpuShortcut, args as (Float32Array | WebGpuValue)[], size);
    const out = k(...args);
    if (this.onDevice) return out as DeviceValue;
    if (out instanceof Float32Array) return out;
    throw new Error(
      `gpu backend internal: kernel ${name} returned ${Object.prototype.toString.call(out)} on ${this.mode}`,
    );
  }

  private build(name: KernelName, size: number, constants: Constants): CompiledKernel {
    this.builds++;
    const settings = {
      output: [size],
      constants,
      precision: 'single',
      // highp everywhere: the default tactic may choose lowp/mediump on mobile GPUs.
      tactic: 'precision',
      pipeline: this.onDevice,
      // Every call returns a new texture the caller owns and must delete; without it, each call
      // overwrites the texture of the call before, which a caller may still hold.
      immutable: this.onDevice,
      // 4 floats per RGBA32F texel on WebGL1/headless GL instead of 1 (4x less texture memory).
      optimizeFloatMemory: this.mode === 'headlessgl' || this.mode === 'webgl',
    };
    const kernel = this.gpu.createKernel(
      KERNEL_SOURCES[name] as unknown as Parameters<GPU['createKernel']>[0],
      settings as never,
    );
    return kernel as unknown as CompiledKernel;
  }

  /** Destroys every kernel and the GPU context. */
  destroy(): void {
    for (const k of this.kernels.values()) k.destroy?.();
    this.kernels.clear();
    this.gpu.destroy();
  }
}
