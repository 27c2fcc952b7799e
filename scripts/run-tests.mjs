#!/usr/bin/env node
// `npm test`: type-check, lint (eslint) and format check (prettier --check), then run the whole
// vitest suite; the first step that fails stops the run. When no display is set and
// xvfb-run exists, vitest runs under a virtual X server so the gpu backend's headless-GL
// tests run too (without one they skip, saying why). Extra arguments go to vitest; without
// any, the kernel suites then run a second time on the plain-SIMD path.
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
const extra = process.argv.slice(2);
const vitest = ['vitest', 'run', ...extra];
const underXvfb = !process.env.DISPLAY && which('xvfb-run');
if (underXvfb)
  console.log('run-tests: no DISPLAY; running vitest under xvfb-run -a (headless GL available to the gpu tests)');
const status = underXvfb ? run('xvfb-run', ['-a', 'npx', ...vitest]) : run('npx', vitest);
if (status !== 0 || extra.length > 0) process.exit(status);
// The suite above ran the kernels with relaxed-SIMD FMA (on wherever the engine can, Node 20
// included); browsers without relaxed SIMD run the plain-SIMD kernels, so their suites run again
// on that path (about 20 s).
console.log('run-tests: the kernel suites again on the plain-SIMD path (PLM_WASM_RELAXED_SIMD=0)');
const plain = ['test/kernels', 'test/conformance/node.test.ts', 'test/ops/lstm-layer.test.ts'];
const r = spawnSync('npx', ['vitest', 'run', ...plain], {
  stdio: 'inherit',
  env: { ...process.env, PLM_WASM_RELAXED_SIMD: '0' },
});
if (r.error) throw r.error;
process.exit(r.status ?? 1);
