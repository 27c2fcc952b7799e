// Shared bench harness: time a function (warm-up, then median of repeats), print a table of
// ours-vs-peer rows with ms, GFLOP/s and ratio, and write bench/results/<name>.json atomically.
// Benches are run by hand or `npm run bench`; nothing here is imported by library code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeFileAtomicSync } from '../src/io/atomic-write.js';
import { Adam, LSTM, Linear, conv3d, crossEntropy, manualSeed, randn, tidy, type Tensor } from '../src/index.js';
import type { C3DGeometry } from '../src/models/index.js';

export interface Timing {
  /** Median wall time per call, milliseconds. */
  ms: number;
  /** Every measured repeat, milliseconds. */
  samples: number[];
}

/**
 * Drops the gradients a timed step left on `tensors`, disposing them as `Optimizer.zeroGrad()`
 * does (PyTorch's `x.grad = None` frees at once, too); a bare `x.grad = null` would leave each to
 * the garbage collector and make the next step allocate fresh memory.
 */
export function clearGrads(...tensors: Tensor[]): void {
  for (const t of tensors) {
    t.grad?.dispose();
    t.grad = null;
  }
}

/** The middle value of `xs` (the upper middle of an even count). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** Runs `fn` `warmup` times untimed, then `repeats` times timed; returns the median. Awaits promises. */
export async function time(fn: () => unknown, { warmup = 1, repeats = 3 } = {}): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return { ms: median(samples), samples };
}

export interface BenchRow {
  case: string;
  ours: string;
  peer: string;
  oursMs: number;
  peerMs: number;
  /** Floating-point operations of one call, when the case has a meaningful count. */
  flops?: number;
  note?: string;
}

/** peerMs / oursMs: how many times faster we are. */
export function ratio(row: BenchRow): number {
  return row.peerMs / row.oursMs;
}

function gflops(flops: number | undefined, ms: number): string {
  return flops && Number.isFinite(ms) ? (flops / ms / 1e6).toFixed(2) : '-';
}

/** Prints the table and writes `bench/results/<name>.json`. */
export function report(name: string, rows: BenchRow[], meta: Record<string, unknown> = {}): void {
  const header = ['case', 'ours', 'ms', 'GFLOP/s', 'peer', 'peer ms', 'peer GFLOP/s', 'speedup'];
  const lines = rows.map((r) => [
    r.case,
    r.ours,
    r.oursMs.toFixed(1),
    gflops(r.flops, r.oursMs),
    r.peer,
    Number.isFinite(r.peerMs) ? r.peerMs.toFixed(1) : '-',
    gflops(r.flops, r.peerMs),
    Number.isFinite(r.peerMs) ? `${ratio(r).toFixed(1)}x` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(`\n${name}`);
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
  for (const r of rows) if (r.note) console.log(`  ${r.case}: ${r.note}`);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = path.join(here, 'results', `${name}.json`);
  const body = {
    name,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    ...meta,
    rows: rows.map((r) => ({ ...r, speedup: ratio(r), oursGflops: r.flops ? r.flops / r.oursMs / 1e6 : undefined })),
  };
  writeFileAtomicSync(fs, path, out, JSON.stringify(body, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

/**
 * The conv3d forward+backward step the benches time against PyTorch and TensorFlow.js: a 3x3x3
 * conv (padding 1, no bias) of x [1, cin, d, hw, hw], its output times a fixed dy, summed, then
 * backward to x and w; the gradients are read and dropped (clearGrads). Seeded.
 */
export function convTrainStep(
  cin: number,
  cout: number,
  d: number,
  hw: number,
): { x: Tensor; w: Tensor; dy: Tensor; step: () => number } {
  manualSeed(1);
  const x = randn([1, cin, d, hw, hw], { requiresGrad: true });
  const w = randn([cout, cin, 3, 3, 3]).mul(0.05).detach().requiresGrad_();
  const dy = randn([1, cout, d, hw, hw]);
  const step = (): number =>
    tidy(() => {
      conv3d(x, w, null, { padding: 1 }).mul(dy).sum().backward();
      const r = x.grad!.dataSync()[0] + w.grad!.dataSync()[0];
      clearGrads(x, w);
      return r;
    });
  return { x, w, dy, step };
}

/**
 * The LSTM training step every bench times against its peer: an LSTM (batch first), a linear head
 * to 3 classes, cross-entropy on the last hidden state, Adam at 5e-3. Seeded; `x` and `y` are the input and the class labels (for the peer's side).
 */
export function lstmTrainStep(
  B: number,
  T: number,
  I: number,
  H: number,
): { x: Tensor; y: number[]; step: () => number } {
  manualSeed(5);
  const lstm = new LSTM({ inputSize: I, hiddenSize: H, batchFirst: true });
  const head = new Linear(H, 3);
  const opt = new Adam([...lstm.parameters(), ...head.parameters()], { lr: 5e-3 });
  const x = randn([B, T, I]);
  const y = Array.from({ length: B }, (_, i) => i % 3);
  const step = (): number =>
    tidy(() => {
      opt.zeroGrad();
      const loss = crossEntropy(head.forward(lstm.forward(x).h.squeeze(0)), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
  return { x, y, step };
}

/** Multiply-adds x 2 of one C3D forward per clip (bench/models.ts and bench/peers.ts): convs at their (unpooled) resolution, fc6, fc7. */
export function c3dFlops(g: C3DGeometry): number {
  const c = g.channels;
  const {
    clipLength: l,
    inputSize: [h, w],
    inChannels,
  } = g.config;
  const vox = (shape: number[]) => shape[1] * shape[2] * shape[3];
  const res = [l * h * w, vox(g.pooled.pool1), vox(g.pooled.pool2), vox(g.pooled.pool3), vox(g.pooled.pool4)];
  const conv = (cin: number, cout: number, v: number) => 2 * cin * cout * 27 * v;
  return (
    conv(inChannels, c.conv1, res[0]) +
    conv(c.conv1, c.conv2, res[1]) +
    conv(c.conv2, c.conv3, res[2]) +
    conv(c.conv3, c.conv3, res[2]) +
    conv(c.conv3, c.conv4, res[3]) +
    conv(c.conv4, c.conv4, res[3]) +
    conv(c.conv4, c.conv5, res[4]) +
    conv(c.conv5, c.conv5, res[4]) +
    2 * g.fc6In * g.featureSize +
    2 * g.featureSize * g.featureSize
  );
}
