// Strided iteration for the cpu backend: an odometer that walks an
// output shape while tracking the matching offsets of up to three inputs, with the innermost
// dim as a plain loop. Used by broadcasting elementwise ops, permute and slicing.

/**
 * Calls `inner(outOffset, offsets, count, innerStrides)` for each run of the innermost dim of
 * `shape`; `strides[k]` are the strides of input k over `shape`. Offsets are start offsets.
 */
export function walk(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  inner: (outOffset: number, offsets: number[], count: number, innerStrides: number[]) => void,
): void {
  const rank = shape.length;
  const k = strides.length;
  if (rank === 0) {
    inner(0, new Array<number>(k).fill(0), 1, new Array<number>(k).fill(0));
    return;
  }
  for (const d of shape) if (d === 0) return;
  const last = rank - 1;
  const count = shape[last];
  const innerStrides = strides.map((s) => s[last]);
  const coord = new Array<number>(rank).fill(0);
  const offsets = new Array<number>(k).fill(0);
  let outOffset = 0;
  for (;;) {
    inner(outOffset, offsets, count, innerStrides);
    outOffset += count;
    // advance the odometer over dims [0, last)
    let d = last - 1;
    for (; d >= 0; d--) {
      coord[d]++;
      for (let j = 0; j < k; j++) offsets[j] += strides[j][d];
      if (coord[d] < shape[d]) break;
      for (let j = 0; j < k; j++) offsets[j] -= strides[j][d] * shape[d];
      coord[d] = 0;
    }
    if (d < 0) return;
  }
}
