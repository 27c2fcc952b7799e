// Runs the hand-written WGSL products (./gemm-shader.ts, ./products.ts) on the WebGPU device
// that gpu.js uses, so their outputs are ordinary gpu.js buffer handles: gpu.js kernels take
// them as arguments, and the backend reads and frees them like any other WebGpuValue.
// Pipelines compile asynchronously (one per shader text, cached; the page never blocks on a
// compile), like gpu.js's own kernels: a shape's first call waits for its pipeline, and every
// later call submits at once unless an input is still pending.
import type { Conv3dGeometry } from '../../../tensor/geometry.js';
import { webgpuLaunchStats } from '../webgpu-launch.js';
import { webgpuClasses, WebGpuValue, type WebGpuBufferResult } from '../webgpu-value.js';
import { foldGrid, gemmDispatch, gemmShader, splitSumShader, SUM_THREADS, tileShape, type GemmSpec } from './gemm-shader.js';
import { conv3dForwardSpec, conv3dGradInputSpec, conv3dGradWeightSpec, matmulSpec } from './products.js';

// The slice of the WebGPU API used here (the DOM typings of this TypeScript have none).
interface GpuBuffer {
  readonly size: number;
  destroy(): void;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
}
type GpuPipeline = object;
interface GpuPass {
  setPipeline(p: GpuPipeline): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
  end(): void;
}
interface GpuEncoder {
  beginComputePass(): GpuPass;
  copyBufferToBuffer(src: GpuBuffer, so: number, dst: GpuBuffer, d: number, size: number): void;
  finish(): unknown;
}
interface GpuDevice {
  readonly limits: { maxComputeWorkgroupsPerDimension: number; maxStorageBufferBindingSize: number; maxBufferSize: number };
  createShaderModule(d: { code: string }): unknown;
  createComputePipelineAsync(d: { layout: unknown; compute: { module: unknown; entryPoint: string } }): Promise<GpuPipeline>;
  createBindGroupLayout(d: { entries: { binding: number; visibility: number; buffer: { type: string } }[] }): unknown;
  createPipelineLayout(d: { bindGroupLayouts: unknown[] }): unknown;
  createBuffer(d: { size: number; usage: number }): GpuBuffer;
  createBindGroup(d: { layout: unknown; entries: { binding: number; resource: { buffer: GpuBuffer } }[] }): unknown;
  createCommandEncoder(): GpuEncoder;
  readonly queue: { submit(buffers: unknown[]): void };
}
/** What gpu.js's WebGPUContext.acquire() resolves to; gpu.js kernels accept only handles of this same object. */
export interface WebGpuContext {
  readonly device: GpuDevice;
  readonly isLost: boolean;
}

// GPUBufferUsage, GPUMapMode and GPUShaderStage flags (WebGPU spec values; the globals exist only where WebGPU does).
const USAGE_MAP_READ = 0x1;
const USAGE_COPY_SRC = 0x4;
const USAGE_COPY_DST = 0x8;
const USAGE_STORAGE = 0x80;
const MAP_READ = 0x1;
const SHADER_STAGE_COMPUTE = 0x4;

/** Smallest product (multiply-adds) that runs tiled. */
const MIN_MACS = 1 << 20;

/** Pipelines kept (one per product shape); older ones are dropped for the GC. */
const MAX_PIPELINES = 400;

/** Calls made and pipelines compiled (tests and reports). */
export interface WgslStats {
  calls: number;
  pipelines: number;
  /** Calls per tile ('64x64', '4x256', …; ' split-K' when K was split). */
  tiles: Record<string, number>;
}

/** One compute pass of a call: a shader, its dispatch and its bindings (indices into the call's buffers). */
interface Pass {
  code: string;
  groups: [number, number, number];
  bind: number[];
}

export class WgslProducts {
  private readonly pipelines = new Map<string, GpuPipeline | Promise<GpuPipeline>>();
  private readonly layouts = new Map<number, unknown>();
  readonly stats: WgslStats = { calls: 0, pipelines: 0, tiles: {} };
  /** Reads our buffers back for WebGPUBufferResult.toArray() (gpu.js calls kernel.readBufferResult). */
  private readonly reader = { readBufferResult: (h: WebGpuBufferResult & { buffer: GpuBuffer }) => this.read(h) };

  /**
   * @param context gpu.js's WebGPU context (its device runs the products).
   * @param gridLimit Workgroups per dispatch dimension, at most the device's limit; tests lower
   *   it to exercise the folded grid that very large products need.
   */
  constructor(
    private readonly context: WebGpuContext,
    private readonly gridLimit = Infinity,
  ) {}

  private get device(): GpuDevice {
    return this.context.device;
  }

  /** C = op(A) · op(B) per batch, or null when the shape exceeds the dispatch limits (the caller uses gpu.js). */
  matmul(a: unknown, b: unknown, batch: number, M: number, N: number, K: number, transA: boolean, transB: boolean, aBatch: number, bBatch: number): WebGpuValue | null {
    return this.gemm(matmulSpec(batch, M, N, K, transA, transB, aBatch, bBatch), [a, b]);
  }

  conv3d(x: unknown, w: unknown, bias: unknown, g: Conv3dGeometry): WebGpuValue | null {
    return this.gemm(conv3dForwardSpec(g, bias !== null), bias === null ? [w, x] : [w, x, bias]);
  }

  conv3dGradInput(dy: unknown, w: unknown, g: Conv3dGeometry): WebGpuValue | null {
    return this.gemm(conv3dGradInputSpec(g), [w, dy]);
  }

  conv3dGradWeight(x: unknown, dy: unknown, g: Conv3dGeometry): WebGpuValue | null {
    return this.gemm(conv3dGradWeightSpec(g), [dy, x]);
  }

  private gemm(spec: GemmSpec, args: readonly unknown[]): WebGpuValue | null {
    if (!args.every((a): a is WebGpuValue => a instanceof WebGpuValue)) return null;
    // Below about a megaflop a tile is mostly empty and a one-value-per-thread gpu.js kernel
    // is as fast; it also spares a pipeline compile per small shape.
    if (spec.batch * spec.M * spec.N * spec.K < MIN_MACS) return null;
    const size = spec.batch * spec.M * spec.N;
    const [columnTiles, rowTiles, depth] = gemmDispatch(spec);
    const deviceLimit = this.device.limits.maxComputeWorkgroupsPerDimension;
    // Batches of more than 65,535 products are left to the gpu.js kernels.
    if (depth > deviceLimit) return null;
    const limit = Math.min(deviceLimit, this.gridLimit);
    const [gridX, gridY] = foldGrid(columnTiles * rowTiles, limit);
    const groups: [number, number, number] = [gridX, gridY, depth];
    const n = args.length;
    const t = tileShape(spec.M);
    const tile = `${t.ty * t.rows}x${t.tx * 4}${spec.splits > 1 ? ' split-K' : ''}`;
    this.stats.tiles[tile] = (this.stats.tiles[tile] ?? 0) + 1;
    if (spec.splits === 1) return this.launch([{ code: gemmShader(spec, gridX), groups, bind: [...args.keys(), n] }], args, [size * 4], size);
    // Buffers: the inputs, then the partial sums [splits, M, N], then the result.
    const [sumX, sumY] = foldGrid(Math.ceil(size / SUM_THREADS), limit);
    return this.launch(
      [
        { code: gemmShader(spec, gridX), groups, bind: [...args.keys(), n] },
        { code: splitSumShader(spec, sumX), groups: [sumX, sumY, 1], bind: [...args.keys(), n, n + 1] },
      ],
      args, [size * spec.splits * 4, size * 4], size,
    );
  }

  /**
   * Allocates `scratch` buffers (the last is the result), encodes the passes and submits them,
   * now if every input exists, else once they do. Scratch buffers other than the result are
   * destroyed right after the submit (WebGPU keeps them alive for the work already queued).
   */
  private launch(passes: Pass[], args: readonly WebGpuValue[], scratch: number[], size: number): WebGpuValue {
    const maxBytes = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    for (const bytes of scratch) {
      if (bytes > maxBytes) throw new Error(`gpu backend (webgpu): a product needs a ${bytes}-byte buffer but this device allows ${maxBytes} per storage buffer; use a smaller batch`);
    }
    this.stats.calls++;
    const compiled = passes.map((p) => this.pipeline(p.code, p.bind.length));
    const submit = (inputs: readonly WebGpuBufferResult[], pipelines: readonly GpuPipeline[]): WebGpuBufferResult => {
      if (this.context.isLost) throw new Error('gpu backend (webgpu): the WebGPU device was lost; make a new backend');
      const buffers = [...inputs.map((h) => (h as unknown as { buffer: GpuBuffer }).buffer)];
      for (const bytes of scratch) buffers.push(this.device.createBuffer({ size: Math.max(4, bytes), usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST }));
      const encoder = this.device.createCommandEncoder();
      for (const [i, p] of passes.entries()) {
        const pipeline = pipelines[i];
        const group = this.device.createBindGroup({
          layout: this.layout(p.bind.length),
          entries: p.bind.map((i, binding) => ({ binding, resource: { buffer: buffers[i] } })),
        });
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(...p.groups);
        pass.end();
      }
      this.device.queue.submit([encoder.finish()]);
      for (let i = inputs.length; i < buffers.length - 1; i++) buffers[i].destroy();
      return new webgpuClasses.WebGPUBufferResult({ buffer: buffers[buffers.length - 1], output: [size], componentCount: 1, context: this.context, kernel: this.reader });
    };
    const now = args.map((a) => a.now);
    if (now.every((h): h is WebGpuBufferResult => h !== null) && compiled.every((p): p is GpuPipeline => !(p instanceof Promise))) {
      webgpuLaunchStats.immediate++;
      return new WebGpuValue(size, submit(now, compiled));
    }
    const pending = Promise.all([Promise.all(args.map((a) => a.resolved())), Promise.all(compiled)]).then(([inputs, pipelines]) => submit(inputs, pipelines));
    for (const a of args) a.use(pending);
    webgpuLaunchStats.deferred++;
    return new WebGpuValue(size, pending);
  }

  /**
   * The bind group layout of a shader with `count` storage bindings, all read-only but the last
   * (`out`). Explicit rather than 'auto', which would drop the bindings a shader does not read
   * (the split sum reads none of the product's inputs unless its store adds a bias).
   */
  private layout(count: number): unknown {
    let l = this.layouts.get(count);
    if (!l) {
      l = this.device.createBindGroupLayout({
        entries: Array.from({ length: count }, (_, binding) => ({
          binding, visibility: SHADER_STAGE_COMPUTE, buffer: { type: binding === count - 1 ? 'storage' : 'read-only-storage' },
        })),
      });
      this.layouts.set(count, l);
    }
    return l;
  }

  /** The pipeline of `code`, or the Promise of it while it compiles. */
  private pipeline(code: string, bindings: number): GpuPipeline | Promise<GpuPipeline> {
    let p = this.pipelines.get(code);
    if (p) {
      // Refresh the least-recently-used order.
      this.pipelines.delete(code);
    } else {
      const layout = this.device.createPipelineLayout({ bindGroupLayouts: [this.layout(bindings)] });
      const compiling = this.device.createComputePipelineAsync({ layout, compute: { module: this.device.createShaderModule({ code }), entryPoint: 'main' } });
      p = compiling;
      void compiling.then(
        (ready) => {
          if (this.pipelines.get(code) === compiling) this.pipelines.set(code, ready);
        },
        () => this.pipelines.delete(code),
      );
      this.stats.pipelines++;
      if (this.pipelines.size >= MAX_PIPELINES) this.pipelines.delete(this.pipelines.keys().next().value as string);
    }
    this.pipelines.set(code, p);
    return p;
  }

  /** Copy to a staging buffer, map, copy out. */
  private async read(h: WebGpuBufferResult & { buffer: GpuBuffer }): Promise<Float32Array> {
    if (this.context.isLost) throw new Error('gpu backend (webgpu): the WebGPU device was lost; this buffer no longer holds data');
    const bytes = h.output[0] * 4;
    const staging = this.device.createBuffer({ size: Math.max(4, bytes), usage: USAGE_MAP_READ | USAGE_COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(h.buffer, 0, staging, 0, bytes);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_READ, 0, bytes);
      const data = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
      return data;
    } finally {
      staging.destroy();
    }
  }

  /** Drops the compiled pipelines (the device belongs to gpu.js and outlives this object). */
  destroy(): void {
    this.pipelines.clear();
    this.layouts.clear();
  }
}
