#!/usr/bin/env node
// `npm test`: type-check, lint (eslint) and format check (prettier --check), then run the whole
// vitest suite; the first step that fails stops the run. When no display is set and
// xvfb-run exists, vitest runs under a virtual X server so the gpu backend's headless-GL
// tests run too (without one they skip, saying why). Extra arguments go to vitest; without
// any, the kernel suites then run a second time on the relaxed-SIMD FMA path.
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
// The suite above ran the engine's default kernels (plain SIMD on Node 20); relaxed-SIMD FMA is
// what Chromium and Node 22+ run, and Node 20 with PLM_WASM_RELAXED_SIMD=1, so the kernel suites
// run again on that path (about 20 s).
console.log('run-tests: the kernel suites again on the relaxed-SIMD FMA path (PLM_WASM_RELAXED_SIMD=1)');
const kernelSuites = ['test/kernels', 'test/conformance/node.test.ts', 'test/ops/lstm-layer.test.ts'];
const r = spawnSync('npx', ['vitest', 'run', ...kernelSuites], {
  stdio: 'inherit',
  env: { ...process.env, PLM_WASM_RELAXED_SIMD: '1' },
});
if (r.error) throw r.error;
process.exit(r.status ?? 1);
