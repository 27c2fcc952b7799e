// The engine: which backend runs, who owns which storage, and scopes. Storage handles are
// reference-counted: a Tensor handle holds one count until disposed (or garbage-collected),
// and every autograd node holds one per tensor it saved for backward until backward ran. The
// backend frees a buffer when its count reaches zero. `tidy` disposes the handles a scope made.
import { backendFactory, registerBackend, registeredBackends, type Backend, type DataId } from '../backend/backend.js';
import { CpuBackend } from '../backend/cpu/cpu-backend.js';

// The cpu backend is always available. Registered on first use rather than by an import's side
// effect, which bundlers drop under `sideEffects: false`.
function ensureBuiltinBackends(): void {
  if (!backendFactory('cpu')) registerBackend('cpu', () => new CpuBackend());
}

interface StorageRecord {
  backend: Backend;
  refs: number;
  bytes: number;
}

/** Something the engine can dispose at the end of a tidy scope. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

class Engine {
  backend: Backend | null = null;
  backendName = '';
  private readonly storage = new WeakMap<DataId, StorageRecord>();
  liveHandles = 0;
  gradEnabled = true;
  readonly scopes: Set<Disposable>[] = [];
  /** Tensors kept by `keep()`; never disposed by a scope. */
  readonly kept = new WeakSet<Disposable>();

  getBackend(): Backend {
    if (this.backend === null) {
      ensureBuiltinBackends();
      const factory = backendFactory('cpu');
      if (!factory) throw new Error('plm-ipe: no backend registered (import the package root, not a deep path)');
      this.backend = factory();
      this.backendName = 'cpu';
    }
    return this.backend;
  }

  /** Registers new storage with one reference. */
  track(id: DataId, size: number, backend: Backend): DataId {
    this.storage.set(id, { backend, refs: 1, bytes: size * 4 });
    return id;
  }

  incRef(id: DataId): void {
    const rec = this.storage.get(id);
    if (!rec) throw new Error('plm-ipe internal: incRef on unknown storage');
    rec.refs++;
  }

  decRef(id: DataId): void {
    const rec = this.storage.get(id);
    if (!rec || rec.refs <= 0) return;
    rec.refs--;
    if (rec.refs === 0) {
      this.storage.delete(id);
      rec.backend.disposeData(id);
    }
  }

  /** Adds a freshly made handle to the innermost tidy scope. */
  registerInScope(t: Disposable): void {
    const scope = this.scopes[this.scopes.length - 1];
    if (scope) scope.add(t);
  }

  /** Removes `t` from every open scope: it survives them (a parameter, a grad, optimizer state). */
  keep<T extends Disposable>(t: T): T {
    this.kept.add(t);
    for (const s of this.scopes) s.delete(t);
    return t;
  }
}

export const ENGINE = new Engine();

/** Options of {@link setBackend}; backend specific (e.g. `{ mode: 'webgl2' }` for gpu). */
export type BackendOptions = Record<string, unknown>;

/**
 * Chooses the backend for tensors created from now on. Tensors made on the previous backend
 * stay there; mixing them in one op is an error.
 * @example
 * setBackend('cpu');
 * await ready();
 * console.log(getBackend()); // { name: 'cpu', mode: 'js+wasm-simd' }
 */
export function setBackend(name: string, options?: BackendOptions): void {
  ensureBuiltinBackends();
  const factory = backendFactory(name);
  if (!factory) {
    throw new Error(`setBackend: unknown backend '${name}', registered: ${registeredBackends().join(', ')}`);
  }
  ENGINE.backend = factory(options);
  ENGINE.backendName = name;
}

/** The backend running now: its name and the mode it actually runs in. */
export function getBackend(): { name: string; mode: string } {
  const b = ENGINE.getBackend();
  return { name: ENGINE.backendName, mode: b.mode };
}

/** Resolves when the current backend finished its asynchronous set-up. */
export async function ready(): Promise<void> {
  await ENGINE.getBackend().ready();
}

/** Live tensor handles: made and neither disposed nor garbage-collected. */
export function liveTensorCount(): number {
  return ENGINE.liveHandles;
}

/** A memory report: live tensor handles, live backend buffers and their bytes. */
export function memory(): { tensors: number; buffers: number; bytes: number } {
  const b = ENGINE.getBackend();
  return { tensors: ENGINE.liveHandles, buffers: b.liveBuffers(), bytes: b.liveBytes() };
}

/** Is gradient recording on (false inside {@link noGrad})? */
export function isGradEnabled(): boolean {
  return ENGINE.gradEnabled;
}

/**
 * Runs `fn` without recording gradients (inference, optimizer updates). Nests; restores the
 * previous mode even when `fn` throws.
 * @example
 * const probs = noGrad(() => softmax(model.forward(x), 1));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = ENGINE.gradEnabled;
  ENGINE.gradEnabled = false;
  try {
    return fn();
  } finally {
    ENGINE.gradEnabled = prev;
  }
}

type Tidyable =
  Disposable | Tidyable[] | { [k: string]: Tidyable } | number | string | boolean | null | undefined | void;

function collect(result: unknown, into: Set<unknown>, depth = 0): void {
  if (result === null || typeof result !== 'object' || depth > 8) return;
  if ('dispose' in result && 'isDisposed' in result) {
    into.add(result);
    return;
  }
  if (Array.isArray(result)) {
    for (const r of result) collect(r, into, depth + 1);
  } else if (Object.getPrototypeOf(result) === Object.prototype) {
    for (const v of Object.values(result)) collect(v, into, depth + 1);
  }
}

/**
 * Runs `fn` and disposes every tensor it created, except those it returns (directly, or in an
 * array or plain object) and those marked with {@link keep}. Parameters, gradients and
 * optimizer state are kept automatically, so a whole training step can run inside `tidy`.
 * Storage that an autograd graph still needs for `backward()` stays alive until backward.
 * @example
 * const lossValue = tidy(() => {
 *   const loss = crossEntropy(model.forward(x), y);
 *   loss.backward();
 *   optimizer.step();
 *   return loss.item();
 * });
 */
export function tidy<T extends Tidyable | Promise<never>>(fn: () => T): T {
  const scope = new Set<Disposable>();
  ENGINE.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    // A scope that throws still frees what it made.
    for (const t of scope) if (!ENGINE.kept.has(t)) t.dispose();
    throw err;
  } finally {
    ENGINE.scopes.pop();
  }
  const survivors = new Set<unknown>();
  collect(result, survivors);
  for (const t of scope) {
    if (survivors.has(t) || ENGINE.kept.has(t)) continue;
    t.dispose();
  }
  // Returned tensors made in this scope belong to the enclosing scope now. Returned tensors
  // made before it (an input passed through) keep the owner they had: moving them into the
  // enclosing scope would let that scope dispose a tensor it never made.
  for (const s of survivors) if (scope.has(s as Disposable)) ENGINE.registerInScope(s as Disposable);
  return result;
}

/** Marks `t` so no enclosing or later `tidy` disposes it. Returns `t`. */
export function keep<T extends Disposable>(t: T): T {
  return ENGINE.keep(t);
}
