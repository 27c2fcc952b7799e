// The `this` that gpu.js gives a kernel body: the thread index and the baked constants.
// Kernel sources in this folder are translated by gpu.js from their text (see
// scripts/gpu-kernels/generate.ts); they import only this type, never code.

export interface KernelThis {
  readonly thread: { readonly x: number; readonly y: number; readonly z: number };
  readonly constants: Readonly<Record<string, number>>;
}

/** A kernel argument: a Float32Array on webasm, a texture on GL; indexed flat either way. */
export type Flat = Float32Array;
