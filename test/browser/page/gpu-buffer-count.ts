// Page side: counts live WebGPU buffers by wrapping GPUDevice.createBuffer and GPUBuffer.destroy,
// so the memory check sees what gpu.js really holds on the device, not only the backend's own
// bookkeeping. Installed once by the page entry before any device exists.

let created = 0;
let destroyed = 0;

export function installGpuBufferCounter(): void {
  const g = globalThis as {
    GPUDevice?: { prototype: { createBuffer(d: unknown): unknown } };
    GPUBuffer?: { prototype: { destroy(): void } };
  };
  if (!g.GPUDevice || !g.GPUBuffer) return;
  const create = g.GPUDevice.prototype.createBuffer;
  g.GPUDevice.prototype.createBuffer = function (this: unknown, d: unknown) {
    const b = create.call(this, d) as { destroy(): void };
    created++;
    let done = false;
    const destroy = b.destroy;
    b.destroy = function (this: unknown) {
      if (!done) {
        done = true;
        destroyed++;
      }
      destroy.call(this);
    };
    return b;
  };
}

/** WebGPU buffers created and not yet destroyed. */
export function liveGpuBuffers(): number {
  return created - destroyed;
}
