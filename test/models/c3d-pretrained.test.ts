// The paper's pretrained C3D path: a small C3D saved by PyTorch (the demo's 1/16 width, 8-frame
// 32x32 clips, float16, legacy format like c3d-pytorch's c3d.pickle) loads with loadC3DWeights and
// reproduces PyTorch's fc7 features on a fixed clip; c3d-pytorch's predict.py preprocessing is
// reproduced against the values scripts/torch-fixtures.py computes the same way.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  C3D,
  C3D_PYTORCH_PREPROCESS,
  c3dPytorchFrame,
  noGrad,
  parseSafetensors,
  preprocessVideo,
  tensor,
} from '../../src/index.js';
import { loadC3DWeights } from '../../src/node/index.js';

const DIR = path.join(__dirname, '..', 'fixtures', 'torch');
const expectedTensors = (file: string) => parseSafetensors(fs.readFileSync(path.join(DIR, file))).tensors;

/** The fixture script's clip: ((i*i*31 + i*7 + 3) % 251) over [1, 3, 8, 32, 32], exact in doubles. */
function fixtureClip(): Float32Array {
  const out = new Float32Array(3 * 8 * 32 * 32);
  for (let i = 0; i < out.length; i++) out[i] = (i * i * 31 + i * 7 + 3) % 251;
  return out;
}

/** The fixture script's frame: (x*x*7 + y*13 + c*101 + f*31 + x*y) % 256, HWC. */
function fixtureFrame(h: number, w: number, f: number): Uint8Array {
  const out = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = (x * x * 7 + y * 13 + c * 101 + f * 31 + x * y) % 256;
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('pretrained C3D from a PyTorch checkpoint', () => {
  it("loads c3d-small.pickle (fc8 dropped) and matches PyTorch's fc7 features within 1e-4", async () => {
    const c3d = new C3D({ width: 1 / 16, clipLength: 8, inputSize: 32, temporalPools: 3 });
    expect(await loadC3DWeights(c3d, path.join(DIR, 'c3d-small.pickle'))).toEqual(['fc8.weight', 'fc8.bias']);
    c3d.eval();
    const want = expectedTensors('c3d-small-expected.safetensors').features.dataSync();
    const got = noGrad(() => c3d.forward(tensor(fixtureClip(), [1, 3, 8, 32, 32]))).dataSync();
    const scale = Math.max(...Array.from(want, Math.abs));
    expect(scale).toBeGreaterThan(0.1); // a meaningful comparison, not two near-zero vectors
    const diff = maxAbsDiff(got, want);
    console.log(
      `small C3D vs PyTorch: max abs diff ${diff.toExponential(2)} over ${want.length} features (largest ${scale.toFixed(3)})`,
    );
    expect(diff).toBeLessThan(1e-4);
  });

  it('also takes the bytes of a .pt checkpoint and names a misfit', async () => {
    const wide = new C3D({ width: 1 / 8, clipLength: 8, inputSize: 32, temporalPools: 3 });
    await expect(loadC3DWeights(wide, fs.readFileSync(path.join(DIR, 'c3d-small.pickle')))).rejects.toThrow(
      /does not fit this C3D \(width 0.125/,
    );
  });
});

describe("c3d-pytorch predict.py's preprocessing", () => {
  const want = expectedTensors('preprocess-expected.safetensors');
  it('matches the resize (anti-aliased bilinear to H x 200H/112) and centre crop, up- and down-sampling', () => {
    expect(
      maxAbsDiff(c3dPytorchFrame(fixtureFrame(36, 48, 0), 48, 36, 32, 32), want.up_down_36x48_to_32.dataSync()),
    ).toBeLessThan(1e-4);
    expect(
      maxAbsDiff(c3dPytorchFrame(fixtureFrame(60, 80, 1), 80, 60, 32, 32), want.down_60x80_to_32.dataSync()),
    ).toBeLessThan(1e-4);
  });

  it('preprocessVideo with C3D_PYTORCH_PREPROCESS gives predict.py values at 112 (0-255, RGB, columns 44:156)', () => {
    const frame = fixtureFrame(240, 320, 2);
    const { data, shape } = preprocessVideo(
      { width: 320, height: 240, fps: 25, frames: [frame] },
      { clipLength: 1, size: 112, ...C3D_PYTORCH_PREPROCESS },
    );
    expect(shape).toEqual([1, 3, 1, 112, 112]);
    // data is [1, 3, 1, H, W]; the fixture rows are HWC.
    const rows = (from: number) => {
      const out = new Float32Array(8 * 112 * 3);
      for (let r = 0; r < 8; r++)
        for (let x = 0; x < 112; x++)
          for (let c = 0; c < 3; c++) out[(r * 112 + x) * 3 + c] = data[c * 112 * 112 + (from + r) * 112 + x];
      return out;
    };
    expect(maxAbsDiff(rows(0), want.predict_240x320_to_112_top.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(rows(104), want.predict_240x320_to_112_bottom.dataSync())).toBeLessThan(1e-4);
  });
});
