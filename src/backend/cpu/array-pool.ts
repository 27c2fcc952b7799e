// Optional reuse of the Float32Arrays of disposed cpu tensors. A fresh large typed array is
// fresh pages from the OS, each faulted in and zeroed on first touch (on a 2-vCPU VM a new 25 MB
// array took 12-29 ms to fill, a used one 1-4 ms). Usually the C allocator hands back memory that
// a collected array freed, but only once V8 has collected it; this pool makes reuse immediate:
// arrays the engine disposed wait here, by length, for the next request of that length.
//
// It is off by default (limit 0). Measured (docs/backends.md): a conv2-sized forward+backward took
// 0-14,000 page faults a step without it and 200-1,000 with it, but the benches' medians moved
// less than their noise, and one paper-size training step's peak RSS rose by about what the pool
// was allowed to hold (1,625 MiB off, 1,710 at 64 MiB, 1,815 at 256 MiB): the step frees sizes it
// does not ask for again. Code that repeats one shape (an inference loop) can turn it on.
//
// Only arrays that nothing else can see come back: the cpu backend's own outputs, one per
// handle (reads and uploads copy), released from `disposeData` when the last reference goes.

/** What the pool may hold unless set: nothing (reuse off). */
export const DEFAULT_POOL_BYTES = 0;

// Check mode, which the test suite runs in (PLM_CPU_POOL_CHECK=1, vitest.config.ts): the pool is
// on (256 MiB), arrays of every size are recycled, and recycled arrays handed out uninitialized
// are filled with NaN first, so an output that a kernel does not write in full fails its parity test.
const checkMode =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.PLM_CPU_POOL_CHECK === '1';
export const CHECK_MODE_POOL_BYTES = 256 * 1024 * 1024;

// Free arrays by length; Map order is least recently released first, which eviction drops.
const free = new Map<number, Float32Array[]>();
let pooledBytes = 0;
let limitBytes = checkMode ? CHECK_MODE_POOL_BYTES : DEFAULT_POOL_BYTES;
let reused = 0;

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
  // `free` only ever holds arrays that `release` accepted, so small lengths find nothing here.
  const list = free.get(length);
  const a = list?.pop();
  if (!a) return new Float32Array(length);
  if (list!.length === 0) free.delete(length);
  pooledBytes -= a.byteLength;
  reused++;
  return checkMode ? a.fill(NaN) : a;
}

/** A zero-filled Float32Array of `length` elements, recycled when one of that length is free. */
export function takeZeroed(length: number): Float32Array {
  // A fresh array is zero already; only a recycled one needs the fill.
  return free.has(length) ? takeUninitialized(length).fill(0) : new Float32Array(length);
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
 * Sets how many bytes of disposed arrays the cpu backend keeps for reuse (default 0: off). The
 * pool holds arrays of 64 KiB and up, by length, dropping the lengths released longest ago first;
 * lowering the limit frees the excess at once.
 * @example
 * setArrayPoolLimit(256 * 1024 * 1024); // an inference loop over one clip shape
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
