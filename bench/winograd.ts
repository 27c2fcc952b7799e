// Winograd F(2x2x2, 3x3x3) conv3d forward against the direct packed-GEMM forward, same process,
// alternating, at every 3x3x3 conv layer shape of C3D at the paper size (3x16x112x112 clip).
// Prints ms per forward for each path and the ratio direct / Winograd (>1: Winograd faster), plus
// the max relative difference between the two. Used to set winogradQualifies' threshold.
// Results: bench/results/winograd[-quick].json ("speedup" = direct ms / Winograd ms).
// Run: node --import tsx bench/winograd.ts [--quick] (--quick: channels / 4)
import { conv3dForwardWinograd } from '../src/backend/cpu/kernels/winograd.js';
import { conv3dForwardGemm } from '../src/backend/cpu/kernels/conv3d.js';
import { kernelInfo } from '../src/backend/cpu/kernels/index.js';
import { conv3dGeometry } from '../src/tensor/geometry.js';
import { report, type BenchRow } from './util.js';

const quick = process.argv.includes('--quick');
const s = quick ? 4 : 1;
// [name, Cin, Cout, D, H(=W)] of C3D's convs.
const LAYERS: Array<[string, number, number, number, number]> = [
  ['conv1', 3, 64 / s, 16, 112],
  ['conv2', 64 / s, 128 / s, 16, 56],
  ['conv3a', 128 / s, 256 / s, 8, 28],
  ['conv3b', 256 / s, 256 / s, 8, 28],
  ['conv4a', 256 / s, 512 / s, 4, 14],
  ['conv4b', 512 / s, 512 / s, 4, 14],
  ['conv5a', 512 / s, 512 / s, 2, 7],
  ['conv5b', 512 / s, 512 / s, 2, 7],
];

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let v = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    v = (v * 1664525 + 1013904223) >>> 0;
    a[i] = v / 2 ** 31 - 1;
  }
  return a;
}

function ms(f: () => unknown): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

console.log(`kernels: ${JSON.stringify(kernelInfo())}`);
let sumD = 0,
  sumW = 0;
const rows: BenchRow[] = [];
for (const [name, ci, co, d, hw] of LAYERS) {
  const g = conv3dGeometry([1, ci, d, hw, hw], [co, ci, 3, 3, 3], { padding: 1 });
  const x = rand(ci * d * hw * hw, 1),
    w = rand(co * ci * 27, 2).map((v) => v * 0.05),
    b = rand(co, 3);
  const direct = (): Float32Array => conv3dForwardGemm(x, w, b, g);
  const wino = (): Float32Array => conv3dForwardWinograd(x, w, b, g);
  const yd = direct(),
    yw = wino();
  let maxRef = 0,
    maxDiff = 0;
  for (let i = 0; i < yd.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(yd[i]));
    maxDiff = Math.max(maxDiff, Math.abs(yd[i] - yw[i]));
  }
  const td: number[] = [],
    tw: number[] = [];
  for (let r = 0; r < 3; r++) {
    td.push(ms(direct));
    tw.push(ms(wino));
  }
  const md = Math.min(...td),
    mw = Math.min(...tw);
  sumD += md;
  sumW += mw;
  rows.push({
    case: `${name} ${ci}->${co} ${d}x${hw}x${hw}`,
    ours: 'winograd F(2,3)',
    peer: 'direct GEMM',
    oursMs: mw,
    peerMs: md,
    flops: 2 * co * ci * 27 * d * hw * hw,
    note: `max diff / max |y| ${(maxDiff / maxRef).toExponential(1)}`,
  });
  console.log(
    `${name.padEnd(7)} ${ci}->${co} ${d}x${hw}x${hw}: direct ${md.toFixed(1)} ms, winograd ${mw.toFixed(1)} ms, direct/winograd ${(md / mw).toFixed(2)}x, max diff / max |y| ${(maxDiff / maxRef).toExponential(1)}`,
  );
}
console.log(`all layers: direct ${sumD.toFixed(0)} ms, winograd ${sumW.toFixed(0)} ms`);
report(`winograd${quick ? '-quick' : ''}`, rows, {
  quick,
  kernels: kernelInfo(),
  note: "flops are the direct path's multiply-adds x2",
});
