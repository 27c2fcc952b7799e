// conv3dReluMaxPool: without gradients the cpu backend pools the conv output in the kernel heap; the
// values must be those of maxPool3d(conv3dRelu(...)) exactly, and with gradients the op is the two ops
// (same values, same gradients). Shapes the backend does not fuse fall back silently.
import { describe, expect, it } from 'vitest';
import { conv3dRelu, conv3dReluMaxPool, maxPool3d, noGrad, randn, manualSeed, sum, mul } from '../../src/index.js';

describe('conv3dReluMaxPool', () => {
  it("gives the two ops' values exactly without gradients, fused or not", () => {
    manualSeed(5);
    const x = randn([2, 5, 4, 10, 12]),
      w = randn([6, 5, 3, 3, 3]),
      b = randn([6]);
    for (const pool of [
      { kernelSize: [1, 2, 2] as [number, number, number] },
      { kernelSize: 2 },
      { kernelSize: 3, stride: 2 },
    ]) {
      const fused = noGrad(() => conv3dReluMaxPool(x, w, b, { padding: 1 }, pool));
      const twoOps = noGrad(() => maxPool3d(conv3dRelu(x, w, b, { padding: 1 }), pool));
      expect(fused.shape).toEqual(twoOps.shape);
      expect(fused.dataSync()).toEqual(twoOps.dataSync());
    }
  });

  it('records the two ops when a gradient is needed', () => {
    manualSeed(6);
    const x = randn([1, 3, 4, 6, 6], { requiresGrad: true }),
      w = randn([4, 3, 3, 3, 3], { requiresGrad: true }),
      b = randn([4], { requiresGrad: true });
    const probe = randn([1, 4, 4, 3, 3]);
    sum(mul(conv3dReluMaxPool(x, w, b, { padding: 1 }, { kernelSize: [1, 2, 2] }), probe)).backward();
    const g1 = [x.grad!.dataSync(), w.grad!.dataSync(), b.grad!.dataSync()];
    for (const t of [x, w, b]) t.grad = null;
    sum(mul(maxPool3d(conv3dRelu(x, w, b, { padding: 1 }), { kernelSize: [1, 2, 2] }), probe)).backward();
    expect([x.grad!.dataSync(), w.grad!.dataSync(), b.grad!.dataSync()]).toEqual(g1);
  });

  it('names itself in errors', () => {
    expect(() =>
      conv3dReluMaxPool(randn([1, 2, 4, 4, 4]), randn([3, 5, 3, 3, 3]), null, {}, { kernelSize: 2 }),
    ).toThrow(/conv3dReluMaxPool/);
  });
});
