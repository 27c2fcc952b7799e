// Optimizer base: holds the parameters, clears their gradients, keeps per-parameter state as
// tensors that survive every tidy, and saves/loads that state. Updates run on the tensor API's
// fused in-place ops (adamUpdate_, sgdUpdate_), outside autograd; no optimizer touches a backend.
import { Tensor } from '../tensor/tensor.js';
import { keep } from '../tensor/engine.js';
import { fromFloat32 } from '../tensor/creation.js';
import { fmt, shapesEqual } from '../tensor/shape.js';

/** Saved optimizer state: hyper-parameters plus per-parameter slots, indexed by parameter position. */
export interface OptimizerState {
  hyper: Record<string, number | boolean | number[]>;
  state: Record<number, { step: number; slots: Record<string, Tensor> }>;
}

/** The base of {@link Adam} and {@link SGD}: parameter groups, `zeroGrad()`, `step()` and a saveable state. */
export abstract class Optimizer {
  readonly params: Tensor[];
  protected readonly slots = new Map<Tensor, { step: number; slots: Record<string, Tensor> }>();

  constructor(params: Iterable<Tensor>, op: string) {
    this.params = [...params];
    if (this.params.length === 0) throw new Error(`${op}: got an empty parameter list`);
    this.params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${op}: params[${i}] is not a Tensor`);
      if (!p.isLeaf)
        throw new Error(
          `${op}: params[${i}] (shape ${fmt(p.shape)}) is not a leaf tensor; optimize parameters, not results of ops`,
        );
    });
  }

  /** The learning rate the next `step()` uses; schedules set it between steps. */
  abstract lr: number;

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /** Frees and clears every parameter's `.grad`. */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The hyper-parameters saved by `stateDict()`. */
  protected abstract hyper(): Record<string, number | boolean | number[]>;
  /** Restores hyper-parameters saved by `stateDict()`. */
  protected abstract setHyper(h: Record<string, number | boolean | number[]>): void;

  /** The state record of `p` (step count and slots), created on first use. */
  protected stateOf(p: Tensor): { step: number; slots: Record<string, Tensor> } {
    let s = this.slots.get(p);
    if (!s) {
      s = { step: 0, slots: {} };
      this.slots.set(p, s);
    }
    return s;
  }

  /** State slot `name` of `p`, created as zeros on first use. */
  protected slot(p: Tensor, name: string): Tensor {
    const s = this.stateOf(p);
    if (!s.slots[name]) s.slots[name] = keep(fromFloat32(new Float32Array(p.size), p.shape));
    return s.slots[name];
  }

  /** Hyper-parameters and per-parameter state (live tensors; copy them to keep a snapshot). */
  stateDict(): OptimizerState {
    const state: OptimizerState['state'] = {};
    this.params.forEach((p, i) => {
      const s = this.slots.get(p);
      if (s) state[i] = { step: s.step, slots: { ...s.slots } };
    });
    return { hyper: this.hyper(), state };
  }

  /** Restores a state from `stateDict()` (or loaded from disk); shapes must match the parameters. */
  loadStateDict(saved: OptimizerState): void {
    for (const [key, s] of Object.entries(saved.state)) {
      const i = Number(key);
      const p = this.params[i];
      if (!p)
        throw new Error(
          `loadStateDict: optimizer state has parameter index ${i} but only ${this.params.length} parameters are optimized`,
        );
      for (const [name, t] of Object.entries(s.slots)) {
        if (!shapesEqual(t.shape, p.shape)) {
          throw new Error(
            `loadStateDict: optimizer slot '${name}' of parameter ${i} has shape ${fmt(t.shape)} but the parameter has ${fmt(p.shape)}`,
          );
        }
      }
    }
    this.setHyper(saved.hyper);
    for (const old of this.slots.values()) for (const t of Object.values(old.slots)) t.dispose();
    this.slots.clear();
    for (const [key, s] of Object.entries(saved.state)) {
      const p = this.params[Number(key)];
      const slots: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(s.slots)) slots[name] = keep(fromFloat32(t.dataSync(), t.shape));
      this.slots.set(p, { step: s.step, slots });
    }
  }
}

export function checkPositive(op: string, name: string, v: number, allowZero = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new Error(`${op}: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} finite number, got ${v}`);
  }
}
