// The demo's time per training epoch, this checkout against an earlier commit, in alternating
// runs (before, after, after, before) so load that drifts during the bench hits both sides: each
// run is bench/demo-epoch-child.ts in a child process, the "before" one copied into a git worktree
// of the earlier commit (under .cache/demo-before/, sharing this checkout's node_modules).
// Results: bench/results/demo-before-after.json (per-epoch seconds of every run; rows = medians).
// Run: node --import tsx bench/demo-before-after.ts [--before=c5e0881] [--size=tiny] [--epochs=3]
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeCheckout, beforeCache as cache, repoRoot as root, runChild } from './before-checkout.js';
import { median, report, type BenchRow } from './util.js';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const before = flag('before') ?? 'c5e0881';
const size = flag('size') ?? 'tiny';
const epochs = Number(flag('epochs') ?? 3);

function main(): void {
  const old = beforeCheckout(before, ['demo-epoch-child.ts']);
  const sides = {
    before: { dir: old, runs: [] as Record<string, number[]>[] },
    after: { dir: root, runs: [] as Record<string, number[]>[] },
  };
  for (const side of ['before', 'after', 'after', 'before'] as const) {
    const s = sides[side];
    const load = os.loadavg()[0].toFixed(2);
    const t = Date.now();
    s.runs.push(
      runChild(s.dir, 'demo-epoch-child.ts', [
        `--out=${path.join(cache, `out-${side}-${size}`)}`,
        `--size=${size}`,
        `--epochs=${epochs}`,
      ]),
    );
    console.log(
      `${side}: ${((Date.now() - t) / 1000).toFixed(0)} s (load average ${load})`,
      JSON.stringify(s.runs.at(-1)),
    );
  }
  // The first run of each side also extracts features; only epoch times are compared.
  const methods = Object.keys(sides.after.runs[0]);
  const all = (side: 'before' | 'after', m: string): number[] => sides[side].runs.flatMap((r) => r[m] ?? []);
  const rows: BenchRow[] = methods.map((m) => ({
    case: `demo ${size}, ${m}: seconds per epoch (median of ${all('after', m).length})`,
    ours: 'this checkout',
    peer: `before (${before})`,
    oursMs: 1000 * median(all('after', m)),
    peerMs: 1000 * median(all('before', m)),
  }));
  report('demo-before-after', rows, {
    before,
    size,
    epochs,
    perEpochSeconds: { before: sides.before.runs, after: sides.after.runs },
  });
}

main();
