// The cpu backend's kernels on Web Workers in a cross-origin-isolated page (served with
// COOP/COEP by the harness, as docs/performance.md tells pages to be): the workers start, take
// chunks of a threaded product, and the result matches a float64 loop. Skips without Chromium.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_SKIP, HAS_CHROMIUM } from './harness/chromium.js';
import { openSession, type Session } from './harness/session.js';
import type { CpuThreadsReport } from './page/cpu-threads-entry.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe.skipIf(!HAS_CHROMIUM)(
  `browser: cpu kernels on Web Workers${HAS_CHROMIUM ? '' : ` — ${CHROMIUM_SKIP}`}`,
  () => {
    let session: Session;
    beforeAll(async () => {
      session = await openSession(path.join(here, 'page/cpu-threads-entry.ts'), { webgpu: false });
    }, 60_000);
    afterAll(async () => {
      if (session?.log.length) console.log(session.log.join('\n'));
      await session?.close();
    });

    it('a cross-origin-isolated page runs GEMM chunks on workers, matching a float64 loop', async () => {
      const r = await session.page.evaluate(() =>
        (globalThis as unknown as { __plm: { runCpuThreads(): Promise<CpuThreadsReport> } }).__plm.runCpuThreads(),
      );
      console.log(`browser cpu threads: ${JSON.stringify(r)}`);
      expect(r.crossOriginIsolated).toBe(true);
      expect(r.maxRelErr).toBeLessThan(1e-5);
      if (r.hardwareConcurrency > 1) {
        expect(r.info.threads).toBeGreaterThan(1);
        expect(r.workersReady).toBe(r.info.threads - 1);
        expect(r.workerChunks).toBeGreaterThan(0);
      }
    }, 120_000);
  },
);
