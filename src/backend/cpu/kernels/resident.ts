// Arrays kept in the kernel heap across calls ("resident"): a Float32Array view on a persistent
// block of the shared wasm memory, which kernels read where it lies instead of copying it in. The
// whole-layer LSTM's forward writes its saved state (hs, cs, the gate activations) and its output
// straight into such blocks, and its backward reads them in place. Only on shared memory, whose
// views survive memory growth (growing a non-shared memory detaches every view of it). Imports
// only this folder.
import { getRuntime } from './runtime.js';

const blocks = new WeakMap<Float32Array, { off: number; slack: number }>();

/**
 * A view of `length` floats on a new persistent heap block with `slack` more floats behind it (for
 * kernels that read past an array's end), contents undefined; null where the memory is not shared
 * or the heap has no room (the caller then works in the per-call arena). Only between kernel calls.
 */
export function residentBlock(length: number, slack = 0): Float32Array | null {
  const rt = getRuntime();
  if (!rt.shared || length === 0) return null;
  const off = rt.persist(length + slack);
  if (off < 0) return null;
  const view = new Float32Array(rt.memory.buffer, off * 4, length);
  blocks.set(view, { off, slack });
  return view;
}

/** The heap offset (floats) of a {@link residentBlock} view with at least `slack` floats behind it, else -1. */
export function residentOffset(a: Float32Array, slack = 0): number {
  const b = blocks.get(a);
  return b && b.slack >= slack ? b.off : -1;
}

/** Frees the block behind a {@link residentBlock} view (nothing for other arrays); the view must not be used again. */
export function releaseResident(view: Float32Array): void {
  const b = blocks.get(view);
  if (!b) return;
  blocks.delete(view);
  getRuntime().unpersist(b.off, view.length + b.slack);
}

/** Floats held by resident blocks now (tests, memory reports). */
export function residentFloats(): number {
  return getRuntime().persistentFloats();
}
