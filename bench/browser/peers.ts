// Browser peer bench: our C3D clip forward against onnxruntime-web in the same
// Chromium page (served with COOP/COEP, so both use 2 threads), same weights, outputs compared.
// Run: node --import tsx bench/browser/peers.ts [--paper] [--rounds=3] [--threads=2]
// (default: a half-width C3D at 16x112x112; --paper: the full 78M-parameter model; --threads: both engines')
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_SKIP, HAS_CHROMIUM } from '../../test/browser/harness/chromium.js';
import { openSession } from '../../test/browser/harness/session.js';
import type { PeersOptions, PeersReport } from './page/peers-entry.js';
import { report } from '../util.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const paper = process.argv.includes('--paper');
const rounds = Number(process.argv.find((x) => x.startsWith('--rounds='))?.slice(9) ?? 3);
const threads = Number(process.argv.find((x) => x.startsWith('--threads='))?.slice(10) ?? 2);

async function main(): Promise<void> {
  if (!HAS_CHROMIUM) {
    console.log(CHROMIUM_SKIP);
    return;
  }
  const dist = path.join(root, 'node_modules/onnxruntime-web/dist');
  const files: Record<string, string> = {};
  for (const f of ['ort.wasm.min.js', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'])
    files[`/ort/${f}`] = path.join(dist, f);
  const s = await openSession(path.join(root, 'bench/browser/page/peers-entry.ts'), {
    webgpu: false,
    // Extra Chromium flags for experiments, e.g. PLM_CHROMIUM_FLAGS='--js-flags=--no-wasm-dynamic-tiering'.
    extraFlags: process.env.PLM_CHROMIUM_FLAGS?.split(' ').filter(Boolean),
    scripts: ['/ort/ort.wasm.min.js'],
    files,
  });
  try {
    const options: PeersOptions = { c3d: paper ? {} : { width: 0.5 }, rounds, threads };
    const r = await s.page.evaluate(
      (o) =>
        (globalThis as unknown as { __plm: { runPeers(o: PeersOptions): Promise<PeersReport> } }).__plm.runPeers(o),
      options,
    );
    if (!(r.maxAbsDiff <= 1e-4))
      throw new Error(
        `ours and onnxruntime-web differ by ${r.maxAbsDiff} in the page (max |output| ${r.outputMaxAbs})`,
      );
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      `kernels ${JSON.stringify(r.kernels)}, crossOriginIsolated ${r.crossOriginIsolated}; max |ours - ort| ${r.maxAbsDiff.toExponential(1)} (max |output| ${r.outputMaxAbs.toExponential(1)})`,
    );
    report(
      `browser-peers${paper ? '-paper' : ''}`,
      [
        {
          case: `C3D clip forward in Chromium, ${paper ? 'paper' : 'width 1/2'} 3x16x112x112`,
          ours: `plm-ipe cpu (${r.kernels.fma ? 'FMA' : 'SIMD'} x${r.kernels.threads})`,
          peer: `onnxruntime-web ${r.ortVersion} wasm x${threads}`,
          oursMs: median(r.oursMs),
          peerMs: median(r.ortMs),
        },
      ],
      { ...r, options },
    );
  } finally {
    if (s.log.some((l) => l.startsWith('[pageerror]'))) console.log(s.log.join('\n'));
    await s.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
