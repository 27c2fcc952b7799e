// Page entry of the browser bench: runs the op table (./ours.ts on each requested gpu mode,
// ./peer.ts on tfjs) and returns rows of median times to the driver (bench/browser/run.ts)
// through `globalThis.__plm.runBench`.
import { setBackend } from '../../../src/index.js';
import type * as TF from '@tensorflow/tfjs';
import { gpuInstance, useGpu, type PageGpu } from '../../../test/browser/page/backends.js';
import { probeEnvironment } from '../../../test/browser/page/environment.js';
import { c3dFlops, OURS, type Body } from './ours.js';
import { PEER } from './peer.js';
import { PRESETS, type Preset } from './presets.js';

export interface BenchOptions {
  preset: string;
  /** gpu modes, or 'webgpu-nowgsl' (WebGPU with gpu.js kernels only). */
  modes: PageGpu[];
  /** tfjs backend to compare with ('webgl'), or null for none. */
  peer: string | null;
  reps: number;
  /**
   * Untimed calls after the first: shader JITs (SwiftShader) and asynchronously compiled
   * pipelines can still be settling on the second call.
   */
  warmup: number;
  cases: string[];
}

export interface BenchRow {
  case: string;
  impl: string;
  /** Median ms of `reps` calls after the first. */
  ms: number;
  /** The first call (kernel/shader builds included). */
  firstMs: number;
  samples: number[];
  flops: number | null;
  /** Tiled WGSL product calls per run of the case (WebGPU; absent elsewhere). */
  wgslCalls?: number;
  error?: string;
}

function describeCase(name: string, p: Preset): { label: string; flops: number | null } {
  const { conv: c, matmul: m, lstm: l, pool: q, c3d } = p;
  switch (name) {
    case 'conv3d':
      return {
        label: `conv3d fwd+bwd N${c.n} ${c.ci}->${c.co} ${c.d}x${c.hw}x${c.hw} k3 p1`,
        flops: 3 * 2 * c.n * c.co * c.ci * 27 * c.d * c.hw * c.hw,
      };
    case 'matmul':
      return { label: `matmul ${m.m}x${m.k}x${m.n}`, flops: 2 * m.m * m.k * m.n };
    case 'lstm':
      return { label: `LSTM step fwd+bwd B${l.b} ${l.i}->${l.h}`, flops: 3 * 2 * l.b * 4 * l.h * (l.i + l.h) };
    case 'maxPool':
      return { label: `maxPool3d fwd+bwd ${q.c}ch ${q.d}x${q.hw}x${q.hw} k2`, flops: null };
    case 'c3dStep':
      return {
        label: `C3D train step N${c3d.n} ${c3d.d}x${c3d.hw}x${c3d.hw} ch ${c3d.channels.join('-')} +Adam`,
        flops: c3dFlops(c3d),
      };
    default:
      throw new Error(`unknown bench case ${name}`);
  }
}

async function measure(
  make: () => Body,
  reps: number,
  warmup: number,
): Promise<Pick<BenchRow, 'ms' | 'firstMs' | 'samples'>> {
  const body = make();
  let t0 = performance.now();
  await body();
  const firstMs = performance.now() - t0;
  for (let i = 0; i < warmup; i++) await body();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    t0 = performance.now();
    await body();
    samples.push(performance.now() - t0);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { ms: sorted[Math.floor(sorted.length / 2)], firstMs, samples };
}

async function row(
  name: string,
  impl: string,
  p: Preset,
  make: () => Body,
  reps: number,
  warmup: number,
): Promise<BenchRow> {
  const { label, flops } = describeCase(name, p);
  try {
    return { case: label, impl, flops, ...(await measure(make, reps, warmup)) };
  } catch (e) {
    return {
      case: label,
      impl,
      flops,
      ms: NaN,
      firstMs: NaN,
      samples: [],
      error: String((e as Error)?.message ?? e).slice(0, 400),
    };
  }
}

/** Callbacks of a Node caller (bench/webgpu-node.ts): afterRow may mark a row's errors. */
export interface BenchHooks {
  afterRow?(row: BenchRow): void;
}

export async function runBench(
  o: BenchOptions,
  hooks: BenchHooks = {},
): Promise<{ rows: BenchRow[]; running: Record<string, string> }> {
  const p = PRESETS[o.preset];
  if (!p) throw new Error(`unknown preset ${o.preset}`);
  const rows: BenchRow[] = [];
  const running: Record<string, string> = {};
  const tf = (globalThis as unknown as { tf?: typeof TF }).tf;
  if (o.peer && tf) {
    await tf.setBackend(o.peer);
    await tf.ready();
    running[`tfjs-${o.peer}`] = tf.getBackend();
    for (const name of o.cases) {
      const r = await row(name, `tfjs-${o.peer}`, p, () => PEER[name](p), o.reps, o.warmup);
      hooks.afterRow?.(r);
      rows.push(r);
    }
  }
  for (const mode of o.modes) {
    running[mode] = await useGpu(mode);
    const label = mode === 'webgpu-nowgsl' ? `${running[mode]} gpu.js only` : running[mode];
    const b = gpuInstance(mode);
    for (const name of o.cases) {
      await useGpu(mode);
      const before = b.wgslStats()?.calls;
      const r = await row(name, `plm gpu ${label}`, p, () => OURS[name](p), o.reps, o.warmup);
      const after = b.wgslStats()?.calls;
      if (before !== undefined && after !== undefined) r.wgslCalls = (after - before) / (o.reps + o.warmup + 1);
      hooks.afterRow?.(r);
      rows.push(r);
    }
    setBackend('cpu');
  }
  return { rows, running };
}

const g = globalThis as Record<string, unknown>;
g.__plm = { probeEnvironment, runBench };
g.__plmReady = true;
