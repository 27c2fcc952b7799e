// The gpu backend's webgpu mode in Node, through Dawn (the optional npm package 'webgpu')
// installed by installNodeWebGpu(): the conformance table's WebGPU runner (every row that runs on
// webgpu, so every primitive, and the tiled WGSL products in every tile height and with split-K)
// shared with the browser suite, its memory check (live
// buffers and real GPUBuffers flat over 20 training steps) and the WebGPU contract, run in
// Node. On a machine without a GPU, Dawn needs Mesa's lavapipe 24+ (scripts/lavapipe.sh, which
// .ci/run calls, unpacks it into .cache/lavapipe); without an adapter the tests skip and say why.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { installNodeWebGpu, registerGpuBackend, type NodeWebGpuAdapter } from '../../src/gpu/index.js';
import { chooseMode, probeCapabilities } from '../../src/backend/gpu/index.js';
import { installGpuBufferCounter } from '../browser/page/gpu-buffer-count.js';
import { runMemoryCheck } from '../browser/page/memory-check.js';
import { formatResult } from '../conformance/run.js';
import { runConformance, wgslCoverageGaps } from '../browser/page/conformance.js';
import { runWebGpuContract } from '../browser/page/webgpu-contract.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lavapipe = path.join(root, '.cache/lavapipe/lvp_icd.json');

// The Vulkan loader reads these when Dawn starts (this file runs in its own process: pool 'forks').
if (!process.env.VK_ICD_FILENAMES && fs.existsSync(lavapipe)) process.env.VK_ICD_FILENAMES = lavapipe;
process.env.XDG_RUNTIME_DIR ??= os.tmpdir();

let adapter: NodeWebGpuAdapter | null = null;

describe('gpu backend, webgpu mode in Node (Dawn)', () => {
  beforeAll(async () => {
    expect(chooseMode('webgpu', probeCapabilities()).fallback, 'before installNodeWebGpu, Node has no WebGPU').toMatch(
      /installNodeWebGpu/,
    );
    registerGpuBackend();
    try {
      adapter = await installNodeWebGpu();
      installGpuBufferCounter();
      console.log(`Node WebGPU adapter: ${JSON.stringify(adapter)}`);
    } catch (e) {
      console.log(`Node WebGPU tests skipped: ${(e as Error).message}`);
    }
  });

  it('every table row matches the reference or cpu; matmul and conv3d run as WGSL products in every tile height and with split-K', async (ctx) => {
    if (!adapter) return ctx.skip();
    const r = await runConformance('webgpu');
    expect(r.running).toBe('webgpu');
    for (const c of r.checks) {
      console.log(formatResult(c));
      expect(c.pass, `${c.name}: ${c.error ?? `max error ${c.maxErr} > ${c.tol}`}`).toBe(true);
    }
    expect(wgslCoverageGaps(r), 'WGSL tile heights and split-K that did not run').toEqual([]);
  });

  it('with 3 workgroups per dispatch dimension (the folded grid of huge products), the multi-tile and split-K checks still match cpu', async (ctx) => {
    if (!adapter) return ctx.skip();
    const r = await runConformance('webgpu-fold', [
      'conv3d multi-tile + grads',
      'conv3d deep layer split-K + grads',
      'matmul multi-tile batched + grads',
      'linear small batch split-K + grads',
    ]);
    expect(r.checks.length).toBe(4);
    for (const c of r.checks) expect(c.pass, `${c.name}: ${c.error ?? `max error ${c.maxErr} > ${c.tol}`}`).toBe(true);
    expect(r.wgsl?.calls ?? 0).toBeGreaterThan(0);
  });

  it('20 training steps keep live buffers and real GPUBuffers flat, with WGSL products in them', async (ctx) => {
    if (!adapter) return ctx.skip();
    const r = await runMemoryCheck('webgpu', 20);
    expect(r.mode).toBe('webgpu');
    expect(r.buffersAfter).toBe(r.buffersBase);
    expect(r.gpuBuffersAfter).toBe(r.gpuBuffersBase);
    expect(r.wgslCalls ?? 0).toBeGreaterThan(0);
    expect(r.lastLoss).toBeLessThan(r.firstLoss);
  });

  it('built kernels submit immediately; dataSync names `await data()`; small uploads read synchronously', async (ctx) => {
    if (!adapter) return ctx.skip();
    const r = await runWebGpuContract();
    expect(r.value).toEqual(r.expected);
    expect(r.secondRun.deferred).toBe(0);
    expect(r.readSyncError).toMatch(/await tensor\.data\(\)/);
    expect(r.uploadReadSync).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a second installNodeWebGpu returns the first result', async (ctx) => {
    if (!adapter) return ctx.skip();
    expect(await installNodeWebGpu()).toEqual(adapter);
  });
});
