// The LSTM cell kernels in WebAssembly SIMD, four batch rows per f32x4, over the cpu kernels' one
// memory: the forward cell (sigmoid and tanh through a polynomial exp, the cell update, the mask),
// the backward gate gradients, and column sums accumulated in float64. runtime.ts instantiates the
// module on every kernel thread (lstm-driver.ts runs it there). Imports only the byte emitter.
import { FunctionBuilder, I32, V128, emitModule } from '../../../wasm/emitter.js';

/** The module's exports; every address is in bytes, every size in elements. */
export interface LstmKernels {
  /**
   * One forward step for all H units and B rows (Bp = B rounded up to 4). Gates: `[4H, Bp]` at
   * `gates`, rows `ldg` bytes apart, plus `bias` `[4H]`. State `cst`/`hst` `[H, Bp]` (read and
   * updated); h and c also go to `hOut`/`cOut` `[B, H]`; `acts` `[4H, Bp]` gets i, f, g, o
   * (backward recomputes tanh(c) from c: a fifth of the activations less to copy out and back). Rows whose `mask` `[Bp]` is 0 keep their state. mask * h goes to `out` (row b at
   * `out + b * outStride` bytes: the layer's batch-major output). Only rows `r0` to `r1` (multiples
   * of 4; `r1` at most Bp) are touched.
   */
  cellForward(
    gates: number,
    ldg: number,
    bias: number,
    cst: number,
    hst: number,
    hOut: number,
    cOut: number,
    acts: number,
    mask: number,
    out: number,
    outStride: number,
    H: number,
    Bp: number,
    B: number,
    r0: number,
    r1: number,
  ): void;
  /**
   * One backward step: from dh (`dhc` `[H, Bp]`, plus `dOut` `[B, H]` at valid rows unless 0), dc
   * (`dc` `[H, Bp]`), `acts`, c_{t-1} (`cPrev` `[B, H]`) and c_t (the next B*H floats), writes the gate gradients `dG`
   * `[B, 4H]` (zero at masked rows), leaves dc_{t-1} in `dc` and the pass-through part of
   * dh_{t-1} in `dhc` (dh at masked rows, else 0). Rows `r0` to `r1` as in cellForward.
   */
  cellBackward(
    dG: number,
    dhc: number,
    dc: number,
    acts: number,
    cPrev: number,
    dOut: number,
    mask: number,
    H: number,
    Bp: number,
    B: number,
    r0: number,
    r1: number,
  ): void;
  /**
   * `dst[c] = sum_r src[r * cols + c]` in float64, rounded once; `cols` a multiple of 4, `acc`
   * 8 * `cols` bytes of zeros (the float64 sums).
   */
  colSum(dst: number, src: number, rows: number, cols: number, acc: number): void;
}

// Cephes' expf: exp(x) = 2^n e^r, n = round(x log2 e), r = x - n ln 2 in two parts (C1 exact in
// float32), e^r by a degree-7 polynomial; within ~2 ulp of exp over the clamped range. n is
// rounded by adding 1.5 * 2^23 (whose float32 ulp is 1), which also leaves n + 0x4b400000 in the
// sum's bits: 2^n is then two integer ops away.
const C1 = 0.693359375;
const C2 = -2.1219444e-4;
const EXP_POLY = [1.98756915e-4, 1.39819995e-3, 8.33345191e-3, 4.16657959e-2, 1.66666655e-1, 5.00000012e-1];
const MAGIC = 12582912;
const MAGIC_BITS = 0x4b400000;
// exp(-87) ~ 1.6e-38 and exp(88) ~ 1.7e38 stay normal; past them sigmoid is 0 or 1 in float32.
const EXP_LO = -87,
  EXP_HI = 88;

/** V128 locals holding the splatted constants, set once at the top of a function. */
interface Consts {
  one: number;
  two: number;
  zero: number;
  negOne: number;
  negTwo: number;
  lo: number;
  hi: number;
  log2e: number;
  magic: number;
  c1: number;
  c2: number;
  poly: number[];
  /** i32x4 of 127 - MAGIC_BITS: the exponent bias once MAGIC's bits are taken off. */
  bias: number;
}

function consts(f: FunctionBuilder): Consts {
  const v = (x: number): number => {
    const l = f.local(V128);
    f.f32(x).f32x4Splat().set(l);
    return l;
  };
  const bias = f.local(V128);
  f.i32(127 - MAGIC_BITS)
    .i32x4Splat()
    .set(bias);
  return {
    one: v(1),
    two: v(2),
    zero: v(0),
    negOne: v(-1),
    negTwo: v(-2),
    lo: v(EXP_LO),
    hi: v(EXP_HI),
    log2e: v(Math.LOG2E),
    magic: v(MAGIC),
    c1: v(C1),
    c2: v(C2),
    poly: EXP_POLY.map(v),
    bias,
  };
}

/** Scratch V128 locals the exp sequence uses. */
interface ExpLocals {
  z: number;
  n: number;
  r: number;
  e: number;
}

/** `t.e = exp(-x)` (`neg` holds -1) or `exp(-2x)` (`neg` holds -2) lane-wise, argument clamped. */
function emitExpNeg(f: FunctionBuilder, x: number, neg: number, k: Consts, t: ExpLocals): void {
  f.get(x).get(neg).f32x4Mul().get(k.hi).f32x4Pmin().get(k.lo).f32x4Pmax().set(t.z);
  // n + MAGIC in t.n, then n itself in t.r for the reduction.
  f.get(t.z).get(k.log2e).f32x4Mul().get(k.magic).f32x4Add().set(t.n);
  f.get(t.n).get(k.magic).f32x4Sub().set(t.r);
  f.get(t.z).get(t.r).get(k.c1).f32x4Mul().f32x4Sub().get(t.r).get(k.c2).f32x4Mul().f32x4Sub().set(t.r);
  f.get(k.poly[0]);
  for (const c of k.poly.slice(1)) f.get(t.r).f32x4Mul().get(c).f32x4Add();
  f.get(t.r).f32x4Mul().get(t.r).f32x4Mul().get(t.r).f32x4Add().get(k.one).f32x4Add();
  // 2^n = bits((n + 127) << 23).
  f.get(t.n).get(k.bias).i32x4Add().i32(23).i32x4Shl();
  f.f32x4Mul().set(t.e);
}

/** `out = 1 / (1 + exp(-x))`, the form fused.ts uses. */
function emitSigmoid(f: FunctionBuilder, x: number, out: number, k: Consts, t: ExpLocals): void {
  emitExpNeg(f, x, k.negOne, k, t);
  f.get(k.one).get(k.one).get(t.e).f32x4Add().f32x4Div().set(out);
}

/** `out = 2 / (1 + exp(-2x)) - 1`, fused.ts's tanh. */
function emitTanh(f: FunctionBuilder, x: number, out: number, k: Consts, t: ExpLocals): void {
  emitExpNeg(f, x, k.negTwo, k, t);
  f.get(k.two).get(k.one).get(t.e).f32x4Add().f32x4Div().get(k.one).f32x4Sub().set(out);
}

/**
 * Lane-wise stores of `vec` to `addr`, `addr + stride`, ... (bytes): all four lanes when
 * `valid` (the rows left before B) is at least 4, else only lanes below it. `tmp`: an i32 local.
 */
function emitStoreLanes(
  f: FunctionBuilder,
  vec: number,
  addr: number,
  stride: number,
  valid: number,
  tmp: number,
): void {
  f.get(addr).get(vec).v128Store32Lane(0);
  f.get(addr).set(tmp);
  f.get(valid).i32(4).geS().if();
  for (let l = 1; l < 4; l++) f.get(tmp).get(stride).add().tee(tmp).get(vec).v128Store32Lane(l);
  f.else();
  for (let l = 1; l < 4; l++) {
    f.get(valid).i32(l).gtS().if();
    f.get(tmp).get(stride).add().tee(tmp).get(vec).v128Store32Lane(l);
    f.end();
  }
  f.end();
}

/** `vec` gathered from `addr`, `addr + stride`, ... (reads all four lanes; callers leave slack). */
function emitGather(f: FunctionBuilder, vec: number, addr: number, stride: number, tmp: number): void {
  f.get(addr).tee(tmp).v128Load32Splat().set(vec);
  for (let l = 1; l < 4; l++) f.get(tmp).get(stride).add().tee(tmp).get(vec).v128Load32Lane(l).set(vec);
}

// Both cells run four batch rows (b) by every unit (j), b outermost: the [B, H] and [B, 4H]
// sides then walk four rows sequentially. With j outermost the 32 rows of a column, 4 KB apart
// in dG, fell into one L1 set and evicted each other between stores.

function buildCellForward(): FunctionBuilder {
  const f = new FunctionBuilder(new Array(16).fill(I32));
  const [gates, ldg, bias, cst, hst, hOut, cOut, acts, mask, out, outStride, H, Bp, B, r0, r1] = Array.from(
    { length: 16 },
    (_, i) => i,
  );
  const [j, b4, gCol, gStride, aCol, aStride, sCol, bp4, hRow, cRow, oRow, valid, tmp, h4] = Array.from(
    { length: 14 },
    () => f.local(I32),
  );
  const [z, vi, vf, vg, vo, cp, hp, cn, tc, hn, m] = Array.from({ length: 11 }, () => f.local(V128));
  const t: ExpLocals = { z: f.local(V128), n: f.local(V128), r: f.local(V128), e: f.local(V128) };
  const k = consts(f);
  f.get(H).get(ldg).mul().set(gStride);
  f.get(H).get(Bp).mul().i32(4).mul().set(aStride);
  f.get(Bp).i32(4).mul().set(bp4);
  f.get(H).i32(4).mul().set(h4);
  f.get(r0).i32(4).mul().set(b4);
  f.block().loop();
  f.get(b4).get(r1).i32(4).mul().geS().brIf(1);
  f.get(B).get(b4).i32(2).shrS().sub().set(valid);
  f.get(mask).get(b4).add().v128Load().get(k.zero).f32x4Ne().set(m);
  // Row b of the [B, H] outputs, column j = 0.
  f.get(b4).get(H).mul().tee(tmp).get(hOut).add().set(hRow);
  f.get(tmp).get(cOut).add().set(cRow);
  f.get(b4).i32(2).shrS().get(outStride).mul().get(out).add().set(oRow);
  f.get(gates).get(b4).add().set(gCol);
  f.get(acts).get(b4).add().set(aCol);
  f.get(b4).set(sCol);
  f.i32(0).set(j);
  f.block().loop();
  f.get(j).get(H).geS().brIf(1);
  const gate = (q: number, dst: number, tanh: boolean): void => {
    f.get(gCol);
    if (q > 0) f.get(gStride).i32(q).mul().add();
    f.v128Load().get(bias).get(j).i32(4).mul().add();
    if (q > 0)
      f.get(H)
        .i32(4 * q)
        .mul()
        .add();
    f.v128Load32Splat().f32x4Add().set(z);
    if (tanh) emitTanh(f, z, dst, k, t);
    else emitSigmoid(f, z, dst, k, t);
  };
  gate(0, vi, false);
  gate(1, vf, false);
  gate(2, vg, true);
  gate(3, vo, false);
  f.get(cst).get(sCol).add().v128Load().set(cp);
  f.get(hst).get(sCol).add().v128Load().set(hp);
  f.get(vf).get(cp).f32x4Mul().get(vi).get(vg).f32x4Mul().f32x4Add().set(cn);
  emitTanh(f, cn, tc, k, t);
  f.get(vo).get(tc).f32x4Mul().set(hn);
  [vi, vf, vg, vo].forEach((v, q) => {
    f.get(aCol);
    if (q > 0) f.get(aStride).i32(q).mul().add();
    f.get(v).v128Store();
  });
  f.get(cn).get(cp).get(m).v128Bitselect().set(cn);
  f.get(hn).get(hp).get(m).v128Bitselect().set(hn);
  f.get(cst).get(sCol).add().get(cn).v128Store();
  f.get(hst).get(sCol).add().get(hn).v128Store();
  emitStoreLanes(f, cn, cRow, h4, valid, tmp);
  emitStoreLanes(f, hn, hRow, h4, valid, tmp);
  f.get(hn).get(m).v128And().set(hn);
  emitStoreLanes(f, hn, oRow, outStride, valid, tmp);
  f.get(oRow).i32(4).add().set(oRow);
  f.get(cRow).i32(4).add().set(cRow);
  f.get(hRow).i32(4).add().set(hRow);
  f.get(gCol).get(ldg).add().set(gCol);
  f.get(aCol).get(bp4).add().set(aCol);
  f.get(sCol).get(bp4).add().set(sCol);
  f.get(j).i32(1).add().set(j);
  f.br(0).end().end();
  f.get(b4).i32(16).add().set(b4);
  f.br(0).end().end();
  return f;
}
function buildCellBackward(): FunctionBuilder {
  const f = new FunctionBuilder(new Array(12).fill(I32));
  const [dG, dhc, dc, acts, cPrev, dOut, mask, H, Bp, B, r0, r1] = Array.from({ length: 12 }, (_, i) => i);
  const [j, b4, aCol, aStride, sCol, bp4, h4, g4, gRow, cRow, oRow, valid, addr, tmp, bh4] = Array.from(
    { length: 15 },
    () => f.local(I32),
  );
  const [m, dh, vi, vf, vg, vo, tc, cp, dcv, dct, v] = Array.from({ length: 11 }, () => f.local(V128));
  const dg = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const t: ExpLocals = { z: f.local(V128), n: f.local(V128), r: f.local(V128), e: f.local(V128) };
  const k = consts(f);
  f.get(B).get(H).mul().i32(4).mul().set(bh4);
  f.get(H).get(Bp).mul().i32(4).mul().set(aStride);
  f.get(Bp).i32(4).mul().set(bp4);
  f.get(H).i32(4).mul().set(h4);
  f.get(h4).i32(4).mul().set(g4);
  f.get(r0).i32(4).mul().set(b4);
  f.block().loop();
  f.get(b4).get(r1).i32(4).mul().geS().brIf(1);
  f.get(B).get(b4).i32(2).shrS().sub().set(valid);
  f.get(mask).get(b4).add().v128Load().get(k.zero).f32x4Ne().set(m);
  // Row b of dG [B, 4H], cPrev and dOut [B, H], at column j = 0.
  f.get(b4).get(H).mul().tee(tmp).get(cPrev).add().set(cRow);
  f.get(tmp).get(dOut).add().set(oRow);
  f.get(tmp).i32(4).mul().get(dG).add().set(gRow);
  f.get(acts).get(b4).add().set(aCol);
  f.get(b4).set(sCol);
  f.i32(0).set(j);
  f.block().loop();
  f.get(j).get(H).geS().brIf(1);
  f.get(dhc).get(sCol).add().v128Load().set(dh);
  // dL/d(output_t) reaches h_t only at valid rows (output_t = m_t h_t).
  f.get(dOut).if();
  emitGather(f, v, oRow, h4, tmp);
  f.get(dh).get(v).get(m).v128And().f32x4Add().set(dh);
  f.end();
  [vi, vf, vg, vo].forEach((x, q) => {
    f.get(aCol);
    if (q > 0) f.get(aStride).i32(q).mul().add();
    f.v128Load().set(x);
  });
  // tanh(c_t), c_t being the row after c_{t-1} in cs (valid rows; masked ones ignore it).
  f.get(cRow).get(bh4).add().set(addr);
  emitGather(f, v, addr, h4, tmp);
  emitTanh(f, v, tc, k, t);
  emitGather(f, cp, cRow, h4, tmp);
  f.get(dc).get(sCol).add().v128Load().set(dcv);
  // fused.ts's lstmCellGrad, operation for operation.
  f.get(dcv).get(dh).get(vo).f32x4Mul().get(k.one).get(tc).get(tc).f32x4Mul().f32x4Sub().f32x4Mul().f32x4Add().set(dct);
  f.get(dct).get(vg).f32x4Mul().get(vi).f32x4Mul().get(k.one).get(vi).f32x4Sub().f32x4Mul().get(m).v128And().set(dg[0]);
  f.get(dct).get(cp).f32x4Mul().get(vf).f32x4Mul().get(k.one).get(vf).f32x4Sub().f32x4Mul().get(m).v128And().set(dg[1]);
  f.get(dct).get(vi).f32x4Mul().get(k.one).get(vg).get(vg).f32x4Mul().f32x4Sub().f32x4Mul().get(m).v128And().set(dg[2]);
  f.get(dh).get(tc).f32x4Mul().get(vo).f32x4Mul().get(k.one).get(vo).f32x4Sub().f32x4Mul().get(m).v128And().set(dg[3]);
  f.get(dc).get(sCol).add().get(dct).get(vf).f32x4Mul().get(dcv).get(m).v128Bitselect().v128Store();
  f.get(dhc).get(sCol).add().get(dh).get(m).v128Andnot().v128Store();
  dg.forEach((x, q) => {
    f.get(gRow);
    if (q > 0) f.get(h4).i32(q).mul().add();
    f.set(addr);
    emitStoreLanes(f, x, addr, g4, valid, tmp);
  });
  f.get(gRow).i32(4).add().set(gRow);
  f.get(cRow).i32(4).add().set(cRow);
  f.get(oRow).i32(4).add().set(oRow);
  f.get(aCol).get(bp4).add().set(aCol);
  f.get(sCol).get(bp4).add().set(sCol);
  f.get(j).i32(1).add().set(j);
  f.br(0).end().end();
  f.get(b4).i32(16).add().set(b4);
  f.br(0).end().end();
  return f;
}

/**
 * Rows outermost, into float64 accumulators at `acc` (8 bytes a column, zeroed by the caller):
 * the rows of dG are 4 KB apart, and walking one column group down them missed L1 on every row.
 */
function buildColSum(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32]);
  const [dst, src, rows, cols, acc] = [0, 1, 2, 3, 4];
  const r = f.local(I32),
    p = f.local(I32),
    a = f.local(I32),
    aEnd = f.local(I32);
  const v = f.local(V128);
  f.get(acc).get(cols).i32(8).mul().add().set(aEnd);
  f.get(src).set(p);
  f.i32(0).set(r);
  f.block().loop();
  f.get(r).get(rows).geS().brIf(1);
  f.get(acc).set(a);
  f.block().loop();
  f.get(a).get(aEnd).geS().brIf(1);
  f.get(p).v128Load().set(v);
  f.get(a).get(a).v128Load().get(v).f64x2PromoteLow().f64x2Add().v128Store();
  f.get(a).get(a).v128Load(16).get(v).get(v).shuffleF32([2, 3, 0, 1]).f64x2PromoteLow().f64x2Add().v128Store(16);
  f.get(p).i32(16).add().set(p);
  f.get(a).i32(32).add().set(a);
  f.br(0).end().end();
  f.get(r).i32(1).add().set(r);
  f.br(0).end().end();
  // Round each pair of sums once into dst.
  f.get(acc).set(a).get(dst).set(p);
  f.block().loop();
  f.get(a).get(aEnd).geS().brIf(1);
  f.get(p).get(a).v128Load().f32x4DemoteZero().get(a).v128Load(16).f32x4DemoteZero().shuffleF32([0, 1, 4, 5]);
  f.v128Store();
  f.get(p).i32(16).add().set(p);
  f.get(a).i32(32).add().set(a);
  f.br(0).end().end();
  return f;
}

/** The module bytes, importing a memory like the runtime's (`maxPages` its maximum). */
export function lstmModuleBytes(shared: boolean, maxPages: number): Uint8Array<ArrayBuffer> {
  const bytes = emitModule({ initial: 1, maximum: maxPages, shared }, [
    { name: 'cellForward', fn: buildCellForward() },
    { name: 'cellBackward', fn: buildCellBackward() },
    { name: 'colSum', fn: buildColSum() },
  ]);
  if (!WebAssembly.validate(bytes)) throw new Error('lstm-module: emitted module does not validate');
  return bytes;
}
