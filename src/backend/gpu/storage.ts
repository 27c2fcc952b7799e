// Device storage of the gpu backend: a mutable box per DataId holding a GL texture (GL modes,
// data stays on the device between ops), a WebGPU buffer handle (./webgpu-value.ts) or a
// Float32Array (webasm: gpu.js has no device memory there). The box is mutable so the in-place
// optimizer updates can swap in a new value: GL cannot write a texture it reads. Owns freeing
// and reading values back.
import { WebGpuValue } from './webgpu-value.js';

/** A gpu.js GL texture (pipeline output): read back with toArray, freed with delete. */
export interface DeviceTexture {
  toArray(): unknown;
  delete(): void;
}

export type DeviceValue = Float32Array | DeviceTexture | WebGpuValue;

export function isTexture(v: DeviceValue): v is DeviceTexture {
  return !(v instanceof Float32Array) && !(v instanceof WebGpuValue);
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
  if (v instanceof WebGpuValue) v.release();
  else if (v !== null && isTexture(v)) v.delete();
}

export const WEBGPU_READ_SYNC =
  'gpu backend (webgpu): synchronous readback is impossible on WebGPU (buffers are mapped asynchronously); use `await tensor.data()` instead of dataSync()/item()';

/** Synchronous readback: GL readPixels, a host copy, or an Error on WebGPU. */
export function readValueSync(v: DeviceValue, size: number): Float32Array {
  if (v instanceof WebGpuValue) {
    if (v.host) return new Float32Array(v.host);
    throw new Error(WEBGPU_READ_SYNC);
  }
  return isTexture(v) ? textureToFloat32(v, size) : new Float32Array(v);
}

/** Asynchronous readback (the only one WebGPU has). */
export function readValue(v: DeviceValue, size: number): Promise<Float32Array> {
  if (v instanceof WebGpuValue) return v.host ? Promise.resolve(new Float32Array(v.host)) : v.read();
  return Promise.resolve(readValueSync(v, size));
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
    else if (x && typeof (x as ArrayLike<unknown>).length === 'number')
      for (const y of Array.from(x as ArrayLike<unknown>)) put(y);
  };
  put(a);
  return out;
}
