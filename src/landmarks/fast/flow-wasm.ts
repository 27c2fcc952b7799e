// Farneback's per-layer work as one WebAssembly module over one memory: the polynomial expansion (the
// SIMD kernel of polyexp-wasm.ts), OpenCV's FarnebackUpdateMatrices and FarnebackUpdateFlow_Blur (box
// window, running column sums in double, 2×2 solve, matrices rebuilt stripe by stripe). The expansions,
// G/h matrices and each layer's flow stay in the module's memory for the whole pyramid; JS only builds
// the layer images (straight into that memory) and copies the finest flow out.
//
// updmat and boxflow are scalar f64 code that performs the same operations in the same order as the JS
// functions in ../farneback.ts (f32 loads promoted, f32 stores rounded), so both paths give the same
// numbers. Imports only the WebAssembly emitter and run-time helpers (src/wasm), the expansion kernel and
// two types.
import type { TapTable } from '../image.js';
import type { PolyExpKernel } from '../polynomial-expansion.js';
import { buildPolyExp, writePolyExpTables } from './polyexp-wasm.js';
import { FunctionBuilder, emitModule, F64, I32, V128 } from '../../wasm/emitter.js';
import { align16, growToFit, kernelCache, type KernelInstance } from '../../wasm/instance.js';

const MAX_PAGES = 1024; // 64 MiB

// Function indices in the module (emitModule numbers them in order).
const FN_UPDMAT = 2;

/** `interleave(src, dst, count)`: five planes of `count` floats → five floats per pixel. */
function buildInterleave(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32]);
  const [pSrc, pDst, pN] = [0, 1, 2];
  const plane = f.local(I32);
  const s = f.local(I32);
  const end = f.local(I32);
  f.get(pN).i32(2).shl().set(plane);
  f.get(pSrc).get(plane).add().set(end);
  f.get(pSrc).set(s);
  f.block().get(pN).eqz().brIf(0).loop();
  for (let c = 0; c < 5; c++) {
    f.get(pDst).get(s);
    if (c > 0) f.get(plane).i32(c).mul().add();
    f.f32Load().f32Store(4 * c);
  }
  f.get(pDst).i32(20).add().set(pDst);
  f.get(s).i32(4).add().tee(s).get(end).ltS().brIf(0);
  f.end().end();
  return f;
}

/**
 * `updmat(R0, R1, flow, M, w, h, y0, y1, colW, rowW)`: FarnebackUpdateMatrices for rows [y0, y1).
 * R0/R1: interleaved expansions (5 f32 per pixel); flow: 2 f32 per pixel; M: 5 f32 per pixel out;
 * colW/rowW: f64 border damping factors per column / row (1 inside).
 */
function buildUpdMat(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [pR0, pR1, pFlow, pM, pW, pH, pY0, pY1, pColW, pRowW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const y = f.local(I32);
  const x = f.local(I32);
  const r0 = f.local(I32);
  const fl = f.local(I32);
  const mo = f.local(I32);
  const cw = f.local(I32);
  const q = f.local(I32);
  const q1 = f.local(I32);
  const ix = f.local(I32);
  const iy = f.local(I32);
  const rowB = f.local(I32);
  const [xf, yf, dx, dy, fx, fy, xMax, yMax, wy, s] = Array.from({ length: 10 }, () => f.local(F64));
  const [a00, a01, a10, a11, r2, r3, r4, r5, r6] = Array.from({ length: 9 }, () => f.local(F64));

  f.get(pW).i32(1).sub().f64ConvertI32S().set(xMax);
  f.get(pH).i32(1).sub().f64ConvertI32S().set(yMax);
  f.get(pW).i32(20).mul().set(rowB);
  f.get(pY0).set(y);
  f.block().loop();
  f.get(y).get(pY1).geS().brIf(1);
  // Row pointers.
  f.get(y).get(pW).mul().set(x); // x holds p = y·w for a moment
  f.get(pR0).get(x).i32(20).mul().add().set(r0);
  f.get(pFlow).get(x).i32(8).mul().add().set(fl);
  f.get(pM).get(x).i32(20).mul().add().set(mo);
  f.get(pColW).set(cw);
  f.get(y).f64ConvertI32S().set(yf);
  f.get(pRowW).get(y).i32(8).mul().add().f64Load().set(wy);
  f.i32(0).set(x);
  f.f64(0).set(xf);
  emitPairs(f, { pR0, pR1, pW, x, xf, yf, wy, r0, fl, mo, cw, xMax, yMax, rowB });
  f.block();
  f.get(x).get(pW).geS().brIf(0);
  f.loop();
  {
    f.get(fl).f32LoadAsF64(0).set(dx);
    f.get(fl).f32LoadAsF64(4).set(dy);
    f.get(xf).get(dx).f64Add().set(fx);
    f.get(yf).get(dy).f64Add().set(fy);
    // fx >= 0 && fx < xMax && fy >= 0 && fy < yMax (false for NaN, like the JS and OpenCV tests)
    f.get(fx).f64(0).f64Ge();
    f.get(fx).get(xMax).f64Lt().and();
    f.get(fy).f64(0).f64Ge().and();
    f.get(fy).get(yMax).f64Lt().and();
    f.if();
    {
      f.get(fx).i32TruncF64S().set(ix);
      f.get(fy).i32TruncF64S().set(iy);
      f.get(fx).get(ix).f64ConvertI32S().f64Sub().set(fx);
      f.get(fy).get(iy).f64ConvertI32S().f64Sub().set(fy);
      // a00 = (1 − fx)(1 − fy), a01 = fx(1 − fy), a10 = (1 − fx)fy, a11 = fx·fy
      f.f64(1).get(fx).f64Sub().f64(1).get(fy).f64Sub().f64Mul().set(a00);
      f.get(fx).f64(1).get(fy).f64Sub().f64Mul().set(a01);
      f.f64(1).get(fx).f64Sub().get(fy).f64Mul().set(a10);
      f.get(fx).get(fy).f64Mul().set(a11);
      f.get(pR1).get(iy).get(pW).mul().get(ix).add().i32(20).mul().add().tee(q).get(rowB).add().set(q1);
      const rs = [r2, r3, r4, r5, r6];
      for (let c = 0; c < 5; c++) {
        // ((a00·R[q] + a01·R[q+1]) + a10·R[q1]) + a11·R[q1+1]
        f.get(a00)
          .get(q)
          .f32LoadAsF64(4 * c)
          .f64Mul();
        f.get(a01)
          .get(q)
          .f32LoadAsF64(20 + 4 * c)
          .f64Mul()
          .f64Add();
        f.get(a10)
          .get(q1)
          .f32LoadAsF64(4 * c)
          .f64Mul()
          .f64Add();
        f.get(a11)
          .get(q1)
          .f32LoadAsF64(20 + 4 * c)
          .f64Mul()
          .f64Add();
        f.set(rs[c]);
      }
      f.get(r0).f32LoadAsF64(8).get(r4).f64Add().f64(0.5).f64Mul().set(r4);
      f.get(r0).f32LoadAsF64(12).get(r5).f64Add().f64(0.5).f64Mul().set(r5);
      f.get(r0).f32LoadAsF64(16).get(r6).f64Add().f64(0.25).f64Mul().set(r6);
    }
    f.else();
    {
      f.f64(0).set(r2);
      f.f64(0).set(r3);
      f.get(r0).f32LoadAsF64(8).set(r4);
      f.get(r0).f32LoadAsF64(12).set(r5);
      f.get(r0).f32LoadAsF64(16).f64(0.5).f64Mul().set(r6);
    }
    f.end();
    f.get(r0).f32LoadAsF64(0).get(r2).f64Sub().f64(0.5).f64Mul().set(r2);
    f.get(r0).f32LoadAsF64(4).get(r3).f64Sub().f64(0.5).f64Mul().set(r3);
    // r2 += r4·dy + r6·dx; r3 += r6·dy + r5·dx
    f.get(r2).get(r4).get(dy).f64Mul().get(r6).get(dx).f64Mul().f64Add().f64Add().set(r2);
    f.get(r3).get(r6).get(dy).f64Mul().get(r5).get(dx).f64Mul().f64Add().f64Add().set(r3);
    // Border damping (s = 1 inside, where the products are exact).
    f.get(wy).get(cw).f64Load().f64Mul().set(s);
    for (const r of [r2, r3, r4, r5, r6]) f.get(r).get(s).f64Mul().set(r);
    f.get(mo).get(r4).get(r4).f64Mul().get(r6).get(r6).f64Mul().f64Add().f64StoreAsF32(0);
    f.get(mo).get(r4).get(r5).f64Add().get(r6).f64Mul().f64StoreAsF32(4);
    f.get(mo).get(r5).get(r5).f64Mul().get(r6).get(r6).f64Mul().f64Add().f64StoreAsF32(8);
    f.get(mo).get(r4).get(r2).f64Mul().get(r6).get(r3).f64Mul().f64Add().f64StoreAsF32(12);
    f.get(mo).get(r6).get(r2).f64Mul().get(r5).get(r3).f64Mul().f64Add().f64StoreAsF32(16);
    f.get(fl).i32(8).add().set(fl);
    f.get(r0).i32(20).add().set(r0);
    f.get(mo).i32(20).add().set(mo);
    f.get(cw).i32(8).add().set(cw);
    f.get(xf).f64(1).f64Add().set(xf);
    f.get(x).i32(1).add().tee(x).get(pW).ltS().brIf(0);
  }
  f.end();
  f.end();
  f.get(y).i32(1).add().set(y);
  f.br(0);
  f.end().end();
  return f;
}

/**
 * The body of updmat for pixel pairs (x, x+1) while x + 1 < w, as f64x2: the same f64 operations lane
 * by lane as the scalar loop (so the same results), with both branches computed and blended by the
 * in-image mask. Advances x, xf and the row pointers past the pairs; the scalar loop does the rest.
 */
function emitPairs(
  f: FunctionBuilder,
  l: {
    pR0: number;
    pR1: number;
    pW: number;
    x: number;
    xf: number;
    yf: number;
    wy: number;
    r0: number;
    fl: number;
    mo: number;
    cw: number;
    xMax: number;
    yMax: number;
    rowB: number;
  },
): void {
  const V = () => f.local(V128);
  const [xv, yv, dx, dy, fx, fy, mask, ixy, a00, a01, a10, a11, s] = Array.from({ length: 13 }, V);
  const [half, quarter, one, two, xMaxV, yMaxV, fl4, iy] = Array.from({ length: 8 }, V);
  const r = Array.from({ length: 5 }, V);
  const r0v = Array.from({ length: 5 }, V);
  const [qa, qb, q1a, q1b] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  f.f64(0.5).f64x2Splat().set(half);
  f.f64(0.25).f64x2Splat().set(quarter);
  f.f64(1).f64x2Splat().set(one);
  f.f64(2).f64x2Splat().set(two);
  f.get(l.xMax).f64x2Splat().set(xMaxV);
  f.get(l.yMax).f64x2Splat().set(yMaxV);
  f.get(l.yf).f64x2Splat().set(yv);
  // xv = (x, x + 1) = (0, 1) at the row start (f64x2.replace_lane 1)
  f.f64(0).f64x2Splat().f64(1).f64x2ReplaceLane(1).set(xv);
  f.block();
  f.get(l.x).i32(1).add().get(l.pW).geS().brIf(0);
  f.loop();
  {
    f.get(l.fl).v128Load().set(fl4);
    f.get(fl4).get(fl4);
    f.shuffleF32([0, 2, 0, 2]);
    f.f64x2PromoteLow().set(dx);
    f.get(fl4).get(fl4);
    f.shuffleF32([1, 3, 1, 3]);
    f.f64x2PromoteLow().set(dy);
    f.get(xv).get(dx).f64x2Add().set(fx);
    f.get(yv).get(dy).f64x2Add().set(fy);
    f.get(fx).f64(0).f64x2Splat().f64x2Ge();
    f.get(fx).get(xMaxV).f64x2Lt().v128And();
    f.get(fy).f64(0).f64x2Splat().f64x2Ge().v128And();
    f.get(fy).get(yMaxV).f64x2Lt().v128And().set(mask);
    f.get(fx).i32x4TruncSatF64x2SZero().set(ixy);
    f.get(fy).i32x4TruncSatF64x2SZero().set(iy);
    f.get(fx).get(ixy).f64x2ConvertLowI32x4S().f64x2Sub().set(fx);
    f.get(fy).get(iy).f64x2ConvertLowI32x4S().f64x2Sub().set(fy);
    // Corner addresses (R1 itself for pixels outside, whose values are discarded).
    for (const [lane, q] of [
      [0, qa],
      [1, qb],
    ] as const) {
      f.get(l.pR1)
        .get(iy)
        .i32x4ExtractLane(lane)
        .get(l.pW)
        .mul()
        .get(ixy)
        .i32x4ExtractLane(lane)
        .add()
        .i32(20)
        .mul()
        .add();
      f.get(l.pR1)
        .get(mask)
        .i32x4ExtractLane(2 * lane)
        .select()
        .set(q);
    }
    f.get(qa).get(l.rowB).add().set(q1a);
    f.get(qb).get(l.rowB).add().set(q1b);
    f.get(one).get(fx).f64x2Sub().get(one).get(fy).f64x2Sub().f64x2Mul().set(a00);
    f.get(fx).get(one).get(fy).f64x2Sub().f64x2Mul().set(a01);
    f.get(one).get(fx).f64x2Sub().get(fy).f64x2Mul().set(a10);
    f.get(fx).get(fy).f64x2Mul().set(a11);
    const gather = (pa: number, pb: number, off: number) => {
      f.get(pa).v128Load32Zero(off).set(s);
      f.get(pb).get(s).v128Load32Lane(1, off).f64x2PromoteLow();
    };
    for (let c = 0; c < 5; c++) {
      f.get(a00);
      gather(qa, qb, 4 * c);
      f.f64x2Mul();
      f.get(a01);
      gather(qa, qb, 20 + 4 * c);
      f.f64x2Mul().f64x2Add();
      f.get(a10);
      gather(q1a, q1b, 4 * c);
      f.f64x2Mul().f64x2Add();
      f.get(a11);
      gather(q1a, q1b, 20 + 4 * c);
      f.f64x2Mul().f64x2Add();
      f.set(r[c]);
      // R0 of both pixels (20 bytes apart)
      f.get(l.r0)
        .v128Load32Zero(4 * c)
        .set(s);
      f.get(l.r0)
        .get(s)
        .v128Load32Lane(1, 20 + 4 * c)
        .f64x2PromoteLow()
        .set(r0v[c]);
    }
    const [r2, r3, r4, r5, r6] = r;
    // inside: r4 = (R0₂ + r4)·0.5, r5 = (R0₃ + r5)·0.5, r6 = (R0₄ + r6)·0.25; outside: R0₂, R0₃, R0₄·0.5, r2 = r3 = 0
    f.get(r0v[2]).get(r4).f64x2Add().get(half).f64x2Mul().get(r0v[2]).get(mask).v128Bitselect().set(r4);
    f.get(r0v[3]).get(r5).f64x2Add().get(half).f64x2Mul().get(r0v[3]).get(mask).v128Bitselect().set(r5);
    f.get(r0v[4])
      .get(r6)
      .f64x2Add()
      .get(quarter)
      .f64x2Mul()
      .get(r0v[4])
      .get(half)
      .f64x2Mul()
      .get(mask)
      .v128Bitselect()
      .set(r6);
    f.get(r2).get(mask).v128And().set(r2);
    f.get(r3).get(mask).v128And().set(r3);
    f.get(r0v[0]).get(r2).f64x2Sub().get(half).f64x2Mul().set(r2);
    f.get(r0v[1]).get(r3).f64x2Sub().get(half).f64x2Mul().set(r3);
    f.get(r2).get(r4).get(dy).f64x2Mul().get(r6).get(dx).f64x2Mul().f64x2Add().f64x2Add().set(r2);
    f.get(r3).get(r6).get(dy).f64x2Mul().get(r5).get(dx).f64x2Mul().f64x2Add().f64x2Add().set(r3);
    f.get(l.wy).f64x2Splat().get(l.cw).v128Load().f64x2Mul().set(s);
    for (const v of r) f.get(v).get(s).f64x2Mul().set(v);
    const store = (c: number) => {
      f.set(s);
      f.get(l.mo)
        .get(s)
        .v128Store32Lane(0, 4 * c);
      f.get(l.mo)
        .get(s)
        .v128Store32Lane(1, 20 + 4 * c);
    };
    f.get(r4).get(r4).f64x2Mul().get(r6).get(r6).f64x2Mul().f64x2Add().f32x4DemoteZero();
    store(0);
    f.get(r4).get(r5).f64x2Add().get(r6).f64x2Mul().f32x4DemoteZero();
    store(1);
    f.get(r5).get(r5).f64x2Mul().get(r6).get(r6).f64x2Mul().f64x2Add().f32x4DemoteZero();
    store(2);
    f.get(r4).get(r2).f64x2Mul().get(r6).get(r3).f64x2Mul().f64x2Add().f32x4DemoteZero();
    store(3);
    f.get(r6).get(r2).f64x2Mul().get(r5).get(r3).f64x2Mul().f64x2Add().f32x4DemoteZero();
    store(4);
    f.get(l.fl).i32(16).add().set(l.fl);
    f.get(l.r0).i32(40).add().set(l.r0);
    f.get(l.mo).i32(40).add().set(l.mo);
    f.get(l.cw).i32(16).add().set(l.cw);
    f.get(xv).get(two).f64x2Add().set(xv);
    f.get(l.xf).f64(2).f64Add().set(l.xf);
    f.get(l.x).i32(2).add().tee(l.x).i32(1).add().get(l.pW).ltS().brIf(0);
  }
  f.end();
  f.end();
}

/**
 * `boxflow(R0, R1, flow, M, w, h, colW, rowW, vsum, m, scale, update, minStripe)`: one iteration of
 * FarnebackUpdateFlow_Blur with a (2m+1)² box (sums normalised by `scale` = 1/winSize²). `vsum` is the
 * f64 column-sum row, with m+1 replicated entries (5 doubles each) before it and m after it.
 */
function buildBoxFlow(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F64, I32, I32, I32]);
  const [pR0, pR1, pFlow, pM, pW, pH, pColW, pRowW, pV, pm, pScale, pUpdate, pMinStripe, pBlock] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
  ];
  const y = f.local(I32);
  const i = f.local(I32);
  const a = f.local(I32);
  const b = f.local(I32);
  const end = f.local(I32);
  const n5b = f.local(I32); // 5·w doubles, in bytes
  const rowM = f.local(I32); // one row of M, bytes
  const fl = f.local(I32);
  const yDone = f.local(I32);
  const yUpd = f.local(I32);
  const [mp2, g11, g12, g22, h1, h2, G11, G12, G22, H1, H2, idet] = Array.from({ length: 12 }, () => f.local(F64));
  const g = [g11, g12, g22, h1, h2];

  f.get(pW).i32(40).mul().set(n5b);
  f.get(pW).i32(20).mul().set(rowM);
  f.get(pm).i32(2).add().f64ConvertI32S().set(mp2);
  f.i32(0).set(yDone);
  // vsum = M[row 0]·(m + 2)
  f.get(pM).set(a).get(pV).set(b).get(pV).get(n5b).add().set(end);
  f.loop();
  f.get(b).get(a).f32LoadAsF64().get(mp2).f64Mul().f64Store();
  f.get(a).i32(4).add().set(a);
  f.get(b).i32(8).add().tee(b).get(end).ltS().brIf(0);
  f.end();
  // vsum += M[min(y, h−1)] for y = 1 … m−1
  f.i32(1).set(y);
  f.block().loop();
  f.get(y).get(pm).geS().brIf(1);
  f.get(pM).get(y).get(pH).i32(1).sub().get(y).get(pH).i32(1).sub().ltS().select().get(rowM).mul().add().set(a);
  f.get(pV).set(b);
  f.loop();
  f.get(b).get(b).f64Load().get(a).f32LoadAsF64().f64Add().f64Store();
  f.get(a).i32(4).add().set(a);
  f.get(b).i32(8).add().tee(b).get(end).ltS().brIf(0);
  f.end();
  f.get(y).i32(1).add().set(y);
  f.br(0);
  f.end().end();

  f.i32(0).set(y);
  f.block().loop();
  f.get(y).get(pH).geS().brIf(1);
  {
    // Vertical step: row y+m enters, row y−m−1 leaves (both clamped).
    // a = M + max(y − m − 1, 0)·rowM ; i = M + min(y + m, h − 1)·rowM
    f.get(pM);
    f.get(y).get(pm).sub().i32(1).sub().tee(a).i32(0).get(a).i32(0).gtS().select();
    f.get(rowM).mul().add().set(a);
    f.get(pM);
    f.get(y).get(pm).add().tee(i).get(pH).i32(1).sub().get(i).get(pH).i32(1).sub().ltS().select();
    f.get(rowM).mul().add().set(i);
    f.get(pV).set(b);
    f.loop();
    f.get(b).get(b).f64Load().get(i).f32LoadAsF64().get(a).f32LoadAsF64().f64Sub().f64Add().f64Store();
    f.get(a).i32(4).add().set(a);
    f.get(i).i32(4).add().set(i);
    f.get(b).i32(8).add().tee(b).get(end).ltS().brIf(0);
    f.end();
    // Replicate the edge columns: vsum[−1−t] = vsum[4−t], vsum[5w+t] = vsum[5w+t−5], t < 5(m+1).
    f.i32(0).set(i);
    f.get(pm).i32(1).add().i32(40).mul().set(a); // bytes to fill on each side
    f.loop();
    // left: base = vsum − t − 8, store base[0] = base[40 bytes]; right: base = vsum + 5w − 5 + t, base[40] = base[0]
    f.get(pV).get(i).sub().i32(8).sub().tee(b).get(b).f64Load(40).f64Store(0);
    f.get(pV).get(n5b).add().get(i).add().i32(40).sub().tee(b).get(b).f64Load(0).f64Store(40);
    f.get(i).i32(8).add().tee(i).get(a).ltS().brIf(0);
    f.end();
    // Window start: g = vsum[0]·(m+2) + Σ_{x=1}^{m−1} vsum[5x]
    for (let c = 0; c < 5; c++)
      f.get(pV)
        .f64Load(8 * c)
        .get(mp2)
        .f64Mul()
        .set(g[c]);
    f.get(pV).i32(40).add().set(b);
    f.get(pV).get(pm).i32(40).mul().add().set(a);
    f.block().loop();
    f.get(b).get(a).geS().brIf(1);
    for (let c = 0; c < 5; c++)
      f.get(g[c])
        .get(b)
        .f64Load(8 * c)
        .f64Add()
        .set(g[c]);
    f.get(b).i32(40).add().set(b);
    f.br(0);
    f.end().end();
    // Horizontal slide: column x+m enters (a), x−m−1 leaves (b).
    f.get(pV).get(pm).i32(40).mul().add().set(a);
    f.get(pV).get(pm).i32(1).add().i32(40).mul().sub().set(b);
    f.get(pFlow).get(y).get(pW).mul().i32(8).mul().add().tee(fl).get(pW).i32(8).mul().add().set(i); // i = row end
    f.loop();
    for (let c = 0; c < 5; c++)
      f.get(g[c])
        .get(a)
        .f64Load(8 * c)
        .get(b)
        .f64Load(8 * c)
        .f64Sub()
        .f64Add()
        .set(g[c]);
    const G = [G11, G12, G22, H1, H2];
    for (let c = 0; c < 5; c++) f.get(g[c]).get(pScale).f64Mul().set(G[c]);
    f.f64(1).get(G11).get(G22).f64Mul().get(G12).get(G12).f64Mul().f64Sub().f64(1e-3).f64Add().f64Div().set(idet);
    f.get(fl).get(G11).get(H2).f64Mul().get(G12).get(H1).f64Mul().f64Sub().get(idet).f64Mul().f64StoreAsF32(0);
    f.get(fl).get(G22).get(H1).f64Mul().get(G12).get(H2).f64Mul().f64Sub().get(idet).f64Mul().f64StoreAsF32(4);
    f.get(a).i32(40).add().set(a);
    f.get(b).i32(40).add().set(b);
    f.get(fl).i32(8).add().tee(fl).get(i).ltS().brIf(0);
    f.end();
    // Rows no later window reads get their matrices rebuilt now.
    f.get(pH).get(y).get(pBlock).sub().get(y).get(pH).i32(1).sub().eq().select().set(yUpd);
    f.get(pUpdate);
    f.if();
    f.get(yUpd).get(pH).eq().get(yUpd).get(yDone).get(pMinStripe).add().geS().or();
    f.if();
    f.get(pR0).get(pR1).get(pFlow).get(pM).get(pW).get(pH).get(yDone).get(yUpd).get(pColW).get(pRowW).call(FN_UPDMAT);
    f.get(yUpd).set(yDone);
    f.end();
    f.end();
  }
  f.get(y).i32(1).add().set(y);
  f.br(0);
  f.end().end();
  return f;
}

/**
 * `sep(src, W, H, xIdx, xW, TX, dw, yIdx, yW, TY, dh, tmp, dst)`: image.ts's applySeparable (rows
 * through the x tap table into `tmp`, then columns through the y table into `dst`) in the same f64
 * order with f32 stores. xIdx: byte offsets of source columns; yIdx: byte offsets of tmp rows; weights f64.
 */
function buildSep(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [pSrc, pW, pH, pXI, pXW, pTX, pDW, pYI, pYW, pTY, pDH, pTmp, pDst] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const row = f.local(I32);
  const rowEnd = f.local(I32);
  const o = f.local(I32);
  const oEnd = f.local(I32);
  const ti = f.local(I32);
  const tw = f.local(I32);
  const tEnd = f.local(I32);
  const base = f.local(I32);
  const wt = f.local(F64);
  const acc = f.local(F64);
  // Rows: o walks tmp; per source row, per output column, TX taps.
  f.get(pSrc).set(row).get(pSrc).get(pW).get(pH).mul().i32(4).mul().add().set(rowEnd).get(pTmp).set(o);
  f.loop();
  f.get(pXI).set(ti).get(pXW).set(tw);
  f.get(o).get(pDW).i32(4).mul().add().set(oEnd);
  f.loop();
  f.f64(0).set(acc);
  f.get(ti).get(pTX).i32(4).mul().add().set(tEnd);
  f.loop();
  f.get(acc).get(tw).f64Load().get(row).get(ti).i32Load().add().f32LoadAsF64().f64Mul().f64Add().set(acc);
  f.get(tw).i32(8).add().set(tw);
  f.get(ti).i32(4).add().tee(ti).get(tEnd).ltS().brIf(0);
  f.end();
  f.get(o).get(acc).f64StoreAsF32();
  f.get(o).i32(4).add().tee(o).get(oEnd).ltS().brIf(0);
  f.end();
  f.get(row).get(pW).i32(4).mul().add().tee(row).get(rowEnd).ltS().brIf(0);
  f.end();
  // Columns: for each output row, first tap stores, the others accumulate (f32 between taps).
  f.get(pDst).set(o).get(pYI).set(ti).get(pYW).set(tw);
  f.get(pDst).get(pDW).get(pDH).mul().i32(4).mul().add().set(rowEnd);
  f.loop();
  f.get(o).get(pDW).i32(4).mul().add().set(oEnd);
  f.get(ti).get(pTY).i32(4).mul().add().set(tEnd);
  f.get(tw).f64Load().set(wt);
  f.get(pTmp).get(ti).i32Load().add().set(base);
  f.get(o).set(row);
  f.loop();
  f.get(row).get(wt).get(base).f32LoadAsF64().f64Mul().f64StoreAsF32();
  f.get(base).i32(4).add().set(base);
  f.get(row).i32(4).add().tee(row).get(oEnd).ltS().brIf(0);
  f.end();
  f.get(tw).i32(8).add().set(tw);
  f.get(ti).i32(4).add().set(ti);
  f.block().loop();
  f.get(ti).get(tEnd).geS().brIf(1);
  f.get(tw).f64Load().set(wt);
  f.get(pTmp).get(ti).i32Load().add().set(base);
  f.get(o).set(row);
  f.loop();
  f.get(row).get(row).f32LoadAsF64().get(wt).get(base).f32LoadAsF64().f64Mul().f64Add().f64StoreAsF32();
  f.get(base).i32(4).add().set(base);
  f.get(row).i32(4).add().tee(row).get(oEnd).ltS().brIf(0);
  f.end();
  f.get(tw).i32(8).add().set(tw);
  f.get(ti).i32(4).add().set(ti);
  f.br(0);
  f.end().end();
  f.get(oEnd).tee(o).get(rowEnd).ltS().brIf(0);
  f.end();
  return f;
}

export interface FlowWasmExports {
  polyexp: (w4: number, h: number, tab: number, v: number, dst: number, plane: number, consts: number) => void;
  interleave: (src: number, dst: number, count: number) => void;
  updmat: (
    R0: number,
    R1: number,
    flow: number,
    M: number,
    w: number,
    h: number,
    y0: number,
    y1: number,
    colW: number,
    rowW: number,
  ) => void;
  boxflow: (
    R0: number,
    R1: number,
    flow: number,
    M: number,
    w: number,
    h: number,
    colW: number,
    rowW: number,
    vsum: number,
    m: number,
    scale: number,
    update: number,
    minStripe: number,
    block: number,
  ) => void;
  sep: (
    src: number,
    W: number,
    H: number,
    xIdx: number,
    xW: number,
    TX: number,
    dw: number,
    yIdx: number,
    yW: number,
    TY: number,
    dh: number,
    tmp: number,
    dst: number,
  ) => void;
}

/** @internal Builds the module's functions (exported for tests of the byte code). */
export function buildFlowModule(n: number): Uint8Array<ArrayBuffer> {
  return emitModule({ initial: 1, maximum: MAX_PAGES, shared: false }, [
    { name: 'polyexp', fn: buildPolyExp(n) },
    { name: 'interleave', fn: buildInterleave() },
    { name: 'updmat', fn: buildUpdMat() },
    { name: 'boxflow', fn: buildBoxFlow() },
    { name: 'sep', fn: buildSep() },
  ]);
}

const instanceFor = kernelCache<number, FlowWasmExports>(buildFlowModule, { initial: 8, maximum: MAX_PAGES });

// OpenCV's border damping factors (float constants), for the 5 pixels next to each edge.
const BORDER = [0.14, 0.14, 0.4472, 0.4472, 0.4472].map(Math.fround);

/**
 * One Farneback call's pyramid in the module's memory. Create it with {@link FlowPyramidWasm.create}
 * (which reserves all memory up front, so views stay valid until the next call), then per layer, finest
 * last: fill {@link layer} and call {@link expand} for each image, then {@link solve}.
 */
export class FlowPyramidWasm {
  private readonly ex: FlowWasmExports;
  private readonly buf: ArrayBuffer;
  private readonly offs: {
    consts: number;
    tab: number;
    rows: number;
    src: number;
    planes: number;
    R: [number, number];
    M: number;
    vsum: number;
    colW: number;
    rowW: number;
    flows: number[];
    imgs: [number, number];
    tmp: number;
    taps: number;
    tapBytes: number;
    fullW: number;
    fullH: number;
  };

  private constructor(inst: KernelInstance<FlowWasmExports>, offs: FlowPyramidWasm['offs']) {
    this.ex = inst.exports;
    this.buf = inst.memory.buffer;
    this.offs = offs;
  }

  /**
   * Reserves memory for layers of the given sizes (index = pyramid level, 0 the finest and largest) and
   * box window `winSize`; null where WebAssembly SIMD is missing or the images are too large.
   */
  static create(
    kernel: PolyExpKernel,
    sizes: Array<{ w: number; h: number }>,
    winSize: number,
    maxTaps = 64,
  ): FlowPyramidWasm | null {
    const n = kernel.n;
    const inst = instanceFor(n);
    if (!inst) return null;
    const W = Math.max(...sizes.map((s) => s.w));
    const H = Math.max(...sizes.map((s) => s.h));
    const N = W * H;
    const m = winSize >> 1;
    let at = 0;
    const take = (bytes: number) => {
      const o = at;
      at = align16(at + bytes);
      return o;
    };
    const consts = take(4 * (3 * n + 7));
    const tab = take(4 * H * (2 * n + 1));
    const rows = take(3 * 4 * (W + 2 * n));
    const src = take(4 * N);
    const planes = take(20 * N);
    const R: [number, number] = [take(20 * N), take(20 * N)];
    const M = take(20 * N);
    const vsum = take(40 * (W + 2 * m + 2)) + 40 * (m + 1);
    const colW = take(8 * W);
    const rowW = take(8 * H);
    const flows = sizes.map((s) => take(8 * s.w * s.h));
    const full = sizes[0];
    const imgs: [number, number] = [take(4 * full.w * full.h), take(4 * full.w * full.h)];
    const tmp = take(4 * full.w * full.h);
    const tapBytes = 12 * (W + H) * maxTaps;
    const taps = take(tapBytes);
    if (!growToFit(inst.memory, at, MAX_PAGES)) return null;
    return new FlowPyramidWasm(inst, {
      consts,
      tab,
      rows,
      src,
      planes,
      R,
      M,
      vsum,
      colW,
      rowW,
      flows,
      imgs,
      tmp,
      taps,
      tapBytes,
      fullW: full.w,
      fullH: full.h,
    });
  }

  /** The flow field of pyramid level `k` (2 floats per pixel), in module memory. */
  flow(k: number, w: number, h: number): Float32Array {
    return new Float32Array(this.buf, this.offs.flows[k], 2 * w * h);
  }

  /** Full-resolution input image `which` (0 = prev, 1 = next), W·H floats, to be filled by the caller. */
  image(which: 0 | 1): Float32Array {
    return new Float32Array(this.buf, this.offs.imgs[which], this.offs.fullW * this.offs.fullH);
  }

  /**
   * Builds the current layer from full-resolution image `which` with the separable operator (x table,
   * then y table; image.ts's applySeparable). Returns false where the tables do not fit the reserved room.
   */
  buildLayer(which: 0 | 1, tx: TapTable, ty: TapTable): boolean {
    const o = this.offs;
    const need = 12 * (tx.size * tx.taps + ty.size * ty.taps);
    if (need > o.tapBytes) return false;
    const xi = o.taps;
    const xw = align16(xi + 4 * tx.size * tx.taps);
    const yi = align16(xw + 8 * tx.size * tx.taps);
    const yw = align16(yi + 4 * ty.size * ty.taps);
    if (yw + 8 * ty.size * ty.taps > o.taps + o.tapBytes) return false;
    const a = new Int32Array(this.buf, xi, tx.size * tx.taps);
    for (let i = 0; i < a.length; i++) a[i] = 4 * tx.idx[i];
    new Float64Array(this.buf, xw, tx.size * tx.taps).set(tx.w);
    const b = new Int32Array(this.buf, yi, ty.size * ty.taps);
    for (let i = 0; i < b.length; i++) b[i] = 4 * tx.size * ty.idx[i];
    new Float64Array(this.buf, yw, ty.size * ty.taps).set(ty.w);
    this.ex.sep(o.imgs[which], o.fullW, o.fullH, xi, xw, tx.taps, tx.size, yi, yw, ty.taps, ty.size, o.tmp, o.src);
    return true;
  }

  /** Where the current layer image goes before {@link expand} (w·h floats). */
  layer(w: number, h: number): Float32Array {
    return new Float32Array(this.buf, this.offs.src, w * h);
  }

  /**
   * Expands the current layer image into image `which`'s expansion (0 = prev, 1 = next). `jsFallback`
   * computes the five planes where the SIMD kernel cannot (width not a multiple of 4).
   */
  expand(
    which: 0 | 1,
    w: number,
    h: number,
    kernel: PolyExpKernel,
    jsFallback: (src: Float32Array, w: number, h: number, k: PolyExpKernel, dst: Float32Array) => void,
  ): void {
    const o = this.offs;
    const N = w * h;
    if (w % 4 === 0) {
      writePolyExpTables(this.buf, o.consts, o.tab, kernel, w, h, o.src);
      this.ex.polyexp(4 * w, h, o.tab, o.rows, o.planes, 4 * N, o.consts);
    } else {
      jsFallback(this.layer(w, h), w, h, kernel, new Float32Array(this.buf, o.planes, 5 * N));
    }
    this.ex.interleave(o.planes, o.R[which], N);
  }

  /** Box-window iterations on level `k` (its flow holds the starting estimate; it gets the result). */
  solve(k: number, w: number, h: number, winSize: number, iterations: number): void {
    const o = this.offs;
    const colW = new Float64Array(this.buf, o.colW, w);
    for (let x = 0; x < w; x++) colW[x] = (x < 5 ? BORDER[x] : 1) * (x >= w - 5 ? BORDER[w - x - 1] : 1);
    const rowW = new Float64Array(this.buf, o.rowW, h);
    for (let y = 0; y < h; y++) rowW[y] = y < 5 ? BORDER[y] : y >= h - 5 ? BORDER[h - y - 1] : 1;
    const flow = o.flows[k];
    const [R0, R1] = o.R;
    this.ex.updmat(R0, R1, flow, o.M, w, h, 0, h, o.colW, o.rowW);
    const m = winSize >> 1;
    const minStripe = Math.max(Math.floor(1024 / w), winSize);
    for (let it = 0; it < iterations; it++) {
      const update = it < iterations - 1 ? 1 : 0;
      this.ex.boxflow(
        R0,
        R1,
        flow,
        o.M,
        w,
        h,
        o.colW,
        o.rowW,
        o.vsum,
        m,
        1 / (winSize * winSize),
        update,
        minStripe,
        winSize,
      );
    }
  }
}
