// The relaxed-SIMD (fused multiply-add) variant of the kernel module: it is chosen where the
// engine validates relaxed SIMD (Node 20: with PLM_WASM_RELAXED_SIMD=1, which turns V8's flag on)
// unless PLM_WASM_RELAXED_SIMD=0, and the plain-SIMD module always builds. `npm test` runs the
// kernel suites on both paths (scripts/run-tests.mjs); by hand:
//   PLM_WASM_RELAXED_SIMD=1 npx vitest run test/kernels test/conformance/node.test.ts
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gemmModuleBytes } from '../../src/backend/cpu/kernels/gemm-module.js';
import { relaxedSimdSupported } from '../../src/wasm/host.js';
import { kernelInfo } from '../../src/backend/cpu/kernels/index.js';

const memory = { initial: 1, maximum: 16, shared: false };

describe('relaxed SIMD kernel variant', () => {
  it('kernelInfo().fma reports the feature test', () => {
    expect(kernelInfo().fma).toBe(relaxedSimdSupported());
  });
  it('PLM_WASM_RELAXED_SIMD=0 keeps the plain kernel, =1 turns FMA on (Node 20 too), and both agree on a product', () => {
    // The same 37x45 by 45x29 product in a child on each path (the child prints fma and the result).
    const script = `
      const { gemm, kernelInfo } = await import(${JSON.stringify(new URL('../../src/backend/cpu/kernels/index.ts', import.meta.url).pathname)});
      const m = 37, k = 45, n = 29;
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.11));
      const c = new Float32Array(m * n);
      gemm(false, false, m, n, k, a, b, c);
      console.log(JSON.stringify({ fma: kernelInfo().fma, c: Array.from(c) }));`;
    const runOn = (flag: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, PLM_WASM_RELAXED_SIMD: flag },
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { fma: boolean; c: number[] };
    };
    const plain = runOn('0');
    const fused = runOn('1');
    expect(plain.fma).toBe(false);
    expect(fused.fma).toBe(true);
    const scale = Math.max(...plain.c.map(Math.abs));
    const worst = Math.max(...plain.c.map((v, i) => Math.abs(v - fused.c[i]!)));
    expect(worst).toBeLessThan(1e-5 * scale);
  });
  it('the plain-SIMD module builds everywhere', () => {
    expect(WebAssembly.validate(gemmModuleBytes({ mr: 4, nr: 8 }, memory))).toBe(true);
  });
  it('the FMA module builds exactly where relaxed SIMD is supported', () => {
    if (relaxedSimdSupported())
      expect(WebAssembly.validate(gemmModuleBytes({ mr: 4, nr: 8, fma: true }, memory))).toBe(true);
    else expect(() => gemmModuleBytes({ mr: 4, nr: 8, fma: true }, memory)).toThrow(/does not validate/);
  });
});
