// The LSTM cell kernels in WebAssembly SIMD, four batch rows per f32x4, over the cpu kernels' one
// memory: the forward cell (sigmoid and tanh through a polynomial exp, the cell update, the mask),
// the backward gate gradients, and column sums accumulated in float64. Built and instantiated once
// per runtime on the calling thread (the worker threads run only the GEMM module). Imports only
// the byte emitter and the runtime; no node modules.
import { FunctionBuilder, I32, V128, emitModule } from '../../../wasm/emitter.js';
import { MAX_PAGES, type Runtime } from './runtime.js';

/** The module's exports; every address is in bytes, every size in elements. */
export interface LstmKernels {
  /**
   * One forward step for all H units and B rows (Bp = B rounded up to 4). Gates: `[4H, Bp]` at
   * `gates`, rows `ldg` bytes apart, plus `bias` `[4H]`. State `cst`/`hst` `[H, Bp]` (read and
   * updated); h and c also go to `hOut`/`cOut` `[B, H]`; `acts` `[5H, Bp]` gets i, f, g, o,
   * tanh(c). Rows whose `mask` `[Bp]` is 0 keep their state.
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
    H: number,
    Bp: number,
    B: number,
  ): void;
  /**
   * One backward step: from dh (`dhc` `[H, Bp]`, plus `dOut` `[B, H]` at valid rows unless 0), dc
   * (`dc` `[H, Bp]`), `acts` and c_{t-1} (`cPrev` `[B, H]`), writes the gate gradients `dG`
   * `[B, 4H]` (zero at masked rows), leaves dc_{t-1} in `dc` and the pass-through part of
   * dh_{t-1} in `dhc` (dh at masked rows, else 0).
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
  ): void;
  /** `dst[c] = sum_r src[r * cols + c]` in float64, rounded once; `cols` a multiple of 4. */
  colSum(dst: number, src: number, rows: number, cols: number): void;
}

// Cephes' expf: exp(x) = 2^n e^r, n = round(x log2 e), r = x - n ln 2 in two parts (C1 exact in
// float32), e^r by a degree-7 polynomial; within ~2 ulp of exp over the clamped range.
const LOG2E = Math.LOG2E;
const C1 = 0.693359375;
const C2 = -2.1219444e-4;
const EXP_POLY = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
// exp(-87) ~ 1.6e-38 and exp(88) ~ 1.7e38 stay normal; past them sigmoid is 0 or 1 in float32.
const EXP_LO = -87,
  EXP_HI = 88;

/** Scratch V128 locals the exp sequence uses. */
interface ExpLocals {
  z: number;
  n: number;
  r: number;
  e: number;
}

function splat(f: FunctionBuilder, v: number): FunctionBuilder {
  return f.f32(v).f32x4Splat();
}

/** `t.e = exp(-scale * x)` lane-wise, with the argument clamped to [EXP_LO, EXP_HI]. */
function emitExpNeg(f: FunctionBuilder, x: number, scale: number, t: ExpLocals): void {
  f.get(x);
  splat(f, -scale).f32x4Mul();
  splat(f, EXP_LO).f32x4Max();
  splat(f, EXP_HI).f32x4Min().set(t.z);
  f.get(t.z);
  splat(f, LOG2E).f32x4Mul().f32x4Nearest().set(t.n);
  f.get(t.z).get(t.n);
  splat(f, C1).f32x4Mul().f32x4Sub().get(t.n);
  splat(f, C2).f32x4Mul().f32x4Sub().set(t.r);
  splat(f, EXP_POLY[0]);
  for (const c of EXP_POLY.slice(1)) {
    f.get(t.r).f32x4Mul();
    splat(f, c).f32x4Add();
  }
  f.get(t.r).f32x4Mul().get(t.r).f32x4Mul().get(t.r).f32x4Add();
  splat(f, 1).f32x4Add();
  // 2^n from the exponent bits: (n + 127) << 23.
  f.get(t.n).i32x4TruncSatF32x4S().i32(127).i32x4Splat().i32x4Add().i32(23).i32x4Shl();
  f.f32x4Mul().set(t.e);
}

/** `out = 1 / (1 + exp(-x))`, the form fused.ts uses. */
function emitSigmoid(f: FunctionBuilder, x: number, out: number, t: ExpLocals): void {
  emitExpNeg(f, x, 1, t);
  splat(f, 1);
  splat(f, 1).get(t.e).f32x4Add().f32x4Div().set(out);
}

/** `out = 2 / (1 + exp(-2x)) - 1`, fused.ts's tanh. */
function emitTanh(f: FunctionBuilder, x: number, out: number, t: ExpLocals): void {
  emitExpNeg(f, x, 2, t);
  splat(f, 2);
  splat(f, 1).get(t.e).f32x4Add().f32x4Div();
  splat(f, 1).f32x4Sub().set(out);
}

/**
 * Lane-wise stores of `vec` to `addr`, `addr + stride`, ... (bytes, local `addr` is advanced):
 * lane 0 always, lane l only while l < `valid` (the rows left before B).
 */
function emitStoreLanes(f: FunctionBuilder, vec: number, addr: number, stride: number, valid: number): void {
  f.get(addr).get(vec).v128Store32Lane(0);
  for (let l = 1; l < 4; l++) {
    f.get(valid).i32(l).gtS().if();
    f.get(addr).get(stride).add().tee(addr).get(vec).v128Store32Lane(l);
    f.end();
  }
}

/** `vec` gathered from `addr`, `addr + stride`, ... (reads all four lanes; callers leave slack). */
function emitGather(f: FunctionBuilder, vec: number, addr: number, stride: number): void {
  f.get(addr).v128Load32Splat().set(vec);
  for (let l = 1; l < 4; l++) f.get(addr).get(stride).add().tee(addr).get(vec).v128Load32Lane(l).set(vec);
}

function buildCellForward(): FunctionBuilder {
  const f = new FunctionBuilder(new Array(12).fill(I32));
  const [gates, ldg, bias, cst, hst, hOut, cOut, acts, mask, H, Bp, B] = Array.from({ length: 12 }, (_, i) => i);
  const [j, b, b4, gRow, gStride, aRow, aStride, sRow, h4, addr, valid] = Array.from({ length: 11 }, () =>
    f.local(I32),
  );
  const [bi, bf, bg, bo, z, vi, vf, vg, vo, cp, hp, cn, tc, hn, m] = Array.from({ length: 15 }, () => f.local(V128));
  const t: ExpLocals = { z: f.local(V128), n: f.local(V128), r: f.local(V128), e: f.local(V128) };
  f.get(H).get(ldg).mul().set(gStride);
  f.get(H).get(Bp).mul().i32(4).mul().set(aStride);
  f.get(H).i32(4).mul().set(h4);
  f.i32(0).set(j);
  f.block().loop();
  f.get(j).get(H).geS().brIf(1);
  f.get(gates).get(j).get(ldg).mul().add().set(gRow);
  f.get(j).get(Bp).mul().i32(4).mul().tee(sRow).get(acts).add().set(aRow);
  [bi, bf, bg, bo].forEach((v, q) => {
    f.get(bias).get(j).i32(4).mul().add().get(h4).i32(q).mul().add().v128Load32Splat().set(v);
  });
  f.i32(0).set(b);
  f.block().loop();
  f.get(b).get(Bp).geS().brIf(1);
  f.get(b).i32(4).mul().set(b4);
  const gate = (q: number, bv: number, dst: number, tanh: boolean): void => {
    f.get(gRow).get(b4).add();
    if (q > 0) f.get(gStride).i32(q).mul().add();
    f.v128Load().get(bv).f32x4Add().set(z);
    if (tanh) emitTanh(f, z, dst, t);
    else emitSigmoid(f, z, dst, t);
  };
  gate(0, bi, vi, false);
  gate(1, bf, vf, false);
  gate(2, bg, vg, true);
  gate(3, bo, vo, false);
  f.get(cst).get(sRow).add().get(b4).add().v128Load().set(cp);
  f.get(hst).get(sRow).add().get(b4).add().v128Load().set(hp);
  f.get(vf).get(cp).f32x4Mul().get(vi).get(vg).f32x4Mul().f32x4Add().set(cn);
  emitTanh(f, cn, tc, t);
  f.get(vo).get(tc).f32x4Mul().set(hn);
  [vi, vf, vg, vo, tc].forEach((v, q) => {
    f.get(aRow).get(b4).add();
    if (q > 0) f.get(aStride).i32(q).mul().add();
    f.get(v).v128Store();
  });
  f.get(mask).get(b4).add().v128Load().f32(0).f32x4Splat().f32x4Ne().set(m);
  f.get(cn).get(cp).get(m).v128Bitselect().set(cn);
  f.get(hn).get(hp).get(m).v128Bitselect().set(hn);
  f.get(cst).get(sRow).add().get(b4).add().get(cn).v128Store();
  f.get(hst).get(sRow).add().get(b4).add().get(hn).v128Store();
  f.get(B).get(b).sub().set(valid);
  // [B, H] outputs: row b + l of column j.
  f.get(cOut).get(b).get(H).mul().get(j).add().i32(4).mul().add().set(addr);
  emitStoreLanes(f, cn, addr, h4, valid);
  f.get(hOut).get(b).get(H).mul().get(j).add().i32(4).mul().add().set(addr);
  emitStoreLanes(f, hn, addr, h4, valid);
  f.get(b).i32(4).add().set(b);
  f.br(0).end().end();
  f.get(j).i32(1).add().set(j);
  f.br(0).end().end();
  return f;
}

function buildCellBackward(): FunctionBuilder {
  const f = new FunctionBuilder(new Array(10).fill(I32));
  const [dG, dhc, dc, acts, cPrev, dOut, mask, H, Bp, B] = Array.from({ length: 10 }, (_, i) => i);
  const [j, b, b4, aRow, aStride, sRow, h4, g4, addr, valid] = Array.from({ length: 10 }, () => f.local(I32));
  const [m, dh, vi, vf, vg, vo, tc, cp, dcv, dct, tmp] = Array.from({ length: 11 }, () => f.local(V128));
  const dg = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const one = (): FunctionBuilder => splat(f, 1);
  f.get(H).get(Bp).mul().i32(4).mul().set(aStride);
  f.get(H).i32(4).mul().set(h4);
  f.get(h4).i32(4).mul().set(g4);
  f.i32(0).set(j);
  f.block().loop();
  f.get(j).get(H).geS().brIf(1);
  f.get(j).get(Bp).mul().i32(4).mul().tee(sRow).get(acts).add().set(aRow);
  f.i32(0).set(b);
  f.block().loop();
  f.get(b).get(Bp).geS().brIf(1);
  f.get(b).i32(4).mul().set(b4);
  f.get(B).get(b).sub().set(valid);
  f.get(mask).get(b4).add().v128Load().f32(0).f32x4Splat().f32x4Ne().set(m);
  f.get(dhc).get(sRow).add().get(b4).add().v128Load().set(dh);
  // dL/d(output_t) reaches h_t only at valid rows (output_t = m_t h_t).
  f.get(dOut).if();
  f.get(dOut).get(b).get(H).mul().get(j).add().i32(4).mul().add().set(addr);
  emitGather(f, tmp, addr, h4);
  f.get(dh).get(tmp).get(m).v128And().f32x4Add().set(dh);
  f.end();
  [vi, vf, vg, vo, tc].forEach((v, q) => {
    f.get(aRow).get(b4).add();
    if (q > 0) f.get(aStride).i32(q).mul().add();
    f.v128Load().set(v);
  });
  f.get(cPrev).get(b).get(H).mul().get(j).add().i32(4).mul().add().set(addr);
  emitGather(f, cp, addr, h4);
  f.get(dc).get(sRow).add().get(b4).add().v128Load().set(dcv);
  // fused.ts's lstmCellGrad, operation for operation.
  f.get(dcv).get(dh).get(vo).f32x4Mul();
  one().get(tc).get(tc).f32x4Mul().f32x4Sub().f32x4Mul().f32x4Add().set(dct);
  f.get(dct).get(vg).f32x4Mul().get(vi).f32x4Mul();
  one().get(vi).f32x4Sub().f32x4Mul().get(m).v128And().set(dg[0]);
  f.get(dct).get(cp).f32x4Mul().get(vf).f32x4Mul();
  one().get(vf).f32x4Sub().f32x4Mul().get(m).v128And().set(dg[1]);
  f.get(dct).get(vi).f32x4Mul();
  one().get(vg).get(vg).f32x4Mul().f32x4Sub().f32x4Mul().get(m).v128And().set(dg[2]);
  f.get(dh).get(tc).f32x4Mul().get(vo).f32x4Mul();
  one().get(vo).f32x4Sub().f32x4Mul().get(m).v128And().set(dg[3]);
  f.get(dc).get(sRow).add().get(b4).add().get(dct).get(vf).f32x4Mul().get(dcv).get(m).v128Bitselect().v128Store();
  f.get(dhc).get(sRow).add().get(b4).add().get(dh).get(m).v128Andnot().v128Store();
  // dG row b + l, column q*H + j.
  dg.forEach((v, q) => {
    f.get(dG).get(b).get(g4).mul().add().get(j).i32(4).mul().add();
    if (q > 0) f.get(h4).i32(q).mul().add();
    f.set(addr);
    emitStoreLanes(f, v, addr, g4, valid);
  });
  f.get(b).i32(4).add().set(b);
  f.br(0).end().end();
  f.get(j).i32(1).add().set(j);
  f.br(0).end().end();
  return f;
}

function buildColSum(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32]);
  const [dst, src, rows, cols] = [0, 1, 2, 3];
  const c = f.local(I32),
    r = f.local(I32),
    p = f.local(I32),
    ld = f.local(I32);
  const v = f.local(V128),
    lo = f.local(V128),
    hi = f.local(V128);
  f.get(cols).i32(4).mul().set(ld);
  f.i32(0).set(c);
  f.block().loop();
  f.get(c).get(cols).geS().brIf(1);
  f.v128Zero().set(lo).v128Zero().set(hi);
  f.get(src).get(c).i32(4).mul().add().set(p);
  f.i32(0).set(r);
  f.block().loop();
  f.get(r).get(rows).geS().brIf(1);
  f.get(p).v128Load().set(v);
  f.get(lo).get(v).f64x2PromoteLow().f64x2Add().set(lo);
  f.get(hi).get(v).get(v).shuffleF32([2, 3, 0, 1]).f64x2PromoteLow().f64x2Add().set(hi);
  f.get(p).get(ld).add().set(p);
  f.get(r).i32(1).add().set(r);
  f.br(0).end().end();
  f.get(dst).get(c).i32(4).mul().add();
  f.get(lo).f32x4DemoteZero().get(hi).f32x4DemoteZero().shuffleF32([0, 1, 4, 5]).v128Store();
  f.get(c).i32(4).add().set(c);
  f.br(0).end().end();
  return f;
}

/** The module bytes, importing a memory like the runtime's. */
export function lstmModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const bytes = emitModule({ initial: 1, maximum: MAX_PAGES, shared }, [
    { name: 'cellForward', fn: buildCellForward() },
    { name: 'cellBackward', fn: buildCellBackward() },
    { name: 'colSum', fn: buildColSum() },
  ]);
  if (!WebAssembly.validate(bytes)) throw new Error('lstm-module: emitted module does not validate');
  return bytes;
}

const instances = new WeakMap<Runtime, LstmKernels>();

/** The cell kernels over `rt`'s memory, built on first use. */
export function lstmKernels(rt: Runtime): LstmKernels {
  let k = instances.get(rt);
  if (!k) {
    const module = new WebAssembly.Module(lstmModuleBytes(rt.shared));
    k = new WebAssembly.Instance(module, { env: { mem: rt.memory } }).exports as unknown as LstmKernels;
    instances.set(rt, k);
  }
  return k;
}
