// Resident heap blocks (kernels/resident.ts, the runtime's persistent blocks): views on the kernel
// memory that outlive calls, reused first-fit after release, merged with their neighbours, and
// handed back to the per-call arena when they were the topmost; kernels keep working above them.
import { describe, expect, it } from 'vitest';
import { gemm, releaseResident, residentFloats, residentOffset } from '../../src/backend/cpu/kernels/index.js';
import { residentBlock } from '../../src/backend/cpu/kernels/resident.js';
import { getRuntime } from '../../src/backend/cpu/kernels/runtime.js';
import { random } from '../conformance/inputs.js';

describe.skipIf(!getRuntime().shared)('resident heap blocks', () => {
  it('are views on the heap, reused first-fit, merged, and given back to the arena', () => {
    const base = residentFloats();
    const a = residentBlock(1000)!,
      b = residentBlock(3000, 48)!,
      c = residentBlock(500)!;
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(residentOffset(a)).toBeGreaterThan(0);
    expect(residentOffset(b, 48)).toBe(residentOffset(a) + 1008);
    expect(residentOffset(b, 64)).toBe(-1); // less slack than asked
    expect(residentOffset(random(4, 1))).toBe(-1);
    a.set(random(1000, 2));
    expect(
      getRuntime()
        .heap()
        .subarray(residentOffset(a), residentOffset(a) + 1000),
    ).toEqual(random(1000, 2));
    // Kernels run in the arena above the blocks and leave them alone.
    const C = new Float32Array(300 * 200);
    gemm(false, false, 300, 200, 400, random(300 * 400, 3), random(400 * 200, 4), C);
    expect(Array.from(a)).toEqual(Array.from(random(1000, 2)));
    const offA = residentOffset(a);
    releaseResident(a);
    expect(residentOffset(a)).toBe(-1);
    const d = residentBlock(900)!;
    expect(residentOffset(d)).toBe(offA); // the first hole that fits
    releaseResident(b);
    releaseResident(d); // merges with b's hole
    const e = residentBlock(4000)!;
    expect(residentOffset(e)).toBe(offA);
    releaseResident(e);
    releaseResident(c); // the topmost: everything goes back to the arena
    expect(residentFloats()).toBe(base);
  });
});
