// Argument validation shared by the landmark modules. Every message names the function, the
// argument, what was expected and what arrived, so a user can fix the call without a debugger.
import type { LandmarkInput, NumericArray, Point2 } from './types.js';

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
    throw argumentError(fn, arg, '{ width, height, data }', String(img));
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
    throw argumentError(fn, arg, `an array of ${String(expectedCount)} points`, String(points));
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
