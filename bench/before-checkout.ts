// A git worktree of an earlier commit for the before/after benches (bench/demo-before-after.ts,
// bench/steps-before-after.ts): made once under .cache/demo-before/<ref>, sharing this checkout's
// node_modules, with this checkout's child scripts copied in so both sides run the same timing code.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..');
export const beforeCache = path.join(repoRoot, '.cache', 'demo-before');

/**
 * The worktree of `ref`, with `childScripts` (file names in bench/) copied from this checkout;
 * they overwrite the worktree's own copies, so its other benches see them too.
 */
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

/**
 * Runs bench/`script` of `checkout` in a child process (cwd there) and returns the JSON of its
 * `RESULT {...}` line; a failed run throws with the end of its stderr.
 */
export function runChild(checkout: string, script: string, args: readonly string[]): Record<string, number[]> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(checkout, 'bench', script), ...args], {
    cwd: checkout,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line)
    throw new Error(`${script} in ${checkout} failed (status ${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as Record<string, number[]>;
}
