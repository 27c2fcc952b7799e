// The training steps of bench/peers.ts' PyTorch cases (conv3d forward+backward, the LSTM step),
// this checkout against an earlier commit, in alternating child processes (before, after, after,
// before, ... `--pairs` times) so load that drifts during the bench hits both sides alike. Each
// run is bench/steps-child.ts; the "before" side runs the same script copied into a git worktree
// of the earlier commit (bench/before-checkout.ts) with this checkout's bench/util.ts. Rows: median over all runs of each side.
// Results: bench/results/steps-before-after.json (every sample of every run).
// Run: node --import tsx bench/steps-before-after.ts --before=570dc1b [--pairs=2] [--repeats=5]
import * as os from 'node:os';
import { beforeCheckout, repoRoot, runChild } from './before-checkout.js';
import { median, report, type BenchRow } from './util.js';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const before = flag('before');
if (!before) throw new Error('steps-before-after: --before=<commit> is required (the code to compare against)');
const pairs = Number(flag('pairs') ?? 2);
const repeats = Number(flag('repeats') ?? 5);

function main(): void {
  const sides = {
    before: { dir: beforeCheckout(before!, ['steps-child.ts', 'util.ts']), runs: [] as Record<string, number[]>[] },
    after: { dir: repoRoot, runs: [] as Record<string, number[]>[] },
  };
  const order = Array.from({ length: pairs }, (_, i) =>
    i % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const),
  ).flat();
  for (const side of order) {
    const load = os.loadavg()[0].toFixed(2);
    const r = runChild(sides[side].dir, 'steps-child.ts', [`--repeats=${repeats}`]);
    sides[side].runs.push(r);
    const medians = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(median(v).toFixed(1))]));
    console.log(`${side} (load average ${load}): ${JSON.stringify(medians)}`);
  }
  const all = (side: 'before' | 'after', c: string): number[] => sides[side].runs.flatMap((r) => r[c] ?? []);
  const rows: BenchRow[] = Object.keys(sides.after.runs[0]).map((c) => ({
    case: `${c} (median of ${all('after', c).length})`,
    ours: 'this checkout',
    peer: `before (${before})`,
    oursMs: median(all('after', c)),
    peerMs: median(all('before', c)),
  }));
  report('steps-before-after', rows, {
    before,
    pairs,
    repeats,
    samples: { before: sides.before.runs, after: sides.after.runs },
  });
}

main();
