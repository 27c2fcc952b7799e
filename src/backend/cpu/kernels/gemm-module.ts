// Emits the WebAssembly SIMD GEMM macro-kernel: an MR x NR register-blocked micro-kernel over
// packed A and B panels, looped over a whole block, with edge tiles merged through a scratch
// tile. Owns the instruction sequence only; packing, blocking and memory live elsewhere.
// Imports only the byte emitter.
import { FunctionBuilder, I32, V128, emitModule, type MemoryImport } from './wasm-emitter.js';

/** Register tile shape. MR rows of A (splatted scalars) by NR columns of B (NR/4 vectors). */
export interface TileShape {
  mr: number;
  nr: number;
}

/**
 * `macro(a, b, c, ldcBytes, m, n, kc, accumulate, scratch)`: C[m, n] (+)= Apack * Bpack.
 * `a` holds ceil(m/MR) panels of kc*MR floats (k-major), `b` ceil(n/NR) panels of kc*NR floats;
 * `c` is row-major with row stride `ldcBytes`; all addresses are byte offsets. Panels must be
 * zero padded; tiles that cross the m/n edge go through the MR*NR float `scratch`.
 */
function buildMacro({ mr, nr }: TileShape): FunctionBuilder {
  const nv = nr / 4;
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [pA, pB, pC, pLdc, pM, pN, pKc, pAcc, pScratch] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const j = f.local(I32), i = f.local(I32), ap = f.local(I32), bp = f.local(I32);
  const ci = f.local(I32), cj = f.local(I32), pa = f.local(I32), pb = f.local(I32), k = f.local(I32);
  const row = f.local(I32), rows = f.local(I32), cols = f.local(I32), r = f.local(I32), qb = f.local(I32);
  const srow = f.local(I32), t = f.local(I32);
  const acc: number[][] = [];
  for (let a = 0; a < mr; a++) acc.push(Array.from({ length: nv }, () => f.local(V128)));
  const bv = Array.from({ length: nv }, () => f.local(V128));
  const av = f.local(V128);

  f.get(pB).set(bp).get(pC).set(cj).i32(0).set(j);
  f.block().loop();
  f.get(j).get(pN).geS().brIf(1);
  f.get(pA).set(ap).get(cj).set(ci).i32(0).set(i);
  f.block().loop();
  f.get(i).get(pM).geS().brIf(1);
  for (const rr of acc) for (const v of rr) f.v128Zero().set(v);
  f.get(ap).set(pa).get(bp).set(pb).get(pKc).set(k);
  // The k loop: NR/4 vector loads of B, then per row one splat-load of A and NR/4 mul+add.
  f.loop();
  for (let q = 0; q < nv; q++) f.get(pb).v128Load(16 * q).set(bv[q]);
  for (let a = 0; a < mr; a++) {
    f.get(pa).v128Load32Splat(4 * a).set(av);
    for (let q = 0; q < nv; q++) f.get(acc[a][q]).get(av).get(bv[q]).f32x4Mul().f32x4Add().set(acc[a][q]);
  }
  f.get(pa).i32(mr * 4).add().set(pa).get(pb).i32(nr * 4).add().set(pb);
  f.get(k).i32(1).sub().tee(k).brIf(0);
  f.end();
  // Full tile: store straight into C. Edge tile: spill to scratch, merge the valid part.
  f.get(pM).get(i).sub().i32(mr).geS().get(pN).get(j).sub().i32(nr).geS().and();
  f.if();
  f.get(pAcc).if();
  f.get(ci).set(row);
  for (let a = 0; a < mr; a++) {
    for (let q = 0; q < nv; q++) f.get(row).get(row).v128Load(16 * q).get(acc[a][q]).f32x4Add().v128Store(16 * q);
    if (a < mr - 1) f.get(row).get(pLdc).add().set(row);
  }
  f.else();
  f.get(ci).set(row);
  for (let a = 0; a < mr; a++) {
    for (let q = 0; q < nv; q++) f.get(row).get(acc[a][q]).v128Store(16 * q);
    if (a < mr - 1) f.get(row).get(pLdc).add().set(row);
  }
  f.end();
  f.else();
  for (let a = 0; a < mr; a++) for (let q = 0; q < nv; q++) f.get(pScratch).get(acc[a][q]).v128Store((a * nr + 4 * q) * 4);
  // rows = min(MR, m - i), cols = min(NR, n - j) * 4 (bytes)
  f.get(pM).get(i).sub().tee(t).i32(mr).get(t).i32(mr).ltS().select().set(rows);
  f.get(pN).get(j).sub().tee(t).i32(nr).get(t).i32(nr).ltS().select().i32(4).mul().set(cols);
  f.get(ci).set(row).get(pScratch).set(srow).i32(0).set(r);
  f.loop();
  f.i32(0).set(qb);
  f.loop();
  f.get(row).get(qb).add().set(t);
  f.get(t).get(srow).get(qb).add().f32Load();
  // value = scratch + (acc ? C : 0): C is loaded unconditionally (it is in bounds), then selected.
  f.get(t).f32Load().f32(0).get(pAcc).select().f32Add().f32Store();
  f.get(qb).i32(4).add().tee(qb).get(cols).ltS().brIf(0);
  f.end();
  f.get(row).get(pLdc).add().set(row).get(srow).i32(nr * 4).add().set(srow);
  f.get(r).i32(1).add().tee(r).get(rows).ltS().brIf(0);
  f.end();
  f.end();
  f.get(ap).get(pKc).i32(mr * 4).mul().add().set(ap);
  f.get(ci).get(pLdc).i32(mr).mul().add().set(ci);
  f.get(i).i32(mr).add().set(i);
  f.br(0).end().end();
  f.get(bp).get(pKc).i32(nr * 4).mul().add().set(bp);
  f.get(cj).i32(nr * 4).add().set(cj);
  f.get(j).i32(nr).add().set(j);
  f.br(0).end().end();
  return f;
}

/** The module bytes for a tile shape and memory import. */
export function gemmModuleBytes(tile: TileShape, memory: MemoryImport): Uint8Array<ArrayBuffer> {
  if (tile.nr % 4 !== 0) throw new Error(`gemm-module: NR must be a multiple of 4, got ${tile.nr}`);
  const bytes = emitModule(memory, [{ name: 'macro', fn: buildMacro(tile) }]);
  if (!WebAssembly.validate(bytes)) throw new Error('gemm-module: emitted module does not validate');
  return bytes;
}
