// The published bundle (dist/, built by tsup) works as users import it: ESM and CJS entry
// points through the package's exports map, the cpu backend registered without relying on
// import side effects (the package declares sideEffects: false), types emitted.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist/index.js'))) {
    execFileSync('npx', ['tsup', '--silent'], { cwd: root, stdio: 'inherit' });
  }
}, 120_000);

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

describe('the built package', () => {
  it('imports as ESM by name and trains a step', () => {
    const out = run(['--input-type=module', '-e', `
      import { Linear, Adam, crossEntropy, randn, getBackend } from 'plm-ipe';
      const m = new Linear(4, 3); const opt = new Adam(m.parameters());
      const loss = crossEntropy(m.forward(randn([2, 4])), [0, 2]); loss.backward(); opt.step();
      console.log(JSON.stringify({ loss: Number.isFinite(loss.item()), backend: getBackend().name }));`]);
    expect(JSON.parse(out)).toEqual({ loss: true, backend: 'cpu' });
  });

  it('requires as CommonJS', () => {
    const out = run(['-e', `const p = require('plm-ipe'); console.log(p.conv3d(p.randn([1, 2, 4, 4, 4]), p.randn([3, 2, 3, 3, 3])).shape.join('x'))`]);
    expect(out).toBe('3x2x2x2'.replace(/^/, '1x'));
  });

  it('ships type declarations', () => {
    expect(fs.existsSync(path.join(root, 'dist/index.d.ts'))).toBe(true);
    expect(fs.readFileSync(path.join(root, 'dist/index.d.ts'), 'utf8')).toMatch(/declare class Tensor/);
  });
});
