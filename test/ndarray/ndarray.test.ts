// plm-ipe/ndarray: tensors from and to scijs ndarrays through ops.assign (strided, transposed,
// stepped and offset views), frames from [H, W, C] and get-pixels' [W, H, C] arrays, and errors
// that name the argument.
import { describe, expect, it } from 'vitest';
import ndarray from 'ndarray';
import { permute, tensor } from '../../src/index.js';
import { fromNdarray, toNdarray, frameFromNdarray, frameToNdarray } from '../../src/ndarray/index.js';

const iota = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

describe('fromNdarray / toNdarray', () => {
  it('copies a strided, stepped and offset view with its own shape', () => {
    const a = ndarray(iota(24), [4, 6]);
    const view = a.lo(1, 1).step(2, 3); // rows 1, 3; columns 1, 4
    const t = fromNdarray(view);
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(t.dataSync())).toEqual([7, 10, 19, 22]);
    expect(Array.from(fromNdarray(a.transpose(1, 0)).dataSync()).slice(0, 4)).toEqual([0, 6, 12, 18]);
  });

  it('reorders axes on the way: a [T, H, W, C] video to the [C, T, H, W] clip C3D takes', () => {
    const shape = [2, 3, 4, 3];
    const data = Uint8Array.from({ length: 72 }, (_, i) => i);
    const clip = fromNdarray(ndarray(data, shape), { axes: [3, 0, 1, 2] });
    const want = permute(tensor(Array.from(data), shape), [3, 0, 1, 2]);
    expect(clip.shape).toEqual([3, 2, 3, 4]);
    expect(Array.from(clip.dataSync())).toEqual(Array.from(want.dataSync()));
  });

  it('toNdarray gives an ndarray over a copy, optionally transposed', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const nd = toNdarray(t);
    expect(nd.shape).toEqual([2, 3]);
    expect(nd.get(1, 2)).toBe(6);
    nd.set(0, 0, 42);
    expect(t.dataSync()[0]).toBe(1);
    expect(toNdarray(t, { axes: [1, 0] }).get(2, 1)).toBe(6);
    expect(Array.from(fromNdarray(toNdarray(t)).dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('names the argument and describes what came', () => {
    expect(() => fromNdarray(new Float32Array(5) as never)).toThrow(
      /fromNdarray: a must be an ndarray \(\{ data, shape, stride, offset \}\), got Float32Array of length 5/,
    );
    expect(() => fromNdarray(ndarray(iota(6), [2, 3]), { axes: [0, 0] })).toThrow(
      /options.axes must be a permutation of 0..1 for a 2-D array, got \[0,0\]/,
    );
    expect(() => toNdarray([1, 2] as never)).toThrow(/toNdarray: t must be a Tensor, got an array of length 2/);
  });
});

describe('frames', () => {
  it("reads [H, W, C] and get-pixels' [W, H, C] layouts to the same contiguous bytes", () => {
    const width = 3;
    const height = 2;
    const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 7) % 256);
    const hwc = frameFromNdarray(ndarray(rgba, [height, width, 4]));
    expect(hwc).toMatchObject({ width, height, channels: 4 });
    expect(Array.from(hwc.data)).toEqual(Array.from(rgba));
    // get-pixels: shape [width, height, 4], strides [4, 4 * width, 1] over the same bytes.
    const whc = frameFromNdarray(ndarray(rgba, [width, height, 4], [4, 4 * width, 1], 0), { layout: 'whc' });
    expect(Array.from(whc.data)).toEqual(Array.from(rgba));
    expect(frameToNdarray(hwc).get(1, 2, 3)).toBe(rgba[(1 * width + 2) * 4 + 3]);
  });

  it('takes a 2-D array as gray, rounds and clamps float values, and crops through views', () => {
    const gray = frameFromNdarray(ndarray(Float32Array.from([-3, 0.4, 127.6, 300]), [2, 2]));
    expect(gray).toMatchObject({ width: 2, height: 2, channels: 1 });
    expect(Array.from(gray.data)).toEqual([0, 0, 128, 255]);
    const big = ndarray(
      Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => i),
      [4, 4, 3],
    );
    const crop = frameFromNdarray(big.lo(1, 1, 0).hi(2, 2, 3));
    expect(crop).toMatchObject({ width: 2, height: 2 });
    expect(Array.from(crop.data.slice(0, 3))).toEqual([15, 16, 17]);
  });

  it('refuses shapes that are not images', () => {
    expect(() => frameFromNdarray(ndarray(new Uint8Array(10), [2, 5, 1, 1]))).toThrow(
      /frameFromNdarray: a must be \[height, width, 1\|3\|4\].*got shape \[2, 5, 1, 1\]/,
    );
    expect(() => frameFromNdarray(ndarray(new Uint8Array(10), [5, 1, 2]))).toThrow(/got shape \[5, 1, 2\]/);
    expect(() => frameToNdarray({ width: 2, height: 2, data: new Uint8Array(5) })).toThrow(
      /frameToNdarray: frame.data has length 5/,
    );
  });
});
