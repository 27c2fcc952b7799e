// Mode selection and the package-level contract of the gpu backend: which gpu.js mode runs for
// each request on simulated machines, that a fallback is visible in `mode` and logged once,
// that setBackend('gpu') works through the registry, and that the shipped kernel strings are
// the current kernel sources (scripts/gpu-kernels/generate.ts).
import * as fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getBackend, setBackend, tensor, add } from '../../src/index.js';
import { chooseMode, GpuBackend, registerGpuBackend, type Capabilities } from '../../src/backend/gpu/index.js';
import { collectKernels, OUTPUT_FILE, renderModule } from '../../scripts/gpu-kernels/generate.js';

const nodeNoDisplay: Capabilities = {
  node: true,
  display: false,
  headlessgl: false,
  webgl2: false,
  webgl: false,
  webasm: true,
  webgpu: false,
};
const nodeXvfb: Capabilities = { ...nodeNoDisplay, display: true, headlessgl: true };
const browser: Capabilities = {
  node: false,
  display: true,
  headlessgl: false,
  webgl2: true,
  webgl: true,
  webasm: true,
  webgpu: true,
};
const oldBrowser: Capabilities = { ...browser, webgl2: false, webgpu: false };

describe('gpu mode selection', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    setBackend('cpu');
  });

  it('auto: webasm in Node without a display (with a reason), headlessgl under X, webgl2 in a browser', () => {
    const a = chooseMode('auto', nodeNoDisplay);
    expect(a.mode).toBe('webasm');
    expect(a.fallback).toMatch(/DISPLAY/);
    expect(chooseMode('auto', nodeXvfb)).toEqual({ requested: 'auto', mode: 'headlessgl', fallback: null });
    expect(chooseMode('auto', browser).mode).toBe('webgl2');
    expect(chooseMode('auto', oldBrowser).mode).toBe('webgl');
  });

  it('explicit requests run as asked when supported, and fall back with a reason otherwise', () => {
    expect(chooseMode('webasm', nodeNoDisplay)).toEqual({ requested: 'webasm', mode: 'webasm', fallback: null });
    expect(chooseMode('headlessgl', nodeXvfb).fallback).toBeNull();
    const hg = chooseMode('headlessgl', nodeNoDisplay);
    expect([hg.mode, hg.fallback]).toEqual(['webasm', expect.stringMatching(/xvfb-run/)]);
    const wg = chooseMode('webgl2', nodeNoDisplay);
    expect([wg.mode, wg.fallback]).toEqual(['webasm', expect.stringMatching(/not supported/)]);
    expect(chooseMode('webgl', oldBrowser).fallback).toBeNull();
    expect(chooseMode('webgpu', browser)).toEqual({ requested: 'webgpu', mode: 'webgpu', fallback: null });
    const noGpu = chooseMode('webgpu', oldBrowser);
    expect([noGpu.mode, noGpu.fallback]).toEqual(['webgl', expect.stringMatching(/navigator\.gpu/)]);
    expect(() => chooseMode('cuda' as never, browser)).toThrow(/unknown mode 'cuda'/);
  });

  it('a fallback is visible in mode and logged once', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const caps = { ...nodeNoDisplay };
    const b1 = new GpuBackend({ mode: 'webgl', capabilities: caps });
    const b2 = new GpuBackend({ mode: 'webgl', capabilities: caps });
    expect(b1.mode).toBe('webasm');
    expect(b1.fallbackReason).toMatch(/webgl: not supported/);
    expect(b2.mode).toBe('webasm');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("setBackend('gpu', { mode }) through the registry reports the running mode", () => {
    registerGpuBackend();
    setBackend('gpu', { mode: 'webasm' });
    expect(getBackend()).toEqual({ name: 'gpu', mode: 'webasm' });
    const y = add(tensor([1, 2, 3]), tensor([10, 20, 30]));
    expect(Array.from(y.dataSync())).toEqual([11, 22, 33]);
  });

  it('handles from another gpu backend instance are rejected with a clear error', () => {
    const b1 = new GpuBackend({ mode: 'webasm' });
    const b2 = new GpuBackend({ mode: 'webasm' });
    const id = b1.upload(new Float32Array([1]));
    expect(() => b2.readSync(id)).toThrow(/does not belong/);
  });
});

describe('shipped kernel sources', () => {
  it('kernels.generated.ts is the current output of scripts/gpu-kernels/generate.ts', () => {
    const expected = renderModule(collectKernels());
    expect(
      fs.readFileSync(OUTPUT_FILE, 'utf8') === expected,
      'stale: run node --import tsx scripts/gpu-kernels/generate.ts',
    ).toBe(true);
  });
});
