// Helpers every op file uses: wrap a backend result as a Tensor, turn numbers into tensors,
// check that inputs live on one backend. No gradients here.
import type { DataId } from '../../backend/backend.js';
import { ENGINE } from '../engine.js';
import { Tensor } from '../tensor.js';
import { sizeOf, type Shape } from '../shape.js';

/** Wraps freshly allocated backend storage as a new tensor (taking its one reference). */
export function wrap(id: DataId, shape: Shape, like: { backend: Tensor['backend'] }): Tensor {
  ENGINE.track(id, sizeOf(shape), like.backend);
  return new Tensor(id, shape, like.backend);
}

/** A scalar (0-d) tensor on `like`'s backend, or `x` itself when it is already a tensor. */
export function asTensor(x: Tensor | number, like: Tensor, op: string): Tensor {
  if (x instanceof Tensor) {
    if (x.backend !== like.backend) {
      throw new Error(
        `${op}: tensors are on different backends ('${like.backend.name}' and '${x.backend.name}'); move one first`,
      );
    }
    return x;
  }
  if (typeof x !== 'number') {
    throw new Error(`${op}: expected a Tensor or a number, got ${typeof x}`);
  }
  return wrap(like.backend.fill(1, x), [], like);
}

export function checkTensor(op: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new Error(`${op}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  }
}

export function checkRank(op: string, name: string, t: Tensor, ranks: readonly number[]): void {
  if (!ranks.includes(t.rank)) {
    throw new Error(`${op}: ${name} must have rank ${ranks.join(' or ')}, got shape [${t.shape.join(', ')}]`);
  }
}
