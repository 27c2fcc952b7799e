// Module: the base of every layer and model. It owns named parameters and sub-modules
// (registered explicitly, so state-dict keys are PyTorch's dotted snake_case names and PyTorch
// weights map 1:1), the training flag, and state-dict save/load with clear errors.
// Imports only the tensor API.
import { keep } from '../tensor/engine.js';
import { Tensor } from '../tensor/tensor.js';
import { assign_ } from '../tensor/ops/index.js';
import { fmt, shapesEqual } from '../tensor/shape.js';

/** A state dict: parameter name to tensor (or raw values with a shape, as loaded from a file). */
export type StateDict = Record<string, Tensor>;

/**
 * Base class of layers and models. Subclasses register parameters and children in their
 * constructor and implement `forward`.
 * @example
 * class TwoLayer extends Module {
 *   fc1 = this.registerModule('fc1', new Linear(4, 8));
 *   fc2 = this.registerModule('fc2', new Linear(8, 2));
 *   forward(x: Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 */
export abstract class Module {
  /** True in training mode (dropout active), false after `eval()`. */
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** The module's computation; in training mode until `eval()` (dropout, for instance, depends on it). */
  abstract forward(...args: unknown[]): unknown;

  /** Registers a parameter (a leaf that requires grad and survives every `tidy`). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    if (this.ownParams.has(name) || this.children.has(name))
      throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    t.requiresGrad_(true);
    keep(t);
    this.ownParams.set(name, t);
    return t;
  }

  /** Registers a child module under `name` (its parameters appear as `name.param`). */
  protected registerModule<M extends Module>(name: string, m: M): M {
    if (this.ownParams.has(name) || this.children.has(name))
      throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    this.children.set(name, m);
    return m;
  }

  /** `[name, parameter]` pairs with state-dict keys (`conv1.weight`, `lstm.weight_ih_l0`, ...). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.ownParams) out.push([prefix + n, p]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** All parameters, in registration order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** `[name, module]` pairs of every descendant (not this module). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [n, m] of this.children) {
      out.push([prefix + n, m], ...m.namedModules(`${prefix}${n}.`));
    }
    return out;
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode (dropout on) for this module and all children. */
  train(mode = true): this {
    this.training = mode;
    for (const m of this.children.values()) m.train(mode);
    return this;
  }

  /** Sets evaluation mode (dropout off). */
  eval(): this {
    return this.train(false);
  }

  /** Frees and clears every parameter's `.grad`. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The parameters by state-dict key (the live tensors, not copies). */
  stateDict(): StateDict {
    return Object.fromEntries(this.namedParameters());
  }

  /**
   * Copies values from `state` into this module's parameters (in place, so optimizers keep
   * working). With `strict` (default) every key must be present and no key may be unknown.
   * Shapes must match exactly; errors name the key and both shapes.
   */
  loadStateDict(state: StateDict, { strict = true }: { strict?: boolean } = {}): void {
    const own = new Map(this.namedParameters());
    if (strict) {
      const missing = [...own.keys()].filter((k) => !(k in state));
      const unexpected = Object.keys(state).filter((k) => !own.has(k));
      if (missing.length || unexpected.length) {
        throw new Error(
          `loadStateDict: ${this.constructor.name} state dict does not match` +
            (missing.length ? `; missing keys: ${missing.join(', ')}` : '') +
            (unexpected.length ? `; unexpected keys: ${unexpected.join(', ')}` : ''),
        );
      }
    }
    for (const [key, value] of Object.entries(state)) {
      const p = own.get(key);
      if (!p) continue;
      if (!(value instanceof Tensor)) throw new Error(`loadStateDict: '${key}' must be a Tensor, got ${typeof value}`);
      if (!shapesEqual(value.shape, p.shape)) {
        throw new Error(
          `loadStateDict: '${key}' has shape ${fmt(value.shape)} in the state dict but ${fmt(p.shape)} in ${this.constructor.name}`,
        );
      }
    }
    for (const [key, value] of Object.entries(state)) {
      const p = own.get(key);
      if (p) assign_(p, value);
    }
  }

  /** A short description of the module tree, PyTorch style. */
  toString(indent = ''): string {
    const lines = [`${this.describe()}`];
    for (const [n, m] of this.children) lines.push(`${indent}  (${n}): ${m.toString(indent + '  ')}`);
    return lines.length === 1 ? lines[0] : `${lines[0]}(\n${lines.slice(1).join('\n')}\n${indent})`;
  }

  /** One-line description used by `toString`. */
  protected describe(): string {
    return this.constructor.name;
  }
}
