// Recycles the Float32Arrays of disposed cpu tensors. A fresh large typed array is fresh pages
// from the OS, each faulted in and zeroed by the kernel on first touch: on a 2-vCPU VM filling a
// new 25 MB array took 28.7 ms against 3.7 ms for one used before, more than the convolution
// that writes it. A training step makes and frees the same sizes again and again, so arrays the
// engine has disposed wait here, by length, for the next request of that length.
//
// Only arrays that nothing else can see come back: the cpu backend's own outputs, one per
// handle (reads and uploads copy), released from `disposeData` when the last reference goes.

/** What the pool may hold by default: enough for the largest layers of a paper-size C3D step. */
export const DEFAULT_POOL_BYTES = 256 * 1024 * 1024;

// Free arrays by length; Map order is least recently released first, which eviction drops.
const free = new Map<number, Float32Array[]>();
let pooledBytes = 0;
let limitBytes = DEFAULT_POOL_BYTES;
let reused = 0;
// Check mode, which the test suite runs in (PLM_CPU_POOL_CHECK=1, vitest.config.ts): arrays of
// every size are recycled, and recycled arrays handed out uninitialized are filled with NaN first,
// so an output that a kernel does not write in full shows up in its parity test.
const checkMode =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.PLM_CPU_POOL_CHECK === '1';

/**
 * Arrays below this size come from V8 directly: their allocation is cheap and their pages warm.
 * In check mode everything but empty arrays is pooled.
 */
export const MIN_POOLED_BYTES = checkMode ? 4 : 1 << 16;

/**
 * A Float32Array of `length` elements whose contents are unspecified (a recycled array holds
 * what it held before): for outputs the caller writes in full.
 */
export function takeUninitialized(length: number): Float32Array {
  const list = length * 4 >= MIN_POOLED_BYTES ? free.get(length) : undefined;
  const a = list?.pop();
  if (!a) return new Float32Array(length);
  if (list!.length === 0) free.delete(length);
  pooledBytes -= a.byteLength;
  reused++;
  return checkMode ? a.fill(NaN) : a;
}

/** A zero-filled Float32Array of `length` elements, recycled when one of that length is free. */
export function takeZeroed(length: number): Float32Array {
  const list = length * 4 >= MIN_POOLED_BYTES ? free.get(length) : undefined;
  if (!list) return new Float32Array(length);
  return takeUninitialized(length).fill(0);
}

/**
 * Hands an array back for reuse. The caller guarantees that nothing else holds it. Views into a
 * larger buffer, shared memory and small arrays are left to the garbage collector.
 */
export function release(a: Float32Array): void {
  const buffer = a.buffer;
  if (a.byteLength < MIN_POOLED_BYTES || a.byteLength > limitBytes) return;
  if (!(buffer instanceof ArrayBuffer) || a.byteOffset !== 0 || a.byteLength !== buffer.byteLength) return;
  let list = free.get(a.length);
  if (list)
    free.delete(a.length); // re-insert: this length is now the most recently used
  else list = [];
  list.push(a);
  free.set(a.length, list);
  pooledBytes += a.byteLength;
  evictTo(limitBytes);
}

function evictTo(bytes: number): void {
  for (const [length, list] of free) {
    if (pooledBytes <= bytes) return;
    while (list.length > 0 && pooledBytes > bytes) pooledBytes -= list.shift()!.byteLength;
    if (list.length === 0) free.delete(length);
  }
}

/**
 * Sets how many bytes of disposed arrays the cpu backend keeps for reuse (default 256 MiB); 0
 * turns recycling off. Lowering it frees the excess at once.
 */
export function setArrayPoolLimit(bytes: number): void {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new Error(`setArrayPoolLimit: bytes must be a finite number >= 0, got ${String(bytes)}`);
  }
  limitBytes = bytes;
  evictTo(bytes);
}

/** Drops every array the pool holds (the garbage collector frees them). */
export function clearArrayPool(): void {
  evictTo(0);
}

/** What the pool holds now, its limit, and how many requests it has served from recycled arrays. */
export function arrayPoolStats(): { pooledBytes: number; limitBytes: number; arrays: number; reused: number } {
  let arrays = 0;
  for (const list of free.values()) arrays += list.length;
  return { pooledBytes, limitBytes, arrays, reused };
}
