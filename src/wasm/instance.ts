// Run-time helpers for the modules the emitter builds: instantiating one over its own plain memory
// (imported as `env.mem`), growing that memory to fit a call, and the 16-byte alignment of regions
// inside it. Backend-free: the cpu kernels and the landmark kernels both use it. Imports nothing.

/** Bytes in one WebAssembly memory page. */
export const PAGE_BYTES = 65536;

/** `bytes` rounded up to a multiple of 16 (the alignment of every region a kernel addresses). */
export function align16(bytes: number): number {
  return (bytes + 15) & ~15;
}

/**
 * Grows `memory` so it holds at least `bytes`; returns false, leaving it untouched, when that
 * takes more than `maxPages` pages.
 */
export function growToFit(memory: WebAssembly.Memory, bytes: number, maxPages: number): boolean {
  const pages = Math.ceil(bytes / PAGE_BYTES);
  if (pages > maxPages) return false;
  const have = memory.buffer.byteLength / PAGE_BYTES;
  if (pages > have) memory.grow(pages - have);
  return true;
}

/** A kernel module instantiated over its own memory. */
export interface KernelInstance<E> {
  readonly memory: WebAssembly.Memory;
  readonly exports: E;
}

/** Page counts of the plain memory a kernel instance gets. */
export interface MemoryPages {
  initial: number;
  maximum: number;
}

/**
 * Builds and instantiates a module over a fresh plain memory; null where building throws or the
 * engine rejects the module (no WebAssembly SIMD), so callers fall back to JavaScript.
 */
export function instantiateKernel<E>(
  build: () => Uint8Array<ArrayBuffer>,
  pages: MemoryPages,
): KernelInstance<E> | null {
  try {
    const bytes = build();
    if (!WebAssembly.validate(bytes)) return null;
    const memory = new WebAssembly.Memory(pages);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } });
    return { memory, exports: instance.exports as unknown as E };
  } catch {
    return null;
  }
}

/**
 * One lazily built instance per key (a kernel specialised for, say, a filter radius), built by
 * {@link instantiateKernel} on first use; a null result is cached too.
 */
export function kernelCache<K, E>(
  build: (key: K) => Uint8Array<ArrayBuffer>,
  pages: MemoryPages,
): (key: K) => KernelInstance<E> | null {
  const instances = new Map<K, KernelInstance<E> | null>();
  return (key) => {
    if (!instances.has(key))
      instances.set(
        key,
        instantiateKernel<E>(() => build(key), pages),
      );
    return instances.get(key)!;
  };
}
