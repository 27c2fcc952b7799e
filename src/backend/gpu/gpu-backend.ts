// The gpu backend: the Backend contract on gpu.js kernels (WebGPU, WebGL2, WebGL, headless GL
// or WebAssembly). Storage is a mutable GpuData box (./storage.ts); primitives are launchers in
// ./launchers. On GL and WebGPU modes tensors stay on the device between ops; on webasm they are
// host Float32Arrays. Knows nothing of autograd; imports gpu.js only through ./kernel-cache,
// ./mode and ./webgpu-value.
import type { AdamHyper, Backend, BinaryOp, DataId, LstmCellOutputs, ReduceOp, SgdHyper, UnaryOp } from '../backend.js';
import type { Conv3dGeometry, Pool3dGeometry } from '../../tensor/geometry.js';
import { sizeOf } from '../../tensor/shape.js';
import { KernelCache } from './kernel-cache.js';
import {
  bestAvailable,
  chooseMode,
  probeCapabilities,
  warnOnce,
  type Capabilities,
  type GpuMode,
  type GpuModeRequest,
} from './mode.js';
import { GpuData, readValue, readValueSync, releaseValue, type DeviceValue } from './storage.js';
import { HOST_SHADOW_LIMIT, webgpuClasses, WebGpuValue } from './webgpu-value.js';
import { WgslProducts, type WebGpuContext, type WgslStats } from './wgsl/runner.js';
import type { Device } from './launchers/device.js';
import * as elementwise from './launchers/elementwise.js';
import * as layout from './launchers/layout.js';
import * as reduction from './launchers/reduce.js';
import * as linalg from './launchers/matmul.js';
import * as convPool from './launchers/conv-pool.js';
import * as fused from './launchers/fused.js';

/** Options of the gpu backend, passed as `setBackend('gpu', options)`. */
export interface GpuBackendOptions {
  /** Which gpu.js mode to run; `'auto'` picks the best available (default). */
  mode?: GpuModeRequest;
  /** Most compiled kernels kept alive (least recently used ones are destroyed). Default 400 (64 on webasm). */
  kernelCacheSize?: number;
  /**
   * On WebGPU, run matmul and the 3D convolutions (forward and both gradients) as tiled WGSL
   * products with workgroup memory instead of gpu.js kernels (default true). gpu.js kernels
   * compute one value per thread with no shared memory; these reuse every loaded value 64 times.
   */
  wgsl?: boolean;
  /** @internal Workgroups per dispatch dimension for the WGSL products (tests of the folded grid). */
  wgslGridLimit?: number;
  /** @internal Simulated runtime capabilities, for tests of the fallback rules. */
  capabilities?: Capabilities;
}

/** The gpu.js backend (WebGPU, WebGL2, WebGL, headless GL or WebAssembly); usually made through {@link registerGpuBackend} and `setBackend('gpu', { mode })`. */
export class GpuBackend implements Backend {
  readonly name = 'gpu';
  /** The mode that was asked for. */
  readonly requestedMode: GpuModeRequest;
  private running: GpuMode;
  private why: string | null;
  private kernels: KernelCache;
  private device: Device;
  private readonly options: GpuBackendOptions;
  private webgpuChecked: Promise<void> | null = null;
  private wgsl: WgslProducts | null = null;
  private live = 0;
  private bytes = 0;

  constructor(options: GpuBackendOptions = {}) {
    this.options = options;
    const choice = chooseMode(options.mode ?? 'auto', options.capabilities);
    this.requestedMode = choice.requested;
    this.running = choice.mode;
    this.why = choice.fallback;
    if (choice.fallback) warnOnce(choice.fallback);
    this.kernels = new KernelCache(choice.mode, options.kernelCacheSize);
    this.device = this.makeDevice();
  }

  private makeDevice(): Device {
    const wgsl = (): WgslProducts | null => this.wgsl;
    return {
      kernels: this.kernels,
      upload: (values) => this.uploadValue(values),
      fill: (size, value) => this.fillValue(size, value),
      release: releaseValue,
      get wgsl() {
        return wgsl();
      },
    };
  }

  /** Why the running mode differs from the request (null if it does not). */
  get fallbackReason(): string | null {
    return this.why;
  }

  /** The gpu.js mode actually running: 'webgpu', 'webgl2', 'webgl', 'headlessgl' or 'webasm'. */
  get mode(): string {
    return this.running;
  }

  /** Compiled kernels alive now, and built since start (for tests and reports). */
  kernelStats(): { cached: number; built: number } {
    return { cached: this.kernels.size, built: this.kernels.builds };
  }

  /** Calls and compiled pipelines of the tiled WGSL products; null unless they run (WebGPU after ready(), `wgsl` not false). */
  wgslStats(): WgslStats | null {
    return this.wgsl ? { ...this.wgsl.stats, tiles: { ...this.wgsl.stats.tiles } } : null;
  }

  /**
   * On WebGPU: acquires the device, and when the browser has no adapter (navigator.gpu exists
   * but requestAdapter() gives null, e.g. headless Chromium without --enable-unsafe-webgpu)
   * switches to the best other mode, provided no tensor was made yet. Other modes: nothing.
   */
  ready(): Promise<void> {
    if (this.running !== 'webgpu') return Promise.resolve();
    this.webgpuChecked ??= webgpuClasses.WebGPUContext.acquire().then(
      (context) => {
        if (this.options.wgsl !== false)
          this.wgsl = new WgslProducts(context as unknown as WebGpuContext, this.options.wgslGridLimit);
      },
      (e: unknown) => this.leaveWebGpu(e),
    );
    return this.webgpuChecked;
  }

  private leaveWebGpu(e: unknown): void {
    const message = (e as Error)?.message ?? String(e);
    const reason = /no adapter/.test(message)
      ? 'navigator.gpu.requestAdapter() gave no adapter (headless Chromium gives one only with --enable-unsafe-webgpu)'
      : message;
    const alt = bestAvailable({ ...(this.options.capabilities ?? probeCapabilities()), webgpu: false });
    if (this.live > 0 || alt === null) {
      throw new Error(
        `gpu backend: webgpu: ${reason}${this.live > 0 ? ` (${this.live} tensors already live: call await ready() before making tensors)` : ''}`,
      );
    }
    this.kernels.destroy();
    this.running = alt;
    this.why = `webgpu: ${reason}; running ${alt}`;
    warnOnce(this.why);
    this.kernels = new KernelCache(alt, this.options.kernelCacheSize);
    this.device = this.makeDevice();
  }

  // ---- storage ----

  private uploadValue(values: Float32Array): DeviceValue {
    if (values.length === 0 || !this.kernels.onDevice) return new Float32Array(values);
    return this.shadow(this.kernels.run('copyFlat', values.length, {}, [values]), () => new Float32Array(values));
  }

  private fillValue(size: number, value: number): DeviceValue {
    if (size === 0 || !this.kernels.onDevice) {
      const a = new Float32Array(size);
      if (value !== 0) a.fill(value);
      return a;
    }
    return this.shadow(this.kernels.run('fillValue', size, {}, [new Float32Array([value])]), () =>
      new Float32Array(size).fill(value),
    );
  }

  /** WebGPU cannot read synchronously: small uploads and fills keep a host copy for readSync. */
  private shadow(v: DeviceValue, host: () => Float32Array): DeviceValue {
    if (v instanceof WebGpuValue && v.size <= HOST_SHADOW_LIMIT) v.host = host();
    return v;
  }

  private box(value: DeviceValue, size: number): DataId {
    this.live++;
    this.bytes += size * 4;
    return new GpuData(value, size, this);
  }

  private data(id: DataId): GpuData {
    if (!(id instanceof GpuData) || id.owner !== this)
      throw new Error('gpu backend: handle does not belong to this gpu backend (tensors from another backend?)');
    if (id.value === null) throw new Error('gpu backend: handle used after it was disposed');
    return id;
  }

  private v(id: DataId): DeviceValue {
    return this.data(id).value as DeviceValue;
  }

  /** Puts a new value into an existing handle, freeing the old one (the in-place updates). */
  private swap(id: DataId, value: DeviceValue): void {
    const d = this.data(id);
    const old = d.value;
    d.value = value;
    if (old !== value) releaseValue(old);
  }

  upload(values: Float32Array): DataId {
    return this.box(this.uploadValue(values), values.length);
  }
  fill(size: number, value: number): DataId {
    return this.box(this.fillValue(size, value), size);
  }
  read(id: DataId): Promise<Float32Array> {
    const d = this.data(id);
    return readValue(d.value as DeviceValue, d.size);
  }
  /** Synchronous readback; on WebGPU only small uploads and fills can answer (else throws). */
  readSync(id: DataId): Float32Array {
    const d = this.data(id);
    return readValueSync(d.value as DeviceValue, d.size);
  }
  disposeData(id: DataId): void {
    const d = this.data(id);
    releaseValue(d.value);
    d.value = null;
    this.live--;
    this.bytes -= d.size * 4;
  }
  liveBuffers(): number {
    return this.live;
  }
  /** Bytes of float32 data held (GL textures may hold more: see docs/backends.md). */
  liveBytes(): number {
    return this.bytes;
  }

  // ---- elementwise and layout ----

  unary(op: UnaryOp, x: DataId, size: number): DataId {
    if (size === 0) return this.fill(0, 0);
    return this.box(elementwise.unary(this.device, op, this.v(x), size), size);
  }
  binary(
    op: BinaryOp,
    a: DataId,
    aShape: readonly number[],
    b: DataId,
    bShape: readonly number[],
    outShape: readonly number[],
  ): DataId {
    const n = sizeOf(outShape);
    if (n === 0) return this.fill(0, 0);
    return this.box(elementwise.binary(this.device, op, this.v(a), aShape, this.v(b), bShape, outShape), n);
  }
  where(
    c: DataId,
    cShape: readonly number[],
    a: DataId,
    aShape: readonly number[],
    b: DataId,
    bShape: readonly number[],
    outShape: readonly number[],
  ): DataId {
    const n = sizeOf(outShape);
    if (n === 0) return this.fill(0, 0);
    return this.box(
      elementwise.where(this.device, this.v(c), cShape, this.v(a), aShape, this.v(b), bShape, outShape),
      n,
    );
  }
  reduce(op: ReduceOp, x: DataId, shape: readonly number[], axes: readonly number[]): DataId {
    const n = sizeOf(shape.filter((_, i) => !axes.includes(i)));
    return this.box(reduction.reduce(this.device, op, this.v(x), shape, axes), n);
  }
  argMax(x: DataId, shape: readonly number[], axis: number): DataId {
    const n = sizeOf(shape.filter((_, i) => i !== axis));
    return this.box(reduction.argMax(this.device, this.v(x), shape, axis), n);
  }
  permute(x: DataId, shape: readonly number[], perm: readonly number[]): DataId {
    const n = sizeOf(shape);
    if (n === 0) return this.fill(0, 0);
    return this.box(layout.permute(this.device, this.v(x), shape, perm), n);
  }
  slice(x: DataId, shape: readonly number[], begin: readonly number[], size: readonly number[]): DataId {
    const n = sizeOf(size);
    if (n === 0) return this.fill(0, 0);
    return this.box(layout.slice(this.device, this.v(x), shape, begin, size), n);
  }
  padSlice(x: DataId, shape: readonly number[], outShape: readonly number[], begin: readonly number[]): DataId {
    const n = sizeOf(outShape);
    if (n === 0 || sizeOf(shape) === 0) return this.fill(n, 0);
    return this.box(layout.padSlice(this.device, this.v(x), shape, outShape, begin), n);
  }
  concat(xs: readonly DataId[], shapes: readonly (readonly number[])[], axis: number): DataId {
    const n = shapes.reduce((acc, s) => acc + sizeOf(s), 0);
    return this.box(
      layout.concat(
        this.device,
        xs.map((x) => this.v(x)),
        shapes,
        axis,
      ),
      n,
    );
  }

  // ---- linear algebra, convolution, pooling ----

  matmul(
    a: DataId,
    b: DataId,
    batch: number,
    M: number,
    N: number,
    K: number,
    transA: boolean,
    transB: boolean,
    aStride: number,
    bStride: number,
  ): DataId {
    return this.box(
      linalg.matmul(this.device, this.v(a), this.v(b), batch, M, N, K, transA, transB, aStride, bStride),
      batch * M * N,
    );
  }
  conv3d(x: DataId, w: DataId, bias: DataId | null, g: Conv3dGeometry): DataId {
    return this.box(convPool.conv3d(this.device, this.v(x), this.v(w), bias ? this.v(bias) : null, g), g.outputSize);
  }
  conv3dGradInput(dy: DataId, w: DataId, g: Conv3dGeometry): DataId {
    return this.box(convPool.conv3dGradInput(this.device, this.v(dy), this.v(w), g), g.inputSize);
  }
  conv3dGradWeight(x: DataId, dy: DataId, g: Conv3dGeometry): DataId {
    return this.box(convPool.conv3dGradWeight(this.device, this.v(x), this.v(dy), g), g.weightSize);
  }
  maxPool3d(x: DataId, g: Pool3dGeometry): { y: DataId; argmax: DataId } {
    const r = convPool.maxPool3d(this.device, this.v(x), g);
    return { y: this.box(r.y, g.outputSize), argmax: this.box(r.argmax, g.outputSize) };
  }
  maxPool3dGrad(dy: DataId, argmax: DataId, g: Pool3dGeometry): DataId {
    return this.box(convPool.maxPool3dGrad(this.device, this.v(dy), this.v(argmax), g), g.inputSize);
  }
  avgPool3d(x: DataId, g: Pool3dGeometry, countIncludePad: boolean): DataId {
    return this.box(convPool.avgPool3d(this.device, this.v(x), g, countIncludePad), g.outputSize);
  }
  avgPool3dGrad(dy: DataId, g: Pool3dGeometry, countIncludePad: boolean): DataId {
    return this.box(convPool.avgPool3dGrad(this.device, this.v(dy), g, countIncludePad), g.inputSize);
  }

  // ---- fused rows ----

  softmax(x: DataId, outer: number, axisSize: number, inner: number, log: boolean): DataId {
    return this.box(fused.softmax(this.device, this.v(x), outer, axisSize, inner, log), outer * axisSize * inner);
  }
  lstmCell(gates: DataId, cPrev: DataId, hPrev: DataId, mask: DataId | null, B: number, H: number): LstmCellOutputs {
    const r = fused.lstmCell(
      this.device,
      this.v(gates),
      this.v(cPrev),
      this.v(hPrev),
      mask ? this.v(mask) : null,
      B,
      H,
    );
    return { h: this.box(r.h, B * H), c: this.box(r.c, B * H), acts: this.box(r.acts, B * 5 * H) };
  }
  lstmCellGrad(
    dh: DataId,
    dc: DataId,
    acts: DataId,
    cPrev: DataId,
    mask: DataId | null,
    B: number,
    H: number,
  ): { dGates: DataId; dcPrev: DataId; dhPrevSkip: DataId } {
    const r = fused.lstmCellGrad(
      this.device,
      this.v(dh),
      this.v(dc),
      this.v(acts),
      this.v(cPrev),
      mask ? this.v(mask) : null,
      B,
      H,
    );
    return {
      dGates: this.box(r.dGates, B * 4 * H),
      dcPrev: this.box(r.dcPrev, B * H),
      dhPrevSkip: this.box(r.dhPrevSkip, B * H),
    };
  }

  // ---- optimizer updates: new values swapped into the given handles ----

  adamUpdate(param: DataId, grad: DataId, m: DataId, v: DataId, vMax: DataId | null, size: number, h: AdamHyper): void {
    if (size === 0) return;
    const r = fused.adam(
      this.device,
      this.v(param),
      this.v(grad),
      this.v(m),
      this.v(v),
      vMax ? this.v(vMax) : null,
      size,
      h,
    );
    this.swap(param, r.p);
    this.swap(m, r.m);
    this.swap(v, r.v);
    if (vMax && r.vMax) this.swap(vMax, r.vMax);
  }
  sgdUpdate(param: DataId, grad: DataId, momentumBuf: DataId | null, size: number, h: SgdHyper): void {
    if (size === 0) return;
    const r = fused.sgd(this.device, this.v(param), this.v(grad), momentumBuf ? this.v(momentumBuf) : null, size, h);
    this.swap(param, r.p);
    if (momentumBuf && r.buf) this.swap(momentumBuf, r.buf);
  }
}

export type { GpuMode, GpuModeRequest };
