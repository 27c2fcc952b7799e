// Emits the kernel module: the SIMD GEMM macro-kernel (an MR x NR register-blocked micro-kernel
// over packed panels, edge tiles merged through a scratch tile) and the wasm halves of packing
// (`seg` strided copies, `walk` im2col rows, `packA4` 4x4 transposes, `copy4`). Owns instruction
// sequences only; blocking, job layout and memory live elsewhere. The module also carries the
// Winograd transforms (winograd-module.ts) and the 2x2 max pool (pool-module.ts). Imports only the
// byte emitter (src/wasm) and those builders.
import { F32, FunctionBuilder, I32, V128, emitModule, type MemoryImport } from '../../../wasm/emitter.js';
import {
  buildReluInPlace,
  buildWinoGradOut,
  buildWinoIn,
  buildWinoOut,
  buildWinoWeights,
  buildWinoWeightsGrad,
} from './winograd-module.js';
import { buildMaxPoolRow } from './pool-module.js';

/** Register tile shape. MR rows of A (splatted scalars) by NR columns of B (NR/4 vectors). */
export interface TileShape {
  mr: number;
  nr: number;
  /**
   * Multiply-add with relaxed SIMD's `f32x4.relaxed_madd` instead of `f32x4.mul` + `f32x4.add`
   * (only where src/wasm/host.ts's `relaxedSimdSupported`); where the engine fuses it, each product is
   * rounded once instead of twice, so results are as accurate or more.
   */
  fma?: boolean;
}

/**
 * `macro(a, b, c, ldcBytes, m, n, kc, accumulate, scratch)`: C[m, n] (+)= Apack * Bpack.
 * `a` holds ceil(m/MR) panels of kc*MR floats (k-major), `b` ceil(n/NR) panels of kc*NR floats;
 * `c` is row-major with row stride `ldcBytes`; all addresses are byte offsets. Panels must be
 * zero padded; tiles that cross the m/n edge go through the MR*NR float `scratch`.
 */
function buildMacro({ mr, nr, fma = false }: TileShape): FunctionBuilder {
  const nv = nr / 4;
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [pA, pB, pC, pLdc, pM, pN, pKc, pAcc, pScratch] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const j = f.local(I32),
    i = f.local(I32),
    ap = f.local(I32),
    bp = f.local(I32);
  const ci = f.local(I32),
    cj = f.local(I32),
    pa = f.local(I32),
    pb = f.local(I32),
    k = f.local(I32);
  const row = f.local(I32),
    rows = f.local(I32),
    cols = f.local(I32),
    r = f.local(I32),
    qb = f.local(I32);
  const srow = f.local(I32),
    t = f.local(I32);
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
  // The k loop: NR/4 vector loads of B, then per row one splat-load of A and NR/4 mul+add (or relaxed madd).
  f.loop();
  for (let q = 0; q < nv; q++)
    f.get(pb)
      .v128Load(16 * q)
      .set(bv[q]);
  for (let a = 0; a < mr; a++) {
    f.get(pa)
      .v128Load32Splat(4 * a)
      .set(av);
    for (let q = 0; q < nv; q++) {
      if (fma) f.get(av).get(bv[q]).get(acc[a][q]).f32x4RelaxedMadd().set(acc[a][q]);
      else f.get(acc[a][q]).get(av).get(bv[q]).f32x4Mul().f32x4Add().set(acc[a][q]);
    }
  }
  f.get(pa)
    .i32(mr * 4)
    .add()
    .set(pa)
    .get(pb)
    .i32(nr * 4)
    .add()
    .set(pb);
  f.get(k).i32(1).sub().tee(k).brIf(0);
  f.end();
  // Full tile: store straight into C. Edge tile: spill to scratch, merge the valid part.
  f.get(pM).get(i).sub().i32(mr).geS().get(pN).get(j).sub().i32(nr).geS().and();
  f.if();
  f.get(pAcc).if();
  f.get(ci).set(row);
  for (let a = 0; a < mr; a++) {
    for (let q = 0; q < nv; q++)
      f.get(row)
        .get(row)
        .v128Load(16 * q)
        .get(acc[a][q])
        .f32x4Add()
        .v128Store(16 * q);
    if (a < mr - 1) f.get(row).get(pLdc).add().set(row);
  }
  f.else();
  f.get(ci).set(row);
  for (let a = 0; a < mr; a++) {
    for (let q = 0; q < nv; q++)
      f.get(row)
        .get(acc[a][q])
        .v128Store(16 * q);
    if (a < mr - 1) f.get(row).get(pLdc).add().set(row);
  }
  f.end();
  f.else();
  for (let a = 0; a < mr; a++)
    for (let q = 0; q < nv; q++)
      f.get(pScratch)
        .get(acc[a][q])
        .v128Store((a * nr + 4 * q) * 4);
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
  f.get(row)
    .get(pLdc)
    .add()
    .set(row)
    .get(srow)
    .i32(nr * 4)
    .add()
    .set(srow);
  f.get(r).i32(1).add().tee(r).get(rows).ltS().brIf(0);
  f.end();
  f.end();
  f.get(ap)
    .get(pKc)
    .i32(mr * 4)
    .mul()
    .add()
    .set(ap);
  f.get(ci).get(pLdc).i32(mr).mul().add().set(ci);
  f.get(i).i32(mr).add().set(i);
  f.br(0).end().end();
  f.get(bp)
    .get(pKc)
    .i32(nr * 4)
    .mul()
    .add()
    .set(bp);
  f.get(cj)
    .i32(nr * 4)
    .add()
    .set(cj);
  f.get(j).i32(nr).add().set(j);
  f.br(0).end().end();
  return f;
}

/**
 * `seg(q, lane, groupLen, jump, dstStep, src, srcStep, count)`: copies `count` floats read at
 * `src` (+`srcStep` each) to `q` (+`dstStep` each); after every `groupLen` writes (counting from
 * `lane`) `q` also skips `jump` bytes. That one loop writes im2col runs into packed panels
 * (dstStep 4, groupLen NR) or down a panel column (dstStep NR*4); `srcStep` 0 on a zero word
 * writes zero padding. JS typed-array loops ran ~3-8 ns per float here; this runs ~1 ns or less.
 */
function buildSeg(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [q, lane, groupLen, jump, dstStep, src, srcStep, count] = [0, 1, 2, 3, 4, 5, 6, 7];
  const vec = f.local(I32);
  // Contiguous source and destination: copy four floats per step with one (unaligned) v128
  // whenever they do not cross a group end (stride-1 im2col runs and dense rows).
  f.get(srcStep).i32(4).eq().get(dstStep).i32(4).eq().and().set(vec);
  f.block().loop();
  f.get(count).i32(1).ltS().brIf(1);
  f.get(vec).get(count).i32(4).geS().and().get(lane).i32(4).add().get(groupLen).leS().and();
  f.if();
  f.get(q).get(src).v128Load().v128Store();
  f.get(src).i32(16).add().set(src);
  f.get(q).i32(16).add().set(q);
  f.get(count).i32(4).sub().set(count);
  f.get(lane).i32(4).add().tee(lane).get(groupLen).eq().if();
  f.i32(0).set(lane).get(q).get(jump).add().set(q);
  f.end();
  f.br(1);
  f.end();
  f.get(q).get(src).f32Load().f32Store();
  f.get(src).get(srcStep).add().set(src);
  f.get(q).get(dstStep).add().set(q);
  f.get(lane).i32(1).add().tee(lane).get(groupLen).eq().if();
  f.i32(0).set(lane).get(q).get(jump).add().set(q);
  f.end();
  f.get(count).i32(1).sub().set(count);
  f.br(0);
  f.end().end();
  return f;
}

/**
 * `packA4(dst, src, ldBytes, kc, dstStride)`: four rows (row-major, `ldBytes` apart) of kc floats
 * into kc groups of 4 floats, `dstStride` bytes apart (16: an A panel; NR*4: half a B panel row),
 * four k at a time through a 4x4 in-register transpose.
 */
function buildPackA4(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32]);
  const [dst, src, ld, kc, ds] = [0, 1, 2, 3, 4];
  const k = f.local(I32);
  const v = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const t = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  f.i32(0).set(k);
  f.block().loop();
  f.get(k).i32(4).add().get(kc).gtS().brIf(1);
  for (let r = 0; r < 4; r++) {
    f.get(src);
    if (r > 0) f.get(ld).i32(r).mul().add();
    f.v128Load().set(v[r]);
  }
  f.get(v[0]).get(v[1]).shuffleF32([0, 4, 1, 5]).set(t[0]);
  f.get(v[0]).get(v[1]).shuffleF32([2, 6, 3, 7]).set(t[1]);
  f.get(v[2]).get(v[3]).shuffleF32([0, 4, 1, 5]).set(t[2]);
  f.get(v[2]).get(v[3]).shuffleF32([2, 6, 3, 7]).set(t[3]);
  f.get(dst).get(t[0]).get(t[2]).shuffleF32([0, 1, 4, 5]).v128Store(0);
  f.get(dst).get(ds).add().tee(dst).get(t[0]).get(t[2]).shuffleF32([2, 3, 6, 7]).v128Store(0);
  f.get(dst).get(ds).add().tee(dst).get(t[1]).get(t[3]).shuffleF32([0, 1, 4, 5]).v128Store(0);
  f.get(dst).get(ds).add().tee(dst).get(t[1]).get(t[3]).shuffleF32([2, 3, 6, 7]).v128Store(0);
  f.get(dst).get(ds).add().set(dst).get(src).i32(16).add().set(src).get(k).i32(4).add().set(k);
  f.br(0).end().end();
  // The last kc % 4 columns one float at a time.
  f.block().loop();
  f.get(k).get(kc).geS().brIf(1);
  for (let r = 0; r < 4; r++) {
    f.get(dst).get(src);
    if (r > 0) f.get(ld).i32(r).mul().add();
    f.f32Load().f32Store(4 * r);
  }
  f.get(dst).get(ds).add().set(dst).get(src).i32(4).add().set(src).get(k).i32(1).add().set(k);
  f.br(0).end().end();
  return f;
}

/** `copy4(dst, src, srcStride, count)`: `count` 4-float vectors from `src` (+srcStride bytes each) to consecutive `dst`. */
function buildCopy4(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32]);
  const [dst, src, stride, count] = [0, 1, 2, 3];
  f.block();
  f.get(count).i32(1).ltS().brIf(0);
  f.loop();
  f.get(dst).get(src).v128Load().v128Store();
  f.get(dst).i32(16).add().set(dst).get(src).get(stride).add().set(src);
  f.get(count).i32(1).sub().tee(count).brIf(0);
  f.end().end();
  return f;
}

/**
 * `copyRows(dst, dstStride, src, srcStride, rows, len)`: `rows` runs of `len` floats, each `srcStride`
 * bytes on from the last in the source and `dstStride` bytes in the destination (4 floats per step,
 * unaligned, then the tail), so re-laying a box costs one call per plane row instead of one per row.
 */
function buildCopyRows(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32]);
  const [dst, dstStride, src, srcStride, rows, len] = [0, 1, 2, 3, 4, 5];
  const d = f.local(I32),
    s = f.local(I32),
    n = f.local(I32);
  f.block().loop();
  f.get(rows).i32(1).ltS().brIf(1);
  f.get(dst).set(d).get(src).set(s).get(len).set(n);
  f.block().loop();
  f.get(n).i32(4).ltS().brIf(1);
  f.get(d).get(s).v128Load().v128Store();
  f.get(d).i32(16).add().set(d).get(s).i32(16).add().set(s).get(n).i32(4).sub().set(n);
  f.br(0).end().end();
  f.block().loop();
  f.get(n).i32(1).ltS().brIf(1);
  f.get(d).get(s).f32Load().f32Store();
  f.get(d).i32(4).add().set(d).get(s).i32(4).add().set(s).get(n).i32(1).sub().set(n);
  f.br(0).end().end();
  f.get(dst).get(dstStride).add().set(dst).get(src).get(srcStride).add().set(src);
  f.get(rows).i32(1).sub().set(rows);
  f.br(0).end().end();
  return f;
}

/**
 * `dotRows(c, a, b, k, n, ldb, acc)`: c[j] (+)= a[0..k) . b[j*ldb ..] for j < n (`ldb` in bytes):
 * a matrix-vector product against rows of B^T read in place, eight floats per step in two
 * accumulators, for products with one or two rows of A, where packing B would cost more than the
 * arithmetic.
 */
function buildDotRows(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32]);
  const [c, a, b, k, n, ldb, acc] = [0, 1, 2, 3, 4, 5, 6];
  const pa = f.local(I32),
    pb = f.local(I32),
    r = f.local(I32),
    s0 = f.local(V128),
    s1 = f.local(V128),
    t = f.local(F32);
  f.block().loop();
  f.get(n).i32(1).ltS().brIf(1);
  f.v128Zero().set(s0).v128Zero().set(s1);
  f.get(a).set(pa).get(b).set(pb).get(k).set(r);
  f.block().loop();
  f.get(r).i32(8).ltS().brIf(1);
  f.get(s0).get(pa).v128Load(0).get(pb).v128Load(0).f32x4Mul().f32x4Add().set(s0);
  f.get(s1).get(pa).v128Load(16).get(pb).v128Load(16).f32x4Mul().f32x4Add().set(s1);
  f.get(pa).i32(32).add().set(pa).get(pb).i32(32).add().set(pb).get(r).i32(8).sub().set(r);
  f.br(0).end().end();
  f.get(s0).get(s1).f32x4Add().set(s0);
  // Horizontal sum, then the k % 8 tail.
  f.get(s0).simdOp(0x1f, 0).get(s0).simdOp(0x1f, 1).f32Add();
  f.get(s0).simdOp(0x1f, 2).get(s0).simdOp(0x1f, 3).f32Add().f32Add().set(t);
  f.block().loop();
  f.get(r).i32(1).ltS().brIf(1);
  f.get(t).get(pa).f32Load().get(pb).f32Load().op(0x94).f32Add().set(t);
  f.get(pa).i32(4).add().set(pa).get(pb).i32(4).add().set(pb).get(r).i32(1).sub().set(r);
  f.br(0).end().end();
  f.get(c).get(t).get(c).f32Load().f32(0).get(acc).select().f32Add().f32Store();
  f.get(c).i32(4).add().set(c).get(b).get(ldb).add().set(b);
  f.get(n).i32(1).sub().set(n);
  f.br(0).end().end();
  return f;
}

/** Function index of `seg` in the module (for `walk`'s calls). */
const SEG_INDEX = 1;

/**
 * `walk(q, lane, groupLen, jump, dstStep, xb, D, H, W, sD, sH, sW, offD, offH, offW, oH, oW,
 * od, oh, ow, count, zero)`: the im2col values of one kernel tap (input channel base `xb`, tap
 * offsets off*) for `count` output positions from (od, oh, ow), written through `seg`'s cursor
 * rules. Per output row it writes zeros left of the input, the in-bounds stretch, zeros right;
 * rows outside the input are zeros. Doing the walk here saves the JS glue and call per stretch.
 */
function buildWalk(): FunctionBuilder {
  const f = new FunctionBuilder(new Array(22).fill(I32));
  const [q, lane, groupLen, jump, dstStep, xb, D, H, W, sD, sH, sW, offD, offH, offW, oH, oW, od, oh, ow, count, zero] =
    Array.from({ length: 22 }, (_, i) => i);
  const run = f.local(I32),
    id = f.local(I32),
    ih = f.local(I32),
    rb = f.local(I32),
    iw0 = f.local(I32);
  const lo = f.local(I32),
    hi = f.local(I32),
    tot = f.local(I32),
    wraps = f.local(I32),
    n = f.local(I32),
    t = f.local(I32);
  /** seg(src, step) for `n` floats, then the cursor moves exactly as seg moved it. */
  const emit = (src: () => void, step: () => void): void => {
    f.get(n).i32(0).gtS().if();
    f.get(q).get(lane).get(groupLen).get(jump).get(dstStep);
    src();
    step();
    f.get(n).call(SEG_INDEX);
    f.get(lane).get(n).add().tee(tot).get(groupLen).divU().set(wraps);
    f.get(q).get(n).get(dstStep).mul().add().get(wraps).get(jump).mul().add().set(q);
    f.get(tot).get(wraps).get(groupLen).mul().sub().set(lane);
    f.end();
  };
  const zeroSrc = (): void => {
    f.get(zero);
  };
  const noStep = (): void => {
    f.i32(0);
  };
  f.block().loop();
  f.get(count).i32(1).ltS().brIf(1);
  // run = min(oW - ow, count)
  f.get(oW).get(ow).sub().tee(t).get(count).get(t).get(count).ltS().select().set(run);
  f.get(od).get(sD).mul().get(offD).add().set(id);
  f.get(oh).get(sH).mul().get(offH).add().set(ih);
  f.get(ow).get(sW).mul().get(offW).add().set(iw0);
  f.get(id).get(D).ltU().get(ih).get(H).ltU().and().if();
  f.get(xb).get(id).get(H).mul().get(ih).add().get(W).mul().i32(4).mul().add().set(rb);
  // lo = iw0 >= 0 ? 0 : min(run, ceil(-iw0 / sW))
  f.i32(0).set(lo);
  f.get(iw0).i32(0).ltS().if();
  f.get(sW).i32(1).sub().get(iw0).sub().get(sW).divS().tee(t).get(run).get(t).get(run).ltS().select().set(lo);
  f.end();
  // hi = iw0 > W - 1 ? lo : max(lo, min(run, floor((W - 1 - iw0) / sW) + 1))
  f.get(lo).set(hi);
  f.get(iw0).get(W).ltS().if();
  f.get(W)
    .i32(1)
    .sub()
    .get(iw0)
    .sub()
    .get(sW)
    .divS()
    .i32(1)
    .add()
    .tee(t)
    .get(run)
    .get(t)
    .get(run)
    .ltS()
    .select()
    .tee(t);
  f.get(lo).get(t).get(lo).gtS().select().set(hi);
  f.end();
  f.get(lo).set(n);
  emit(zeroSrc, noStep);
  f.get(hi).get(lo).sub().set(n);
  emit(
    () => {
      f.get(rb).get(iw0).get(lo).get(sW).mul().add().i32(4).mul().add();
    },
    () => {
      f.get(sW).i32(4).mul();
    },
  );
  f.get(run).get(hi).sub().set(n);
  emit(zeroSrc, noStep);
  f.else();
  f.get(run).set(n);
  emit(zeroSrc, noStep);
  f.end();
  f.get(count).get(run).sub().set(count);
  f.i32(0).set(ow);
  f.get(oh).i32(1).add().tee(oh).get(oH).eq().if();
  f.i32(0).set(oh).get(od).i32(1).add().set(od);
  f.end();
  f.br(0).end().end();
  return f;
}

/** The module bytes for a tile shape and memory import. */
export function gemmModuleBytes(tile: TileShape, memory: MemoryImport): Uint8Array<ArrayBuffer> {
  if (tile.mr !== 4) throw new Error(`gemm-module: the A packers assume MR = 4, got ${tile.mr}`);
  if (tile.nr % 4 !== 0) throw new Error(`gemm-module: NR must be a multiple of 4, got ${tile.nr}`);
  const bytes = emitModule(memory, [
    { name: 'macro', fn: buildMacro(tile) },
    { name: 'seg', fn: buildSeg() },
    { name: 'packA4', fn: buildPackA4() },
    { name: 'copy4', fn: buildCopy4() },
    { name: 'walk', fn: buildWalk() },
    { name: 'winoIn', fn: buildWinoIn() },
    { name: 'winoOut', fn: buildWinoOut() },
    { name: 'winoWeights', fn: buildWinoWeights() },
    { name: 'reluInPlace', fn: buildReluInPlace() },
    { name: 'maxPoolRow', fn: buildMaxPoolRow() },
    { name: 'copyRows', fn: buildCopyRows() },
    { name: 'dotRows', fn: buildDotRows() },
    { name: 'winoGradOut', fn: buildWinoGradOut() },
    { name: 'winoWeightsGrad', fn: buildWinoWeightsGrad() },
  ]);
  if (!WebAssembly.validate(bytes)) throw new Error('gemm-module: emitted module does not validate');
  return bytes;
}
