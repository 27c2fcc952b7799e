// Runs one chunk of a Winograd job on the calling thread or a worker: the weight transform of a
// range of output channels into the GEMM's packed A layout, or a whole tile block of the forward
// (input transform into this thread's scratch, the 64 products on the macro-kernel, output
// transform with bias and optional relu), so a block never leaves its core's cache between the three steps. Its
// source text runs in workers, so `createWinogradDriver` must stay self-contained: no imports, no outer references.

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
  /** Job kinds for the KIND field (0 is the GEMM driver's). */
  KIND_WEIGHTS: number;
  KIND_CONV: number;
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
): WinogradDriver {
  const { macro, seg, winoIn, winoOut, winoWeights } = exports;
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
  const KIND_WEIGHTS = 1,
    KIND_CONV = 2;
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

  function runChunk(d: Int32Array, chunk: number, thread: number): void {
    if (d[W.KIND] === KIND_WEIGHTS) weightsChunk(d, chunk);
    else convChunk(d, chunk, thread);
  }

  return { W, KIND_WEIGHTS, KIND_CONV, skew, runChunk };
}
