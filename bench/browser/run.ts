// Browser bench driver: bundles bench/browser/page/bench-entry.ts, opens it in Chromium (flags
// configurable for a machine with a real GPU), runs the op table on each gpu mode and on
// tfjs's webgl backend in the same page, prints the table and writes
// bench/results/browser-<gpu-name>.json.
//
//   node --import tsx bench/browser/run.ts                       # here: SwiftShader (software)
//   node --import tsx bench/browser/run.ts --real-gpu --preset c3d   # on a GPU machine
//   options: --preset small|c3d  --modes webgpu,webgpu-nowgsl,webgl2,webasm  --cases conv3d,matmul,lstm,maxPool,c3dStep
//            --peer webgl|none  --reps N  --warmup N  --real-gpu  --flag=--some-chromium-flag (repeatable)  --headed
//            --no-webgpu-flag  --out file.json         (CHROMIUM_PATH=... picks the browser)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHROMIUM_PATH, CHROMIUM_SKIP, HAS_CHROMIUM } from '../../test/browser/harness/chromium.js';
import { openSession } from '../../test/browser/harness/session.js';
import { gpuName, isSoftwareGpu, type BrowserEnvironment } from '../../test/browser/page/environment.js';
import type { BenchOptions, BenchRow } from './page/bench-entry.js';
import { benchTable } from './table.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: a } = parseArgs({
  options: {
    preset: { type: 'string', default: 'small' },
    modes: { type: 'string' },
    cases: { type: 'string', default: 'conv3d,matmul,lstm,maxPool,c3dStep' },
    peer: { type: 'string', default: 'webgl' },
    reps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    'real-gpu': { type: 'boolean', default: false },
    flag: { type: 'string', multiple: true, default: [] },
    headed: { type: 'boolean', default: false },
    'no-webgpu-flag': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

interface PagePlm {
  probeEnvironment(): Promise<BrowserEnvironment>;
  runBench(o: BenchOptions): Promise<{ rows: BenchRow[]; running: Record<string, string> }>;
}

async function main(): Promise<void> {
  if (!HAS_CHROMIUM) {
    console.log(CHROMIUM_SKIP);
    return;
  }
  const tfjs = path.join(root, 'node_modules/@tensorflow/tfjs/dist/tf.min.js');
  const peer = a.peer === 'none' ? null : a.peer!;
  const s = await openSession(path.join(root, 'bench/browser/page/bench-entry.ts'), {
    webgpu: !a['no-webgpu-flag'],
    realGpu: a['real-gpu'],
    extraFlags: a.flag,
    headless: !a.headed,
    scripts: peer ? ['/tf.min.js'] : [],
    files: peer ? { '/tf.min.js': tfjs } : {},
  });
  try {
    const env = await s.page.evaluate(() => (globalThis as unknown as { __plm: PagePlm }).__plm.probeEnvironment());
    const name = gpuName(env);
    console.log(`Chromium ${CHROMIUM_PATH}, flags: ${s.flags.join(' ')}`);
    console.log(
      `WebGL2 renderer: ${env.webgl2Renderer}\nWebGPU adapter: ${JSON.stringify(env.webgpuAdapter)}\ncrossOriginIsolated: ${env.crossOriginIsolated}, cores: ${env.hardwareConcurrency}`,
    );
    if (isSoftwareGpu(name)) {
      console.log(
        `NOTE: the GPU here is ${name}, a SOFTWARE renderer on the CPU: these numbers measure the CPU, not a GPU. Run with --real-gpu on a machine with a GPU driver for GPU numbers.`,
      );
    }
    const modes = (a.modes?.split(',') ?? ['webgpu', 'webgpu-nowgsl', 'webgl2', 'webasm']).filter(
      (m) => !m.startsWith('webgpu') || env.webgpuAdapter,
    ) as BenchOptions['modes'];
    if (!env.webgpuAdapter) console.log('webgpu skipped: no adapter (requestAdapter() returned null)');
    const opts: BenchOptions = {
      preset: a.preset!,
      modes,
      peer,
      reps: Number(a.reps),
      warmup: Number(a.warmup),
      cases: a.cases!.split(','),
    };
    const t0 = Date.now();
    const r = await s.page.evaluate((o) => (globalThis as unknown as { __plm: PagePlm }).__plm.runBench(o), opts);
    console.log(
      `\n${benchTable(r.rows, peer)}\n(${((Date.now() - t0) / 1000).toFixed(0)} s; median of ${opts.reps} after a first call that builds kernels and ${opts.warmup} more untimed)`,
    );
    const out = a.out ?? path.join(root, `bench/results/browser-${name}.json`);
    const json = {
      gpu: name,
      software: isSoftwareGpu(name),
      date: new Date().toISOString(),
      env,
      flags: s.flags,
      options: opts,
      running: r.running,
      rows: r.rows,
    };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`wrote ${path.relative(root, out)}`);
    const errors = s.log.filter((l) => /pageerror|gpu\.js \[webgpu\]/.test(l));
    if (errors.length) console.log(`page errors:\n${errors.join('\n')}`);
  } finally {
    await s.close();
  }
}

await main();
