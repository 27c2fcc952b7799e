// One training run of the demo for bench/demo-before-after.ts: trains `--size` for `--epochs` into
// `--out` (features cached there after the first run; checkpoints removed so every run trains) and
// prints the seconds of each epoch per method as one `RESULT {json}` line. It is also copied into
// the "before" checkout and run there, so it must only use runDemo / demoConfig, which both have.
// Run: node --import tsx bench/demo-epoch-child.ts --out=DIR [--size=tiny] [--epochs=3]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { demoConfig } from '../src/pipeline/demo-config.js';
import { runDemo } from '../src/pipeline/demo.js';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const out = flag('out');
if (!out) throw new Error('demo-epoch-child: --out=DIR is required');
const size = (flag('size') ?? 'tiny') as 'tiny' | 'small';
const epochs = Number(flag('epochs') ?? 3);

async function main(): Promise<void> {
  fs.rmSync(path.join(out!, 'checkpoints'), { recursive: true, force: true });
  fs.rmSync(path.join(out!, 'report'), { recursive: true, force: true });
  const seconds: Record<string, number[]> = {};
  await runDemo({
    config: demoConfig({ size, epochs }),
    out: out!,
    log: (line: string) => {
      const m = /^\[(.+?)\] epoch (\d+)\/\d+ .*\(([\d.]+) s\)$/.exec(line);
      if (m) (seconds[m[1]] ??= []).push(Number(m[3]));
    },
  });
  console.log(`RESULT ${JSON.stringify(seconds)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
