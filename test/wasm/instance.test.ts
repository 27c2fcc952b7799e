// The backend-free WebAssembly run-time helpers (src/wasm): alignment, memory growth within a
// page limit, and the per-key instance cache both the cpu and the landmark kernels use.
import { describe, expect, it } from 'vitest';
import { F32, FunctionBuilder, I32, emitModule } from '../../src/wasm/emitter.js';
import { PAGE_BYTES, align16, growToFit, instantiateKernel, kernelCache } from '../../src/wasm/instance.js';

/** `add(a, b)`: the f32 at byte address `a` plus the constant `b`. */
function addModule(b: number): Uint8Array<ArrayBuffer> {
  const f = new FunctionBuilder([I32], [F32]);
  f.get(0).f32Load().f32(b).f32Add();
  return emitModule({ initial: 1, maximum: 4, shared: false }, [{ name: 'add', fn: f }]);
}

describe('src/wasm run-time helpers', () => {
  it('align16 rounds up to a multiple of 16', () => {
    expect([0, 1, 15, 16, 17, 33].map(align16)).toEqual([0, 16, 16, 16, 32, 48]);
  });

  it('growToFit grows to the pages a size needs and refuses past the limit', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    expect(growToFit(memory, PAGE_BYTES, 4)).toBe(true);
    expect(memory.buffer.byteLength).toBe(PAGE_BYTES);
    expect(growToFit(memory, 2 * PAGE_BYTES + 1, 4)).toBe(true);
    expect(memory.buffer.byteLength).toBe(3 * PAGE_BYTES);
    expect(growToFit(memory, 4 * PAGE_BYTES + 1, 4)).toBe(false);
    expect(memory.buffer.byteLength).toBe(3 * PAGE_BYTES);
  });

  it('instantiateKernel runs a module over its own memory and returns null for bytes the engine rejects', () => {
    const inst = instantiateKernel<{ add: (a: number) => number }>(() => addModule(2), { initial: 1, maximum: 4 });
    expect(inst).not.toBeNull();
    new Float32Array(inst!.memory.buffer)[4] = 1.5;
    expect(inst!.exports.add(16)).toBe(3.5);
    expect(instantiateKernel(() => new Uint8Array([0, 1, 2]), { initial: 1, maximum: 4 })).toBeNull();
    expect(
      instantiateKernel(
        () => {
          throw new Error('no');
        },
        { initial: 1, maximum: 4 },
      ),
    ).toBeNull();
  });

  it('kernelCache builds once per key, null results included', () => {
    const built: number[] = [];
    const get = kernelCache<number, { add: (a: number) => number }>(
      (b) => {
        built.push(b);
        return b < 0 ? new Uint8Array([0]) : addModule(b);
      },
      { initial: 1, maximum: 4 },
    );
    expect(get(1)).toBe(get(1));
    expect(get(-1)).toBeNull();
    expect(get(-1)).toBeNull();
    expect(get(2)!.exports.add(0)).toBe(2);
    expect(built).toEqual([1, -1, 2]);
  });
});
