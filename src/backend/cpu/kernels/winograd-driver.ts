// Runs one chunk of a Winograd job on the calling thread or a worker: the weight transform of a
// range of output channels into the GEMM's packed A layout, or a whole tile block of the forward
// (input transform into this thread's scratch, the 64 products on the macro-kernel, output
// transform with bias and optional relu), so a block never leaves its core's cache between the three steps;
// or a range of channels of a 2x2 / 2x2x2 max pool in the heap (the Winograd output boxes the fused
// conv + pool pools, and maxPool3d's own inputs); or a range of channels of the weight gradient's
// transforms (winograd-grad.ts). Its source text runs in workers, so
// `createWinogradDriver` must stay self-contained: no imports, no outer references.

/** The wasm exports a Winograd chunk calls (winograd-module.ts, gemm-module.ts); addresses are bytes. */
export interface WinogradExports {
  macro(a: number, b: number, c: number, ldc: number, m: number, n: number, kc: number, acc: number, s: number): void;
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
  winoIn(
    dst: number,
    src: number,
    count: number,
    parity: number,
    panelBytes: number,
    rowBytes: number,
    planeBytes: number,
    tStride: number,
  ): void;
  winoOut(
    dst: number,
    src: number,
    count: number,
    tStride: number,
    rowBytes: number,
    planeBytes: number,
    bias: number,
    relu: number,
  ): void;
  winoWeights(dst: number, src: number, count: number, rowBytes: number, tStride: number): void;
  winoGradOut(dst: number, src: number, count: number, tStride: number, rowBytes: number, planeBytes: number): void;
  packA4(dst: number, src: number, ldBytes: number, kc: number, dstStrideBytes: number): void;
  maxPoolRow(
    y: number,
    arg: number,
    src: number,
    count: number,
    rowBytes: number,
    planeBytes: number,
    deep: number,
    index: number,
  ): void;
}

/** What `createWinogradDriver` returns: the descriptor fields, the job kinds, the chunk runner. */
export interface WinogradDriver {
  /** Descriptor field indices. NCHUNKS, SCRATCH, SCRATCHSTRIDE and KIND sit where the GEMM driver has them. */
  W: Record<
    | 'KIND'
    | 'NCHUNKS'
    | 'SCRATCH'
    | 'SCRATCHSTRIDE'
    | 'WSRC'
    | 'CO'
    | 'CI'
    | 'APACK'
    | 'PACKSIZE'
    | 'MPAD'
    | 'GROUPSPERCHUNK'
    | 'NCOGROUPS'
    | 'XP'
    | 'XPCH'
    | 'XPPLANE'
    | 'XPROW'
    | 'YP'
    | 'YPCH'
    | 'YPPLANE'
    | 'YPROW'
    | 'TH'
    | 'GPR'
    | 'NGROUPS'
    | 'GPB'
    | 'NCOSPLIT'
    | 'COSPLIT'
    | 'VBASE'
    | 'VSTRIDE'
    | 'BIAS'
    | 'RELU'
    | 'XPITEM'
    | 'YPITEM',
    number
  >;
  /**
   * A pool job's fields (its own layout; only NCHUNKS and KIND are shared): channel c's input at
   * PSRC + c * PCH (rows PROW, planes PPLANE floats apart), windows 2x2 or 2x2x2 (PKD), output
   * [PNCH, POD, POH, POW] at PDST and each maximum's index at PARG (counted from PSRC when PINDEXED,
   * else from each row's first cell), PPER channels per chunk.
   */
  PL: Record<
    | 'PSRC'
    | 'PCH'
    | 'PROW'
    | 'PPLANE'
    | 'PKD'
    | 'POD'
    | 'POH'
    | 'POW'
    | 'PNCH'
    | 'PDST'
    | 'PARG'
    | 'PINDEXED'
    | 'PPER'
    | 'NCHUNKS'
    | 'KIND',
    number
  >;
  /**
   * A weight-gradient transform job's fields (shared with W where the meaning is the same: CI, CO,
   * the boxes, TH, GPR, NCHUNKS, KIND): tile groups GG0 .. GG0 + GNG of one batch item. The first
   * NINCHUNKS chunks take CIPER input channels each into V (VBASE, points VT apart, [Ci x tiles]);
   * each later chunk takes MR output channels into M (GMBASE, points GMT apart, [Co x tiles]) and
   * packs those rows of every point's M into its packed A (APACK, points APT apart, MPAD rows).
   */
  GR: Record<
    | 'CI'
    | 'CO'
    | 'APACK'
    | 'APT'
    | 'MPAD'
    | 'CIPER'
    | 'GMBASE'
    | 'GMT'
    | 'NCHUNKS'
    | 'XP'
    | 'XPCH'
    | 'XPPLANE'
    | 'XPROW'
    | 'YP'
    | 'YPCH'
    | 'YPPLANE'
    | 'YPROW'
    | 'TH'
    | 'GPR'
    | 'GG0'
    | 'GNG'
    | 'VBASE'
    | 'VT'
    | 'NINCHUNKS'
    | 'KIND',
    number
  >;
  /** Job kinds for the KIND field (0 is the GEMM driver's). */
  KIND_WEIGHTS: number;
  KIND_CONV: number;
  KIND_POOL: number;
  KIND_GRAD: number;
  /** The stride (floats) between the 64 points' copies of an n-float matrix. */
  skew(n: number): number;
  runChunk(d: Int32Array, chunk: number, thread: number): void;
}

/**
 * `gemm`: the GEMM driver's blocking (packed A and B panels are split along K in blocks of KC; a
 * thread's macro-kernel edge tile sits KC * NC floats into its scratch).
 */
// Its source text runs in workers, so its helpers must nest inside it.
// eslint-disable-next-line max-lines-per-function
export function createWinogradDriver(
  exports: WinogradExports,
  gemm: { KC: number; NC: number; MR: number; NR: number },
  heap: () => Float32Array,
): WinogradDriver {
  const { macro, seg, winoIn, winoOut, winoWeights, winoGradOut, packA4, maxPoolRow } = exports;
  const { KC, NC, MR, NR } = gemm;
  const W = {
    WSRC: 0,
    CO: 1,
    CI: 2,
    APACK: 3,
    PACKSIZE: 4,
    MPAD: 5,
    GROUPSPERCHUNK: 6,
    NCOGROUPS: 7,
    NCHUNKS: 10,
    XP: 11,
    XPCH: 12,
    XPPLANE: 13,
    XPROW: 14,
    YP: 15,
    YPCH: 16,
    YPPLANE: 17,
    YPROW: 18,
    TH: 19,
    GPR: 20,
    NGROUPS: 21,
    GPB: 22,
    NCOSPLIT: 23,
    COSPLIT: 24,
    VBASE: 25,
    VSTRIDE: 26,
    BIAS: 27,
    RELU: 28,
    // Batch items of one job: item i's boxes at XP + i * XPITEM and YP + i * YPITEM.
    XPITEM: 29,
    YPITEM: 30,
    SCRATCH: 34,
    SCRATCHSTRIDE: 35,
    KIND: 36,
  };
  const PL = {
    PSRC: 0,
    PCH: 1,
    PROW: 2,
    PPLANE: 3,
    PKD: 4,
    POD: 5,
    POH: 6,
    POW: 7,
    PNCH: 8,
    PDST: 9,
    NCHUNKS: W.NCHUNKS,
    PARG: 11,
    PINDEXED: 12,
    PPER: 13,
    KIND: W.KIND,
  };
  const GR = {
    CO: W.CO,
    CI: W.CI,
    APACK: W.APACK,
    APT: 4,
    MPAD: W.MPAD,
    CIPER: 6,
    GMBASE: 8,
    GMT: 9,
    NCHUNKS: W.NCHUNKS,
    XP: W.XP,
    XPCH: W.XPCH,
    XPPLANE: W.XPPLANE,
    XPROW: W.XPROW,
    YP: W.YP,
    YPCH: W.YPCH,
    YPPLANE: W.YPPLANE,
    YPROW: W.YPROW,
    TH: W.TH,
    GPR: W.GPR,
    GG0: 21,
    GNG: 22,
    VBASE: W.VBASE,
    VT: 26,
    NINCHUNKS: 27,
    KIND: W.KIND,
  };
  const KIND_WEIGHTS = 1,
    KIND_CONV = 2,
    KIND_POOL = 3,
    KIND_GRAD = 4;
  const ZERO = 0;
  const P = 64;
  /**
   * The 64 points' copies of a matrix sit `skew(n)` floats apart: an odd number of cache lines, so the
   * transforms' 64 loads or stores per tile group fall in different cache sets (power-of-two
   * strides put them all in one L1 set).
   */
  const skew = (n: number): number => {
    const lines = Math.ceil(n / 16);
    return 16 * (lines % 2 === 0 ? lines + 1 : lines);
  };

  /** Weight transform of output-channel groups (of MR = 4) of chunk `chunk` into the packed A of all 64 points. */
  function weightsChunk(d: Int32Array, chunk: number): void {
    const Ci = d[W.CI],
      mPad = d[W.MPAD],
      per = d[W.GROUPSPERCHUNK];
    const g0 = chunk * per,
      g1 = Math.min(d[W.NCOGROUPS], g0 + per);
    for (let cg = g0; cg < g1; cg++) {
      for (let pc = 0; pc < Ci; pc += KC) {
        const kc = Math.min(KC, Ci - pc);
        const dst = d[W.APACK] + pc * mPad + cg * MR * kc;
        const src = d[W.WSRC] + (cg * MR * Ci + pc) * 27;
        winoWeights(dst * 4, src * 4, kc, Ci * 27 * 4, d[W.PACKSIZE] * 4);
      }
    }
  }

  /**
   * Calls `each(g, run, gl, srcBase, a, b, gi)` for each stretch of groups g0..g1 that stays in one
   * tile row: `run` groups from group `g` (local index `gl`), tile row (a, b), first group `gi` in it.
   */
  function stretches(
    d: Int32Array,
    g0: number,
    g1: number,
    each: (run: number, gl: number, a: number, b: number, gi: number) => void,
  ): void {
    const gpr = d[W.GPR],
      tH = d[W.TH];
    for (let g = g0; g < g1;) {
      const r = Math.floor(g / gpr),
        gi = g - r * gpr,
        run = Math.min(g1 - g, gpr - gi);
      const a = Math.floor(r / tH);
      each(run, g - g0, a, r - a * tH, gi);
      g += run;
    }
  }

  function convChunk(d: Int32Array, job: number, thread: number): void {
    const Ci = d[W.CI],
      Co = d[W.CO],
      nSplit = d[W.NCOSPLIT];
    // Chunks run item by item: (item, block, output-channel split).
    const perItem = Math.ceil(d[W.NGROUPS] / d[W.GPB]) * nSplit,
      item = Math.floor(job / perItem),
      chunk = job - item * perItem;
    const xBox = d[W.XP] + item * d[W.XPITEM],
      yBox = d[W.YP] + item * d[W.YPITEM];
    const blk = Math.floor(chunk / nSplit),
      co0 = (chunk - blk * nSplit) * d[W.COSPLIT],
      co1 = Math.min(Co, co0 + d[W.COSPLIT]),
      mc = co1 - co0;
    const g0 = blk * d[W.GPB],
      g1 = Math.min(d[W.NGROUPS], g0 + d[W.GPB]),
      ng = g1 - g0;
    const nbPad = Math.ceil(ng / 2) * NR;
    const vt = skew(Ci * nbPad),
      mt = skew(mc * nbPad);
    const V = d[W.VBASE] + thread * d[W.VSTRIDE],
      M = V + P * vt;
    // 1. Input transform of the block's tiles, every input channel, into B panels per point.
    const xRow = d[W.XPROW],
      xPlane = d[W.XPPLANE];
    for (let ci = 0; ci < Ci; ci++) {
      const pc = Math.floor(ci / KC) * KC,
        kc = Math.min(KC, Ci - pc);
      const vci = V + pc * nbPad + (ci - pc) * NR,
        xci = xBox + ci * d[W.XPCH];
      stretches(d, g0, g1, (run, gl, a, b, gi) => {
        const dst = vci + (gl >> 1) * kc * NR + (gl & 1) * 4,
          src = xci + 2 * a * xPlane + 2 * b * xRow + 8 * gi;
        winoIn(dst * 4, src * 4, run, gl & 1, kc * NR * 4, xRow * 4, xPlane * 4, vt * 4);
      });
    }
    // An odd group count leaves the last panel's second half unwritten: zero it at every point.
    if (ng & 1) {
      for (let t = 0; t < P; t++)
        for (let pc = 0; pc < Ci; pc += KC) {
          const kc = Math.min(KC, Ci - pc);
          const q = V + t * vt + pc * nbPad + (ng >> 1) * kc * NR + 4;
          seg(q * 4, 0, 4, (NR - 4) * 4, 4, ZERO * 4, 0, 4 * kc);
        }
    }
    // 2. The 64 products M[t] [mc x nb] = U[t] rows co0..co1 x V[t], on the macro-kernel.
    const mPad = d[W.MPAD],
      tile = d[W.SCRATCH] + thread * d[W.SCRATCHSTRIDE] + KC * NC;
    for (let t = 0; t < P; t++) {
      const aT = d[W.APACK] + t * d[W.PACKSIZE];
      for (let pc = 0; pc < Ci; pc += KC) {
        const kc = Math.min(KC, Ci - pc);
        macro(
          (aT + pc * mPad + co0 * kc) * 4,
          (V + t * vt + pc * nbPad) * 4,
          (M + t * mt) * 4,
          nbPad * 4,
          mc,
          nbPad,
          kc,
          pc > 0 ? 1 : 0,
          tile * 4,
        );
      }
    }
    // 3. Output transform (+ bias) of each output channel of the chunk into the padded output.
    const yRow = d[W.YPROW],
      yPlane = d[W.YPPLANE];
    for (let co = co0; co < co1; co++) {
      const mco = M + (co - co0) * nbPad,
        yco = yBox + co * d[W.YPCH],
        bias = d[W.BIAS] < 0 ? ZERO : d[W.BIAS] + co;
      stretches(d, g0, g1, (run, gl, a, b, gi) => {
        const dst = yco + 2 * a * yPlane + 2 * b * yRow + 8 * gi;
        winoOut(dst * 4, (mco + gl * 4) * 4, run, mt * 4, yRow * 4, yPlane * 4, bias * 4, d[W.RELU]);
      });
    }
  }

  /**
   * One output row of a 2x2 (kD 1) or 2x2x2 (kD 2) pool over the heap (offsets in floats): output
   * i's window starts at `src + 2 i`. Four outputs per vector in wasm, the last outW % 4 here by the
   * same rule; `arg` gets each maximum's index, counted from `index0` at `src`.
   */
  function poolRow(
    y: number,
    arg: number,
    src: number,
    outW: number,
    row: number,
    plane: number,
    kD: number,
    index0: number,
  ): void {
    const vec = outW - (outW % 4);
    if (vec > 0) maxPoolRow(y * 4, arg * 4, src * 4, vec, row * 4, plane * 4, kD - 1, index0);
    if (vec === outW) return;
    // The tail: the wasm kernel's rule (cells in (d, h, w) order, `v > best || v != v`).
    const h = heap(),
      args = new Int32Array(h.buffer, h.byteOffset, h.length);
    for (let ow = vec; ow < outW; ow++) {
      let best = -Infinity,
        at = 2 * ow;
      for (let dd = 0; dd < kD; dd++)
        for (let k = 0; k < 4; k++) {
          const i = 2 * ow + dd * plane + (k >> 1) * row + (k & 1),
            v = h[src + i];
          if (v > best || v !== v) {
            best = v;
            at = i;
          }
        }
      h[y + ow] = best;
      args[arg + ow] = index0 + at;
    }
  }

  /** Pools channels chunk * PPER .. of a pool job, row by row. */
  function poolChunk(d: Int32Array, chunk: number): void {
    const per = d[PL.PPER],
      c0 = chunk * per,
      c1 = Math.min(d[PL.PNCH], c0 + per);
    const outD = d[PL.POD],
      outH = d[PL.POH],
      outW = d[PL.POW],
      kD = d[PL.PKD],
      row = d[PL.PROW],
      plane = d[PL.PPLANE];
    for (let c = c0; c < c1; c++)
      for (let od = 0; od < outD; od++)
        for (let oh = 0; oh < outH; oh++) {
          const rel = c * d[PL.PCH] + od * kD * plane + 2 * oh * row,
            o = ((c * outD + od) * outH + oh) * outW;
          poolRow(d[PL.PDST] + o, d[PL.PARG] + o, d[PL.PSRC] + rel, outW, row, plane, kD, d[PL.PINDEXED] ? rel : 0);
        }
  }

  /**
   * One chunk of the weight gradient's transforms: V = B^T x B of some input channels, or M = A dy
   * A^T of MR output channels, then those M rows of every point packed for the macro-kernel (rows
   * past Co zero). Each channel's tiles are contiguous per point (panelBytes 32: both halves of a
   * "panel row" are the next 16 bytes).
   */
  function gradChunk(d: Int32Array, chunk: number): void {
    const g0 = d[GR.GG0],
      g1 = g0 + d[GR.GNG],
      tiles = 4 * d[GR.GNG];
    if (chunk < d[GR.NINCHUNKS]) {
      const c0 = chunk * d[GR.CIPER],
        c1 = Math.min(d[GR.CI], c0 + d[GR.CIPER]);
      const xRow = d[GR.XPROW],
        xPlane = d[GR.XPPLANE],
        vt = d[GR.VT];
      for (let ci = c0; ci < c1; ci++) {
        const vci = d[GR.VBASE] + ci * tiles,
          xci = d[GR.XP] + ci * d[GR.XPCH];
        stretches(d, g0, g1, (run, gl, a, b, gi) => {
          const src = xci + 2 * a * xPlane + 2 * b * xRow + 8 * gi;
          winoIn((vci + 4 * gl) * 4, src * 4, run, 0, 32, xRow * 4, xPlane * 4, vt * 4);
        });
      }
      return;
    }
    const Co = d[GR.CO],
      co0 = (chunk - d[GR.NINCHUNKS]) * MR,
      co1 = Math.min(Co, co0 + MR);
    const yRow = d[GR.YPROW],
      yPlane = d[GR.YPPLANE],
      mBase = d[GR.GMBASE],
      mt = d[GR.GMT];
    for (let co = co0; co < co1; co++) {
      const mco = mBase + co * tiles,
        yco = d[GR.YP] + co * d[GR.YPCH];
      stretches(d, g0, g1, (run, gl, a, b, gi) => {
        const src = yco + 2 * a * yPlane + 2 * b * yRow + 8 * gi;
        winoGradOut((mco + 4 * gl) * 4, src * 4, run, mt * 4, yRow * 4, yPlane * 4);
      });
    }
    // The packed A layout of gemm.ts's packAFromHeap: K blocks of KC, MR rows interleaved per k.
    const mPad = d[GR.MPAD],
      rows = co1 - co0;
    for (let t = 0; t < P; t++) {
      const raw = mBase + t * mt,
        dst = d[GR.APACK] + t * d[GR.APT];
      for (let pc = 0; pc < tiles; pc += KC) {
        const kc = Math.min(KC, tiles - pc),
          p = dst + pc * mPad + co0 * kc;
        if (rows === MR) {
          packA4(p * 4, (raw + co0 * tiles + pc) * 4, tiles * 4, kc, 16);
          continue;
        }
        const h = heap();
        for (let k = 0; k < kc; k++)
          for (let r = 0; r < MR; r++) h[p + k * MR + r] = r < rows ? h[raw + (co0 + r) * tiles + pc + k] : 0;
      }
    }
  }

  function runChunk(d: Int32Array, chunk: number, thread: number): void {
    const kind = d[W.KIND];
    if (kind === KIND_WEIGHTS) weightsChunk(d, chunk);
    else if (kind === KIND_POOL) poolChunk(d, chunk);
    else if (kind === KIND_GRAD) gradChunk(d, chunk);
    else convChunk(d, chunk, thread);
  }

  return { W, PL, GR, KIND_WEIGHTS, KIND_CONV, KIND_POOL, KIND_GRAD, skew, runChunk };
}
