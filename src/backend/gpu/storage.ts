// Device storage of the gpu backend: a mutable box per DataId holding a GL texture (GL modes,
// data stays on the device between ops) or a Float32Array (webasm: gpu.js has no device memory
// there). The box is mutable so the in-place optimizer updates can swap in a new texture: GL
// cannot write a texture it reads. Owns texture deletion. Imports no gpu.js runtime code.

/** A gpu.js GL texture (pipeline output): read back with toArray, freed with delete. */
export interface DeviceTexture {
  toArray(): unknown;
  delete(): void;
}

export type DeviceValue = Float32Array | DeviceTexture;

export function isTexture(v: DeviceValue): v is DeviceTexture {
  return !(v instanceof Float32Array);
}

/** The DataId of the gpu backend. */
export class GpuData {
  constructor(
    /** Current contents; replaced by in-place updates, null once disposed. */
    public value: DeviceValue | null,
    /** Number of float32 elements. */
    readonly size: number,
    /** The backend instance that made it (handles never cross instances). */
    readonly owner: object,
  ) {}
}

/** Frees a value's device memory (a no-op for host arrays, which the GC frees). */
export function releaseValue(v: DeviceValue | null): void {
  if (v !== null && isTexture(v)) v.delete();
}

/** A texture's contents as a new Float32Array of `size` elements. */
export function textureToFloat32(t: DeviceTexture, size: number): Float32Array {
  const a = t.toArray();
  if (a instanceof Float32Array) return a.length === size ? a : a.slice(0, size);
  // 1-D pipeline outputs come back flat; anything else is flattened defensively.
  const out = new Float32Array(size);
  let k = 0;
  const put = (x: unknown): void => {
    if (typeof x === 'number') out[k++] = x;
    else if (x && typeof (x as ArrayLike<unknown>).length === 'number') for (const y of Array.from(x as ArrayLike<unknown>)) put(y);
  };
  put(a);
  return out;
}
