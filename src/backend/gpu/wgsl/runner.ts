// Runs the hand-written WGSL products (./gemm-shader.ts, ./products.ts) on the WebGPU device
// that gpu.js uses, so their outputs are ordinary gpu.js buffer handles: gpu.js kernels take
// them as arguments, and the backend reads and frees them like any other WebGpuValue.
// Each product shape gets a plan once (spec, shader text, pipelines, dispatch; cached by a short
// key, so the hot path builds no strings). Pipelines compile asynchronously, like gpu.js's own
// kernels: a shape's first call waits for its pipeline, and every later call submits at once
// unless an input is still pending.
import type { Conv3dGeometry } from '../../../tensor/geometry.js';
import { webgpuLaunchStats } from '../webgpu-launch.js';
import { webgpuClasses, WebGpuValue, type WebGpuBufferResult } from '../webgpu-value.js';
import {
  foldGrid,
  gemmDispatch,
  gemmShader,
  splitSumShader,
  SUM_THREADS,
  tileShape,
  type GemmSpec,
} from './gemm-shader.js';
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
  readonly limits: {
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
  };
  createShaderModule(d: { code: string }): unknown;
  createComputePipelineAsync(d: {
    layout: unknown;
    compute: { module: unknown; entryPoint: string };
  }): Promise<GpuPipeline>;
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

/** Product shapes whose plans (shaders, pipelines) are kept; the least recently used go to the GC. */
const MAX_PLANS = 400;

/** Calls made and pipelines compiled (tests and reports). */
export interface WgslStats {
  calls: number;
  pipelines: number;
  /** Calls per tile ('64x64', '4x256', …; ' split-K' when K was split). */
  tiles: Record<string, number>;
}

/** One compute pass of a call: its pipeline (a Promise while it compiles), dispatch and bindings (indices into the call's buffers). */
interface Pass {
  pipeline: GpuPipeline | Promise<GpuPipeline>;
  groups: [number, number, number];
  bind: number[];
}

/** Everything a product shape needs, built once per shape: the hot path only looks it up. */
interface Plan {
  passes: Pass[];
  /** Bytes of the buffers each call allocates; the last is the result. */
  scratch: number[];
  /** Floats in the result. */
  size: number;
  /** Its key in WgslStats.tiles. */
  tile: string;
}

export class WgslProducts {
  /** Plans by product shape; null for shapes left to the gpu.js kernels. */
  private readonly plans = new Map<string, Plan | null>();
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

  /** C = op(A) · op(B) per batch, or null when the shape is left to the gpu.js kernels. */
  matmul(
    a: unknown,
    b: unknown,
    batch: number,
    M: number,
    N: number,
    K: number,
    transA: boolean,
    transB: boolean,
    aBatch: number,
    bBatch: number,
  ): WebGpuValue | null {
    const key = `matmul ${batch} ${M} ${N} ${K} ${transA} ${transB} ${aBatch} ${bBatch}`;
    return this.run(key, () => matmulSpec(batch, M, N, K, transA, transB, aBatch, bBatch), [a, b]);
  }

  conv3d(x: unknown, w: unknown, bias: unknown, g: Conv3dGeometry): WebGpuValue | null {
    const hasBias = bias !== null;
    return this.run(`conv3d ${hasBias} ${g.key}`, () => conv3dForwardSpec(g, hasBias), hasBias ? [w, x, bias] : [w, x]);
  }

  conv3dGradInput(dy: unknown, w: unknown, g: Conv3dGeometry): WebGpuValue | null {
    return this.run(`conv3dGradInput ${g.key}`, () => conv3dGradInputSpec(g), [w, dy]);
  }

  conv3dGradWeight(x: unknown, dy: unknown, g: Conv3dGeometry): WebGpuValue | null {
    return this.run(`conv3dGradWeight ${g.key}`, () => conv3dGradWeightSpec(g), [dy, x]);
  }

  /** Runs the product of shape `key` (its spec made by `spec` the first time), or returns null for the gpu.js kernels. */
  private run(key: string, spec: () => GemmSpec, args: readonly unknown[]): WebGpuValue | null {
    if (!args.every((a): a is WebGpuValue => a instanceof WebGpuValue)) return null;
    let plan = this.plans.get(key);
    if (plan === undefined) {
      plan = this.plan(spec());
      if (this.plans.size >= MAX_PLANS) this.plans.delete(this.plans.keys().next().value as string);
    } else {
      // Refresh the least-recently-used order.
      this.plans.delete(key);
    }
    this.plans.set(key, plan);
    if (!plan) return null;
    this.stats.tiles[plan.tile] = (this.stats.tiles[plan.tile] ?? 0) + 1;
    return this.launch(plan, args);
  }

  /** The shaders, pipelines, dispatches and buffer sizes of a product, or null for shapes left to gpu.js. */
  private plan(spec: GemmSpec): Plan | null {
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
    const n = spec.inputs;
    const t = tileShape(spec.M);
    const tile = `${t.ty * t.rows}x${t.tx * 4}${spec.splits > 1 ? ' split-K' : ''}`;
    const product = this.pass(gemmShader(spec, gridX), [gridX, gridY, depth], [...Array(n).keys(), n]);
    if (spec.splits === 1) return { passes: [product], scratch: [size * 4], size, tile };
    // Buffers: the inputs, then the partial sums [splits, M, N], then the result.
    const [sumX, sumY] = foldGrid(Math.ceil(size / SUM_THREADS), limit);
    const sum = this.pass(splitSumShader(spec, sumX), [sumX, sumY, 1], [...Array(n).keys(), n, n + 1]);
    return { passes: [product, sum], scratch: [size * spec.splits * 4, size * 4], size, tile };
  }

  /**
   * A pass whose pipeline starts compiling now, asynchronously (the page never blocks on a
   * compile): launch waits on the Promise until the compiled pipeline replaces it. A compile
   * error surfaces where the result is read.
   */
  private pass(code: string, groups: Pass['groups'], bind: number[]): Pass {
    this.stats.pipelines++;
    const layout = this.device.createPipelineLayout({ bindGroupLayouts: [this.layout(bind.length)] });
    const compiling = this.device.createComputePipelineAsync({
      layout,
      compute: { module: this.device.createShaderModule({ code }), entryPoint: 'main' },
    });
    const pass: Pass = { pipeline: compiling, groups, bind };
    compiling.then(
      (ready) => {
        pass.pipeline = ready;
      },
      () => {},
    );
    return pass;
  }

  /**
   * Allocates the plan's scratch buffers (the last is the result), encodes its passes and
   * submits them, now if every input and pipeline exists, else once they do. Scratch buffers
   * other than the result are destroyed right after the submit (WebGPU keeps them alive for
   * the work already queued).
   */
  private launch(plan: Plan, args: readonly WebGpuValue[]): WebGpuValue {
    const maxBytes = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    for (const bytes of plan.scratch) {
      if (bytes > maxBytes)
        throw new Error(
          `gpu backend (webgpu): a product needs a ${bytes}-byte buffer but this device allows ${maxBytes} per storage buffer; use a smaller batch`,
        );
    }
    this.stats.calls++;
    const submit = (inputs: readonly WebGpuBufferResult[], pipelines: readonly GpuPipeline[]): WebGpuBufferResult => {
      if (this.context.isLost) throw new Error('gpu backend (webgpu): the WebGPU device was lost; make a new backend');
      const buffers = inputs.map((h) => (h as unknown as { buffer: GpuBuffer }).buffer);
      for (const bytes of plan.scratch)
        buffers.push(
          this.device.createBuffer({
            size: Math.max(4, bytes),
            usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST,
          }),
        );
      const encoder = this.device.createCommandEncoder();
      plan.passes.forEach((p, i) => {
        const group = this.device.createBindGroup({
          layout: this.layout(p.bind.length),
          entries: p.bind.map((b, binding) => ({ binding, resource: { buffer: buffers[b] } })),
        });
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipelines[i]);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(...p.groups);
        pass.end();
      });
      this.device.queue.submit([encoder.finish()]);
      for (let i = inputs.length; i < buffers.length - 1; i++) buffers[i].destroy();
      return new webgpuClasses.WebGPUBufferResult({
        buffer: buffers[buffers.length - 1],
        output: [plan.size],
        componentCount: 1,
        context: this.context,
        kernel: this.reader,
      });
    };
    const now = args.map((a) => a.now);
    const pipelines = plan.passes.map((p) => p.pipeline);
    if (
      now.every((h): h is WebGpuBufferResult => h !== null) &&
      pipelines.every((p): p is GpuPipeline => !(p instanceof Promise))
    ) {
      webgpuLaunchStats.immediate++;
      return new WebGpuValue(plan.size, submit(now, pipelines));
    }
    const pending = Promise.all([Promise.all(args.map((a) => a.resolved())), Promise.all(pipelines)]).then(
      ([inputs, ready]) => submit(inputs, ready),
    );
    for (const a of args) a.use(pending);
    webgpuLaunchStats.deferred++;
    return new WebGpuValue(plan.size, pending);
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
          binding,
          visibility: SHADER_STAGE_COMPUTE,
          buffer: { type: binding === count - 1 ? 'storage' : 'read-only-storage' },
        })),
      });
      this.layouts.set(count, l);
    }
    return l;
  }

  /** Copy to a staging buffer, map, copy out. */
  private async read(h: WebGpuBufferResult & { buffer: GpuBuffer }): Promise<Float32Array> {
    if (this.context.isLost)
      throw new Error('gpu backend (webgpu): the WebGPU device was lost; this buffer no longer holds data');
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
}
