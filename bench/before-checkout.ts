// A git worktree of an earlier commit for the before/after benches (bench/demo-before-after.ts,
// bench/steps-before-after.ts): made once under .cache/demo-before/<ref>, sharing this checkout's
// node_modules, with this checkout's child scripts copied in so both sides run the same timing code.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..');
export const beforeCache = path.join(repoRoot, '.cache', 'demo-before');

/** The worktree of `ref`, with `childScripts` (file names in bench/) copied from this checkout. */
export function beforeCheckout(ref: string, childScripts: readonly string[]): string {
  const dir = path.join(beforeCache, ref);
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    fs.mkdirSync(beforeCache, { recursive: true });
    execFileSync('git', ['-C', repoRoot, 'worktree', 'add', '--detach', dir, ref], { stdio: 'inherit' });
  }
  const nm = path.join(dir, 'node_modules');
  if (!fs.existsSync(nm)) fs.symlinkSync(path.join(repoRoot, 'node_modules'), nm);
  for (const f of childScripts) fs.copyFileSync(path.join(here, f), path.join(dir, 'bench', f));
  return dir;
}
