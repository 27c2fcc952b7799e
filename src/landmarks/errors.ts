// Argument validation shared by the landmark modules. Every message names the function, the
// argument, what was expected and what arrived, so a user can fix the call without a debugger.
import type { LandmarkInput, NumericArray, Point2 } from './types.js';

/**
 * Describes a value for an error message without dumping it: its type and its length, size or first
 * keys (a frame's megabytes of pixels must never end up in a message).
 * @example
 * describeValue(new Uint8Array(6_220_800)); // 'Uint8Array of length 6220800'
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (ArrayBuffer.isView(value)) {
    const n = (value as unknown as { length?: number }).length;
    return n === undefined
      ? `${value.constructor.name} of ${value.byteLength} bytes`
      : `${value.constructor.name} of length ${n}`;
  }
  if (value instanceof ArrayBuffer) return `ArrayBuffer of ${value.byteLength} bytes`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string')
    return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    const size =
      typeof (value as { width?: unknown }).width === 'number'
        ? ` ${(value as { width: number }).width}x${(value as { height?: number }).height}`
        : '';
    const keys = Object.keys(value as object).slice(0, 5);
    return `${name && name !== 'Object' ? `a ${name}` : 'an object'}${size}${keys.length ? ` with keys ${keys.join(', ')}` : ''}`;
  }
  return `${typeof value} ${String(value)}`;
}

/** Builds the library's argument error: `fn: arg expected X, got Y`. */
export function argumentError(fn: string, arg: string, expected: string, actual: string): Error {
  return new Error(`${fn}: ${arg} expected ${expected}, got ${actual}`);
}

/** Checks that width and height are positive integers. */
export function checkSize(fn: string, arg: string, width: unknown, height: unknown): void {
  const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!ok(width) || !ok(height)) {
    throw argumentError(fn, `${arg}.width/height`, 'positive integers', `${String(width)} x ${String(height)}`);
  }
}

/** Checks a one-channel image: `data.length === width * height`. */
export function checkGray(
  fn: string,
  arg: string,
  img: { width: number; height: number; data: NumericArray } | null | undefined,
): void {
  if (!img || typeof img !== 'object' || img.data == null) {
    throw argumentError(fn, arg, '{ width, height, data }', describeValue(img));
  }
  checkSize(fn, arg, img.width, img.height);
  const expected = img.width * img.height;
  if (img.data.length !== expected) {
    throw argumentError(
      fn,
      `${arg}.data.length`,
      `${expected} (width ${img.width} x height ${img.height}, one channel)`,
      String(img.data.length),
    );
  }
}

/**
 * Converts landmarks to a flat `Float64Array` [x0, y0, x1, y1, ...] and checks the point count and that
 * every coordinate is finite.
 */
export function toPointArray(
  fn: string,
  arg: string,
  points: LandmarkInput | null | undefined,
  expectedCount: number | readonly number[] = 68,
): Float64Array {
  if (points == null || typeof (points as ArrayLike<unknown>).length !== 'number') {
    throw argumentError(fn, arg, `an array of ${String(expectedCount)} points`, describeValue(points));
  }
  const n = points.length;
  const counts = typeof expectedCount === 'number' ? [expectedCount] : expectedCount;
  if (!counts.includes(n)) {
    throw argumentError(fn, `${arg}.length`, `${counts.join(' or ')} points`, `${n} points`);
  }
  const out = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const p = points[i] as Point2 | readonly [number, number] | undefined;
    let x: number;
    let y: number;
    if (p == null) {
      x = Number.NaN;
      y = Number.NaN;
    } else if (Array.isArray(p) || ArrayBuffer.isView(p)) {
      x = (p as readonly number[])[0];
      y = (p as readonly number[])[1];
    } else {
      x = (p as Point2).x;
      y = (p as Point2).y;
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw argumentError(fn, `${arg}[${i}]`, 'finite x and y', `(${String(x)}, ${String(y)})`);
    }
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}

/** Turns a flat [x0, y0, ...] array into `{x, y}` objects. */
export function toPoints(flat: ArrayLike<number>): Point2[] {
  const out: Point2[] = new Array(flat.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = { x: flat[2 * i], y: flat[2 * i + 1] };
  return out;
}
