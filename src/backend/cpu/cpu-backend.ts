// The cpu backend: storage is a Float32Array in a small box; primitives are the loops in this
// folder, with matmul, conv3d and pooling on the WebAssembly SIMD kernels (./kernels via
// ./hot-kernels). Synchronous readback is always available here.
import type { AdamHyper, Backend, BinaryOp, DataId, LstmCellOutputs, ReduceOp, SgdHyper, UnaryOp } from '../backend.js';
import type { Conv3dGeometry, Pool3dGeometry } from '../../tensor/geometry.js';
import * as elementwise from './elementwise.js';
import * as reduction from './reduce.js';
import * as layout from './layout.js';
import * as fused from './fused.js';
import * as hot from './hot-kernels.js';
import { lstmLayerForward, lstmLayerBackward } from './lstm-layer.js';
import { release, takeUninitialized, takeZeroed } from './array-pool.js';

function asInt32(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

class CpuData {
  constructor(public values: Float32Array) {}
}

/** Frees a resident array's heap block (kernels/resident.ts) when its handle is garbage-collected without dispose. */
const residentBlocks =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Float32Array>((view) => hot.releaseResident(view))
    : null;

export class CpuBackend implements Backend {
  readonly name = 'cpu';
  private live = 0;
  private bytes = 0;

  get mode(): string {
    const info = hot.kernelInfo();
    return `js${info.simd ? '+wasm-simd' : ''}${info.fma ? '-fma' : ''}${info.threads > 1 ? `x${info.threads}` : ''}`;
  }

  async ready(): Promise<void> {}

  private box(values: Float32Array): DataId {
    this.live++;
    this.bytes += values.byteLength;
    const id = new CpuData(values);
    if (hot.residentOffset(values) >= 0) residentBlocks?.register(id, values, id);
    return id;
  }

  /** The array behind a handle (no copy). */
  private v(id: DataId): Float32Array {
    if (!(id instanceof CpuData)) throw new Error('cpu backend: handle does not belong to the cpu backend');
    return id.values;
  }

  upload(values: Float32Array): DataId {
    const a = takeUninitialized(values.length);
    a.set(values);
    return this.box(a);
  }
  fill(size: number, value: number): DataId {
    return this.box(value === 0 ? takeZeroed(size) : takeUninitialized(size).fill(value));
  }
  async read(id: DataId): Promise<Float32Array> {
    return this.readSync(id);
  }
  readSync(id: DataId): Float32Array {
    return new Float32Array(this.v(id));
  }
  disposeData(id: DataId): void {
    const a = this.v(id);
    this.live--;
    this.bytes -= a.byteLength;
    if (hot.residentOffset(a) >= 0) {
      residentBlocks?.unregister(id);
      hot.releaseResident(a);
    } else {
      // The engine disposes a handle once, when its last reference goes, and no other handle
      // shares this array (every op makes a new one; reads and uploads copy), so it can be reused.
      release(a);
    }
    (id as CpuData).values = new Float32Array(0);
  }
  liveBuffers(): number {
    return this.live;
  }
  liveBytes(): number {
    return this.bytes;
  }

  unary(op: UnaryOp, x: DataId): DataId {
    return this.box(elementwise.unary(op, this.v(x)));
  }
  binary(
    op: BinaryOp,
    a: DataId,
    aShape: readonly number[],
    b: DataId,
    bShape: readonly number[],
    outShape: readonly number[],
  ): DataId {
    return this.box(elementwise.binary(op, this.v(a), aShape, this.v(b), bShape, outShape));
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
    return this.box(elementwise.where(this.v(c), cShape, this.v(a), aShape, this.v(b), bShape, outShape));
  }
  reduce(op: ReduceOp, x: DataId, shape: readonly number[], axes: readonly number[]): DataId {
    return this.box(reduction.reduce(op, this.v(x), shape, axes));
  }
  argMax(x: DataId, shape: readonly number[], axis: number): DataId {
    return this.box(reduction.argMax(this.v(x), shape, axis));
  }
  permute(x: DataId, shape: readonly number[], perm: readonly number[]): DataId {
    return this.box(layout.permute(this.v(x), shape, perm));
  }
  slice(x: DataId, shape: readonly number[], begin: readonly number[], size: readonly number[]): DataId {
    return this.box(layout.slice(this.v(x), shape, begin, size));
  }
  padSlice(x: DataId, shape: readonly number[], outShape: readonly number[], begin: readonly number[]): DataId {
    return this.box(layout.padSlice(this.v(x), shape, outShape, begin));
  }
  concat(xs: readonly DataId[], shapes: readonly (readonly number[])[], axis: number): DataId {
    return this.box(
      layout.concat(
        xs.map((x) => this.v(x)),
        shapes,
        axis,
      ),
    );
  }

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
    const A = this.v(a);
    const B = this.v(b);
    // Without a K dimension the product writes nothing: C must start at zero.
    const C = K === 0 ? takeZeroed(batch * M * N) : takeUninitialized(batch * M * N);
    for (let i = 0; i < batch; i++) {
      hot.gemm(transA, transB, M, N, K, A, B, C, { aOffset: i * aStride, bOffset: i * bStride, cOffset: i * M * N });
    }
    return this.box(C);
  }

  conv3d(x: DataId, w: DataId, bias: DataId | null, g: Conv3dGeometry): DataId {
    return this.box(hot.conv3dForward(this.v(x), this.v(w), bias ? this.v(bias) : null, g));
  }
  conv3dRelu(x: DataId, w: DataId, bias: DataId | null, g: Conv3dGeometry): DataId {
    return this.box(hot.conv3dForward(this.v(x), this.v(w), bias ? this.v(bias) : null, g, true));
  }
  conv3dReluMaxPool(x: DataId, w: DataId, bias: DataId | null, g: Conv3dGeometry, pg: Pool3dGeometry): DataId | null {
    const y = hot.conv3dReluMaxPoolWinograd(this.v(x), this.v(w), bias ? this.v(bias) : null, g, pg);
    return y ? this.box(y) : null;
  }
  conv3dGradInput(dy: DataId, w: DataId, g: Conv3dGeometry): DataId {
    return this.box(hot.conv3dGradInput(this.v(dy), this.v(w), g));
  }
  conv3dGradWeight(x: DataId, dy: DataId, g: Conv3dGeometry): DataId {
    return this.box(hot.conv3dGradWeight(this.v(x), this.v(dy), g));
  }
  maxPool3d(x: DataId, g: Pool3dGeometry): { y: DataId; argmax: DataId } {
    const { y, argmax } = hot.maxPool3dForward(this.v(x), g);
    // argmax is backend-private: the int32 indices bit-cast into float32 storage, exact for any
    // tensor size (a float32 value would be exact only below 2^24).
    return { y: this.box(y), argmax: this.box(new Float32Array(argmax.buffer, argmax.byteOffset, argmax.length)) };
  }
  maxPool3dGrad(dy: DataId, argmax: DataId, g: Pool3dGeometry): DataId {
    return this.box(hot.maxPool3dBackward(this.v(dy), asInt32(this.v(argmax)), g));
  }
  avgPool3d(x: DataId, g: Pool3dGeometry, countIncludePad: boolean): DataId {
    return this.box(hot.avgPool3dForward(this.v(x), g, countIncludePad));
  }
  avgPool3dGrad(dy: DataId, g: Pool3dGeometry, countIncludePad: boolean): DataId {
    return this.box(hot.avgPool3dBackward(this.v(dy), g, countIncludePad));
  }

  softmax(x: DataId, outer: number, axisSize: number, inner: number, log: boolean): DataId {
    return this.box(fused.softmax(this.v(x), outer, axisSize, inner, log));
  }
  lstmCell(gates: DataId, cPrev: DataId, hPrev: DataId, mask: DataId | null, B: number, H: number): LstmCellOutputs {
    const r = fused.lstmCell(this.v(gates), this.v(cPrev), this.v(hPrev), mask ? this.v(mask) : null, B, H);
    return { h: this.box(r.h), c: this.box(r.c), acts: this.box(r.acts) };
  }
  lstmCellGrad(dh: DataId, dc: DataId, acts: DataId, cPrev: DataId, mask: DataId | null, B: number, H: number) {
    const r = fused.lstmCellGrad(this.v(dh), this.v(dc), this.v(acts), this.v(cPrev), mask ? this.v(mask) : null, B, H);
    return { dGates: this.box(r.dGates), dcPrev: this.box(r.dcPrev), dhPrevSkip: this.box(r.dhPrevSkip) };
  }

  lstmLayer(
    xTm: DataId,
    wIh: DataId,
    wHh: DataId,
    bIh: DataId | null,
    bHh: DataId | null,
    h0: DataId | null,
    c0: DataId | null,
    maskTm: DataId | null,
    B: number,
    T: number,
    I: number,
    H: number,
  ) {
    const o = (d: DataId | null) => (d ? this.v(d) : null);
    const r = lstmLayerForward(
      this.v(xTm),
      this.v(wIh),
      this.v(wHh),
      o(bIh),
      o(bHh),
      o(h0),
      o(c0),
      o(maskTm),
      B,
      T,
      I,
      H,
      true,
    );
    return { hs: this.box(r.hs), cs: this.box(r.cs), output: this.box(r.out), acts: this.box(r.acts) };
  }
  lstmLayerGrad(
    dOutTm: DataId | null,
    dhT: DataId | null,
    dcT: DataId | null,
    xTm: DataId,
    wIh: DataId,
    wHh: DataId,
    hs: DataId,
    cs: DataId,
    acts: DataId,
    maskTm: DataId | null,
    B: number,
    T: number,
    I: number,
    H: number,
    needDx: boolean,
  ) {
    const o = (d: DataId | null) => (d ? this.v(d) : null);
    const fwd = { hs: this.v(hs), cs: this.v(cs), acts: this.v(acts) };
    const g = lstmLayerBackward(
      o(dOutTm),
      o(dhT),
      o(dcT),
      this.v(xTm),
      this.v(wIh),
      this.v(wHh),
      fwd,
      o(maskTm),
      B,
      T,
      I,
      H,
      needDx,
    );
    return {
      dxTm: g.dxTm ? this.box(g.dxTm) : null,
      dWih: this.box(g.dWih),
      dWhh: this.box(g.dWhh),
      dBias: this.box(g.dBias),
      dh0: this.box(g.dh0),
      dc0: this.box(g.dc0),
    };
  }

  adamUpdate(
    param: DataId,
    grad: DataId,
    m: DataId,
    v: DataId,
    vMax: DataId | null,
    _size: number,
    h: AdamHyper,
  ): void {
    fused.adamUpdate(this.v(param), this.v(grad), this.v(m), this.v(v), vMax ? this.v(vMax) : null, h);
  }
  sgdUpdate(param: DataId, grad: DataId, buf: DataId | null, _size: number, h: SgdHyper): void {
    fused.sgdUpdate(this.v(param), this.v(grad), buf ? this.v(buf) : null, h);
  }
}
