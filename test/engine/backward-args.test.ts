// backward(grad) takes a gradient of exactly the tensor's shape, as PyTorch does: a same-size
// gradient of another shape is a mistake in the caller, not something to reshape silently.
import { describe, expect, it } from 'vitest';
import { randn } from '../../src/index.js';

describe('backward(grad)', () => {
  it('needs the exact shape of the tensor', () => {
    const y = randn([2], { requiresGrad: true }).mul(2);
    expect(() => y.backward(randn([1, 2]))).toThrow(/backward: grad shape \[1, 2\] does not match tensor shape \[2\]/);
  });
});
