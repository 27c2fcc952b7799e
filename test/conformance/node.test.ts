// The table's Node runner: every primitive row on the cpu backend (WebAssembly kernels, threaded)
// against the reference module, and every row that runs on gpu.js's modes on each one this machine
// has (webasm always; headlessgl under a display, e.g. `xvfb-run -a`) against the reference
// (primitive rows) or the cpu backend (graph and op rows). WebGPU rows run in
// test/gpu/webgpu-node.test.ts (Dawn) and test/browser/parity.test.ts (Chromium).
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.js';
import { gpuBackend, HEADLESSGL_SKIP, MODES, useGpu } from '../gpu/helpers.js';
import { formatResult, runRow, type EnvBackend } from './run.js';
import { ROWS, runsOn, type Env } from './table.js';

function check(rowsOn: Env, on: () => EnvBackend): void {
  for (const row of ROWS.filter((r) => runsOn(r, rowsOn))) {
    it(`${row.kind} ${row.name}`, async () => {
      const r = await runRow(row, on());
      expect(r.pass, formatResult(r)).toBe(true);
    });
  }
}

describe('conformance: cpu backend vs the reference', () => {
  const cpu = new CpuBackend();
  check('cpu', () => ({ env: 'cpu', backend: cpu, activate: () => undefined }));
});

for (const { mode, available } of MODES) {
  describe.skipIf(!available)(`conformance: gpu ${mode}${available ? '' : ` — ${HEADLESSGL_SKIP}`}`, () => {
    check(mode, () => ({ env: mode, backend: gpuBackend(mode), activate: () => useGpu(mode) }));
  });
}
