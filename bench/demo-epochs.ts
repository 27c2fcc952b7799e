// The small demo's time per training epoch, before and after the whole-layer LSTM:
// the tiny demo trained twice in one process, first with the cpu backend's lstmLayer methods
// hidden (the per-step lstmCell path the op falls back to), then with them; features are
// extracted once and the second run reads them from the copied cache. The two runs are sequential,
// so load from other processes between them shows up as a difference (PBE has no LSTM: its row
// measures that noise).
// Run: node --import tsx bench/demo-epochs.ts [--epochs=3] [--methods=LBE,PLM-IPE]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoConfig } from '../src/pipeline/demo-config.js';
import { runDemo } from '../src/pipeline/demo.js';
import type { MethodName } from '../src/models/index.js';
import { useWholeLayerLstm } from './lstm-path.js';
import { median, report, type BenchRow } from './util.js';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const epochs = Number(flag('epochs') ?? 3);
const methods = flag('methods')?.split(',') as MethodName[] | undefined;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const base = path.join(root, '.cache', 'demo-epochs');

async function train(label: string, useWholeLayer: boolean): Promise<Record<string, number[]>> {
  useWholeLayerLstm(useWholeLayer);
  const out = path.join(base, label);
  fs.rmSync(path.join(out, 'checkpoints'), { recursive: true, force: true });
  const seconds: Record<string, number[]> = {};
  await runDemo({
    config: demoConfig({ size: 'tiny', epochs }),
    out,
    methods,
    log: (line) => {
      const m = /^\[(.+?)\] epoch (\d+)\/\d+ .*\(([\d.]+) s\)$/.exec(line);
      if (m) (seconds[m[1]] ??= []).push(Number(m[3]));
      if (m || line.startsWith('Features')) console.log(`  ${label}: ${line}`);
    },
  });
  return seconds;
}

async function main(): Promise<void> {
  const before = await train('per-step', false);
  const after = path.join(base, 'whole-layer', 'cache');
  fs.rmSync(after, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(after), { recursive: true });
  fs.cpSync(path.join(base, 'per-step', 'cache'), after, { recursive: true });
  const now = await train('whole-layer', true);
  useWholeLayerLstm(true);
  const rows: BenchRow[] = Object.keys(now).map((m) => ({
    case: `demo tiny, ${m}: time per epoch (median of ${epochs})`,
    ours: 'whole-layer LSTM',
    peer: 'per-step LSTM (before)',
    oursMs: 1000 * median(now[m]),
    peerMs: 1000 * median(before[m] ?? [NaN]),
  }));
  report('demo-epochs', rows, { epochs, methods: methods ?? 'all', perEpochSeconds: { before, after: now } });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
