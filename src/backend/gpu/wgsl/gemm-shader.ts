// WGSL source of a tiled matrix product C[M, N] = A[M, K] · B[K, N] whose operands are read
// through loaders, so one template serves the plain matmul and the convolutions as implicit
// GEMMs (the im2col matrix is never stored: loadB computes each element's input address).
// gpu.js cannot express this: its kernels have no workgroup memory and produce one value per
// thread. Here 256 threads stage a tile of A and a tile of B in workgroup memory and every
// thread accumulates an Rx4 block of C, so each value read from global memory feeds up to 64
// multiply-adds instead of 1. The tile is as tall as M needs (64, 32, 16, 8 or 4 rows, wider
// when shorter): conv layers with 3-16 channels would waste most of a 64-row tile.
//
// Split-K: with `splits` > 1 the K range is cut into slices (workgroup z), each slice writes
// its partial product to a scratch buffer [s, M, N], and splitSumShader adds the slices and
// stores. That gives enough workgroups when M and N are small and K is long (the conv weight
// gradient, a fully connected layer on a small batch, deep conv layers on small clips).

export interface GemmSpec {
  M: number;
  N: number;
  K: number;
  /** Independent products (workgroup z when splits is 1). */
  batch: number;
  /** Slices of K summed afterwards (batch must be 1 when > 1). */
  splits: number;
  /** Number of read-only input bindings in0..in{n-1}, in binding order. */
  inputs: number;
  /** Module-scope WGSL: constants and helper functions the loaders use. */
  prelude: string;
  /** Body of `fn loadA(bi: u32, m: u32, k: u32) -> f32`, called only for m < M and k < K. */
  loadA: string;
  /**
   * Statements run once per thread before the K loop, given `bi` and `n`, the one column of B
   * this thread stages throughout (it may be >= N: then loadB is never reached). They define
   * what loadB needs that depends on the column only: the implicit GEMMs decompose the column
   * into coordinates here instead of on every load.
   */
  columnSetup: string;
  /** Statements assigning `vb`, the value B[k, n], given `bi`, `k`, `n` and columnSetup's names; run only for k < K and n < N. */
  loadB: string;
  /** Body of `fn store(bi: u32, m: u32, n: u32, v: f32)`, writing `out`; called only in range. */
  store: string;
}

/** Threads per workgroup. */
const THREADS = 256;

/**
 * The shape of a workgroup's tile: `ty` x `tx` threads (ty·tx = 256), each computing `rows`
 * rows (spaced ty apart) by 4 columns (spaced tx apart), over `depth` K per step. Workgroup
 * memory stays within WebGPU's default 16 KiB: (ty·rows + 1 + tx·4)·depth floats.
 */
export interface TileShape {
  ty: number;
  tx: number;
  rows: number;
  depth: number;
}

/** The smallest tile that covers M rows (all of them when M <= 64). */
export function tileShape(M: number): TileShape {
  if (M > 32) return { ty: 16, tx: 16, rows: 4, depth: 16 };
  if (M > 16) return { ty: 16, tx: 16, rows: 2, depth: 16 };
  if (M > 8) return { ty: 16, tx: 16, rows: 1, depth: 16 };
  if (M > 4) return { ty: 8, tx: 32, rows: 1, depth: 16 };
  return { ty: 4, tx: 64, rows: 1, depth: 8 };
}

/** K elements each split covers: a whole number of tile steps. */
function splitLength(K: number, splits: number, depth: number): number {
  return Math.ceil(Math.ceil(K / splits) / depth) * depth;
}

/** Largest number of K slices. */
const MAX_SPLITS = 256;
/** Workgroups a product aims for (a few per compute unit of a large GPU). */
const TARGET_WORKGROUPS = 512;
/** Fewest K elements a slice keeps, so the partial sums stay worth a second pass. */
const MIN_SPLIT_K = 256;

/**
 * How many K slices a single (batch 1) product of these dimensions runs as: enough workgroups
 * to fill a large GPU when M·N gives few tiles and K is long (the conv weight gradient, a
 * fully connected layer on a small batch), else 1.
 */
export function chooseSplits(M: number, N: number, K: number): number {
  const [columnTiles, rowTiles] = gemmDispatch({ M, N, batch: 1, splits: 1 });
  return Math.max(
    1,
    Math.min(MAX_SPLITS, Math.ceil(TARGET_WORKGROUPS / (columnTiles * rowTiles)), Math.floor(K / MIN_SPLIT_K)),
  );
}

/** Tiles of C: [column tiles, row tiles, batch or splits]. */
export function gemmDispatch(s: Pick<GemmSpec, 'M' | 'N' | 'batch' | 'splits'>): [number, number, number] {
  const t = tileShape(s.M);
  return [Math.ceil(s.N / (t.tx * 4)), Math.ceil(s.M / (t.ty * t.rows)), s.splits > 1 ? s.splits : s.batch];
}

/**
 * How `count` workgroups are laid out under a per-dimension limit (WebGPU's default is 65,535):
 * [x, y] with x·y >= count; the shader rebuilds its index as wg.x + wg.y·x and the extra
 * workgroups of the last row return at once. A large clip batch (conv1 of batch 32 at
 * 16x112x112 has 100,352 column tiles) needs the second dimension.
 */
export function foldGrid(count: number, limit: number): [number, number] {
  const x = Math.max(1, Math.min(count, limit));
  return [x, Math.ceil(count / x)];
}

/** `n` as a WGSL u32 literal (`12u`); throws on anything that is not one. */
export function u(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new Error(`gpu backend (wgsl) internal: constant ${n} is not a u32`);
  return `${n}u`;
}

/** The bindings: inputs in0.., then `partial` when asked, then `out`. */
function bindings(inputs: number, partial = false): string {
  const lines: string[] = [];
  for (let i = 0; i < inputs; i++) lines.push(`@group(0) @binding(${i}) var<storage, read> in${i}: array<f32>;`);
  if (partial) lines.push(`@group(0) @binding(${inputs}) var<storage, read> partial: array<f32>;`);
  lines.push(`@group(0) @binding(${inputs + (partial ? 1 : 0)}) var<storage, read_write> out: array<f32>;`);
  return lines.join('\n');
}

/**
 * The product; with splits > 1 it writes partial sums [split, M, N] to `out` for splitSumShader.
 * Its tiles are dispatched as foldGrid(tiles, limit) x (batch or splits), with gridX the first.
 */
export function gemmShader(s: GemmSpec, gridX: number): string {
  if (s.splits > 1 && s.batch !== 1) throw new Error('gpu backend (wgsl) internal: split-K needs batch 1');
  const split = s.splits > 1;
  const { ty, tx, rows: R, depth: TK } = tileShape(s.M);
  const [columnTiles, rowTiles] = gemmDispatch(s);
  const tileM = ty * R;
  const tileN = tx * 4;
  const kSplit = split ? splitLength(s.K, s.splits, TK) : Math.ceil(s.K / TK) * TK;
  const each = (n: number, f: (i: number) => string, separator = '\n'): string =>
    Array.from({ length: n }, (_, i) => f(i)).join(separator);
  const plus = (v: number): string => (v ? ` + ${u(v)}` : '');
  return `${productModuleScope(s, tileM, tileN, TK, kSplit)}

@compute @workgroup_size(${tx}, ${ty}, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // Workgroup-uniform, so returning here keeps every barrier below in uniform control flow.
  let tile = wg.x + wg.y * ${u(gridX)};
  if (tile >= ${u(columnTiles * rowTiles)}) { return; }
  let tid = lid.y * ${u(tx)} + lid.x;
  let n0 = (tile % ${u(columnTiles)}) * ${u(tileN)};
  let m0 = (tile / ${u(columnTiles)}) * ${u(tileM)};
  let bi = ${split ? '0u' : 'wg.z'};
  let kBegin = ${split ? 'wg.z * KSPLIT' : '0u'};
  let kEnd = min(K, kBegin + KSPLIT);
  // Every thread stages the same column of B on every tile step.
  let n = n0 + tid % ${u(tileN)};
  let nInside = n < N;
${s.columnSetup}
  var acc: array<vec4<f32>, ${R}>;
  for (var k0 = kBegin; k0 < kEnd; k0 = k0 + ${u(TK)}) {
${stagingLoops(s, tileM, tileN, TK)}
    workgroupBarrier();
    for (var kk = 0u; kk < ${u(TK)}; kk = kk + 1u) {
      // Rows lid.y + ${ty}i and columns lid.x + ${tx}j: neighbouring threads read neighbouring banks.
      let b = vec4<f32>(${each(4, (j) => `tileB[kk][lid.x${plus(tx * j)}]`, ', ')});
${each(R, (i) => `      acc[${i}] = fma(vec4<f32>(tileA[kk][lid.y${plus(ty * i)}]), b, acc[${i}]);`)}
    }
    workgroupBarrier();
  }
${writeBack(R, ty, tx, split)}
}
`;
}

/** Module scope of the product: its constants, bindings and prelude, the workgroup tiles, loadA and store. */
function productModuleScope(s: GemmSpec, tileM: number, tileN: number, TK: number, kSplit: number): string {
  return `// plm-ipe tiled GEMM: C[${s.M}, ${s.N}] = A·B, K ${s.K}, batch ${s.batch}, splits ${s.splits}, tile ${tileM}x${tileN}x${TK}
const M: u32 = ${u(s.M)};
const N: u32 = ${u(s.N)};
const K: u32 = ${u(s.K)};
const KSPLIT: u32 = ${u(kSplit)};
${bindings(s.inputs)}
${s.prelude}

// A tile stored [k][m] (one padding column: the k-fastest writes hit distinct banks), B [k][n].
var<workgroup> tileA: array<array<f32, ${tileM + 1}>, ${TK}>;
var<workgroup> tileB: array<array<f32, ${tileN}>, ${TK}>;

fn loadA(bi: u32, m: u32, k: u32) -> f32 {
${s.loadA}
}
fn store(bi: u32, m: u32, n: u32, v: f32) {
${s.store}
}`;
}

/**
 * One tile step's staging: A's tileM x TK elements and B's TK x tileN into workgroup memory, zeros
 * outside the matrix (or outside this split's K range).
 */
function stagingLoops(s: GemmSpec, tileM: number, tileN: number, TK: number): string {
  // A elements per thread per step (a guard when 256 threads outnumber them), B rows per thread.
  const aLoads = Math.ceil((tileM * TK) / THREADS);
  const bLoads = (TK * tileN) / THREADS;
  return `    // Stage ${tileM}x${TK} of A (k fastest: row-major A reads are contiguous) and ${TK}x${tileN}
    // of B (n fastest); outside the matrix, zeros.
    for (var r = 0u; r < ${u(aLoads)}; r = r + 1u) {
      let e = tid + r * ${u(THREADS)};${
        tileM * TK < THREADS
          ? `
      if (e < ${u(tileM * TK)}) {`
          : ' {'
      }
        let ka = k0 + e % ${u(TK)};
        let ma = m0 + e / ${u(TK)};
        var va = 0.0;
        if (ma < M && ka < kEnd) { va = loadA(bi, ma, ka); }
        tileA[e % ${u(TK)}][e / ${u(TK)}] = va;
      }
    }
    for (var r = 0u; r < ${u(bLoads)}; r = r + 1u) {
      let row = tid / ${u(tileN)} + r * ${u(THREADS / tileN)};
      let k = k0 + row;
      var vb = 0.0;
      if (nInside && k < kEnd) {
${s.loadB}
      }
      tileB[row][tid % ${u(tileN)}] = vb;
    }`;
}

/** The write-back of each thread's R x 4 block: to the partial sums with split-K, else through the spec's store. */
function writeBack(R: number, ty: number, tx: number, split: boolean): string {
  return `  for (var i = 0u; i < ${u(R)}; i = i + 1u) {
    let mOut = m0 + lid.y + ${u(ty)} * i;
    for (var j = 0u; j < 4u; j = j + 1u) {
      let nOut = n0 + lid.x + ${u(tx)} * j;
      if (mOut < M && nOut < N) {
        ${split ? 'out[(wg.z * M + mOut) * N + nOut] = acc[i][j];' : 'store(bi, mOut, nOut, acc[i][j]);'}
      }
    }
  }`;
}

/** Threads per workgroup of the split sum (a 1-D dispatch). */
export const SUM_THREADS = 256;

/**
 * The second pass of a split-K product: C[m, n] = sum over s of partial[s, m, n], written
 * through the spec's store (so the conv layouts and the bias apply). Binds the product's
 * inputs, then `partial`, then `out`. Dispatched as foldGrid(ceil(M·N / SUM_THREADS), limit),
 * with gridX the first.
 */
export function splitSumShader(s: GemmSpec, gridX: number): string {
  return `// plm-ipe split-K sum: ${s.splits} slices of [${s.M}, ${s.N}]
const M: u32 = ${u(s.M)};
const N: u32 = ${u(s.N)};
const K: u32 = ${u(s.K)};
const SPLITS: u32 = ${u(s.splits)};
${bindings(s.inputs, true)}
${s.prelude}

fn store(bi: u32, m: u32, n: u32, v: f32) {
${s.store}
}

@compute @workgroup_size(${SUM_THREADS}, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * ${u(gridX * SUM_THREADS)};
  if (i >= M * N) { return; }
  var sum = 0.0;
  for (var j = 0u; j < SPLITS; j = j + 1u) { sum = sum + partial[j * M * N + i]; }
  store(0u, i / N, i % N, sum);
}
`;
}
