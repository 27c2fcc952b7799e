// The published bundle (dist/, built by tsup) works as users import it: ESM and CJS entry
// points through the package's exports map (root and plm-ipe/node sharing one engine), the cpu backend registered without relying on
// import side effects (the package declares sideEffects: false), types emitted.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { ensureBuilt } from './consumer.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

// Built (again) when dist/ is missing or older than src/.
beforeAll(() => ensureBuilt(), 120_000);

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

describe('the built package', () => {
  it('imports as ESM by name and trains a step', () => {
    const out = run([
      '--input-type=module',
      '-e',
      `
      import { Linear, Adam, crossEntropy, randn, getBackend } from 'plm-ipe';
      const m = new Linear(4, 3); const opt = new Adam(m.parameters());
      const loss = crossEntropy(m.forward(randn([2, 4])), [0, 2]); loss.backward(); opt.step();
      console.log(JSON.stringify({ loss: Number.isFinite(loss.item()), backend: getBackend().name }));`,
    ]);
    expect(JSON.parse(out)).toEqual({ loss: true, backend: 'cpu' });
  });

  it('requires as CommonJS', () => {
    const out = run([
      '-e',
      `const p = require('plm-ipe'); console.log(p.conv3d(p.randn([1, 2, 4, 4, 4]), p.randn([3, 2, 3, 3, 3])).shape.join('x'))`,
    ]);
    expect(out).toBe('3x2x2x2'.replace(/^/, '1x'));
  });

  it('ships type declarations for import and require of each entry', () => {
    for (const entry of ['index', 'node', 'gpu']) {
      for (const ext of ['d.ts', 'd.cts'])
        expect(fs.existsSync(path.join(root, `dist/${entry}.${ext}`)), `dist/${entry}.${ext}`).toBe(true);
    }
    // Classes live in shared declaration chunks, so every entry names the same Tensor type.
    expect(fs.readFileSync(path.join(root, 'dist/index.d.ts'), 'utf8')).toMatch(/export \{[^}]*\bTensor\b/);
  });

  it('shares one engine between the root and plm-ipe/node (a loaded model is an instance of the root class)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-dist-'));
    try {
      for (const [flag, pre] of [
        ['--input-type=commonjs', `const a = require('plm-ipe'); const n = require('plm-ipe/node');`],
        ['--input-type=module', `import * as a from 'plm-ipe'; import * as n from 'plm-ipe/node';`],
      ]) {
        const out = run([
          flag,
          '-e',
          `${pre}
          (async () => { const base = ${JSON.stringify(path.join(dir, 'm'))};
          await n.saveModel(new a.LandmarkEstimator({ inputSize: 72 }), base);
          console.log(String((await n.loadModel(base)) instanceof a.LandmarkEstimator)); })();`,
        ]);
        expect(out, flag).toBe('true');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plm-ipe/gpu registers the gpu backend on the root engine (gpu.js installed here as a devDependency)', () => {
    for (const [flag, pre] of [
      ['--input-type=commonjs', `const a = require('plm-ipe'); const g = require('plm-ipe/gpu');`],
      ['--input-type=module', `import * as a from 'plm-ipe'; import * as g from 'plm-ipe/gpu';`],
    ]) {
      const out = run([
        flag,
        '-e',
        `${pre}
        g.registerGpuBackend(); a.setBackend('gpu', { mode: 'webasm' });
        const y = a.matmul(a.tensor([[1, 2]]), a.tensor([[3], [4]]));
        console.log(a.getBackend().name + ' ' + a.getBackend().mode + ' ' + y.dataSync()[0]);`,
      ]);
      expect(out.split('\n').pop(), flag).toBe('gpu webasm 11');
    }
  });
});
