// The blocked GEMM driver that runs one chunk (a rectangle of C) of a job: it packs B panels
// (dense, im2col or transposed im2col, from the wasm heap via the wasm `seg` copy) and calls the
// wasm macro-kernel over the pre-packed A. It runs on the main thread and, via its source text, inside
// worker threads, so `createDriver` must stay self-contained: no imports, no outer references.

/** What `createDriver` returns; the `F` table names the fields of a job descriptor (Int32Array). */
export interface Driver {
  MR: number;
  NR: number;
  KC: number;
  NC: number;
  MC: number;
  /** Floats of per-thread scratch (a packed B block, one edge tile, NR rows of KC for packing). */
  scratchFloats: number;
  F: Record<
    | 'M'
    | 'N'
    | 'K'
    | 'APACK'
    | 'C'
    | 'LDC'
    | 'ACC'
    | 'ROWCHUNK'
    | 'COLCHUNK'
    | 'NCOLCHUNKS'
    | 'NCHUNKS'
    | 'BKIND'
    | 'BOFF'
    | 'BTRANS'
    | 'BLD'
    | 'GC'
    | 'GD'
    | 'GH'
    | 'GW'
    | 'KD'
    | 'KH'
    | 'KW'
    | 'SD'
    | 'SH'
    | 'SW'
    | 'PD'
    | 'PH'
    | 'PW'
    | 'DD'
    | 'DH'
    | 'DW'
    | 'OD'
    | 'OH'
    | 'OW'
    | 'SCRATCH'
    | 'SCRATCHSTRIDE'
    | 'KIND'
    | 'BATCH'
    | 'ABATCH'
    | 'BBATCH'
    | 'CBATCH'
    | 'SIZE',
    number
  >;
  /** B source kinds for the `BKIND` field. */
  B_DENSE: number;
  B_IM2COL: number;
  B_IM2COL_T: number;
  /** B^T rows read in place by dot products (a product with one or two rows of A, unpacked at APACK). */
  B_DOT: number;
  /** Runs chunk `chunk` of the job in `d` using thread `thread`'s scratch. */
  runChunk(d: Int32Array, chunk: number, thread: number): void;
}

/** The wasm exports the driver calls (see gemm-module.ts); addresses are bytes. */
export interface DriverExports {
  macro(
    a: number,
    b: number,
    c: number,
    ldc: number,
    m: number,
    n: number,
    kc: number,
    acc: number,
    scratch: number,
  ): void;
  seg(
    q: number,
    lane: number,
    groupLen: number,
    jump: number,
    dstStep: number,
    src: number,
    srcStep: number,
    count: number,
  ): void;
  packA4(dst: number, src: number, ldBytes: number, kc: number, dstStrideBytes: number): void;
  walk(...args: number[]): void;
  dotRows(c: number, a: number, b: number, k: number, n: number, ldb: number, acc: number): void;
}

/**
 * Builds a driver around the wasm exports. All packing happens in wasm memory through `seg`, so
 * the driver never touches a heap view. Heap offsets in descriptors count floats; heap float 0
 * must stay zero.
 */
// Its source text runs in workers, so its helpers must nest inside it.
// eslint-disable-next-line max-lines-per-function
export function createDriver(exports: DriverExports): Driver {
  const macro = exports.macro,
    seg = exports.seg,
    packA4 = exports.packA4,
    walk = exports.walk,
    dotRows = exports.dotRows;
  // 4x8 measured best or equal among 4x8/6x8/4x12/5x8/3x16 (19.8 GFLOP/s in-cache on one core).
  const MR = 4,
    NR = 8;
  // KC*MR*4 B of A (4 KB) and KC*NR*4 B of B (8 KB) per micro panel sit in L1; a KC x NC packed
  // B block (512 KB) plus an MC x KC A block (128 KB) fit the 1 MB L2.
  const KC = 256,
    NC = 512,
    MC = 128;
  const F = {
    M: 0,
    N: 1,
    K: 2,
    APACK: 3,
    C: 4,
    LDC: 5,
    ACC: 6,
    ROWCHUNK: 7,
    COLCHUNK: 8,
    NCOLCHUNKS: 9,
    NCHUNKS: 10,
    BKIND: 11,
    BOFF: 12,
    BTRANS: 13,
    BLD: 14,
    GC: 15,
    GD: 16,
    GH: 17,
    GW: 18,
    KD: 19,
    KH: 20,
    KW: 21,
    SD: 22,
    SH: 23,
    SW: 24,
    PD: 25,
    PH: 26,
    PW: 27,
    DD: 28,
    DH: 29,
    DW: 30,
    OD: 31,
    OH: 32,
    OW: 33,
    SCRATCH: 34,
    SCRATCHSTRIDE: 35,
    // 0: a GEMM chunk (this driver); other kinds are Winograd jobs (winograd-driver.ts).
    KIND: 36,
    // BATCH > 1 (dense B only): that many products of one shape in one job, the next product's A,
    // B and C ABATCH, BBATCH and CBATCH floats on; NCHUNKS counts the chunks of all of them.
    BATCH: 37,
    ABATCH: 38,
    BBATCH: 39,
    CBATCH: 40,
    SIZE: 41,
  };
  const B_DENSE = 0,
    B_IM2COL = 1,
    B_IM2COL_T = 2,
    B_DOT = 3;

  // Float 0 of the heap is a permanent zero: `seg` reads it with step 0 to write padding.
  const ZERO = 0;
  const BIG = 0x7fffffff;
  // Cursor of the panel writer: float index `q` and lane within the current panel row.
  let q = 0,
    lane = 0,
    jumpBytes = 0;

  /** Appends `count` floats (from `src`, step `step`, floats) along a row of packed panels. */
  function toPanels(src: number, step: number, count: number): void {
    if (count <= 0) return;
    seg(q * 4, lane, NR, jumpBytes, 4, src * 4, step * 4, count);
    const total = lane + count,
      wraps = Math.floor(total / NR);
    q += count + wraps * (jumpBytes >> 2);
    lane = total - wraps * NR;
  }

  /** Appends `count` floats contiguously at `q`. */
  function toRow(src: number, step: number, count: number): void {
    if (count <= 0) return;
    seg(q * 4, 0, BIG, 0, 4, src * 4, step * 4, count);
    q += count;
  }

  /** Appends `count` floats down one panel column (stride NR), from `q`. */
  function downPanel(src: number, step: number, count: number): void {
    if (count <= 0) return;
    seg(q * 4, 0, BIG, 0, NR * 4, src * 4, step * 4, count);
    q += count * NR;
  }

  /** Dense B (row-major [K, N], or [N, K] when transposed) into NR-column panels. */
  function packDense(d: Int32Array, off: number, pc: number, kc: number, jc: number, nc: number, dst: number): void {
    const ld = d[F.BLD];
    if (d[F.BTRANS] === 0) {
      jumpBytes = (kc - 1) * NR * 4;
      for (let k = 0; k < kc; k++) {
        q = dst + k * NR;
        lane = 0;
        toPanels(off + (pc + k) * ld + jc, 1, nc);
        if (lane !== 0) toPanels(ZERO, 0, NR - lane);
      }
    } else {
      // Stored rows of B^T are op(B)'s columns: four at a time go through the wasm transpose.
      for (let j0 = 0; j0 < nc; j0 += NR) {
        const panel = dst + j0 * kc;
        for (let half = 0; half < NR; half += 4) {
          const j = j0 + half;
          if (j + 4 <= nc) {
            packA4((panel + half) * 4, (off + (jc + j) * ld + pc) * 4, ld * 4, kc, NR * 4);
            continue;
          }
          for (let t = 0; t < 4; t++) {
            q = panel + half + t;
            if (j + t < nc) downPanel(off + (jc + j + t) * ld + pc, 1, kc);
            else downPanel(ZERO, 0, kc);
          }
        }
      }
    }
  }

  /**
   * Writes kernel tap `kid`'s values at `count` output positions from flat position `start` (one im2col
   * row), through the wasm `walk`: from byte `dstBytes`, `groupLen` floats then a `jump` of bytes.
   */
  function walkTap(
    d: Int32Array,
    kid: number,
    start: number,
    count: number,
    dstBytes: number,
    groupLen: number,
    jump: number,
  ): void {
    const D = d[F.GD],
      H = d[F.GH],
      W = d[F.GW],
      kD = d[F.KD],
      kH = d[F.KH],
      kW = d[F.KW];
    const oH = d[F.OH],
      oW = d[F.OW];
    const HW = H * W,
      DHW = D * HW,
      kHW = kH * kW,
      kDHW = kD * kHW,
      ohw = oH * oW;
    const od0 = Math.floor(start / ohw),
      r0 = start - od0 * ohw,
      oh0 = Math.floor(r0 / oW),
      ow0 = r0 - oh0 * oW;
    const ci = Math.floor(kid / kDHW);
    let rem = kid - ci * kDHW;
    const kd = Math.floor(rem / kHW);
    rem -= kd * kHW;
    const kh = Math.floor(rem / kW),
      kw = rem - kh * kW;
    const offD = kd * d[F.DD] - d[F.PD],
      offH = kh * d[F.DH] - d[F.PH],
      offW = kw * d[F.DW] - d[F.PW];
    const xb = d[F.BOFF] + ci * DHW;
    const sD = d[F.SD],
      sH = d[F.SH],
      sW = d[F.SW];
    walk(
      dstBytes,
      0,
      groupLen,
      jump,
      4,
      xb * 4,
      D,
      H,
      W,
      sD,
      sH,
      sW,
      offD,
      offH,
      offW,
      oH,
      oW,
      od0,
      oh0,
      ow0,
      count,
      ZERO * 4,
    );
  }

  /** im2col rows pc..pc+kc (kernel taps) by output positions jc..jc+nc, written as panels. */
  function packIm2col(d: Int32Array, pc: number, kc: number, jc: number, nc: number, dst: number): void {
    jumpBytes = (kc - 1) * NR * 4;
    for (let k = 0; k < kc; k++) {
      walkTap(d, pc + k, jc, nc, (dst + k * NR) * 4, NR, jumpBytes);
      const wraps = Math.floor(nc / NR);
      q = dst + k * NR + nc + wraps * (kc - 1) * NR;
      lane = nc - wraps * NR;
      if (lane !== 0) toPanels(ZERO, 0, NR - lane);
    }
  }

  /**
   * Transposed im2col: rows are output positions pc..pc+kc, columns kernel taps jc..jc+nc. Each
   * tap's run over positions is contiguous in x, so the NR taps of a panel are first written as
   * rows of `tmp` (vector copies), then transposed into the panel four by four in wasm.
   */
  function packIm2colT(d: Int32Array, pc: number, kc: number, jc: number, nc: number, dst: number, tmp: number): void {
    for (let j0 = 0; j0 < nc; j0 += NR) {
      for (let t = 0; t < NR; t++) {
        q = tmp + t * kc;
        if (j0 + t >= nc) {
          toRow(ZERO, 0, kc);
          continue;
        }
        walkTap(d, jc + j0 + t, pc, kc, q * 4, BIG, 0);
      }
      const panel = dst + j0 * kc;
      for (let half = 0; half < NR; half += 4) packA4((panel + half) * 4, (tmp + half * kc) * 4, kc * 4, kc, NR * 4);
    }
  }

  /** Rows r0..r1 of C over columns c0..c1 as dot products of A's rows with B^T's rows (no packing). */
  function dotChunk(d: Int32Array, r0: number, r1: number, c0: number, c1: number): void {
    const K = d[F.K],
      ld = d[F.BLD],
      ldc = d[F.LDC];
    for (let m = r0; m < r1; m++)
      dotRows(
        (d[F.C] + m * ldc + c0) * 4,
        (d[F.APACK] + m * K) * 4,
        (d[F.BOFF] + c0 * ld) * 4,
        K,
        c1 - c0,
        ld * 4,
        d[F.ACC],
      );
  }

  function runChunk(d: Int32Array, job: number, thread: number): void {
    const M = d[F.M],
      N = d[F.N],
      K = d[F.K],
      ncc = d[F.NCOLCHUNKS];
    // A batched job's chunks run product by product.
    const batch = d[F.BATCH] > 1 ? d[F.BATCH] : 1,
      perProduct = d[F.NCHUNKS] / batch,
      item = Math.floor(job / perProduct),
      chunk = job - item * perProduct;
    const rc = Math.floor(chunk / ncc),
      cc = chunk - rc * ncc;
    const r0 = rc * d[F.ROWCHUNK],
      r1 = Math.min(M, r0 + d[F.ROWCHUNK]);
    const c0 = cc * d[F.COLCHUNK],
      c1 = Math.min(N, c0 + d[F.COLCHUNK]);
    if (d[F.BKIND] === B_DOT) {
      dotChunk(d, r0, r1, c0, c1);
      return;
    }
    const bufB = d[F.SCRATCH] + thread * d[F.SCRATCHSTRIDE],
      tile = bufB + KC * NC,
      tmp = tile + MR * NR;
    const mPad = Math.ceil(M / MR) * MR,
      aPack = d[F.APACK] + item * d[F.ABATCH],
      cOff = d[F.C] + item * d[F.CBATCH],
      bOff = d[F.BOFF] + item * d[F.BBATCH],
      ldc = d[F.LDC],
      kind = d[F.BKIND];
    for (let jc = c0; jc < c1; jc += NC) {
      const nc = Math.min(NC, c1 - jc);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = Math.min(KC, K - pc);
        if (kind === B_DENSE) packDense(d, bOff, pc, kc, jc, nc, bufB);
        else if (kind === B_IM2COL) packIm2col(d, pc, kc, jc, nc, bufB);
        else packIm2colT(d, pc, kc, jc, nc, bufB, tmp);
        const acc = d[F.ACC] !== 0 || pc > 0 ? 1 : 0;
        for (let ic = r0; ic < r1; ic += MC) {
          const mc = Math.min(MC, r1 - ic);
          macro(
            (aPack + pc * mPad + ic * kc) * 4,
            bufB * 4,
            (cOff + ic * ldc + jc) * 4,
            ldc * 4,
            mc,
            nc,
            kc,
            acc,
            tile * 4,
          );
        }
      }
    }
  }

  return {
    MR,
    NR,
    KC,
    NC,
    MC,
    scratchFloats: KC * NC + MR * NR + NR * KC + 16,
    F,
    B_DENSE,
    B_IM2COL,
    B_IM2COL_T,
    B_DOT,
    runChunk,
  };
}
