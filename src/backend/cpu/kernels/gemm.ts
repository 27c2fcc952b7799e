// General matrix product on the wasm SIMD kernel: packs op(A) once into the heap, copies B and C
// in, plans chunks of C for the threads and copies C out. Also owns the job helpers conv3d builds
// on (A packing, chunk planning). Must not import node modules or anything outside this folder.
import { getRuntime, type Runtime } from './runtime.js';
import { kernelThreads, runJob } from './threads.js';

/** Options of {@link gemm}: offsets address batched slices; `accumulate` adds into C. */
export interface GemmOptions {
  accumulate?: boolean;
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
}

/** Below this many multiply-adds a plain loop beats packing: the wasm path costs ~5 µs a call, the loop ~5 ns a multiply-add. */
const SMALL_MACS = 512;
/** Products with at most this many rows of op(A) and a transposed B take the dot-product path. */
const DOT_MAX_ROWS = 2;
/** Below this many flops a job stays on the calling thread: waking a worker costs tens of µs. */
const THREAD_MIN_FLOPS = 4e6;

/**
 * Packs op(A) (M x K; A stored [M, K], or [K, M] when `trans`) into the driver's layout at `dst`:
 * K blocks of KC, each holding ceil(M/MR) panels of kc x MR floats, rows past M zeroed. A is first
 * copied into the heap (a memcpy) so full panels pack in wasm: a 4x4 SIMD transpose for row-major
 * A, straight 4-float copies for A^T. JS loops ran ~3 ns a float here.
 */
export function packA(
  rt: Runtime,
  src: Float32Array,
  off: number,
  trans: boolean,
  M: number,
  K: number,
  dst: number,
): void {
  const mark = rt.mark();
  const raw = rt.alloc(M * K);
  rt.heap().set(src.subarray(off, off + M * K), raw);
  packAFromHeap(rt, raw, trans, M, K, dst);
  rt.release(mark);
}

/** {@link packA} of an A already in the heap at float offset `raw` (no copy). */
export function packAFromHeap(rt: Runtime, raw: number, trans: boolean, M: number, K: number, dst: number): void {
  const { MR, KC } = rt.driver;
  const mPad = Math.ceil(M / MR) * MR,
    full = Math.floor(M / MR) * MR;
  const h = rt.heap();
  const w = rt.wasm;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = Math.min(KC, K - pc);
    let p = dst + pc * mPad;
    for (let i0 = 0; i0 < full; i0 += MR, p += kc * MR) {
      if (trans) w.copy4(p * 4, (raw + pc * M + i0) * 4, M * 4, kc);
      else w.packA4(p * 4, (raw + i0 * K + pc) * 4, K * 4, kc, 16);
    }
    if (full < M) {
      const rows = M - full;
      for (let k = 0; k < kc; k++, p += MR) {
        for (let r = 0; r < MR; r++) {
          h[p + r] = r < rows ? (trans ? h[raw + (pc + k) * M + full + r] : h[raw + (full + r) * K + pc + k]) : 0;
        }
      }
    }
  }
}

/**
 * {@link packA} of op(A) = [P_0 | P_1 | ...]^T, the transpose of heap blocks P_i `[K, width_i]`
 * (row-major at float offset `off`) set side by side: M = the sum of the widths. Panels that lie
 * in one block go through the wasm copy; a panel straddling two blocks (a width not a multiple of
 * MR) is gathered here.
 */
export function packStackedT(
  rt: Runtime,
  parts: readonly { off: number; width: number }[],
  K: number,
  dst: number,
): void {
  const { MR, KC } = rt.driver;
  const M = parts.reduce((s, p) => s + p.width, 0);
  const mPad = Math.ceil(M / MR) * MR;
  // Row r of op(A) -> [part offset, width, column inside the part].
  const where = (r: number): [number, number, number] => {
    let c = r;
    for (const p of parts) {
      if (c < p.width) return [p.off, p.width, c];
      c -= p.width;
    }
    return [-1, 0, 0];
  };
  const h = rt.heap();
  for (let pc = 0; pc < K; pc += KC) {
    const kc = Math.min(KC, K - pc);
    for (let i0 = 0, p = dst + pc * mPad; i0 < mPad; i0 += MR, p += kc * MR) {
      const [off, width, c] = where(i0);
      if (off >= 0 && c + MR <= width) {
        rt.wasm.copy4(p * 4, (off + pc * width + c) * 4, width * 4, kc);
        continue;
      }
      for (let r = 0; r < MR; r++) {
        const [o, w, cc] = where(i0 + r);
        for (let k = 0; k < kc; k++) h[p + k * MR + r] = o >= 0 ? h[o + (pc + k) * w + cc] : 0;
      }
    }
  }
}

const jobScratch: { job: Int32Array | null } = { job: null };

/** A zeroed job descriptor (reused between calls) with the thread scratch fields filled in. */
export function newJob(rt: Runtime): Int32Array {
  const F = rt.driver.F;
  const job = jobScratch.job ?? (jobScratch.job = new Int32Array(F.SIZE));
  job.fill(0);
  job[F.SCRATCH] = rt.scratchBase;
  job[F.SCRATCHSTRIDE] = rt.scratchStride;
  return job;
}

/**
 * Splits C (M x N) into chunks for the threads: along whichever dimension has more register
 * tiles, about four chunks per thread so a slow core does not hold up the job; one chunk for the
 * whole product when not `split` (a batch of products that are enough chunks by themselves).
 */
export function planChunks(rt: Runtime, job: Int32Array, M: number, N: number, K: number, split = true): void {
  const { F, MR, NR } = rt.driver;
  const threads = kernelThreads();
  let rowChunks = 1,
    colChunks = 1;
  if (split && threads > 1 && 2 * M * N * K >= THREAD_MIN_FLOPS) {
    const target = threads * 4;
    const colTiles = Math.ceil(N / NR),
      rowTiles = Math.ceil(M / MR);
    if (colTiles >= rowTiles) colChunks = Math.min(target, colTiles);
    else rowChunks = Math.min(target, rowTiles);
  }
  const colChunk = Math.ceil(Math.ceil(N / colChunks) / NR) * NR;
  const rowChunk = Math.ceil(Math.ceil(M / rowChunks) / MR) * MR;
  job[F.M] = M;
  job[F.N] = N;
  job[F.K] = K;
  job[F.ROWCHUNK] = rowChunk;
  job[F.COLCHUNK] = colChunk;
  job[F.NCOLCHUNKS] = Math.ceil(N / colChunk);
  job[F.NCHUNKS] = Math.ceil(M / rowChunk) * Math.ceil(N / colChunk);
}

/** Where a product's operands lie in the kernel heap (offsets in floats): A packed, B dense. */
export interface DenseProduct {
  /** Packed A (packA's layout). */
  aPack: number;
  /** B: `[K, N]` rows with stride `bLd`, or `[N, K]` rows (`bTrans`) with stride `bLd`. */
  b: number;
  bTrans: boolean;
  bLd: number;
  /** C: `[M, N]` rows with stride `ldc`; `accumulate` adds to what is there. */
  c: number;
  ldc: number;
  accumulate: boolean;
}

/** `count` products of one shape, each one's operands `a`, `b` and `c` floats after the previous one's. */
export interface ProductBatch {
  count: number;
  a: number;
  b: number;
  c: number;
}

/**
 * Plans and runs C (+)= A·B of a dense B on the kernel threads, reusing `job`; with `batch`, that
 * many products in one job (one hand-over to the threads instead of one per product; a product per
 * chunk when there are enough of them, so no two threads pack the same B).
 */
export function runDenseProduct(
  rt: Runtime,
  job: Int32Array,
  M: number,
  N: number,
  K: number,
  p: DenseProduct,
  batch?: ProductBatch,
): void {
  const { F, B_DENSE } = rt.driver;
  const count = batch ? batch.count : 1;
  planChunks(rt, job, M, N, K, count < 2 * kernelThreads());
  job[F.BATCH] = count;
  job[F.NCHUNKS] *= count;
  job[F.ABATCH] = batch ? batch.a : 0;
  job[F.BBATCH] = batch ? batch.b : 0;
  job[F.CBATCH] = batch ? batch.c : 0;
  job[F.APACK] = p.aPack;
  job[F.C] = p.c;
  job[F.LDC] = p.ldc;
  job[F.ACC] = p.accumulate ? 1 : 0;
  job[F.BKIND] = B_DENSE;
  job[F.BOFF] = p.b;
  job[F.BTRANS] = p.bTrans ? 1 : 0;
  job[F.BLD] = p.bLd;
  runJob(rt, job);
}

function checkSpan(name: string, arr: Float32Array, off: number, need: number, what: string): void {
  if (!Number.isInteger(off) || off < 0 || off + need > arr.length) {
    throw new Error(`gemm: ${name} needs ${need} elements from offset ${off} (${what}) but has length ${arr.length}`);
  }
}

/**
 * Row-major C[M,N] = op(A) * op(B) (+ C when `accumulate`). op(A) is A [M,K], or A^T when
 * `transA` (A stored [K,M]); op(B) is B [K,N], or B^T when `transB` (B stored [N,K]).
 * Float32 accumulation in blocks of 256 along K.
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  opts: GemmOptions = {},
): void {
  const aOff = opts.aOffset ?? 0,
    bOff = opts.bOffset ?? 0,
    cOff = opts.cOffset ?? 0,
    acc = opts.accumulate ?? false;
  for (const [n, v] of [
    ['M', M],
    ['N', N],
    ['K', K],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`gemm: ${n} must be a non-negative integer, got ${v}`);
  }
  checkSpan('A', A, aOff, M * K, transA ? `A^T stored [${K}, ${M}]` : `A [${M}, ${K}]`);
  checkSpan('B', B, bOff, K * N, transB ? `B^T stored [${N}, ${K}]` : `B [${K}, ${N}]`);
  checkSpan('C', C, cOff, M * N, `C [${M}, ${N}]`);
  if (M === 0 || N === 0) return;
  if (K === 0) {
    if (!acc) C.fill(0, cOff, cOff + M * N);
    return;
  }
  if (M * N * K <= SMALL_MACS) {
    smallGemm(transA, transB, M, N, K, A, B, C, aOff, bOff, cOff, acc);
    return;
  }
  const rt = getRuntime();
  if (transB && M <= DOT_MAX_ROWS) {
    dotProduct(rt, transA, M, N, K, A, B, C, aOff, bOff, cOff, acc);
    return;
  }
  const { MR } = rt.driver;
  rt.reset();
  const aP = rt.alloc(Math.ceil(M / MR) * MR * K),
    bP = rt.alloc(K * N),
    cP = rt.alloc(M * N);
  packA(rt, A, aOff, transA, M, K, aP);
  const h = rt.heap();
  h.set(B.subarray(bOff, bOff + K * N), bP);
  if (acc) h.set(C.subarray(cOff, cOff + M * N), cP);
  runDenseProduct(rt, newJob(rt), M, N, K, {
    aPack: aP,
    b: bP,
    bTrans: transB,
    bLd: transB ? K : N,
    c: cP,
    ldc: N,
    accumulate: acc,
  });
  C.set(rt.heap().subarray(cP, cP + M * N), cOff);
}

/**
 * C (+)= op(A) B^T for one or two rows of op(A) (a linear layer at batch 1): dot products against the
 * rows of B^T in place, split over the threads by columns. Packing B (a transposing pass over all of
 * it) would cost more than the arithmetic, and the 4-row micro-kernel would waste 3/4 of its work.
 */
function dotProduct(
  rt: Runtime,
  transA: boolean,
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  aOff: number,
  bOff: number,
  cOff: number,
  acc: boolean,
): void {
  const { F, B_DOT } = rt.driver;
  rt.reset();
  const aP = rt.alloc(M * K),
    bP = rt.alloc(N * K),
    cP = rt.alloc(M * N);
  const h = rt.heap();
  if (transA) for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) h[aP + m * K + k] = A[aOff + k * M + m];
  else h.set(A.subarray(aOff, aOff + M * K), aP);
  h.set(B.subarray(bOff, bOff + N * K), bP);
  if (acc) h.set(C.subarray(cOff, cOff + M * N), cP);
  const job = newJob(rt);
  planChunks(rt, job, M, N, K);
  job[F.APACK] = aP;
  job[F.C] = cP;
  job[F.LDC] = N;
  job[F.ACC] = acc ? 1 : 0;
  job[F.BKIND] = B_DOT;
  job[F.BOFF] = bP;
  job[F.BLD] = K;
  runJob(rt, job);
  C.set(rt.heap().subarray(cP, cP + M * N), cOff);
}

/** The plain loop for tiny products, where packing would cost more than the arithmetic. */
function smallGemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  aOff: number,
  bOff: number,
  cOff: number,
  acc: boolean,
): void {
  const aI = transA ? 1 : K,
    aK = transA ? M : 1,
    bK = transB ? 1 : N,
    bJ = transB ? K : 1;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let pa = aOff + i * aI,
        pb = bOff + j * bJ;
      for (let k = 0; k < K; k++, pa += aK, pb += bK) s += A[pa] * B[pb];
      const c = cOff + i * N + j;
      C[c] = acc ? C[c] + s : s;
    }
  }
}
