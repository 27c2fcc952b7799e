// Launchers of the data-movement family (kernel bodies: ../kernel-sources/layout.ts):
// permute, slice, padSlice and concat as gathers over the output.
import type { DeviceValue } from '../storage.js';
import { concatRows, sizeOf, stridesOf } from '../../../tensor/shape.js';
import { MAX_RANK, stridedConstants, type Device } from './device.js';

export function permute(dev: Device, x: DeviceValue, shape: readonly number[], perm: readonly number[]): DeviceValue {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const c = stridedConstants('permute', outShape, [perm.map((p) => inStrides[p])], ['s']);
  return dev.kernels.run('gatherStrided', sizeOf(outShape), { ...c, off: 0 }, [x]);
}

export function slice(
  dev: Device,
  x: DeviceValue,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): DeviceValue {
  const strides = stridesOf(shape);
  let off = 0;
  for (let i = 0; i < shape.length; i++) off += begin[i] * strides[i];
  const c = stridedConstants('slice', size, [strides], ['s']);
  return dev.kernels.run('gatherStrided', sizeOf(size), { ...c, off }, [x]);
}

export function padSlice(
  dev: Device,
  x: DeviceValue,
  shape: readonly number[],
  outShape: readonly number[],
  begin: readonly number[],
): DeviceValue {
  if (outShape.length > MAX_RANK)
    throw new Error(`gpu backend: padSlice supports rank <= ${MAX_RANK}, got [${outShape.join(', ')}]`);
  const pad = MAX_RANK - outShape.length;
  const xs = stridesOf(shape);
  const c: Record<string, number> = {};
  for (let i = 0; i < MAX_RANK; i++) {
    const r = i - pad;
    c[`d${i}`] = r < 0 ? 1 : outShape[r];
    c[`lo${i}`] = r < 0 ? 0 : begin[r];
    c[`hi${i}`] = r < 0 ? 1 : begin[r] + shape[r];
    c[`s${i}`] = r < 0 ? 0 : xs[r];
  }
  return dev.kernels.run('padGather', sizeOf(outShape), c, [x]);
}

/** Concat as a chain of pastes into [outer, rowLen]; equal-sized inputs share one kernel. */
export function concat(
  dev: Device,
  xs: readonly DeviceValue[],
  shapes: readonly (readonly number[])[],
  axis: number,
): DeviceValue {
  const { outer, chunks, rowLen } = concatRows(shapes, axis);
  const n = outer * rowLen;
  let acc: DeviceValue | null = null;
  let at = 0;
  for (let k = 0; k < xs.length; k++) {
    const chunk = chunks[k];
    if (chunk === 0) continue;
    const pos = new Float32Array([at]);
    const next: DeviceValue =
      acc === null
        ? dev.kernels.run('concatFirst', n, { rowLen, chunk }, [xs[k], pos])
        : dev.kernels.run('concatPaste', n, { rowLen, chunk }, [acc, xs[k], pos]);
    if (acc !== null) dev.release(acc);
    acc = next;
    at += chunk;
  }
  return acc ?? dev.fill(n, 0);
}
