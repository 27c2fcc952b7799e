#!/usr/bin/env node
// `npm test`: type-check, lint (eslint) and format check (prettier --check), then run the whole
// vitest suite; the first step that fails stops the run. When no display is set and
// xvfb-run exists, vitest runs under a virtual X server so the gpu backend's headless-GL
// tests run too (without one they skip, saying why). Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

const which = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

for (const script of ['typecheck', 'lint', 'format:check']) {
  const status = run('npm', ['run', '--silent', script]);
  if (status !== 0) process.exit(status);
}
const vitest = ['vitest', 'run', ...process.argv.slice(2)];
if (!process.env.DISPLAY && which('xvfb-run')) {
  console.log('run-tests: no DISPLAY; running vitest under xvfb-run -a (headless GL available to the gpu tests)');
  process.exit(run('xvfb-run', ['-a', 'npx', ...vitest]));
}
process.exit(run('npx', vitest));
