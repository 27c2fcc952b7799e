// Browser parity: the library bundled for the browser, served with COOP/COEP, run in headless
// Chromium (playwright-core, /usr/bin/chromium). In the page, every op check of
// page/parity-checks.ts compares the cpu backend with the gpu backend on webasm, webgl2
// (SwiftShader here) and webgpu when the browser gives an adapter; then training steps keep
// buffers flat (page/memory-check.ts). Skips without Chromium.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_SKIP, HAS_CHROMIUM } from './harness/chromium.js';
import { openSession, type Session } from './harness/session.js';
import type { BrowserEnvironment } from './page/environment.js';
import type { MemoryReport } from './page/memory-check.js';
import { wgslCoverageGaps, type ModeReport } from './page/parity-checks.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface PagePlm {
  probeEnvironment(): Promise<BrowserEnvironment>;
  runParity(mode: string): Promise<ModeReport>;
  runMemoryCheck(mode: string, steps: number): Promise<MemoryReport>;
}

function table(r: ModeReport): string {
  const rows = r.checks.map((c) => `  ${c.pass ? 'ok  ' : 'FAIL'} ${c.name.padEnd(40)} err ${c.maxErr.toExponential(2)} tol ${c.tol.toExponential(2)} ${String(c.ms).padStart(6)} ms${c.error ? `\n       ${c.error}` : ''}`);
  return `browser parity ${r.requested} (running ${r.running}${r.fallback ? `; ${r.fallback}` : ''}), ${r.ms} ms, kernels ${r.kernels.cached} alive / ${r.kernels.built} built${r.wgsl ? `, WGSL products ${r.wgsl.calls} calls / ${r.wgsl.pipelines} pipelines` : ''}\n${rows.join('\n')}`;
}

describe.skipIf(!HAS_CHROMIUM)(`browser: gpu backend vs cpu in Chromium${HAS_CHROMIUM ? '' : ` — ${CHROMIUM_SKIP}`}`, () => {
  let session: Session;
  let env: BrowserEnvironment;
  const run = (mode: string): Promise<ModeReport> => session.page.evaluate((m) => (globalThis as unknown as { __plm: PagePlm }).__plm.runParity(m), mode);

  beforeAll(async () => {
    session = await openSession(path.join(here, 'page/parity-entry.ts'), { webgpu: true });
    env = await session.page.evaluate(() => (globalThis as unknown as { __plm: PagePlm }).__plm.probeEnvironment());
    console.log(`browser: ${env.userAgent}\n  webgl2: ${env.webgl2Renderer}\n  webgpu adapter: ${JSON.stringify(env.webgpuAdapter)}\n  crossOriginIsolated: ${env.crossOriginIsolated}`);
  }, 60_000);

  afterAll(async () => {
    if (session?.log.some((l) => l.startsWith('[pageerror]'))) console.log(session.log.filter((l) => l.startsWith('[pageerror]')).join('\n'));
    await session?.close();
  });

  const expectAll = (r: ModeReport, mode: string): void => {
    console.log(table(r));
    expect(r.running, `gpu mode ${mode} fell back: ${r.fallback}`).toBe(mode);
    for (const c of r.checks) expect(c.pass, `${mode}: ${c.name}: ${c.error ?? `max error ${c.maxErr} > ${c.tol}`}`).toBe(true);
  };

  it('webasm: every op check matches cpu', async () => {
    expectAll(await run('webasm'), 'webasm');
  }, 60_000);

  it('webgl2 (SwiftShader on a machine without a GPU): every op check matches cpu', async () => {
    expect(env.webgl2Renderer, 'this Chromium has no WebGL2').not.toBeNull();
    expectAll(await run('webgl2'), 'webgl2');
  }, 180_000);

  it('webgpu, when the browser gives an adapter: every op check matches cpu', async (ctx) => {
    if (!env.webgpuAdapter) {
      console.log('webgpu parity skipped: navigator.gpu.requestAdapter() returned null (launched with --enable-unsafe-webgpu)');
      ctx.skip();
      return;
    }
    const r = await run('webgpu');
    expectAll(r, 'webgpu');
    // matmul and the convolutions ran as tiled WGSL products, not as gpu.js kernels, in every
    // tile height, and split-K ran.
    console.log(`WGSL tiles: ${JSON.stringify(r.wgsl?.tiles)}`);
    expect(wgslCoverageGaps(r), 'WGSL tile heights and split-K that did not run').toEqual([]);
  }, 180_000);

  it('20 Linear+LSTM+Conv3d+Adam steps keep live buffers (and real GPUBuffers on webgpu) flat on every mode', async () => {
    const modes = ['webasm', 'webgl2', ...(env.webgpuAdapter ? ['webgpu'] : [])];
    for (const mode of modes) {
      const r = await session.page.evaluate(([m, n]) => (globalThis as unknown as { __plm: PagePlm }).__plm.runMemoryCheck(m, n), [mode, 20] as [string, number]);
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
});
