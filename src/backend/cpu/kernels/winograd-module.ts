// The wasm halves of the Winograd F(2x2x2, 3x3x3) conv3d forward: the weight, input and output
// transforms as straight-line SIMD, four tiles (or four output channels) per vector. They are
// exported by the kernel module next to the GEMM so worker threads run them on the shared heap;
// blocking and job layout live in winograd-driver.ts. Imports only the byte emitter (src/wasm).
import { FunctionBuilder, I32, V128 } from '../../../wasm/emitter.js';

/** f32x4.splat of the f32 on the stack. */
function splat(f: FunctionBuilder): FunctionBuilder {
  return f.simdOp(0x13);
}

/**
 * Emits one 4-point axis of a transform over vector locals in place: `rows[j]` are the 4 inputs,
 * `out` the expressions of the outputs (each a list of [sign, input index] terms, optionally halved).
 */
type Term = [1 | -1, number];
function axis(f: FunctionBuilder, rows: number[], outs: Term[][], tmp: number[], half: number | null): number[] {
  outs.forEach((terms, o) => {
    const [first, ...rest] = terms;
    if (first[0] < 0) f.v128Zero().get(rows[first[1]]).f32x4Sub();
    else f.get(rows[first[1]]);
    for (const [sign, j] of rest) {
      f.get(rows[j]);
      if (sign > 0) f.f32x4Add();
      else f.f32x4Sub();
    }
    if (half !== null && terms.length > 1) f.get(half).f32x4Mul();
    f.set(tmp[o]);
  });
  return tmp.slice(0, outs.length);
}

/** B^T d along one axis: (d0 - d2, d1 + d2, d2 - d1, d1 - d3). */
const INPUT_AXIS: Term[][] = [
  [
    [1, 0],
    [-1, 2],
  ],
  [
    [1, 1],
    [1, 2],
  ],
  [
    [1, 2],
    [-1, 1],
  ],
  [
    [1, 1],
    [-1, 3],
  ],
];
/** A^T m along one axis: (m0 + m1 + m2, m1 - m2 - m3). */
const OUTPUT_AXIS: Term[][] = [
  [
    [1, 0],
    [1, 1],
    [1, 2],
  ],
  [
    [1, 1],
    [-1, 2],
    [-1, 3],
  ],
];
/** G g along one axis (halved where marked): (g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2). */
const WEIGHT_AXIS: Term[][] = [
  [[1, 0]],
  [
    [1, 0],
    [1, 1],
    [1, 2],
  ],
  [
    [1, 0],
    [-1, 1],
    [1, 2],
  ],
  [[1, 2]],
];

/** Index of a value in a cube of side `n` (d, h, w). */
const at = (n: number, d: number, h: number, w: number): number => (d * n + h) * n + w;

/** Emits one axis: reads the input locals `rows`, writes the output locals `tmp`. */
type AxisEmitter = (rows: number[], tmp: number[]) => void;

/** An axis given as a table of terms (see {@link axis}). */
const byTable =
  (f: FunctionBuilder, outs: Term[][], half: number | null): AxisEmitter =>
  (rows, tmp) => {
    axis(f, rows, outs, tmp, half);
  };

/**
 * Applies a separable transform to a cube of vector locals (side `n` in, `m` out), axis w, then h,
 * then d; returns the output cube (side m) as local indices.
 */
function separable(f: FunctionBuilder, cube: number[], n: number, m: number, emit: AxisEmitter): number[] {
  const fresh = (count: number): number[] => Array.from({ length: count }, () => f.local(V128));
  // w-axis: n*n rows of n -> n*n rows of m, stored as a cube [d][h][w'] of side (n, n, m).
  const s1 = fresh(n * n * m);
  for (let d = 0; d < n; d++)
    for (let h = 0; h < n; h++) {
      const rows = Array.from({ length: n }, (_, w) => cube[at(n, d, h, w)]);
      emit(
        rows,
        Array.from({ length: m }, (_, w) => s1[(d * n + h) * m + w]),
      );
    }
  // h-axis: [d][h][w'] -> [d][h'][w'].
  const s2 = fresh(n * m * m);
  for (let d = 0; d < n; d++)
    for (let w = 0; w < m; w++) {
      const rows = Array.from({ length: n }, (_, h) => s1[(d * n + h) * m + w]);
      emit(
        rows,
        Array.from({ length: m }, (_, h) => s2[(d * m + h) * m + w]),
      );
    }
  // d-axis: [d][h'][w'] -> [d'][h'][w'].
  const s3 = fresh(m * m * m);
  for (let h = 0; h < m; h++)
    for (let w = 0; w < m; w++) {
      const rows = Array.from({ length: n }, (_, d) => s2[(d * m + h) * m + w]);
      emit(
        rows,
        Array.from({ length: m }, (_, d) => s3[(d * m + h) * m + w]),
      );
    }
  return s3;
}

/**
 * `winoIn(dst, src, count, parity, panelBytes, rowBytes, planeBytes, tStride)`: the input transform
 * V = B^T d B of `count` groups of four w-adjacent tiles of one channel. `src` is the first tile's
 * (d, h, w) corner in a zero-padded input (rows `rowBytes`, planes `planeBytes` apart; a group
 * reads 10 floats per row, the next group starts 8 floats on). Transform point t of the group goes to
 * `dst + t * tStride` as one vector (the four tiles' values): the B panel layout of the GEMM, where
 * two groups share a panel row (`parity` says which half `dst` is) and panels are `panelBytes` apart.
 */
export function buildWinoIn(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [dst, src, count, parity, panelBytes, rowBytes, planeBytes, tStride] = [0, 1, 2, 3, 4, 5, 6, 7];
  const row = f.local(I32),
    q = f.local(I32);
  const v = Array.from({ length: 4 }, () => f.local(V128));
  const ld = Array.from({ length: 4 }, () => f.local(V128));
  const cube = Array.from({ length: 64 }, () => f.local(V128));
  const tmp = Array.from({ length: 4 }, () => f.local(V128));
  f.block().loop();
  f.get(count).i32(1).ltS().brIf(1);
  for (let d = 0; d < 4; d++)
    for (let h = 0; h < 4; h++) {
      f.get(src);
      if (d > 0) f.get(planeBytes).i32(d).mul().add();
      if (h > 0) f.get(rowBytes).i32(h).mul().add();
      f.set(row);
      // Lanes = four tiles 2 floats apart: x[0,2,4,6], x[1,3,5,7], x[2,4,6,8], x[3,5,7,9].
      f.get(row).v128Load(0).set(ld[0]).get(row).v128Load(16).set(ld[1]);
      f.get(row).v128Load(8).set(ld[2]).get(row).v128Load(24).set(ld[3]);
      f.get(ld[0]).get(ld[1]).shuffleF32([0, 2, 4, 6]).set(v[0]);
      f.get(ld[0]).get(ld[1]).shuffleF32([1, 3, 5, 7]).set(v[1]);
      f.get(ld[2]).get(ld[3]).shuffleF32([0, 2, 4, 6]).set(v[2]);
      f.get(ld[2]).get(ld[3]).shuffleF32([1, 3, 5, 7]).set(v[3]);
      axis(
        f,
        v,
        INPUT_AXIS,
        Array.from({ length: 4 }, (_, w) => cube[at(4, d, h, w)]),
        null,
      );
    }
  // h and d axes on the cube (the w-axis was applied on the way in).
  const out = hdAxes(f, cube, INPUT_AXIS, tmp);
  f.get(dst).set(q);
  for (let t = 0; t < 64; t++) {
    f.get(q).get(out[t]).v128Store(0);
    if (t < 63) f.get(q).get(tStride).add().set(q);
  }
  f.get(src).i32(32).add().set(src);
  // Next group: the other half of this panel row, or the first half of the next panel.
  f.get(parity).if();
  f.get(dst).get(panelBytes).i32(16).sub().add().set(dst);
  f.else();
  f.get(dst).i32(16).add().set(dst);
  f.end();
  f.i32(1).get(parity).sub().set(parity);
  f.get(count).i32(1).sub().set(count);
  f.br(0).end().end();
  return f;
}

/** The h then d axes of a 4x4x4 cube in place (through `tmp`); returns the cube. */
function hdAxes(f: FunctionBuilder, cube: number[], outs: Term[][], tmp: number[]): number[] {
  for (let d = 0; d < 4; d++)
    for (let w = 0; w < 4; w++) {
      const idx = [0, 1, 2, 3].map((h) => cube[at(4, d, h, w)]);
      axis(f, idx, outs, tmp, null);
      idx.forEach((l, j) => f.get(tmp[j]).set(l));
    }
  for (let h = 0; h < 4; h++)
    for (let w = 0; w < 4; w++) {
      const idx = [0, 1, 2, 3].map((d) => cube[at(4, d, h, w)]);
      axis(f, idx, outs, tmp, null);
      idx.forEach((l, j) => f.get(tmp[j]).set(l));
    }
  return cube;
}

/**
 * `winoOut(dst, src, count, tStride, rowBytes, planeBytes, bias, relu)`: the output transform A^T m A
 * of `count` groups of four w-adjacent tiles of one channel, plus the f32 at `bias`, then max(0, .)
 * when `relu` is not 0 (NaN and -0 give 0, as the cpu backend's relu). Point t of a group
 * is the vector at `src + t * tStride` (four tiles; the next group's 16 bytes on); the 2x2x2 outputs of
 * the four tiles go to `dst` as 2 x 2 rows of 8 floats (rows `rowBytes`, planes `planeBytes` apart).
 */
export function buildWinoOut(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [dst, src, count, tStride, rowBytes, planeBytes, bias, relu] = [0, 1, 2, 3, 4, 5, 6, 7];
  const q = f.local(I32),
    row = f.local(I32),
    b = f.local(V128),
    zero = f.local(V128);
  f.v128Zero().set(zero);
  const cube = Array.from({ length: 64 }, () => f.local(V128));
  f.get(bias).v128Load32Splat(0).set(b);
  f.block().loop();
  f.get(count).i32(1).ltS().brIf(1);
  f.get(src).set(q);
  for (let t = 0; t < 64; t++) {
    f.get(q).v128Load(0).set(cube[t]);
    if (t < 63) f.get(q).get(tStride).add().set(q);
  }
  const r = separable(f, cube, 4, 2, byTable(f, OUTPUT_AXIS, null));
  for (let d = 0; d < 2; d++)
    for (let h = 0; h < 2; h++) {
      f.get(dst);
      if (d > 0) f.get(planeBytes).add();
      if (h > 0) f.get(rowBytes).add();
      f.set(row);
      const w0 = r[at(2, d, h, 0)],
        w1 = r[at(2, d, h, 1)];
      f.get(w0).get(b).f32x4Add().set(w0).get(w1).get(b).f32x4Add().set(w1);
      f.get(relu).if();
      f.get(zero).get(w0).f32x4Pmax().set(w0).get(zero).get(w1).f32x4Pmax().set(w1);
      f.end();
      // Interleave the tiles' two columns: outputs w = 0..7 of the row.
      f.get(row).get(w0).get(w1).shuffleF32([0, 4, 1, 5]).v128Store(0);
      f.get(row).get(w0).get(w1).shuffleF32([2, 6, 3, 7]).v128Store(16);
    }
  f.get(src).i32(16).add().set(src);
  f.get(dst).i32(32).add().set(dst);
  f.get(count).i32(1).sub().set(count);
  f.br(0).end().end();
  return f;
}

/**
 * `winoWeights(dst, src, count, rowBytes, tStride)`: U = G g G^T of `count` consecutive input
 * channels for four output channels at once: `src` is the first channel's 27 taps of output channel
 * 0, the other three rows `rowBytes` apart, the next channel 108 bytes on. Point t of a channel is one
 * vector (the four output channels) at `dst + t * tStride`, the next channel 16 bytes on: the GEMM's
 * packed A layout.
 */
export function buildWinoWeights(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32]);
  const [dst, src, count, rowBytes, tStride] = [0, 1, 2, 3, 4];
  const q = f.local(I32),
    r1 = f.local(I32),
    r2 = f.local(I32),
    r3 = f.local(I32),
    half = f.local(V128);
  const cube = Array.from({ length: 27 }, () => f.local(V128));
  splat(f.f32(0.5)).set(half);
  f.block().loop();
  f.get(count).i32(1).ltS().brIf(1);
  f.get(src).get(rowBytes).add().tee(r1).get(rowBytes).add().tee(r2).get(rowBytes).add().set(r3);
  for (let tap = 0; tap < 27; tap++) {
    f.get(src).v128Load32Splat(4 * tap);
    f.set(cube[tap]);
    for (const [lane, base] of [
      [1, r1],
      [2, r2],
      [3, r3],
    ] as const)
      f.get(base)
        .get(cube[tap])
        .v128Load32Lane(lane, 4 * tap)
        .set(cube[tap]);
  }
  const u = separable(f, cube, 3, 4, byTable(f, WEIGHT_AXIS, half));
  f.get(dst).set(q);
  for (let t = 0; t < 64; t++) {
    f.get(q).get(u[t]).v128Store(0);
    if (t < 63) f.get(q).get(tStride).add().set(q);
  }
  f.get(src).i32(108).add().set(src);
  f.get(dst).i32(16).add().set(dst);
  f.get(count).i32(1).sub().set(count);
  f.br(0).end().end();
  return f;
}

/** A dy along one axis, the adjoint of the output transform: (m0, m0 + m1, m0 - m1, -m1). */
const GRAD_OUTPUT_AXIS: Term[][] = [
  [[1, 0]],
  [
    [1, 0],
    [1, 1],
  ],
  [
    [1, 0],
    [-1, 1],
  ],
  [[-1, 1]],
];

/**
 * `winoGradOut(dst, src, count, tStride, rowBytes, planeBytes)`: the adjoint of the output
 * transform, A dy A^T, of `count` groups of four w-adjacent tiles of one channel: the 2x2x2 dy of
 * the four tiles is read as 2 x 2 rows of 8 floats at `src` (rows `rowBytes`, planes `planeBytes`
 * apart; the next group 32 bytes on), point t goes to `dst + t * tStride` (the next group 16 bytes on).
 */
export function buildWinoGradOut(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32]);
  const [dst, src, count, tStride, rowBytes, planeBytes] = [0, 1, 2, 3, 4, 5];
  const q = f.local(I32),
    row = f.local(I32),
    lo = f.local(V128),
    hi = f.local(V128);
  const cube = Array.from({ length: 8 }, () => f.local(V128));
  f.block().loop();
  f.get(count).i32(1).ltS().brIf(1);
  for (let d = 0; d < 2; d++)
    for (let h = 0; h < 2; h++) {
      f.get(src);
      if (d > 0) f.get(planeBytes).add();
      if (h > 0) f.get(rowBytes).add();
      f.set(row);
      f.get(row).v128Load(0).set(lo).get(row).v128Load(16).set(hi);
      f.get(lo)
        .get(hi)
        .shuffleF32([0, 2, 4, 6])
        .set(cube[at(2, d, h, 0)]);
      f.get(lo)
        .get(hi)
        .shuffleF32([1, 3, 5, 7])
        .set(cube[at(2, d, h, 1)]);
    }
  const out = separable(f, cube, 2, 4, byTable(f, GRAD_OUTPUT_AXIS, null));
  f.get(dst).set(q);
  for (let t = 0; t < 64; t++) {
    f.get(q).get(out[t]).v128Store(0);
    if (t < 63) f.get(q).get(tStride).add().set(q);
  }
  f.get(src).i32(32).add().set(src);
  f.get(dst).i32(16).add().set(dst);
  f.get(count).i32(1).sub().set(count);
  f.br(0).end().end();
  return f;
}

/**
 * `winoWeightsGrad(dst, src, count, tStride)`: the adjoint of the weight transform, G^T dU G, for
 * `count` groups of four consecutive input channels of one output channel: point t of a group is
 * the vector at `src + t * tStride` (the next group 16 bytes on); the 27 taps of the four channels
 * go to `dst` as four rows of 27 floats (the next group 432 bytes on): the weight layout.
 */
export function buildWinoWeightsGrad(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32]);
  const [dst, src, count, tStride] = [0, 1, 2, 3];
  const q = f.local(I32),
    half = f.local(V128),
    sum = f.local(V128),
    diff = f.local(V128);
  const cube = Array.from({ length: 64 }, () => f.local(V128));
  splat(f.f32(0.5)).set(half);
  // G^T along one axis: (u0 + (u1 + u2) / 2, (u1 - u2) / 2, (u1 + u2) / 2 + u3).
  const emit: AxisEmitter = (r, tmp) => {
    f.get(r[1]).get(r[2]).f32x4Add().get(half).f32x4Mul().set(sum);
    f.get(r[1]).get(r[2]).f32x4Sub().get(half).f32x4Mul().set(diff);
    f.get(r[0]).get(sum).f32x4Add().set(tmp[0]);
    f.get(diff).set(tmp[1]);
    f.get(sum).get(r[3]).f32x4Add().set(tmp[2]);
  };
  f.block().loop();
  f.get(count).i32(1).ltS().brIf(1);
  f.get(src).set(q);
  for (let t = 0; t < 64; t++) {
    f.get(q).v128Load(0).set(cube[t]);
    if (t < 63) f.get(q).get(tStride).add().set(q);
  }
  const taps = separable(f, cube, 4, 3, emit);
  for (let tap = 0; tap < 27; tap++)
    for (let lane = 0; lane < 4; lane++)
      f.get(dst)
        .get(taps[tap])
        .v128Store32Lane(lane, 4 * (lane * 27 + tap));
  f.get(src).i32(16).add().set(src);
  f.get(dst).i32(432).add().set(dst);
  f.get(count).i32(1).sub().set(count);
  f.br(0).end().end();
  return f;
}

/** `reluInPlace(ptr, count)`: max(0, x) over `count` floats from byte `ptr` (NaN and -0 give 0). */
export function buildReluInPlace(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32]);
  const [ptr, count] = [0, 1];
  const zero = f.local(V128);
  f.v128Zero().set(zero);
  f.block().loop();
  f.get(count).i32(4).ltS().brIf(1);
  f.get(ptr).get(zero).get(ptr).v128Load(0).f32x4Pmax().v128Store(0);
  f.get(ptr).i32(16).add().set(ptr);
  f.get(count).i32(4).sub().set(count);
  f.br(0).end().end();
  f.block().loop();
  f.get(count).i32(1).ltS().brIf(1);
  f.get(ptr).get(zero).get(ptr).v128Load32Zero(0).f32x4Pmax().v128Store32Lane(0, 0);
  f.get(ptr).i32(4).add().set(ptr);
  f.get(count).i32(1).sub().set(count);
  f.br(0).end().end();
  return f;
}
