// Page side of the conformance table (test/conformance/table.ts) in Chromium, and in Node's WebGPU
// suite: runs every row that runs on one backend (the cpu backend's WebAssembly kernels, or a gpu
// mode) and reports each row's worst error against its bound, plus which compiled kernels and tiled
// WGSL products the run used.
import { ready, setBackend } from '../../../src/index.js';
import { CpuBackend } from '../../../src/backend/cpu/cpu-backend.js';
import { formatResult, runRow, type CheckResult, type EnvBackend } from '../../conformance/run.js';
import { ROWS, runsOn, sampleRows, type Env, type Row } from '../../conformance/table.js';
import { gpuInstance, useGpu, type PageGpu } from './backends.js';

export type { CheckResult };

/** What one backend's run of the table did. */
export interface ModeReport {
  requested: PageGpu | 'cpu';
  running: string;
  fallback: string | null;
  /** Compiled kernels alive at the end, and built in total (gpu modes only). */
  kernels: { cached: number; built: number } | null;
  /** Calls of the tiled WGSL products (WebGPU only; null elsewhere). */
  wgsl: { calls: number; pipelines: number; tiles: Record<string, number> } | null;
  checks: CheckResult[];
  ms: number;
}

/** The table's backend kind of a page mode (the WebGPU variants are all 'webgpu'). */
function envOf(mode: PageGpu | 'cpu'): Env {
  if (mode === 'cpu' || mode === 'webasm' || mode === 'webgl2' || mode === 'headlessgl') return mode;
  if (mode.startsWith('webgpu')) return 'webgpu';
  throw new Error(`conformance: no table backend for page mode '${mode}'`);
}

/**
 * What a WebGPU run did not cover of the tiled WGSL products: each tile height (64, 32, 16, 8
 * and 4 rows) and split-K must have run at least once. Empty when all did.
 */
export function wgslCoverageGaps(r: ModeReport): string[] {
  const tiles = Object.keys(r.wgsl?.tiles ?? {});
  const gaps = [64, 32, 16, 8, 4]
    .filter((rows) => !tiles.some((t) => t.startsWith(`${rows}x`)))
    .map((rows) => `no ${rows}-row tile`);
  if (!tiles.some((t) => t.endsWith('split-K'))) gaps.push('no split-K');
  return gaps.map((g) => `${g} (ran: ${tiles.join(', ') || 'none'})`);
}

/**
 * Which rows to run of those that run on the mode: every one (default), the sample of
 * {@link sampleRows}, its primitive rows only, the graph rows only, or the ones named.
 */
export type RowSelection = 'all' | 'sample' | 'primitives' | 'graphs' | readonly string[];

function selectRows(select: RowSelection, env: Env): readonly Row[] {
  if (typeof select !== 'string') return ROWS.filter((r) => select.includes(r.name));
  if (select === 'sample') return sampleRows(ROWS, env);
  if (select === 'primitives') return sampleRows(ROWS, env).filter((r) => r.kind === 'primitive');
  return ROWS.filter((r) => runsOn(r, env) && (select === 'all' || r.kind === 'graph'));
}

/** Runs the rows of the table that run on `mode` and `select` picks. */
export async function runConformance(mode: PageGpu | 'cpu', select: RowSelection = 'all'): Promise<ModeReport> {
  const t0 = performance.now();
  setBackend('cpu');
  await ready();
  const env = envOf(mode);
  let on: EnvBackend;
  let report: ModeReport;
  const gpu = mode === 'cpu' ? null : gpuInstance(mode);
  if (gpu === null) {
    on = { env, backend: new CpuBackend(), activate: () => setBackend('cpu') };
    report = {
      requested: mode,
      running: on.backend.mode,
      fallback: null,
      kernels: null,
      wgsl: null,
      checks: [],
      ms: 0,
    };
  } else {
    const running = await useGpu(mode as PageGpu);
    setBackend('cpu');
    on = { env, backend: gpu, activate: async () => void (await useGpu(mode as PageGpu)) };
    report = {
      requested: mode,
      running,
      fallback: gpu.fallbackReason,
      kernels: gpu.kernelStats(),
      wgsl: null,
      checks: [],
      ms: 0,
    };
  }
  // Rows asked for by name run even where they would not by default (the folded-grid check).
  for (const row of selectRows(select, env)) report.checks.push(await runRow(row, on));
  setBackend('cpu');
  if (gpu) {
    report.kernels = gpu.kernelStats();
    report.wgsl = gpu.wgslStats();
  }
  report.ms = Math.round(performance.now() - t0);
  return report;
}

/** The report as a log block: a header line, then one line per row. */
export function formatReport(r: ModeReport): string {
  const kernels = r.kernels ? `, kernels ${r.kernels.cached} alive / ${r.kernels.built} built` : '';
  const wgsl = r.wgsl ? `, WGSL products ${r.wgsl.calls} calls / ${r.wgsl.pipelines} pipelines` : '';
  const head = `conformance ${r.requested} (running ${r.running}${r.fallback ? `; ${r.fallback}` : ''}), ${r.ms} ms${kernels}${wgsl}`;
  return `${head}\n${r.checks.map(formatResult).join('\n')}`;
}
