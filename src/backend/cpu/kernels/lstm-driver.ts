// Runs one chunk of an LSTM recurrence job on the calling thread or a worker: a group of batch
// rows through every step (forward: product into the gates, then the cell; backward: the gate
// gradients, then the product into dh). The rows of a batch are independent sequences, so the
// threads never wait for each other between steps. Its source text runs in workers, so
// `createLstmDriver` must stay self-contained: no imports, no outer references.
import type { Driver } from './chunk-driver.js';
import type { LstmKernels } from './lstm-module.js';

/** What `createLstmDriver` returns: the descriptor fields, the job kinds, the chunk runner. */
export interface LstmDriver {
  /**
   * Descriptor fields (floats offsets in the heap unless said). NCHUNKS, SCRATCH, SCRATCHSTRIDE
   * and KIND sit where the GEMM driver has them; the rest above its fields.
   */
  L: Record<
    | 'NCHUNKS'
    | 'SCRATCH'
    | 'SCRATCHSTRIDE'
    | 'KIND'
    | 'GROUP'
    | 'B'
    | 'BP'
    | 'T'
    | 'H'
    | 'WPACK'
    | 'GATES'
    | 'BIAS'
    | 'HS'
    | 'CS'
    | 'HST'
    | 'CST'
    | 'ACTS'
    | 'MASK'
    | 'SKIP0'
    | 'DG'
    | 'DOUT'
    | 'OUT'
    | 'SIZE',
    number
  >;
  /** Job kinds for the KIND field (0 is the GEMM driver's, small ones Winograd's). */
  KIND_FORWARD: number;
  KIND_BACKWARD: number;
  runChunk(d: Int32Array, chunk: number, thread: number): void;
}

/**
 * Builds the runner over this thread's cell kernels and GEMM driver. Forward job: GROUP rows per
 * chunk (a multiple of 4), W_hh packed at WPACK, gates `[4H, T*Bp]` at GATES, BIAS `[4H]`, hs/cs
 * `[T+1, B, H]` at HS/CS, the states `[H, Bp]` at HST/CST, ACTS `[T, 4H, Bp]`, MASK `[T, Bp]`,
 * SKIP0 = 1 when h0 is zero, OUT `[B, T, H]` the output. Backward job: W_hh^T at WPACK, DG `[T*B, 4H]`, dh and dc `[H, Bp]` at
 * HST and CST, DOUT `[T, B, H]` (0: none), ACTS, CS (c_{t-1} of each step), MASK.
 */
// Its source text runs in workers, so its helpers must nest inside it.
// eslint-disable-next-line max-lines-per-function
export function createLstmDriver(lstm: LstmKernels, driver: Driver): LstmDriver {
  const F = driver.F;
  const L = {
    NCHUNKS: F.NCHUNKS,
    SCRATCH: F.SCRATCH,
    SCRATCHSTRIDE: F.SCRATCHSTRIDE,
    KIND: F.KIND,
    GROUP: 40,
    B: 41,
    BP: 42,
    T: 43,
    H: 44,
    WPACK: 45,
    GATES: 46,
    BIAS: 47,
    HS: 48,
    CS: 49,
    HST: 50,
    CST: 51,
    ACTS: 52,
    MASK: 53,
    SKIP0: 54,
    DG: 55,
    DOUT: 56,
    OUT: 57,
    SIZE: 64,
  };
  const KIND_FORWARD = 16,
    KIND_BACKWARD = 17;
  // This thread's descriptor for the step products (one chunk: the whole group).
  const g = new Int32Array(F.SIZE);

  /** C (+)= Apacked [M, K] x op(B), B `[n, K]` rows at `b` with stride `bLd`, on this thread. */
  function product(d: Int32Array, thread: number, M: number, n: number, K: number, a: number, b: number, bLd: number) {
    g[F.M] = M;
    g[F.N] = n;
    g[F.K] = K;
    g[F.APACK] = a;
    g[F.ACC] = 1;
    g[F.ROWCHUNK] = M;
    g[F.COLCHUNK] = n;
    g[F.NCOLCHUNKS] = 1;
    g[F.NCHUNKS] = 1;
    g[F.BKIND] = driver.B_DENSE;
    g[F.BOFF] = b;
    g[F.BTRANS] = 1;
    g[F.BLD] = bLd;
    g[F.SCRATCH] = d[L.SCRATCH];
    g[F.SCRATCHSTRIDE] = d[L.SCRATCHSTRIDE];
    driver.runChunk(g, 0, thread);
  }

  function forward(d: Int32Array, r0: number, r1: number, thread: number): void {
    const B = d[L.B],
      Bp = d[L.BP],
      T = d[L.T],
      H = d[L.H];
    const G = 4 * H,
      BH = B * H,
      TBp = T * Bp,
      n = Math.min(B, r1) - r0;
    for (let t = 0; t < T; t++) {
      const gates = d[L.GATES] + t * Bp;
      if (t > 0 || d[L.SKIP0] === 0) {
        g[F.C] = gates + r0;
        g[F.LDC] = TBp;
        product(d, thread, G, n, H, d[L.WPACK], d[L.HS] + t * BH + r0 * H, H);
      }
      lstm.cellForward(
        gates * 4,
        TBp * 4,
        d[L.BIAS] * 4,
        d[L.CST] * 4,
        d[L.HST] * 4,
        (d[L.HS] + (t + 1) * BH) * 4,
        (d[L.CS] + (t + 1) * BH) * 4,
        (d[L.ACTS] + t * 4 * H * Bp) * 4,
        (d[L.MASK] + t * Bp) * 4,
        (d[L.OUT] + t * H) * 4,
        T * H * 4,
        H,
        Bp,
        B,
        r0,
        r1,
      );
    }
  }

  function backward(d: Int32Array, r0: number, r1: number, thread: number): void {
    const B = d[L.B],
      Bp = d[L.BP],
      T = d[L.T],
      H = d[L.H];
    const G = 4 * H,
      BH = B * H,
      n = Math.min(B, r1) - r0,
      dOut = d[L.DOUT];
    for (let t = T - 1; t >= 0; t--) {
      const dG = d[L.DG] + t * B * G;
      lstm.cellBackward(
        dG * 4,
        d[L.HST] * 4,
        d[L.CST] * 4,
        (d[L.ACTS] + t * 4 * H * Bp) * 4,
        (d[L.CS] + t * BH) * 4,
        dOut === 0 ? 0 : (dOut + t * BH) * 4,
        (d[L.MASK] + t * Bp) * 4,
        H,
        Bp,
        B,
        r0,
        r1,
      );
      // dh_{t-1}[:, rows] += W_hh^T dG_t[rows]^T.
      g[F.C] = d[L.HST] + r0;
      g[F.LDC] = Bp;
      product(d, thread, H, n, G, d[L.WPACK], dG + r0 * G, G);
    }
  }

  function runChunk(d: Int32Array, chunk: number, thread: number): void {
    const r0 = chunk * d[L.GROUP],
      r1 = Math.min(d[L.BP], r0 + d[L.GROUP]);
    if (d[L.KIND] === KIND_FORWARD) forward(d, r0, r1, thread);
    else backward(d, r0, r1, thread);
  }

  return { L, KIND_FORWARD, KIND_BACKWARD, runChunk };
}
