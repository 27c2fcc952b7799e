// Device storage on WebGPU: a handle to a gpu.js WebGPU output buffer that may not exist yet.
// gpu.js builds a WebGPU kernel asynchronously on its first call, so the first result of each
// kernel is a Promise; once built, a call submits synchronously and the buffer is known at once
// (./webgpu-launch.ts). Consumers that wait on a pending value are recorded as `uses`, and the
// buffer is destroyed only after they have submitted. Imports gpu.js's WebGPU classes only.
import * as gpujs from 'gpu.js';

/** gpu.js's pipeline handle of a WebGPU output buffer (not in gpu.js's typings). */
export interface WebGpuBufferResult {
  readonly type: 'WebGPUBuffer';
  readonly buffer: { size: number };
  readonly output: number[];
  toArray(): Promise<Float32Array | unknown>;
  delete(): void;
}

interface WebGpuClasses {
  WebGPUBufferResult: new (settings: {
    buffer: unknown;
    output: number[];
    componentCount: number;
    context: unknown;
    kernel: unknown;
  }) => WebGpuBufferResult;
  WebGPUContext: { acquire(): Promise<{ adapter: unknown; device: unknown }> };
}

export const webgpuClasses = gpujs as unknown as WebGpuClasses;

/** Largest upload or fill whose values are also kept on the host, so `readSync` can answer. */
export const HOST_SHADOW_LIMIT = 65536;

export class WebGpuValue {
  /** The buffer, once its producing kernel has submitted. */
  private handle: WebGpuBufferResult | null = null;
  private failure: unknown = null;
  private readonly pending: Promise<WebGpuBufferResult> | null;
  /** Submissions still waiting to read this buffer (pending consumers, readbacks). */
  private uses: Promise<unknown>[] = [];
  private released = false;

  constructor(
    readonly size: number,
    source: WebGpuBufferResult | Promise<WebGpuBufferResult>,
    /** A host copy of small uploads and fills (never of kernel outputs), for `readSync`. */
    public host: Float32Array | null = null,
  ) {
    if (source instanceof Promise) {
      this.pending = source.then(
        (h) => {
          this.handle = h;
          return h;
        },
        (e: unknown) => {
          this.failure = e;
          throw e;
        },
      );
      // Errors surface where the value is used or read, not as unhandled rejections.
      this.pending.catch(() => {});
    } else {
      this.pending = null;
      this.handle = source;
    }
  }

  /** The buffer if it exists now (null while the producing kernel is still being built). */
  get now(): WebGpuBufferResult | null {
    if (this.failure) throw this.failure;
    if (this.released) throw new Error('gpu backend (webgpu): buffer used after it was released');
    return this.handle;
  }

  /** The buffer, once it exists. */
  resolved(): Promise<WebGpuBufferResult> {
    return this.pending ?? Promise.resolve(this.now as WebGpuBufferResult);
  }

  /** Keeps the buffer alive until `p` settles (a consumer that has not submitted yet). */
  use(p: Promise<unknown>): void {
    const tracked: Promise<unknown> = p.then(
      () => this.forget(tracked),
      () => this.forget(tracked),
    );
    this.uses.push(tracked);
  }

  private forget(p: Promise<unknown>): void {
    const i = this.uses.indexOf(p);
    if (i >= 0) this.uses.splice(i, 1);
  }

  /** Reads the values back (waits for the producer and the copy). */
  read(): Promise<Float32Array> {
    const r = this.resolved()
      .then((h) => h.toArray())
      .then((a) => toFloat32(a, this.size));
    this.use(r);
    return r;
  }

  /** Destroys the buffer after every pending consumer has submitted. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const uses = this.uses;
    this.uses = [];
    if (this.handle && uses.length === 0) {
      this.handle.delete();
      return;
    }
    void Promise.all([this.pending?.catch(() => null), ...uses]).then(() => this.handle?.delete());
  }
}

function toFloat32(a: unknown, size: number): Float32Array {
  if (a instanceof Float32Array) return a.length === size ? new Float32Array(a) : a.slice(0, size);
  return Float32Array.from(a as ArrayLike<number>).slice(0, size);
}
