// What every launcher in this folder gets: the kernel cache, and host-side helpers to make a
// small value on the device and to free intermediates. Launchers turn primitive arguments
// into a kernel name, an output size and baked constants; they never touch gpu.js directly.
import type { KernelCache } from '../kernel-cache.js';
import type { DeviceValue } from '../storage.js';
import type { WgslProducts } from '../wgsl/runner.js';

export interface Device {
  readonly kernels: KernelCache;
  /** New device value holding a copy of `values`. */
  upload(values: Float32Array): DeviceValue;
  /** New device value of `size` copies of `value`. */
  fill(size: number, value: number): DeviceValue;
  /** Frees an intermediate the launcher made. */
  release(v: DeviceValue): void;
  /** Tiled WGSL matmul and convolutions, on WebGPU once the device is acquired (else null: gpu.js kernels). */
  readonly wgsl: WgslProducts | null;
}

export const MAX_RANK = 6;

/**
 * Merges adjacent dims that every input walks contiguously and drops size-1 dims, then pads to
 * rank 6 at the front, giving the constants d0..d5 and `<prefix>0..5` per input of the strided
 * kernels. Fewer real dims means fewer divisions per thread.
 */
export function stridedConstants(
  op: string,
  outShape: readonly number[],
  strides: readonly (readonly number[])[],
  prefixes: readonly string[],
): Record<string, number> {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < outShape.length; i++) {
    const d = outShape[i];
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, k) => st[k][last] === s[i] * d)) {
      dims[last] *= d;
      strides.forEach((s, k) => (st[k][last] = s[i]));
    } else {
      dims.push(d);
      strides.forEach((s, k) => st[k].push(s[i]));
    }
  }
  if (dims.length > MAX_RANK) {
    throw new Error(
      `gpu backend: ${op} supports at most ${MAX_RANK} non-mergeable dims, got shape [${outShape.join(', ')}]`,
    );
  }
  const c: Record<string, number> = {};
  const pad = MAX_RANK - dims.length;
  for (let i = 0; i < MAX_RANK; i++) {
    c[`d${i}`] = i < pad ? 1 : dims[i - pad];
    prefixes.forEach((p, k) => (c[`${p}${i}`] = i < pad ? 0 : st[k][i - pad]));
  }
  return c;
}
