// Compiled gpu.js kernels, one per (kernel, output size, constants) signature: shapes are baked
// in as constants because loop bounds must be compile-time (gpujs-notes §1 Loops), and a
// kernel is built on first use then reused. Least-recently-used kernels beyond `limit` are
// destroyed (each pins a shader program, or a wasm memory on webasm). Owns the GPU instance.
import { GPU } from 'gpu.js';
import { KERNEL_SOURCES, type KernelName } from './kernels.generated.js';
import type { GpuMode } from './mode.js';
import type { DeviceValue } from './storage.js';

type Constants = Record<string, number>;
type Arg = DeviceValue;

interface CompiledKernel {
  (...args: Arg[]): unknown;
  destroy?(): void;
}

function argSize(a: Arg): number {
  if (a instanceof Float32Array) return a.length;
  const out = (a as { output?: readonly number[] }).output;
  if (!out) throw new Error('gpu backend internal: kernel argument is neither a Float32Array nor a gpu.js texture');
  return out.reduce((x, y) => x * y, 1);
}

export class KernelCache {
  readonly gpu: GPU;
  private readonly kernels = new Map<string, CompiledKernel>();
  /** Kernels built so far (including evicted ones), for tests and reports. */
  builds = 0;

  constructor(readonly mode: GpuMode, private readonly limit = 400) {
    this.gpu = new GPU({ mode } as ConstructorParameters<typeof GPU>[0]);
  }

  /** True where kernel outputs are device textures (GL); false on webasm (host arrays). */
  get onDevice(): boolean {
    return this.mode !== 'webasm';
  }

  get size(): number {
    return this.kernels.size;
  }

  /**
   * Runs kernel `name` with `size` output cells and the given constants, building it on first use.
   * Returns a texture on GL and a fresh Float32Array on webasm.
   */
  run(name: KernelName, size: number, constants: Constants, args: readonly Arg[]): DeviceValue {
    // Argument sizes are part of the signature: gpu.js bakes them into the compiled kernel
    // (webasm throws on a change, GL reads out of bounds: gpujs-notes P8).
    const argSizes = args.map(argSize).join(',');
    const key = `${name}|${size}|${argSizes}|${Object.keys(constants).map((k) => `${k}=${constants[k]}`).join(',')}`;
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
    const out = k(...args);
    if (this.onDevice) return out as DeviceValue;
    if (out instanceof Float32Array) return out;
    throw new Error(`gpu backend internal: kernel ${name} returned ${Object.prototype.toString.call(out)} on ${this.mode}`);
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
      // Every call returns a new texture the caller owns and must delete (gpujs-notes P3-P5).
      immutable: this.onDevice,
      // 4 floats per RGBA32F texel on WebGL1/headless GL instead of 1 (4x less texture memory).
      optimizeFloatMemory: this.mode === 'headlessgl' || this.mode === 'webgl',
    };
    const kernel = this.gpu.createKernel(KERNEL_SOURCES[name] as unknown as Parameters<GPU['createKernel']>[0], settings as never);
    return kernel as unknown as CompiledKernel;
  }

  /** Destroys every kernel and the GPU context. */
  destroy(): void {
    for (const k of this.kernels.values()) k.destroy?.();
    this.kernels.clear();
    this.gpu.destroy();
  }
}
