// The cpu backend's hot primitives (matmul, conv3d, pooling) in one place, so the backend
// file can swap implementations without touching anything else. Reference loops for now.
import type { Conv3dGeometry, Pool3dGeometry } from '../../tensor/geometry.js';
import {
  gemmReference,
  conv3dReference,
  conv3dGradInputReference,
  conv3dGradWeightReference,
  maxPool3dReference,
  avgPool3dReference,
  avgPool3dGradReference,
} from './reference.js';

export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array,
  opts: { aOffset?: number; bOffset?: number; cOffset?: number } = {},
): void {
  C.set(gemmReference(transA, transB, M, N, K, A, B, opts.aOffset ?? 0, opts.bOffset ?? 0), opts.cOffset ?? 0);
}
export const conv3dForward = (x: Float32Array, w: Float32Array, b: Float32Array | null, g: Conv3dGeometry) => conv3dReference(x, w, b, g);
export const conv3dGradInput = (dy: Float32Array, w: Float32Array, g: Conv3dGeometry) => conv3dGradInputReference(dy, w, g);
export const conv3dGradWeight = (x: Float32Array, dy: Float32Array, g: Conv3dGeometry) => conv3dGradWeightReference(x, dy, g);
export const maxPool3dForward = (x: Float32Array, g: Pool3dGeometry) => maxPool3dReference(x, g);
export function maxPool3dBackward(dy: Float32Array, argmax: Int32Array, g: Pool3dGeometry): Float32Array {
  const dx = new Float32Array(g.batch * g.channels * g.inD * g.inH * g.inW);
  for (let i = 0; i < dy.length; i++) dx[argmax[i]] += dy[i];
  return dx;
}
export const avgPool3dForward = (x: Float32Array, g: Pool3dGeometry, inc: boolean) => avgPool3dReference(x, g, inc);
export const avgPool3dBackward = (dy: Float32Array, g: Pool3dGeometry, inc: boolean) => avgPool3dGradReference(dy, g, inc);
export function kernelInfo(): { simd: boolean; threads: number } {
  return { simd: false, threads: 1 };
}
