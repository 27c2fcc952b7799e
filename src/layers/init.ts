// PyTorch's default initialisations, drawn from the seeded generator: kaiming_uniform_(a=sqrt(5))
// for conv/linear weights, which reduces to U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the same bound
// for their biases, and U(-1/sqrt(H), 1/sqrt(H)) for every LSTM weight.
import { rand } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';

/** U(-bound, bound) of `shape`. */
export function uniform(shape: readonly number[], bound: number): Tensor {
  return rand(shape, { low: -bound, high: bound });
}

/** PyTorch's default for Linear/Conv weights and biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
export function defaultUniform(shape: readonly number[], fanIn: number): Tensor {
  return uniform(shape, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0);
}
