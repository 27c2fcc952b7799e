// The Tensor: a float32 array of a shape on one backend, with reverse-mode autograd. A tensor
// owns one reference to its storage; ops that need values in backward save their own
// reference (see `saveForBackward`), so disposing a handle never breaks a pending backward.
// Chainable methods delegate to src/tensor/ops; this file holds the autograd engine itself.
import type { Backend, DataId } from '../backend/backend.js';
import { ENGINE, keep, noGrad, tidy } from './engine.js';
import { fmt, shapesEqual, sizeOf, type Shape } from './shape.js';
import * as ops from './ops/index.js';

/**
 * One recorded op in the autograd graph: how to turn dL/doutputs into dL/dinputs. An op may make
 * several output tensors (the LSTM layer's output, h and c); they share one node, and its
 * backward runs once, after every output's gradient is complete.
 */
export interface GradNode {
  /** Op name, for error messages. */
  readonly op: string;
  /** The op's tensor inputs (null where an input is not a tensor). */
  readonly inputs: readonly (Tensor | null)[];
  /** How many tensors the op made; each knows its place through its `outputIndex`. */
  readonly outputCount: number;
  /**
   * Returns dL/dinput for each input (null where not needed) from one cotangent dL/doutput per
   * output, null where no gradient reached that output (read it as zeros). Runs under noGrad.
   */
  backward(cotangents: readonly (Tensor | null)[]): (Tensor | null)[];
  /** Tensors saved for backward; released after backward or when the graph is dropped. */
  readonly saved: Tensor[];
}

/** What an op hands {@link recordMultiOutputOp}: its node without the engine's bookkeeping. */
type NodeSpec = Pick<GradNode, 'op' | 'inputs' | 'backward'> & { saved?: Tensor[] };

interface HandleState {
  id: DataId;
  disposed: boolean;
}

// Frees storage of tensors that were never disposed once JavaScript collects them, so code
// that never calls dispose/tidy does not leak; tidy and dispose make the release deterministic.
const handleRegistry = new FinalizationRegistry<HandleState>((state) => {
  if (state.disposed) return;
  state.disposed = true;
  ENGINE.liveHandles--;
  ENGINE.decRef(state.id);
});

const nodeRegistry = new FinalizationRegistry<HandleState[]>((states) => {
  for (const s of states) {
    if (s.disposed) continue;
    s.disposed = true;
    ENGINE.liveHandles--;
    ENGINE.decRef(s.id);
  }
});

function releasedBackward(): never {
  throw new Error('plm-ipe internal: released node');
}

// Backward releases a node in place: its saved tensors, inputs and closure go, so nothing the
// graph held outlives backward, and every output (reached or not) sees that it was freed.
class RecordedNode implements GradNode {
  released = false;
  constructor(
    readonly op: string,
    public inputs: readonly (Tensor | null)[],
    readonly outputCount: number,
    private backwardFn: GradNode['backward'],
    public saved: Tensor[],
  ) {}

  backward(cotangents: readonly (Tensor | null)[]): (Tensor | null)[] {
    return this.backwardFn(cotangents);
  }

  release(): void {
    nodeRegistry.unregister(this);
    for (const s of this.saved) s.dispose();
    this.saved = [];
    this.inputs = [];
    this.backwardFn = releasedBackward;
    this.released = true;
  }
}

let nextId = 0;

/**
 * A float32 n-dimensional array with reverse-mode automatic differentiation. Layout is
 * row-major; video is `[N, C, D, H, W]` as in PyTorch.
 * @example
 * const x = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
 * const y = x.mul(x).sum();
 * y.backward();
 * x.grad!.dataSync(); // Float32Array [2, 4, 6, 8]
 */
export class Tensor {
  /** Unique id, for debugging. */
  readonly id = nextId++;
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  /** Whether gradients flow to this tensor. Leaves with `requiresGrad` get `.grad` on backward. */
  requiresGrad: boolean;
  /** dL/dthis after `backward()`, for leaf tensors that require grad. */
  grad: Tensor | null = null;
  /** The op that made this tensor (null for leaves). */
  node: GradNode | null = null;
  /** Which of `node`'s outputs this tensor is (0 for leaves and for ops that make one tensor). */
  outputIndex = 0;
  /** The backend that owns the storage. */
  readonly backend: Backend;
  private readonly state: HandleState;

  /** @internal Use the factories (`tensor`, `zeros`, ...) or ops. Takes ownership of one reference to `dataId`. */
  constructor(dataId: DataId, shape: Shape, backend: Backend, requiresGrad = false, inScope = true) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.backend = backend;
    this.requiresGrad = requiresGrad;
    this.state = { id: dataId, disposed: false };
    ENGINE.liveHandles++;
    handleRegistry.register(this, this.state, this);
    if (inScope) ENGINE.registerInScope(this);
  }

  /** @internal The storage handle; throws if disposed. */
  get dataId(): DataId {
    if (this.state.disposed) {
      throw new Error(`Tensor ${fmt(this.shape)} (id ${this.id}) was disposed and can no longer be used`);
    }
    return this.state.id;
  }

  get isDisposed(): boolean {
    return this.state.disposed;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** True for tensors not made by a recorded op. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** Releases this handle's storage reference. Idempotent. */
  dispose(): void {
    if (this.state.disposed) return;
    this.state.disposed = true;
    handleRegistry.unregister(this);
    ENGINE.liveHandles--;
    ENGINE.decRef(this.state.id);
    // The node stays: tensors made from this one may still back-propagate through it.
  }

  /**
   * @internal Replaces this tensor's values in place with new storage of the same size (used by
   * `loadStateDict`, so optimizers holding this tensor keep working). Outside autograd.
   */
  _replaceStorage(newId: DataId): void {
    const old = this.dataId;
    this.state.id = newId;
    ENGINE.decRef(old);
  }

  /** Synchronous readback (a copy). Throws on backends that cannot block; use `await data()` there. */
  dataSync(): Float32Array {
    return this.backend.readSync(this.dataId);
  }

  /** Asynchronous readback (a copy). Works on every backend. */
  async data(): Promise<Float32Array> {
    return this.backend.read(this.dataId);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor must have exactly one element, got shape ${fmt(this.shape)}`);
    return this.dataSync()[0];
  }

  /** Nested arrays of the values, for printing and tests. */
  toArray(): unknown {
    const data = this.dataSync();
    if (this.rank === 0) return data[0];
    const build = (dim: number, offset: number): unknown[] => {
      const n = this.shape[dim];
      const inner = sizeOf(this.shape.slice(dim + 1));
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        out.push(dim === this.rank - 1 ? data[offset + i] : build(dim + 1, offset + i * inner));
      }
      return out;
    };
    return build(0, 0);
  }

  /** A short description: shape and backend. */
  toString(): string {
    return `Tensor(shape=${fmt(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  /** A tensor sharing this one's storage, outside the graph (no gradient flows through it). */
  detach(): Tensor {
    ENGINE.incRef(this.dataId);
    return new Tensor(this.dataId, this.shape, this.backend, false);
  }

  /** Sets `requiresGrad` in place and returns `this` (for leaves). */
  requiresGrad_(value = true): this {
    if (!this.isLeaf && !value)
      throw new Error('requiresGrad_: only leaf tensors can stop requiring grad; use detach()');
    this.requiresGrad = value;
    return this;
  }

  /**
   * Back-propagates from this tensor: fills `.grad` of every leaf that requires grad
   * (accumulating into an existing `.grad`, as PyTorch does). `grad` defaults to 1 for a
   * one-element tensor. The graph's saved tensors are freed as each node is visited.
   */
  backward(grad?: Tensor): void {
    runBackward(this, grad);
  }

  // ---- chainable ops (see src/tensor/ops for the definitions) ----
  /** Method form of {@link add} with this tensor as the first argument. */
  add(other: Tensor | number): Tensor {
    return ops.add(this, other);
  }
  /** Method form of {@link sub} with this tensor as the first argument. */
  sub(other: Tensor | number): Tensor {
    return ops.sub(this, other);
  }
  /** Method form of {@link mul} with this tensor as the first argument. */
  mul(other: Tensor | number): Tensor {
    return ops.mul(this, other);
  }
  /** Method form of {@link div} with this tensor as the first argument. */
  div(other: Tensor | number): Tensor {
    return ops.div(this, other);
  }
  /** Method form of {@link pow} with this tensor as the first argument. */
  pow(exponent: Tensor | number): Tensor {
    return ops.pow(this, exponent);
  }
  /** Method form of {@link maximum} with this tensor as the first argument. */
  maximum(other: Tensor | number): Tensor {
    return ops.maximum(this, other);
  }
  /** Method form of {@link minimum} with this tensor as the first argument. */
  minimum(other: Tensor | number): Tensor {
    return ops.minimum(this, other);
  }
  /** Method form of {@link neg} with this tensor as the first argument. */
  neg(): Tensor {
    return ops.neg(this);
  }
  /** Method form of {@link exp} with this tensor as the first argument. */
  exp(): Tensor {
    return ops.exp(this);
  }
  /** Method form of {@link log} with this tensor as the first argument. */
  log(): Tensor {
    return ops.log(this);
  }
  /** Method form of {@link sqrt} with this tensor as the first argument. */
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  /** Method form of {@link abs} with this tensor as the first argument. */
  abs(): Tensor {
    return ops.abs(this);
  }
  /** Method form of {@link square} with this tensor as the first argument. */
  square(): Tensor {
    return ops.square(this);
  }
  /** Method form of {@link relu} with this tensor as the first argument. */
  relu(): Tensor {
    return ops.relu(this);
  }
  /** Method form of {@link sigmoid} with this tensor as the first argument. */
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  /** Method form of {@link tanh} with this tensor as the first argument. */
  tanh(): Tensor {
    return ops.tanh(this);
  }
  /** Method form of {@link matmul} with this tensor as the first argument. */
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  /** Method form of {@link sum} with this tensor as the first argument. */
  sum(dim?: number | readonly number[], keepDim = false): Tensor {
    return ops.sum(this, dim, keepDim);
  }
  /** Method form of {@link mean} with this tensor as the first argument. */
  mean(dim?: number | readonly number[], keepDim = false): Tensor {
    return ops.mean(this, dim, keepDim);
  }
  /** Method form of {@link max} with this tensor as the first argument. */
  max(dim?: number | readonly number[], keepDim = false): Tensor {
    return ops.max(this, dim, keepDim);
  }
  /** Method form of {@link min} with this tensor as the first argument. */
  min(dim?: number | readonly number[], keepDim = false): Tensor {
    return ops.min(this, dim, keepDim);
  }
  /** Method form of {@link argMax} with this tensor as the first argument. */
  argMax(dim: number): Tensor {
    return ops.argMax(this, dim);
  }
  /** Method form of {@link reshape} with this tensor as the first argument. */
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  /** Same as reshape (PyTorch naming). */
  view(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  /** Method form of {@link flatten} with this tensor as the first argument. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  /** Method form of {@link squeeze} with this tensor as the first argument. */
  squeeze(dim?: number): Tensor {
    return ops.squeeze(this, dim);
  }
  /** Method form of {@link unsqueeze} with this tensor as the first argument. */
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  /** Method form of {@link permute} with this tensor as the first argument. */
  permute(perm: readonly number[]): Tensor {
    return ops.permute(this, perm);
  }
  /** Method form of {@link transpose} with this tensor as the first argument. */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  /** Slices `[begin, begin + size)` per dim; a size of -1 means "to the end". */
  slice(begin: readonly number[], size?: readonly number[]): Tensor {
    return ops.slice(this, begin, size);
  }
  /** Method form of {@link clone} with this tensor as the first argument. */
  clone(): Tensor {
    return ops.clone(this);
  }
  /** Method form of {@link broadcastTo} with this tensor as the first argument. */
  broadcastTo(shape: readonly number[]): Tensor {
    return ops.broadcastTo(this, shape);
  }
  /** Method form of {@link softmax} with this tensor as the first argument. */
  softmax(dim: number): Tensor {
    return ops.softmax(this, dim);
  }
  /** Method form of {@link logSoftmax} with this tensor as the first argument. */
  logSoftmax(dim: number): Tensor {
    return ops.logSoftmax(this, dim);
  }
}

/** @internal Records `node` as the creator of `out` if grad mode is on and an input needs grad. */
export function recordOp(
  out: Tensor,
  node: Omit<NodeSpec, 'backward'> & { backward(dy: Tensor): (Tensor | null)[] },
): Tensor {
  // A one-output node only runs when its output got a gradient, so the cotangent is there.
  return recordMultiOutputOp([out], { ...node, backward: (dys) => node.backward(dys[0]!) })[0];
}

/**
 * @internal Records one node as the creator of every tensor in `outputs` (when grad mode is on
 * and an input needs grad; otherwise releases `saved` at once). Its backward gets one cotangent
 * per output, null for an output no gradient reached.
 */
export function recordMultiOutputOp<T extends [Tensor, ...Tensor[]]>(outputs: T, spec: NodeSpec): T {
  const saved = spec.saved ?? [];
  if (!ENGINE.gradEnabled || !spec.inputs.some((t) => t !== null && t.requiresGrad)) {
    for (const s of saved) s.dispose();
    return outputs;
  }
  const node = new RecordedNode(spec.op, spec.inputs, outputs.length, spec.backward, saved);
  outputs.forEach((out, i) => {
    out.requiresGrad = true;
    out.node = node;
    out.outputIndex = i;
  });
  if (saved.length > 0) {
    nodeRegistry.register(
      node,
      saved.map((s) => (s as unknown as { state: HandleState }).state),
      node,
    );
  }
  return outputs;
}

/**
 * @internal A reference to `t`'s storage owned by an autograd node rather than by user code:
 * it survives `tidy` and the user disposing `t`, and is released after backward. Hand it to
 * `recordOp` in `saved`, which releases it at once when no node is recorded.
 */
export function saveForBackward(t: Tensor): Tensor {
  ENGINE.incRef(t.dataId);
  return new Tensor(t.dataId, t.shape, t.backend, false, false);
}

/**
 * @internal Storage a kernel just made that only backward reads (maxPool3d's argmax), owned by
 * the node from the start: no user handle, no scope. Hand it to `recordOp` in `saved`.
 */
export function saveStorageForBackward(id: DataId, shape: Shape, backend: Backend): Tensor {
  ENGINE.track(id, sizeOf(shape), backend);
  return new Tensor(id, shape, backend, false, false);
}

/** @internal True when an op on these inputs will record a node. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  return ENGINE.gradEnabled && inputs.some((t) => t != null && t.requiresGrad);
}

/** The node a tensor came from, as the engine sees it (every node is recorded by this file). */
function nodeOf(t: Tensor): RecordedNode | null {
  return t.node as RecordedNode | null;
}

/** Nodes reachable from `root` through inputs that need grad, each after every node that uses it. */
function topoOrder(root: RecordedNode): RecordedNode[] {
  const order: RecordedNode[] = [];
  const visited = new Set<RecordedNode>([root]);
  // Iterative DFS: deep graphs (long LSTMs unrolled by hand) must not overflow the stack.
  const stack: [RecordedNode, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.inputs.length) {
      top[1]++;
      const input = node.inputs[i];
      const next = input && input.requiresGrad ? nodeOf(input) : null;
      // A released node is not walked: a gradient reaching it throws in accumulate().
      if (next && !next.released && !visited.has(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

/** Gradients gathered during one backward pass: per node output, and per leaf. */
class GradientSums {
  readonly cotangents = new Map<RecordedNode, (Tensor | null)[]>();
  readonly leaves = new Map<Tensor, Tensor>();

  accumulate(t: Tensor, g: Tensor): void {
    const node = nodeOf(t);
    if (node === null) {
      const prev = this.leaves.get(t);
      this.leaves.set(t, prev ? ops.add(prev, g) : g);
      return;
    }
    if (node.released) throw new Error('backward: part of the graph was already freed by an earlier backward()');
    let dys = this.cotangents.get(node);
    if (!dys) {
      dys = new Array<Tensor | null>(node.outputCount).fill(null);
      this.cotangents.set(node, dys);
    }
    const prev = dys[t.outputIndex];
    dys[t.outputIndex] = prev ? ops.add(prev, g) : g;
  }

  /** Adds each leaf's gradient into its `.grad` (PyTorch accumulates across backward calls). */
  storeLeafGrads(): void {
    for (const [t, g] of this.leaves) {
      const acc = t.grad ? ops.add(t.grad, g) : ops.reshape(g, t.shape);
      if (t.grad && t.grad !== acc) t.grad.dispose();
      t.grad = keep(acc);
    }
  }
}

function checkBackwardArgs(root: Tensor, grad: Tensor | undefined): void {
  if (!root.requiresGrad) {
    throw new Error('backward: tensor does not require grad (no input had requiresGrad, or it was made under noGrad)');
  }
  if (nodeOf(root)?.released) {
    throw new Error('backward: the graph of this tensor was already freed by an earlier backward()');
  }
  if (grad === undefined && root.size !== 1) {
    throw new Error(`backward: grad must be given for a non-scalar tensor of shape ${fmt(root.shape)}`);
  }
  if (grad !== undefined && !shapesEqual(grad.shape, root.shape)) {
    throw new Error(`backward: grad shape ${fmt(grad.shape)} does not match tensor shape ${fmt(root.shape)}`);
  }
}

function runBackward(root: Tensor, grad?: Tensor): void {
  checkBackwardArgs(root, grad);
  const rootNode = nodeOf(root);
  const order = rootNode ? topoOrder(rootNode) : [];
  // All temporaries of the backward pass live in this scope; only leaf grads are kept.
  tidy(() =>
    noGrad(() => {
      const sums = new GradientSums();
      sums.accumulate(root, grad ? ops.reshape(grad, root.shape) : ops.onesLike(root));
      for (const node of order) {
        const dys = sums.cotangents.get(node);
        if (!dys) continue; // no gradient reached it (every consumer returned null for it)
        sums.cotangents.delete(node);
        const inputGrads = node.backward(dys);
        for (let i = 0; i < node.inputs.length; i++) {
          const input = node.inputs[i];
          const gi = inputGrads[i];
          if (!input || !input.requiresGrad || !gi) continue;
          if (gi.size !== input.size) {
            const got = `grad ${fmt(gi.shape)} for input ${fmt(input.shape)}`;
            throw new Error(`plm-ipe internal: ${node.op} backward gave ${got}`);
          }
          sums.accumulate(input, gi);
        }
        node.release();
      }
      sums.storeLeafGrads();
    }),
  );
}
