// Launcher of the batched matrix product (kernel body: ../kernel-sources/matmul.ts). The
// transposes become baked strides: A stored [K, M] when transA, B stored [N, K] when transB.
// On WebGPU the tiled WGSL product (../wgsl) runs instead.
import type { DeviceValue } from '../storage.js';
import type { Device } from './device.js';

export function matmul(
  dev: Device,
  a: DeviceValue,
  b: DeviceValue,
  batch: number,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
  aBatch: number,
  bBatch: number,
): DeviceValue {
  const n = batch * M * N;
  if (n === 0) return dev.fill(0, 0);
  if (K === 0) return dev.fill(n, 0);
  const tiled = dev.wgsl?.matmul(a, b, batch, M, N, K, transA, transB, aBatch, bBatch);
  if (tiled) return tiled;
  const c = {
    MN: M * N,
    N,
    aBatch,
    bBatch,
    aI: transA ? 1 : K,
    aK: transA ? M : 1,
    bJ: transB ? K : 1,
    bK: transB ? 1 : N,
    K4: Math.floor(K / 4),
    Krem: K % 4,
  };
  return dev.kernels.run('matmulBlocked', n, c, [a, b]);
}
