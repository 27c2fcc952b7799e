// The conformance table in the browser: the library and test/conformance/table.ts bundled for the
// browser, served with COOP/COEP, run in headless Chromium (playwright-core, /usr/bin/chromium).
// In the page (page/conformance.ts) every row that runs there runs on the cpu backend's
// WebAssembly kernels and on the gpu backend's webasm, webgl2 (SwiftShader here) and webgpu, when
// the browser gives an adapter; then training steps keep buffers flat (page/memory-check.ts).
// Skips without Chromium.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_SKIP, HAS_CHROMIUM } from './harness/chromium.js';
import { openSession, type Session } from './harness/session.js';
import type { BrowserEnvironment } from './page/environment.js';
import type { MemoryReport } from './page/memory-check.js';
import { formatReport, wgslCoverageGaps, type ModeReport } from './page/conformance.js';

const here = path.dirname(fileURLToPath(import.meta.url));

type Selection = 'all' | 'sample' | 'primitives' | 'graphs';

interface PagePlm {
  probeEnvironment(): Promise<BrowserEnvironment>;
  runConformance(mode: string, select: Selection): Promise<ModeReport>;
  runMemoryCheck(mode: string, steps: number): Promise<MemoryReport>;
}

describe.skipIf(!HAS_CHROMIUM)(
  `browser: gpu backend vs cpu in Chromium${HAS_CHROMIUM ? '' : ` — ${CHROMIUM_SKIP}`}`,
  () => {
    let session: Session;
    let env: BrowserEnvironment;
    // Chromium's WebGL2 and WebGPU build kernels slowly on a software rasterizer, and Node runs every
    // row on webasm (test/conformance/node.test.ts) and on Dawn (test/gpu/webgpu-node.test.ts), the
    // WebGPU implementation Chromium uses too. So here webgl2 runs the table's sample (every graph
    // row, one row per primitive), webasm one row per primitive, webgpu the graph rows.
    const run = (mode: string, select: Selection = 'all'): Promise<ModeReport> =>
      session.page.evaluate(([m, s]) => (globalThis as unknown as { __plm: PagePlm }).__plm.runConformance(m, s), [
        mode,
        select,
      ] as const);

    beforeAll(async () => {
      session = await openSession(path.join(here, 'page/parity-entry.ts'), { webgpu: true });
      env = await session.page.evaluate(() => (globalThis as unknown as { __plm: PagePlm }).__plm.probeEnvironment());
      console.log(
        `browser: ${env.userAgent}\n  webgl2: ${env.webgl2Renderer}\n  webgpu adapter: ${JSON.stringify(env.webgpuAdapter)}\n  crossOriginIsolated: ${env.crossOriginIsolated}`,
      );
    }, 60_000);

    afterAll(async () => {
      if (session?.log.some((l) => l.startsWith('[pageerror]')))
        console.log(session.log.filter((l) => l.startsWith('[pageerror]')).join('\n'));
      await session?.close();
    });

    const expectAll = (r: ModeReport, mode: string): void => {
      console.log(formatReport(r));
      if (mode !== 'cpu') expect(r.running, `gpu mode ${mode} fell back: ${r.fallback}`).toBe(mode);
      expect(r.checks.length, `${mode}: rows run`).toBeGreaterThan(0);
      for (const c of r.checks)
        expect(c.pass, `${mode}: ${c.name}: ${c.error ?? `max error ${c.maxErr} > ${c.tol}`}`).toBe(true);
    };

    it('cpu (WebAssembly kernels in Chromium): every primitive row matches the reference', async () => {
      expectAll(await run('cpu'), 'cpu');
    }, 60_000);

    it('webasm: one row per primitive matches the reference', async () => {
      expectAll(await run('webasm', 'primitives'), 'webasm');
    }, 60_000);

    it('webgl2 (SwiftShader on a machine without a GPU): the sample rows match the reference or cpu', async () => {
      expect(env.webgl2Renderer, 'this Chromium has no WebGL2').not.toBeNull();
      expectAll(await run('webgl2', 'sample'), 'webgl2');
    }, 180_000);

    it('webgpu, when the browser gives an adapter: the graph rows match cpu', async (ctx) => {
      if (!env.webgpuAdapter) {
        console.log(
          'webgpu parity skipped: navigator.gpu.requestAdapter() returned null (launched with --enable-unsafe-webgpu)',
        );
        ctx.skip();
        return;
      }
      const r = await run('webgpu', 'graphs');
      expectAll(r, 'webgpu');
      // matmul and the convolutions ran as tiled WGSL products, not as gpu.js kernels, in every
      // tile height, and split-K ran.
      console.log(`WGSL tiles: ${JSON.stringify(r.wgsl?.tiles)}`);
      expect(wgslCoverageGaps(r), 'WGSL tile heights and split-K that did not run').toEqual([]);
    }, 180_000);

    it('20 Linear+LSTM+Conv3d+Adam steps keep live buffers (and real GPUBuffers on webgpu) flat on every mode', async () => {
      const modes = ['webasm', 'webgl2', ...(env.webgpuAdapter ? ['webgpu'] : [])];
      for (const mode of modes) {
        const r = await session.page.evaluate(
          ([m, n]) => (globalThis as unknown as { __plm: PagePlm }).__plm.runMemoryCheck(m, n),
          [mode, 20] as [string, number],
        );
        console.log(`browser memory ${mode}: ${JSON.stringify(r)}`);
        expect(r.mode).toBe(mode);
        expect(r.buffersAfter, `${mode}: backend buffers`).toBe(r.buffersBase);
        if (mode === 'webgpu') {
          expect(r.gpuBuffersAfter, 'webgpu: live GPUBuffers').toBe(r.gpuBuffersBase);
          expect(r.wgslCalls ?? 0, 'webgpu: the conv ran as WGSL products (scratch buffers freed)').toBeGreaterThan(0);
        }
        expect(r.lastLoss).toBeLessThan(r.firstLoss);
      }
      const errors = session.log.filter((l) => /gpu\.js \[webgpu\]|pageerror/.test(l));
      expect(errors, 'WebGPU validation errors or page errors').toEqual([]);
    }, 180_000);
  },
);
