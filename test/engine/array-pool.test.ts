// The cpu backend's pool of disposed arrays (src/backend/cpu/array-pool.ts): what it reuses, what
// it refuses, that reused memory never leaks into a result, and its byte limit.
import { afterEach, describe, expect, it } from 'vitest';
import { arrayPoolStats, clearArrayPool, full, randn, setArrayPoolLimit, tidy, zeros } from '../../src/index.js';
import {
  CHECK_MODE_POOL_BYTES,
  DEFAULT_POOL_BYTES,
  MIN_POOLED_BYTES,
  release,
  takeUninitialized,
  takeZeroed,
} from '../../src/backend/cpu/array-pool.js';

const LARGE = 1 << 16; // 256 KiB of float32: above the pool's lower bound

afterEach(() => {
  setArrayPoolLimit(CHECK_MODE_POOL_BYTES);
  clearArrayPool();
});

describe('cpu array pool', () => {
  it("reuses a disposed tensor's array for the next result of that length", () => {
    clearArrayPool();
    const a = full([LARGE], 7);
    a.dispose();
    expect(arrayPoolStats().arrays).toBe(1);
    const before = arrayPoolStats().reused;
    const b = zeros([LARGE]);
    expect(arrayPoolStats().reused).toBe(before + 1);
    expect(arrayPoolStats().arrays).toBe(0);
    // The recycled array held 7s: a zero-filled request must not see them.
    expect(b.dataSync().every((v) => v === 0)).toBe(true);
    b.dispose();
  });

  it('hands recycled arrays to ops that write every element, and their results are exact', () => {
    tidy(() => {
      const x = randn([4, LARGE / 4]);
      const expected = Array.from(x.dataSync(), (v) => Math.fround(v + 1));
      for (let i = 0; i < 3; i++) {
        const y = x.add(1);
        expect(Array.from(y.dataSync())).toEqual(expected);
        y.dispose();
      }
    });
  });

  it("never lets a live tensor's values change when another tensor's array is recycled", () => {
    const a = full([LARGE], 3);
    const b = a.mul(2);
    a.dispose();
    const c = full([LARGE], -1); // takes a's array
    expect(b.dataSync().every((v) => v === 6)).toBe(true);
    expect(c.dataSync().every((v) => v === -1)).toBe(true);
    b.dispose();
    c.dispose();
  });

  it('is off by default, and on in the check mode the suite runs in (every size, NaN-filled)', () => {
    expect(DEFAULT_POOL_BYTES).toBe(0);
    expect(process.env.PLM_CPU_POOL_CHECK).toBe('1');
    expect(arrayPoolStats().limitBytes).toBe(CHECK_MODE_POOL_BYTES);
    expect(MIN_POOLED_BYTES).toBe(4);
    clearArrayPool();
    release(new Float32Array(LARGE).fill(5));
    expect(Number.isNaN(takeUninitialized(LARGE)[0])).toBe(true);
    release(new Float32Array(LARGE).fill(5));
    expect(takeZeroed(LARGE).every((v) => v === 0)).toBe(true);
  });

  it('leaves empty arrays, views into larger buffers and shared memory to the garbage collector', () => {
    clearArrayPool();
    release(new Float32Array(0));
    release(new Float32Array(new ArrayBuffer(8 * LARGE), 4 * LARGE, LARGE));
    release(new Float32Array(new ArrayBuffer(8 * LARGE), 0, LARGE));
    release(new Float32Array(new SharedArrayBuffer(4 * LARGE)));
    expect(arrayPoolStats().arrays).toBe(0);
  });

  it('keeps at most its byte limit, dropping the least recently released lengths first', () => {
    clearArrayPool();
    setArrayPoolLimit(4 * LARGE * 2.5);
    release(new Float32Array(LARGE));
    release(new Float32Array(LARGE + 4));
    release(new Float32Array(LARGE + 8)); // over the limit: LARGE (the oldest) goes
    const s = arrayPoolStats();
    expect(s.arrays).toBe(2);
    expect(s.pooledBytes).toBe(4 * (2 * LARGE + 12));
    expect(s.pooledBytes).toBeLessThanOrEqual(s.limitBytes);
    setArrayPoolLimit(0);
    expect(arrayPoolStats()).toMatchObject({ pooledBytes: 0, arrays: 0 });
    release(new Float32Array(LARGE));
    expect(arrayPoolStats().arrays).toBe(0);
  });

  it('rejects a limit that is not a finite number >= 0, naming it', () => {
    expect(() => setArrayPoolLimit(-1)).toThrow(/setArrayPoolLimit: bytes must be a finite number >= 0, got -1/);
    expect(() => setArrayPoolLimit(Number.NaN)).toThrow(/got NaN/);
  });
});
