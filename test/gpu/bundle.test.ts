// The kernels survive a consumer's minifier: the gpu backend bundled with esbuild --minify at
// target es2015 (identifiers renamed, `**` lowering, statement folding) still
// matches the cpu backend, because kernels ship as string literals (kernels.generated.ts).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { HAS_DISPLAY } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const ENTRY = `
import { registerGpuBackend } from ${JSON.stringify(path.join(root, 'src/backend/gpu/index.ts'))};
import { setBackend, getBackend, conv3d, randn, matmul, softmax, manualSeed, lstmSequence, sum, maxPool3d } from ${JSON.stringify(path.join(root, 'src/index.ts'))};
registerGpuBackend();
const run = () => {
  manualSeed(3);
  const x = randn([1, 2, 3, 4, 4], { requiresGrad: true });
  const w = randn([2, 2, 3, 3, 3], { requiresGrad: true });
  const y = conv3d(x, w, null, { padding: 1 });
  sum(maxPool3d(y, { kernelSize: 2, padding: 1 })).backward();
  const m = softmax(matmul(randn([3, 4]), randn([4, 5])), 1);
  const l = lstmSequence(randn([2, 3, 4]), { weightIh: randn([8, 4]), weightHh: randn([8, 2]), biasIh: null, biasHh: null }, null, null, null).output;
  return [y, x.grad, w.grad, m, l].map((t) => Array.from(t.dataSync()));
};
setBackend('cpu');
const a = run();
setBackend('gpu', { mode: process.argv[2] });
const b = run();
let e = 0;
a.forEach((v, i) => v.forEach((x, j) => { e = Math.max(e, Math.abs(x - b[i][j])); }));
console.log(JSON.stringify({ mode: getBackend().mode, err: e }));
`;

describe('minified bundle', () => {
  it('esbuild --minify --target=es2015 bundle of the gpu backend matches cpu (webasm, and headlessgl with a display)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-gpu-bundle-'));
    try {
      const entry = path.join(dir, 'entry.ts');
      fs.writeFileSync(entry, ENTRY);
      const out = path.join(dir, 'out.cjs');
      await build({
        entryPoints: [entry],
        bundle: true,
        minify: true,
        target: 'es2015',
        platform: 'node',
        format: 'cjs',
        outfile: out,
        external: ['gpu.js'],
        logLevel: 'silent',
      });
      const src = fs.readFileSync(out, 'utf8');
      expect(src).toContain('function conv3dForward(x, w, bias)'); // the kernel text is untouched
      for (const mode of HAS_DISPLAY ? ['webasm', 'headlessgl'] : ['webasm']) {
        const stdout = execFileSync(process.execPath, [out, mode], {
          env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') },
          encoding: 'utf8',
        });
        const r = JSON.parse(stdout.trim().split('\n').pop()!);
        expect(r.mode).toBe(mode);
        // Sums of <= 54 products of N(0,1) values in f32.
        expect(r.err).toBeLessThan(1e-4);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
