// The WebGPU mode in Chromium: after each kernel's first (asynchronous) build, calls submit at
// once and results chain on the device; dataSync() on a computed tensor throws an error naming
// `await tensor.data()`; and without --enable-unsafe-webgpu (no adapter) a webgpu request falls
// back in ready(), saying why. Skips without Chromium or, for the first part, without an adapter.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_SKIP, HAS_CHROMIUM } from './harness/chromium.js';
import { openSession } from './harness/session.js';
import type { BrowserEnvironment } from './page/environment.js';
import type { WebGpuContractReport } from './page/webgpu-contract.js';

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page/parity-entry.ts');

interface PagePlm {
  probeEnvironment(): Promise<BrowserEnvironment>;
  runWebGpuContract(): Promise<WebGpuContractReport>;
  webgpuWithoutAdapter(): Promise<{ before: string; after: string; reason: string | null }>;
}

describe.skipIf(!HAS_CHROMIUM)(`browser: webgpu mode${HAS_CHROMIUM ? '' : ` — ${CHROMIUM_SKIP}`}`, () => {
  it('built kernels submit immediately, readSync says to await data(), uploads still read synchronously', async (ctx) => {
    const s = await openSession(entry, { webgpu: true });
    try {
      const env = await s.page.evaluate(() => (globalThis as unknown as { __plm: PagePlm }).__plm.probeEnvironment());
      if (!env.webgpuAdapter) {
        console.log('webgpu contract skipped: requestAdapter() returned null even with --enable-unsafe-webgpu');
        ctx.skip();
        return;
      }
      const r = await s.page.evaluate(() => (globalThis as unknown as { __plm: PagePlm }).__plm.runWebGpuContract());
      console.log(`webgpu contract: ${JSON.stringify(r)}`);
      expect(r.running).toBe('webgpu');
      expect(r.value).toEqual(r.expected);
      expect(r.firstRun.deferred).toBeGreaterThan(0); // first calls build asynchronously
      expect(r.secondRun.deferred).toBe(0); // then every call submits at once
      expect(r.secondRun.immediate).toBeGreaterThan(0);
      expect(r.readSyncError).toMatch(/await tensor\.data\(\)/);
      expect(r.uploadReadSync).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('without an adapter (no --enable-unsafe-webgpu) a webgpu request falls back in ready(), with the reason', async () => {
    const s = await openSession(entry, { webgpu: false });
    try {
      const r = await s.page.evaluate(() => (globalThis as unknown as { __plm: PagePlm }).__plm.webgpuWithoutAdapter());
      console.log(`webgpu without adapter: ${JSON.stringify(r)}`);
      expect(r.before).toBe('webgpu');
      expect(r.after).toBe('webgl2');
      expect(r.reason).toMatch(/adapter/);
    } finally {
      await s.close();
    }
  }, 60_000);
});
