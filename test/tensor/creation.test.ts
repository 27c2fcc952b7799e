// tensor() from flat values: the tensor owns a copy (the backend copies on upload), whatever the
// source array type, and later writes to the source never reach it.
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';

describe('tensor() from flat arrays', () => {
  it('copies a Float32Array: writing the source afterwards leaves the tensor as it was', () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(src, [2, 3]);
    src.fill(-1);
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    const read = t.dataSync();
    read.fill(9); // and what dataSync returns is the caller's own copy
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    t.dispose();
  });

  it('converts other typed arrays and plain arrays to float32', () => {
    expect(Array.from(tensor(new Float64Array([0.1, 2.5]), [2]).dataSync())).toEqual([Math.fround(0.1), 2.5]);
    expect(Array.from(tensor(new Int32Array([-3, 7])).dataSync())).toEqual([-3, 7]);
    expect(Array.from(tensor(new Uint8Array([255, 0]), [2, 1]).dataSync())).toEqual([255, 0]);
    expect(Array.from(tensor([1, 2, 3, 4], [2, 2]).dataSync())).toEqual([1, 2, 3, 4]);
    const view = new Float32Array([9, 8, 7, 6]).subarray(1, 3);
    expect(Array.from(tensor(view).dataSync())).toEqual([8, 7]);
  });

  it('names a length that does not fill the shape', () => {
    expect(() => tensor(new Float32Array(5), [2, 3])).toThrow(
      /tensor: 5 values do not fill shape \[2, 3\] \(6 elements\)/,
    );
  });
});
