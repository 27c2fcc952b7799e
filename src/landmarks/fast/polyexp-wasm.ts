// Polynomial expansion (Farnebäck, OpenCV's FarnebackPolyExp) as a WebAssembly SIMD kernel emitted at
// run time: four pixels per f32x4, taps unrolled for the kernel's radius n. Same two passes as the JS
// version in ../polynomial-expansion.ts (vertical into three padded rows, then horizontal), in float32
// throughout (OpenCV's horizontal sums are double; the difference is ~1e-7 relative). Used for widths
// that are a multiple of 4; callers fall back to JS otherwise or when WebAssembly SIMD is missing.
// Imports only the WebAssembly emitter and run-time helpers (src/wasm) and the kernel type.
import { FunctionBuilder, I32, V128, emitModule } from '../../wasm/emitter.js';
import { align16, growToFit, kernelCache } from '../../wasm/instance.js';
import type { PolyExpKernel } from '../polynomial-expansion.js';

const MAX_PAGES = 1024; // 64 MiB: images up to ~1500² per call.

/**
 * Emits `polyexp(w4, h, tab, v0, dst, plane, consts)`; all addresses in bytes.
 * - `w4`: row width in bytes (4·width, a multiple of 16); rows of `src` are `w4` apart.
 * - `tab`: per output row y, 2n+1 i32 addresses of source rows y−n … y+n (clamped to the image).
 * - `v0`: three work rows of `4·(width + 2n)` bytes each, back to back (`rowBytes` apart).
 * - `dst`: plane 0 of the output; `plane` bytes between planes.
 * - `consts`: g[0..n], xg[0..n], xxg[0..n], ig11, ig03, ig33, ig55 as f32.
 */
export function buildPolyExp(n: number): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32]);
  const [pW4, pH, pTab, pV, pDst, pPlane, pK] = [0, 1, 2, 3, 4, 5, 6];
  const y = f.local(I32);
  const xb = f.local(I32);
  const tabRow = f.local(I32);
  const rowBytes = f.local(I32);
  const dRow = f.local(I32);
  const t = f.local(I32);
  const v1 = f.local(I32);
  const v2 = f.local(I32);
  const up = Array.from({ length: n + 1 }, () => f.local(I32));
  const dn = Array.from({ length: n + 1 }, () => f.local(I32));
  const g = Array.from({ length: n + 1 }, () => f.local(V128));
  const xg = Array.from({ length: n + 1 }, () => f.local(V128));
  const xxg = Array.from({ length: n + 1 }, () => f.local(V128));
  const [ig11, ig03, ig33, ig55] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const a = Array.from({ length: n + 1 }, () => f.local(V128));
  const b = Array.from({ length: n + 1 }, () => f.local(V128));
  const p = Array.from({ length: n + 1 }, () => f.local(V128));
  const m0 = f.local(V128);

  // Splat the kernel constants once.
  for (let k = 0; k <= n; k++) {
    f.get(pK)
      .v128Load32Splat(4 * k)
      .set(g[k]);
    f.get(pK)
      .v128Load32Splat(4 * (n + 1 + k))
      .set(xg[k]);
    f.get(pK)
      .v128Load32Splat(4 * (2 * n + 2 + k))
      .set(xxg[k]);
  }
  const igBase = 4 * (3 * n + 3);
  f.get(pK).v128Load32Splat(igBase).set(ig11);
  f.get(pK)
    .v128Load32Splat(igBase + 4)
    .set(ig03);
  f.get(pK)
    .v128Load32Splat(igBase + 8)
    .set(ig33);
  f.get(pK)
    .v128Load32Splat(igBase + 12)
    .set(ig55);
  // Work rows: (width + 2n) floats each.
  f.get(pW4)
    .i32(8 * n)
    .add()
    .set(rowBytes);
  f.get(pV).get(rowBytes).add().set(v1);
  f.get(v1).get(rowBytes).add().set(v2);

  f.get(pTab).set(tabRow).get(pDst).set(dRow).i32(0).set(y);
  f.block().loop();
  f.get(y).get(pH).geS().brIf(1);
  // Source row addresses: up[k] = row y−k, dn[k] = row y+k (up[0] = dn[0] = row y).
  for (let k = 0; k <= n; k++) {
    f.get(tabRow)
      .i32Load(4 * (n - k))
      .set(up[k]);
    f.get(tabRow)
      .i32Load(4 * (n + k))
      .set(dn[k]);
  }

  // Vertical pass: Σg·f, Σy·g·f, Σy²·g·f for 4 columns at a time, written from column n of the rows.
  f.i32(0).set(xb);
  f.loop();
  for (let k = 1; k <= n; k++) {
    f.get(up[k]).get(xb).add().v128Load().set(a[k]);
    f.get(dn[k]).get(xb).add().v128Load().set(b[k]);
    f.get(a[k]).get(b[k]).f32x4Add().set(p[k]);
  }
  f.get(pV).get(xb).add();
  f.get(dn[0]).get(xb).add().v128Load().get(g[0]).f32x4Mul();
  for (let k = 1; k <= n; k++) f.get(g[k]).get(p[k]).f32x4Mul().f32x4Add();
  f.v128Store(4 * n);
  f.get(v1).get(xb).add();
  f.get(xg[1]).get(b[1]).get(a[1]).f32x4Sub().f32x4Mul();
  for (let k = 2; k <= n; k++) f.get(xg[k]).get(b[k]).get(a[k]).f32x4Sub().f32x4Mul().f32x4Add();
  f.v128Store(4 * n);
  f.get(v2).get(xb).add();
  f.get(xxg[1]).get(p[1]).f32x4Mul();
  for (let k = 2; k <= n; k++) f.get(xxg[k]).get(p[k]).f32x4Mul().f32x4Add();
  f.v128Store(4 * n);
  f.get(xb).i32(16).add().tee(xb).get(pW4).ltS().brIf(0);
  f.end();

  // Replicate the edge columns n times on both sides of each row.
  for (const row of [pV, v1, v2]) {
    f.i32(0).set(t);
    f.loop();
    // row[t] = row[n]; row[n + w + t] = row[n + w − 1]   (t counts bytes, 0 … 4n−4)
    f.get(row)
      .get(t)
      .add()
      .get(row)
      .f32Load(4 * n)
      .f32Store();
    f.get(row)
      .get(pW4)
      .add()
      .get(t)
      .add()
      .get(row)
      .get(pW4)
      .add()
      .f32Load(4 * n - 4)
      .f32Store(4 * n);
    f.get(t)
      .i32(4)
      .add()
      .tee(t)
      .i32(4 * n)
      .ltS()
      .brIf(0);
    f.end();
  }

  // Horizontal pass: the six moments for 4 pixels; the loads at ±k are unaligned vector loads.
  f.i32(0).set(xb);
  f.loop();
  const at = (row: number, k: number) =>
    f
      .get(row)
      .get(xb)
      .add()
      .v128Load(4 * (n + k));
  // Row v0: m0 = Σg·t, mxx = Σk²g·t, mx = Σkg·(r − l), with t = r + l.
  for (let k = 1; k <= n; k++) {
    at(pV, k).set(a[k]);
    at(pV, -k).set(b[k]);
    f.get(a[k]).get(b[k]).f32x4Add().set(p[k]);
  }
  at(pV, 0).get(g[0]).f32x4Mul();
  for (let k = 1; k <= n; k++) f.get(g[k]).get(p[k]).f32x4Mul().f32x4Add();
  f.get(ig03).f32x4Mul().set(m0); // m0·ig03, shared by r_yy and r_xx
  // plane 3: r_xx = m0·ig03 + mxx·ig33
  f.get(dRow).get(xb).add().get(pPlane).i32(3).mul().add();
  f.get(m0);
  f.get(xxg[1]).get(p[1]).f32x4Mul();
  for (let k = 2; k <= n; k++) f.get(xxg[k]).get(p[k]).f32x4Mul().f32x4Add();
  f.get(ig33).f32x4Mul().f32x4Add().v128Store();
  // plane 1: b_x = mx·ig11
  f.get(dRow).get(xb).add().get(pPlane).add();
  for (let k = 1; k <= n; k++) {
    f.get(xg[k]).get(a[k]).get(b[k]).f32x4Sub().f32x4Mul();
    if (k > 1) f.f32x4Add();
  }
  f.get(ig11).f32x4Mul().v128Store();
  // Row v1: my = Σg·(R + L), mxy = Σkg·(R − L).
  for (let k = 1; k <= n; k++) {
    at(v1, k).set(a[k]);
    at(v1, -k).set(b[k]);
  }
  f.get(dRow).get(xb).add();
  at(v1, 0).get(g[0]).f32x4Mul();
  for (let k = 1; k <= n; k++) f.get(g[k]).get(a[k]).get(b[k]).f32x4Add().f32x4Mul().f32x4Add();
  f.get(ig11).f32x4Mul().v128Store(); // plane 0: b_y
  f.get(dRow).get(xb).add().get(pPlane).i32(4).mul().add();
  for (let k = 1; k <= n; k++) {
    f.get(xg[k]).get(a[k]).get(b[k]).f32x4Sub().f32x4Mul();
    if (k > 1) f.f32x4Add();
  }
  f.get(ig55).f32x4Mul().v128Store(); // plane 4: r_xy
  // Row v2: myy = Σg·(R + L); plane 2: r_yy = m0·ig03 + myy·ig33.
  f.get(dRow).get(xb).add().get(pPlane).i32(2).mul().add();
  f.get(m0);
  at(v2, 0).get(g[0]).f32x4Mul();
  for (let k = 1; k <= n; k++) {
    at(v2, k);
    at(v2, -k);
    f.f32x4Add().get(g[k]).f32x4Mul().f32x4Add();
  }
  f.get(ig33).f32x4Mul().f32x4Add().v128Store();
  f.get(xb).i32(16).add().tee(xb).get(pW4).ltS().brIf(0);
  f.end();

  f.get(tabRow)
    .i32(4 * (2 * n + 1))
    .add()
    .set(tabRow);
  f.get(dRow).get(pW4).add().set(dRow);
  f.get(y).i32(1).add().set(y);
  f.br(0);
  f.end().end();
  return f;
}

interface PolyExpExports {
  polyexp: (w4: number, h: number, tab: number, v: number, dst: number, plane: number, consts: number) => void;
}

/** The compiled kernel for radius n, or null where WebAssembly SIMD is unavailable. */
const instanceFor = kernelCache<number, PolyExpExports>(
  (n) => emitModule({ initial: 1, maximum: MAX_PAGES, shared: false }, [{ name: 'polyexp', fn: buildPolyExp(n) }]),
  { initial: 8, maximum: MAX_PAGES },
);

/**
 * Polynomial expansion of `src` into five planes (`dst`, layout of `polynomialExpansionPlanar`) on the
 * SIMD kernel. Returns false, leaving `dst` untouched, when the kernel cannot run this case (width not
 * a multiple of 4, no WebAssembly SIMD, image too large).
 */
export function polyExpWasm(
  src: Float32Array,
  width: number,
  height: number,
  k: PolyExpKernel,
  dst: Float32Array,
): boolean {
  if (width % 4 !== 0 || width < 4) return false;
  const n = k.n;
  const inst = instanceFor(n);
  if (!inst) return false;
  const N = width * height;
  // Layout (bytes): consts | row table | 3 work rows | src | 5 planes.
  const consts = 0;
  const tab = align16(4 * (3 * n + 7));
  const rows = align16(tab + 4 * height * (2 * n + 1));
  const rowBytes = 4 * (width + 2 * n);
  const srcOff = align16(rows + 3 * rowBytes);
  const dstOff = align16(srcOff + 4 * N);
  const end = dstOff + 4 * 5 * N;
  if (!growToFit(inst.memory, end, MAX_PAGES)) return false;
  const buf = inst.memory.buffer;

  writePolyExpTables(buf, consts, tab, k, width, height, srcOff);
  new Float32Array(buf, srcOff, N).set(src.subarray(0, N));
  inst.exports.polyexp(4 * width, height, tab, rows, dstOff, 4 * N, consts);
  dst.set(new Float32Array(buf, dstOff, 5 * N));
  return true;
}

/**
 * Writes the kernel constants (`3n + 7` floats at `consts`) and the clamped source-row table
 * (`height·(2n+1)` i32 at `tab`, rows of `src` at byte address `srcOff`) that `polyexp` reads.
 */
export function writePolyExpTables(
  buf: ArrayBuffer,
  consts: number,
  tab: number,
  k: PolyExpKernel,
  width: number,
  height: number,
  srcOff: number,
): void {
  const n = k.n;
  const c = new Float32Array(buf, consts, 3 * n + 7);
  c.set(k.g, 0);
  c.set(k.xg, n + 1);
  c.set(k.xxg, 2 * n + 2);
  c[3 * n + 3] = k.ig11;
  c[3 * n + 4] = k.ig03;
  c[3 * n + 5] = k.ig33;
  c[3 * n + 6] = k.ig55;
  const t = new Int32Array(buf, tab, height * (2 * n + 1));
  for (let y = 0, i = 0; y < height; y++) {
    for (let j = -n; j <= n; j++, i++) t[i] = srcOff + 4 * width * Math.min(Math.max(y + j, 0), height - 1);
  }
}
