// Ndarray-shaped values ({ data, shape, stride, offset }, as scijs's ndarray and get-pixels make
// them) read structurally, with plain loops: the root entry accepts them without importing ndarray,
// whose compiled kernels (`new Function`) a strict Content-Security-Policy refuses.
// Imports nothing; callers name themselves in errors.

/** A strided view over flat storage: element `i` is `data[offset + Σ i_k · stride[k]]`. */
export interface StridedArray<D extends ArrayLike<number> = ArrayLike<number>> {
  readonly data: D;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly offset: number;
}

/** True for an object with the four fields of {@link StridedArray} (no other check). */
export function isStridedArray(value: unknown): value is StridedArray {
  const o = value as Partial<StridedArray> | null;
  return (
    !!o &&
    typeof o === 'object' &&
    !ArrayBuffer.isView(o) &&
    o.data != null &&
    Array.isArray(o.shape) &&
    Array.isArray(o.stride) &&
    typeof o.offset === 'number'
  );
}

/**
 * Checks a strided view: integer shape and strides of the same rank, and every element it can
 * address inside `data` (so a bad view is an error here, not a silent read past the end).
 * Throws naming `fn` and `arg`.
 */
export function checkStrided(view: StridedArray, fn: string, arg: string): void {
  const { data, shape, stride, offset } = view;
  const bad = (what: string): never => {
    throw new Error(`${fn}: ${arg} is not a valid strided view: ${what}`);
  };
  if (typeof data.length !== 'number') bad('data has no length');
  if (stride.length !== shape.length) bad(`shape has ${shape.length} axes but stride has ${stride.length}`);
  if (!shape.every((n) => Number.isInteger(n) && n >= 0))
    bad(`shape [${shape.join(', ')}] must be non-negative integers`);
  if (!stride.every((s) => Number.isInteger(s))) bad(`stride [${stride.join(', ')}] must be integers`);
  if (!Number.isInteger(offset)) bad(`offset ${offset} must be an integer`);
  if (shape.some((n) => n === 0)) return;
  let lo = offset;
  let hi = offset;
  for (let k = 0; k < shape.length; k++) {
    const span = (shape[k] - 1) * stride[k];
    if (span < 0) lo += span;
    else hi += span;
  }
  if (lo < 0 || hi >= data.length) bad(`it addresses elements ${lo}..${hi} of data of length ${data.length}`);
}

/** Copies a (checked) strided view into a dense row-major array made by `make(n)`. */
export function denseFromStrided<T extends { [i: number]: number; length: number }>(
  view: StridedArray,
  make: (n: number) => T,
): T {
  const { data, shape, stride, offset } = view;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = make(n);
  if (n === 0) return out;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = data[offset];
    return out;
  }
  // Odometer over all axes but the last; the last axis is the inner loop.
  const index = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const inner = shape[last];
  const step = stride[last];
  let base = offset;
  for (let k = 0; k < n; k += inner) {
    for (let j = 0, s = base; j < inner; j++, s += step) out[k + j] = data[s];
    for (let a = last - 1; a >= 0; a--) {
      base += stride[a];
      if (++index[a] < shape[a]) break;
      base -= stride[a] * shape[a];
      index[a] = 0;
    }
  }
  return out;
}
