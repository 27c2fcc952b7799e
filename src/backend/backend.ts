// The backend contract. A backend owns device storage and implements a small, closed set of
// primitive kernels on it; it knows nothing about autograd, tensors or layers. Ops in
// src/tensor/ops compose these primitives and define gradients; they never look inside a
// DataId. Adding a backend (gpu.js: WebGL, WebGPU, WebAssembly) means implementing this
// interface and nothing else.
//
// Rules every backend follows:
// - A DataId is an opaque handle to float32 storage of a known length. The engine reference-
//   counts handles and calls `disposeData` exactly once when the count reaches zero.
// - Every primitive returns a fresh DataId it allocated (caller owns it), except the in-place
//   updates (`adamUpdate`, `sgdUpdate`) which write into the handles they are given.
// - Shapes are plain number arrays; all layouts are row-major (C order); video is NCDHW.
// - Readback is asynchronous by contract (`read`); `readSync` may throw on backends that
//   cannot block (WebGPU), with a message that tells the caller to `await tensor.data()`.
import type { Conv3dGeometry, Pool3dGeometry } from '../tensor/geometry.js';

/** An opaque handle to a backend's float32 storage. */
export type DataId = object;

/** Elementwise unary primitives a backend implements. */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'abs'
  | 'sign'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'square'
  | 'reciprocal'
  | 'sin'
  | 'cos'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'isFinite';

/**
 * Elementwise binary ops with NumPy broadcasting. The `*Grad` ops are the fused backward
 * rules of activations, `dy` first: reluGrad(dy, y) = dy * (y > 0),
 * sigmoidGrad(dy, y) = dy * y * (1 - y), tanhGrad(dy, y) = dy * (1 - y^2).
 */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le'
  | 'reluGrad'
  | 'sigmoidGrad'
  | 'tanhGrad';

/** Reductions a backend implements. */
export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';

/** Hyper-parameters of one Adam step (PyTorch's torch.optim.Adam, L2 weight decay). */
export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count, for bias correction. */
  step: number;
  amsgrad: boolean;
}

/** Hyper-parameters of one SGD step (torch.optim.SGD). */
export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** True on the first step: the momentum buffer is initialised to the gradient. */
  firstStep: boolean;
}

/** Result of the fused LSTM cell pointwise forward. */
export interface LstmCellOutputs {
  /** New hidden state `[B, H]`. */
  h: DataId;
  /** New cell state `[B, H]`. */
  c: DataId;
  /** Saved activations `[B, 5H]`: i, f, g, o, tanh(c), for the backward. */
  acts: DataId;
}

/** The backend contract: storage handles plus the closed set of primitive kernels every backend implements (see docs/backends.md). */
export interface Backend {
  /** Backend name as given to `setBackend` (`'cpu'`, `'gpu'`). */
  readonly name: string;
  /** The mode actually running (e.g. `'js+wasm-simd'`, `'webgl2'`). */
  readonly mode: string;

  /** Completes asynchronous initialisation (device, compiled modules). Idempotent. */
  ready(): Promise<void>;

  // ---- storage ----
  /** Copies `values` into new storage. */
  upload(values: Float32Array): DataId;
  /** New storage of `size` floats, all equal to `value`. */
  fill(size: number, value: number): DataId;
  /** Reads storage back as a new Float32Array (the caller may keep or mutate it). */
  read(id: DataId): Promise<Float32Array>;
  /** Synchronous readback; throws where the backend cannot block. */
  readSync(id: DataId): Float32Array;
  /** Frees storage. Called exactly once per DataId by the engine. */
  disposeData(id: DataId): void;
  /** Number of live storage buffers, for memory reports and leak tests. */
  liveBuffers(): number;
  /** Bytes held by live storage buffers. */
  liveBytes(): number;

  // ---- elementwise and layout ----
  /** Applies `op` to each of the `size` elements of `x`. */
  unary(op: UnaryOp, x: DataId, size: number): DataId;
  /** `a op b` elementwise, `a` and `b` broadcast (NumPy rules) to `outShape`. */
  binary(
    op: BinaryOp,
    a: DataId,
    aShape: readonly number[],
    b: DataId,
    bShape: readonly number[],
    outShape: readonly number[],
  ): DataId;
  /** `cond ? a : b` elementwise with broadcasting; `cond` is nonzero/zero. */
  where(
    cond: DataId,
    condShape: readonly number[],
    a: DataId,
    aShape: readonly number[],
    b: DataId,
    bShape: readonly number[],
    outShape: readonly number[],
  ): DataId;
  /** Reduces `axes` (sorted, unique) of `shape`; the output drops those axes. */
  reduce(op: ReduceOp, x: DataId, shape: readonly number[], axes: readonly number[]): DataId;
  /** Index of the max along `axis`, as float32 values. Output drops `axis`. Ties: first index. */
  argMax(x: DataId, shape: readonly number[], axis: number): DataId;
  /** Reorders the axes of `x`: output axis i is input axis `perm[i]`. */
  permute(x: DataId, shape: readonly number[], perm: readonly number[]): DataId;
  /** Copies the box `[begin, begin + size)` of `x`. */
  slice(x: DataId, shape: readonly number[], begin: readonly number[], size: readonly number[]): DataId;
  /** Zero tensor of `outShape` with `x` written at `begin` (the adjoint of slice). */
  padSlice(x: DataId, shape: readonly number[], outShape: readonly number[], begin: readonly number[]): DataId;
  /** Joins `xs` along `axis`; their `shapes` agree on every other axis. */
  concat(xs: readonly DataId[], shapes: readonly (readonly number[])[], axis: number): DataId;

  // ---- linear algebra ----
  /**
   * Batched matrix product: for each of `batch` items, C[M,N] = op(A) op(B), op transposing when
   * asked (A stored [K,M] when transA, B stored [N,K] when transB). `aBatchStride` /
   * `bBatchStride` are 0 to broadcast one matrix over the batch.
   */
  matmul(
    a: DataId,
    b: DataId,
    batch: number,
    M: number,
    N: number,
    K: number,
    transA: boolean,
    transB: boolean,
    aBatchStride: number,
    bBatchStride: number,
  ): DataId;

  // ---- convolution and pooling (geometry from src/tensor/geometry.ts) ----
  /**
   * 3-D cross-correlation (PyTorch's conv3d): `x` of `g.inputShape` `[N, Cin, D, H, W]`, `w` of
   * `g.weightShape` `[Cout, Cin, kD, kH, kW]`, optional `bias` `[Cout]`; output of `g.outputShape`.
   */
  conv3d(x: DataId, w: DataId, bias: DataId | null, g: Conv3dGeometry): DataId;
  /**
   * Optional: `relu(conv3d(x, w, bias))` in one pass, max(0, y) applied as outputs are written
   * (NaN and -0 give 0, as `unary('relu')`). Without it the op runs `conv3d`, then `unary('relu')`.
   */
  conv3dRelu?(x: DataId, w: DataId, bias: DataId | null, g: Conv3dGeometry): DataId;
  /**
   * Optional, for calls without gradients: `maxPool3d(relu(conv3d(x, w, bias)), pg)` in one call
   * (`pg` pools g's output), without the conv output as a tensor and without the argmax; null where the
   * backend does not fuse this geometry (the op then runs the ops one by one).
   */
  conv3dReluMaxPool?(x: DataId, w: DataId, bias: DataId | null, g: Conv3dGeometry, pg: Pool3dGeometry): DataId | null;
  /** dL/dx of `conv3d` from dL/dy and the weights, in the input's shape. */
  conv3dGradInput(dy: DataId, w: DataId, g: Conv3dGeometry): DataId;
  /** dL/dw of `conv3d` from the input and dL/dy, in the weights' shape. */
  conv3dGradWeight(x: DataId, dy: DataId, g: Conv3dGeometry): DataId;
  /**
   * Max pooling. `argmax` records where each output's maximum came from, in a backend-private
   * encoding that only `maxPool3dGrad` reads (never shown to users).
   */
  maxPool3d(x: DataId, g: Pool3dGeometry): { y: DataId; argmax: DataId };
  /** dL/dx of `maxPool3d`: each dL/dy added at the input position its `argmax` recorded. */
  maxPool3dGrad(dy: DataId, argmax: DataId, g: Pool3dGeometry): DataId;
  /**
   * Average pooling; a window is divided by its full size when `countIncludePad`, else by the
   * number of its cells inside the input.
   */
  avgPool3d(x: DataId, g: Pool3dGeometry, countIncludePad: boolean): DataId;
  /** dL/dx of `avgPool3d`: each dL/dy spread evenly (by the same divisor) over its window. */
  avgPool3dGrad(dy: DataId, g: Pool3dGeometry, countIncludePad: boolean): DataId;

  // ---- fused rows ----
  /** Softmax (or log-softmax) along the middle axis of `[outer, axisSize, inner]`. */
  softmax(x: DataId, outer: number, axisSize: number, inner: number, log: boolean): DataId;
  /**
   * LSTM cell pointwise part, gate order i, f, g, o (PyTorch): from pre-activations `gates`
   * `[B, 4H]` and `cPrev` `[B, H]`. Rows whose `mask` entry is 0 keep `hPrev`/`cPrev`
   * (variable-length batches); `mask` null means all rows are valid.
   */
  lstmCell(gates: DataId, cPrev: DataId, hPrev: DataId, mask: DataId | null, B: number, H: number): LstmCellOutputs;
  /**
   * Backward of `lstmCell`: given dL/dh and dL/dc of the outputs, returns dL/dgates `[B, 4H]`,
   * dL/dcPrev and dL/dhPrev (the pass-through part for masked rows only; the recurrent part
   * flows through the matmul).
   */
  lstmCellGrad(
    dh: DataId,
    dc: DataId,
    acts: DataId,
    cPrev: DataId,
    mask: DataId | null,
    B: number,
    H: number,
  ): { dGates: DataId; dcPrev: DataId; dhPrevSkip: DataId };
  /**
   * Optional whole-layer LSTM forward (the cpu backend has it; without it the op runs
   * `lstmCell` per step). `xTm` `[T*B, I]` and `maskTm` `[T, B]` are time-major. Returns `hs` and
   * `cs` `[T+1, B, H]` (the initial state, then each step's; padded steps carry the state),
   * `output` `[B, T, H]` (mask_t h_t, batch-major: the layer's output) and `acts`,
   * backend-private activations that only `lstmLayerGrad` reads.
   */
  lstmLayer?(
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
  ): { hs: DataId; cs: DataId; output: DataId; acts: DataId };
  /**
   * Backward of `lstmLayer`: from dL/d(output) `[T, B, H]` (output_t = mask_t h_t) and dL/d of the
   * final h and c `[B, H]` (each may be null: zero), the gradients of x (time-major, when `needDx`),
   * both weights, the bias (either one: they enter the gates alike) and the initial states.
   */
  lstmLayerGrad?(
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
  ): { dxTm: DataId | null; dWih: DataId; dWhh: DataId; dBias: DataId; dh0: DataId; dc0: DataId };

  // ---- optimizer updates (in place) ----
  /**
   * One torch.optim.Adam step over `size` elements, in place: updates `m`, `v` (and `vMax` with
   * amsgrad) from `grad`, then `param` (the `adamUpdate_` op in src/tensor/ops/inplace.ts).
   */
  adamUpdate(param: DataId, grad: DataId, m: DataId, v: DataId, vMax: DataId | null, size: number, h: AdamHyper): void;
  /**
   * One torch.optim.SGD step over `size` elements, in place: updates `momentumBuf` (when momentum is
   * on) from `grad`, then `param` (the `sgdUpdate_` op in src/tensor/ops/inplace.ts).
   */
  sgdUpdate(param: DataId, grad: DataId, momentumBuf: DataId | null, size: number, h: SgdHyper): void;
}

const registry = new Map<string, (options?: unknown) => Backend>();

/** Registers a backend factory under `name` (called by each backend module). */
export function registerBackend(name: string, factory: (options?: unknown) => Backend): void {
  registry.set(name, factory);
}

export function backendFactory(name: string): ((options?: unknown) => Backend) | undefined {
  return registry.get(name);
}

export function registeredBackends(): string[] {
  return [...registry.keys()];
}
