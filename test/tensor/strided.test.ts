// The root entry reads ndarray-shaped values structurally (no ndarray import): tensor() and
// frameFromStrided() copy any strided view — cropped, stepped, negative-stride, transposed — exactly
// as plm-ipe/ndarray's ops.assign path does, and bad views are errors naming the argument.
import { describe, expect, it } from 'vitest';
import ndarray from 'ndarray';
import { frameFromStrided, isStridedArray, tensor } from '../../src/index.js';
import { fromNdarray } from '../../src/ndarray/index.js';
import { toFrame } from '../../src/predict/session.js';

const iota = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

describe('tensor() from an ndarray-shaped view', () => {
  const base = ndarray(iota(2 * 3 * 4 * 5), [2, 3, 4, 5]);
  const views = {
    dense: base,
    transposed: base.transpose(3, 1, 0, 2),
    cropped: base.hi(2, 2, 3, 4).lo(0, 1, 1, 1),
    stepped: base.step(1, -1, 2, -2),
    picked: base.pick(1, null, 2, null),
  };
  for (const [name, view] of Object.entries(views)) {
    it(`${name}: same values and shape as plm-ipe/ndarray's fromNdarray`, () => {
      expect(isStridedArray(view)).toBe(true);
      const ours = tensor(view);
      const ref = fromNdarray(view);
      expect(ours.shape).toEqual(ref.shape);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(ref.dataSync()));
    });
  }

  it('a 0-d view and an empty view', () => {
    expect(Array.from(tensor(base.pick(1, 2, 3, 4)).dataSync())).toEqual([base.get(1, 2, 3, 4)]);
    expect(tensor(base.hi(0, 3, 4, 5)).shape).toEqual([0, 3, 4, 5]);
  });

  it('names a view that reads past its data, or mismatched strides', () => {
    expect(() => tensor({ data: new Float32Array(4), shape: [2, 3], stride: [3, 1], offset: 0 })).toThrow(
      /tensor: values is not a valid strided view: it addresses elements 0\.\.5 of data of length 4/,
    );
    expect(() => tensor({ data: new Float32Array(4), shape: [2, 2], stride: [1], offset: 0 })).toThrow(
      /shape has 2 axes but stride has 1/,
    );
    expect(() => tensor({ data: new Float32Array(4), shape: [2, 2], stride: [-2, 1], offset: 0 })).toThrow(
      /addresses elements -2\.\.1/,
    );
  });
});

describe('frameFromStrided', () => {
  const h = 4;
  const w = 6;
  const rgba = Uint8Array.from({ length: h * w * 4 }, (_, i) => (i * 7) % 256);
  const image = ndarray(rgba, [h, w, 4]);

  it('copies a cropped RGBA view into a dense frame', () => {
    const f = frameFromStrided(image.hi(3, 5, 4).lo(1, 2, 0));
    expect([f.width, f.height, f.channels]).toEqual([3, 2, 4]);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 3; x++)
        for (let c = 0; c < 4; c++) {
          expect(f.data[(y * 3 + x) * 4 + c]).toBe(image.get(y + 1, x + 2, c));
        }
  });

  it("takes get-pixels' [W, H, C] order through a transpose, and 2-D gray views", () => {
    const whc = ndarray(rgba, [w, h, 4], [4, w * 4, 1]); // get-pixels' layout over the same bytes
    const f = frameFromStrided(whc.transpose(1, 0, 2));
    expect(Array.from(f.data)).toEqual(Array.from(rgba));
    const gray = frameFromStrided(ndarray(new Float32Array([0, 12.4, 300, -5]), [2, 2]));
    expect([gray.channels, ...gray.data]).toEqual([1, 0, 12, 255, 0]);
  });

  it('is what the live session takes as a frame', () => {
    const f = toFrame(image, 160);
    expect([f.width, f.height]).toEqual([w, h]);
    expect(Array.from(f.data)).toEqual(Array.from(rgba));
  });

  it('names a wrong shape or a non-view', () => {
    expect(() => frameFromStrided(ndarray(rgba, [h, w * 2, 2]))).toThrow(
      /frameFromStrided: view\.shape expected \[H, W\], \[H, W, 1\], \[H, W, 3\] or \[H, W, 4\], got \[4, 12, 2\]/,
    );
    expect(() => frameFromStrided(rgba as never)).toThrow(
      /frameFromStrided: view expected an ndarray-shaped .*got Uint8Array of length 96/,
    );
  });
});
