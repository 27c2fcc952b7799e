// The frozen conv3d and pool3d geometries carry their input, output and weight shapes, element
// counts and spatial volumes, consistent with the per-dim fields, and keep their cache keys. The
// cpu grad-input derives its stride-1 geometry from conv3dGeometry, so an empty input stays empty.
import { describe, expect, it } from 'vitest';
import { conv3dGradInput } from '../../src/backend/cpu/kernels/index.js';
import { conv3dGeometry, pool3dGeometry } from '../../src/tensor/geometry.js';
import { conv3d, zeros } from '../../src/index.js';

describe('conv3dGeometry shapes', () => {
  const options = { stride: [1, 2, 3], padding: [0, 1, 0], dilation: [2, 1, 1] } as const;
  const g = conv3dGeometry([2, 3, 6, 7, 9], [5, 3, 2, 3, 1], options);

  it('carries input, weight and output shapes, their sizes and the spatial volumes', () => {
    expect(g.inputShape).toEqual([2, 3, 6, 7, 9]);
    expect(g.weightShape).toEqual([5, 3, 2, 3, 1]);
    expect(g.outputShape).toEqual([2, 5, g.outD, g.outH, g.outW]);
    expect([g.outD, g.outH, g.outW]).toEqual([4, 4, 3]);
    expect([g.inputSize, g.weightSize, g.outputSize]).toEqual([2 * 3 * 6 * 7 * 9, 5 * 3 * 2 * 3, 2 * 5 * 4 * 4 * 3]);
    expect([g.inVolume, g.outVolume, g.kernelVolume]).toEqual([6 * 7 * 9, 4 * 4 * 3, 2 * 3]);
  });

  it('is frozen, shapes included, and keeps its cache key', () => {
    expect(Object.isFrozen(g) && Object.isFrozen(g.inputShape) && Object.isFrozen(g.weightShape)).toBe(true);
    expect(Object.isFrozen(g.outputShape)).toBe(true);
    expect(g.key).toBe('2,3,5,6,7,9,2,3,1,1,2,3,0,1,0,2,1,1');
  });

  it('gives the shape the conv3d op returns', () => {
    const y = conv3d(zeros([1, 2, 3, 4, 5]), zeros([3, 2, 3, 3, 3]), null, { padding: 1, stride: 2 });
    expect(y.shape).toEqual(conv3dGeometry([1, 2, 3, 4, 5], [3, 2, 3, 3, 3], { padding: 1, stride: 2 }).outputShape);
  });

  it('leaves an empty input empty on the stride-1 grad-input path (no geometry derived from it)', () => {
    // Padding 2 along depth lets a 3-tap kernel run over a depth-0 input: 2 outputs, 0 inputs.
    const e = conv3dGeometry([1, 1, 0, 3, 3], [1, 1, 3, 3, 3], { padding: [2, 1, 1] });
    expect(e.outputShape).toEqual([1, 1, 2, 3, 3]);
    expect(conv3dGradInput(new Float32Array(e.outputSize), new Float32Array(e.weightSize), e)).toHaveLength(0);
  });
});

describe('pool3dGeometry shapes', () => {
  it('carries input and output shapes, their sizes and the spatial volumes (ceil mode included)', () => {
    // Floor mode would give 3 windows along height and width; ceil mode adds a 4th.
    const g = pool3dGeometry([2, 4, 5, 8, 8], { kernelSize: [1, 3, 3], stride: [1, 2, 2], ceilMode: true });
    expect(g.inputShape).toEqual([2, 4, 5, 8, 8]);
    expect(g.outputShape).toEqual([2, 4, 5, 4, 4]);
    expect([g.inputSize, g.outputSize, g.inVolume, g.outVolume]).toEqual([2 * 4 * 320, 2 * 4 * 80, 320, 80]);
    expect(Object.isFrozen(g) && Object.isFrozen(g.inputShape) && Object.isFrozen(g.outputShape)).toBe(true);
    expect(g.key).toBe('2,4,5,8,8,1,3,3,1,2,2,0,0,0,5,4,4');
  });
});
