// Launchers of reductions (kernel bodies: ../kernel-sources/reduce.ts). Every reduction is
// brought to [outer, R, inner] with the reduced axes adjacent; when they are not, the input
// is permuted first (one gather) so the reduction kernel stays a single strided loop.
import type { ReduceOp } from '../../backend.js';
import type { DeviceValue } from '../storage.js';
import { sizeOf } from '../../../tensor/shape.js';
import type { Device } from './device.js';
import { permute } from './layout.js';

const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2, prod: 3 };
const INIT: Record<ReduceOp, number> = { sum: 0, max: -Infinity, min: Infinity, prod: 1 };

export function reduce(
  dev: Device,
  op: ReduceOp,
  x: DeviceValue,
  shape: readonly number[],
  axes: readonly number[],
): DeviceValue {
  const opCode = REDUCE_CODES[op];
  if (opCode === undefined) throw new Error(`gpu backend: unknown reduce op '${op}'`);
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const outSize = sizeOf(outShape);
  const R = sizeOf(axes.map((a) => shape[a]));
  if (outSize === 0) return dev.fill(0, 0);
  if (R === 0) return dev.fill(outSize, INIT[op]);
  // Groups of adjacent dims of one kind (size-1 dims belong to neither and are dropped).
  const groups: { reduced: boolean; size: number }[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const reduced = axes.includes(i);
    const last = groups[groups.length - 1];
    if (last && last.reduced === reduced) last.size *= shape[i];
    else groups.push({ reduced, size: shape[i] });
  }
  const reducedGroups = groups.filter((g) => g.reduced).length;
  if (reducedGroups <= 1) {
    // Only the kept extent after the reduced group matters: output cell o = outer * inner + pi.
    let inner = 1;
    let seen = false;
    for (const g of groups) {
      if (g.reduced) seen = true;
      else if (seen) inner *= g.size;
    }
    return dev.kernels.run('reduceAxis', outSize, { R, inner, op: opCode }, [x]);
  }
  // Reduced axes scattered: move them last, then reduce contiguous rows.
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const moved = permute(dev, x, shape, [...kept, ...axes]);
  const out = dev.kernels.run('reduceAxis', outSize, { R, inner: 1, op: opCode }, [moved]);
  dev.release(moved);
  return out;
}

export function argMax(dev: Device, x: DeviceValue, shape: readonly number[], axis: number): DeviceValue {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  const n = shape[axis];
  if (outer * inner === 0) return dev.fill(0, 0);
  if (n === 0) return dev.fill(outer * inner, 0);
  return dev.kernels.run('argMaxAxis', outer * inner, { n, inner }, [x]);
}
