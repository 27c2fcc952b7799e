// The relaxed-SIMD (fused multiply-add) variant of the kernel module: it is chosen exactly when
// the engine validates relaxed SIMD, and the plain-SIMD module always builds. Node 20 has relaxed
// SIMD only behind --experimental-wasm-relaxed-simd; to run the kernel suites on the FMA path:
//   npx vitest run test/kernels test/conformance/node.test.ts --execArgv=--experimental-wasm-relaxed-simd
// (see docs/performance.md)
import { describe, expect, it } from 'vitest';
import { gemmModuleBytes } from '../../src/backend/cpu/kernels/gemm-module.js';
import { relaxedSimdSupported } from '../../src/wasm/host.js';
import { kernelInfo } from '../../src/backend/cpu/kernels/index.js';

const memory = { initial: 1, maximum: 16, shared: false };

describe('relaxed SIMD kernel variant', () => {
  it('kernelInfo().fma reports the feature test', () => {
    expect(kernelInfo().fma).toBe(relaxedSimdSupported());
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
