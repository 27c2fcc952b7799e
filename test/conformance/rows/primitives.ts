// Rows of the elementwise, layout, reduction, matmul, fused-row and optimizer primitives, each
// called on the Backend interface and checked against src/backend/cpu/reference.ts. Several
// (rsqrt, padSlice, lstmCellGrad) have no public op of their own, so only a row like these sees them.
import type { BinaryOp, DataId, ReduceOp, UnaryOp } from '../../../src/backend/backend.js';
import * as ref from '../../../src/backend/cpu/reference.js';
import type { PrimitiveRow } from '../table.js';
import { random, uniform } from '../inputs.js';

type Spec = Omit<PrimitiveRow, 'kind'>;
const row = (spec: Spec): PrimitiveRow => ({ kind: 'primitive', ...spec });

const UNARY: UnaryOp[] = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'abs',
  'sign',
  'relu',
  'sigmoid',
  'tanh',
  'square',
  'reciprocal',
  'sin',
  'cos',
  'floor',
  'ceil',
  'round',
  'isFinite',
];
const BINARY: BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'gt',
  'ge',
  'lt',
  'le',
  'reluGrad',
  'sigmoidGrad',
  'tanhGrad',
];
const POSITIVE_ONLY: UnaryOp[] = ['log', 'sqrt', 'rsqrt', 'reciprocal'];

/** Inputs with large magnitudes (tanh/sigmoid must not overflow to NaN at |x| = 60), zero and halves. */
function unaryInput(op: UnaryOp): Float32Array {
  if (POSITIVE_ONLY.includes(op)) return uniform(64, 0.1, 5, `unary-pos:${op}`);
  const x = uniform(64, -4, 4, `unary:${op}`);
  x.set([60, -60, 0, 2.5, -2.5, 0.5]);
  return x;
}

const unaryRows = UNARY.map((op) =>
  row({
    name: `unary ${op}`,
    primitive: 'unary',
    inputs: () => [unaryInput(op)],
    call: (b, [x]) => [b.unary(op, x, 64)],
    reference: ([x]) => [ref.unaryReference(op, x)],
    // f32 exp/log/sin differ from f64 by a few ulps.
    tol: { rtol: 1e-5, atol: 1e-6, relativeTo: 'max' },
  }),
);

const S = [2, 3, 4];
/** Same shape, b broadcast from [3, 1], a broadcast from [1, 3, 1]; equal pairs for eq/ne/ge/le. */
const binaryRows = BINARY.flatMap((op) => {
  const a = (): Float32Array => uniform(24, -2, 2, `binary-a:${op}`);
  const b = (): Float32Array => {
    const v = uniform(24, -2, 2, `binary-b:${op}`);
    const x = a();
    v[0] = x[0];
    v[5] = x[5];
    return v;
  };
  const small = (): Float32Array =>
    op === 'pow' ? new Float32Array([2, 3, -1]) : uniform(3, 0.5, 2, `binary-s:${op}`);
  // pow of a negative base is NaN for non-integer exponents everywhere: same-shape pow gets a positive base.
  const base = (): Float32Array => (op === 'pow' ? uniform(24, 0.2, 2, 'pow-base') : a());
  const shapes: [string, () => Float32Array[], number[], number[]][] = [
    ['same shape', () => [base(), b()], S, S],
    ['broadcast b [3,1]', () => [a(), small()], S, [3, 1]],
    ['broadcast a [1,3,1]', () => [uniform(3, 0.5, 2, `binary-s:${op}`), a()], [1, 3, 1], S],
  ];
  return shapes.map(([label, inputs, aShape, bShape]) =>
    row({
      name: `binary ${op} ${label}`,
      primitive: 'binary',
      inputs,
      call: (be, [x, y]) => [be.binary(op, x, aShape, y, bShape, S)],
      reference: ([x, y]) => [ref.binaryReference(op, x, aShape, y, bShape, S)],
      tol: { rtol: 1e-5, relativeTo: 'max' },
    }),
  );
});

const whereRow = row({
  name: 'where broadcasts its three operands',
  primitive: 'where',
  inputs: () => [new Float32Array([1, 0, 1, 0, 0, 1]), uniform(12, -2, 2, 'where-a'), uniform(4, -2, 2, 'where-b')],
  call: (b, [k, x, y]) => [b.where(k, [2, 1, 3], x, [2, 2, 3], y, [2, 2, 1], [2, 2, 3])],
  reference: ([k, x, y]) => [ref.whereReference(k, [2, 1, 3], x, [2, 2, 3], y, [2, 2, 1], [2, 2, 3])],
  tol: { rtol: 0 }, // a copy: exact
});

const R = [2, 3, 4, 5];
const reduceRows = (['sum', 'max', 'min', 'prod'] as ReduceOp[]).flatMap((op) =>
  [[3], [0], [1, 2], [0, 2], [0, 1, 2, 3], [1, 3]].map((axes) =>
    row({
      name: `reduce ${op} over [${axes}]`,
      primitive: 'reduce',
      inputs: () => [uniform(120, 0.5, 1.5, 'reduce')],
      call: (b, [x]) => [b.reduce(op, x, R, axes)],
      reference: ([x]) => [ref.reduceReference(op, x, R, axes)],
      // Sums of <= 120 terms; products of up to 120 factors in [0.5, 1.5).
      tol: { rtol: op === 'prod' ? 1e-5 : 1e-6, relativeTo: 'max' },
    }),
  ),
);

// Size-1 dims among reduced and kept ones (the cpu backend merges neighbouring dims of the same
// kind and drops 1s before walking; test/ops/cpu-reduce.test.ts covers its long runs).
const R1 = [2, 1, 3, 1, 4];
const mergedReduceRows = (['sum', 'max'] as ReduceOp[]).flatMap((op) =>
  [[1, 2], [0, 4], [3], [1, 3], [0, 1, 2, 3, 4]].map((axes) =>
    row({
      name: `reduce ${op} over [${axes}] of [${R1}]`,
      primitive: 'reduce',
      inputs: () => [uniform(24, -1.5, 1.5, 'reduce-ones')],
      call: (b, [x]) => [b.reduce(op, x, R1, axes)],
      reference: ([x]) => [ref.reduceReference(op, x, R1, axes)],
      tol: { rtol: 1e-6, relativeTo: 'max' },
    }),
  ),
);

const argMaxRows = [0, 1, 3].map((axis) =>
  row({
    name: `argMax axis ${axis}`,
    primitive: 'argMax',
    inputs: () => [uniform(120, 0.5, 1.5, 'argmax')],
    call: (b, [x]) => [b.argMax(x, R, axis)],
    reference: ([x]) => [ref.argMaxReference(x, R, axis)],
    tol: { rtol: 0 },
  }),
);

const layoutRows: PrimitiveRow[] = [
  ...[
    [3, 2, 1, 0],
    [0, 2, 1, 3],
    [1, 0, 3, 2],
  ].map((perm) =>
    row({
      name: `permute [${perm}]`,
      primitive: 'permute',
      inputs: () => [uniform(120, -2, 2, 'permute')],
      call: (b, [x]) => [b.permute(x, R, perm)],
      reference: ([x]) => [ref.permuteReference(x, R, perm)],
      tol: { rtol: 0 },
    }),
  ),
  row({
    name: 'slice',
    primitive: 'slice',
    inputs: () => [uniform(120, -2, 2, 'slice')],
    call: (b, [x]) => [b.slice(x, R, [1, 0, 1, 2], [1, 3, 2, 3])],
    reference: ([x]) => [ref.sliceReference(x, R, [1, 0, 1, 2], [1, 3, 2, 3])],
    tol: { rtol: 0 },
  }),
  row({
    name: 'padSlice',
    primitive: 'padSlice',
    inputs: () => [uniform(18, -2, 2, 'padSlice')],
    call: (b, [x]) => [b.padSlice(x, [1, 3, 2, 3], R, [1, 0, 1, 2])],
    reference: ([x]) => [ref.padSliceReference(x, [1, 3, 2, 3], R, [1, 0, 1, 2])],
    tol: { rtol: 0 },
  }),
  row({
    name: 'concat axis 1 (three parts)',
    primitive: 'concat',
    inputs: () => [uniform(120, -2, 2, 'cat-x'), uniform(80, -2, 2, 'cat-y'), uniform(40, -2, 2, 'cat-z')],
    call: (b, ids) => [b.concat(ids, [R, [2, 2, 4, 5], [2, 1, 4, 5]], 1)],
    reference: (xs) => [ref.concatReference(xs, [R, [2, 2, 4, 5], [2, 1, 4, 5]], 1)],
    tol: { rtol: 0 },
  }),
  row({
    name: 'concat axis 0 (the same tensor twice)',
    primitive: 'concat',
    inputs: () => [uniform(120, -2, 2, 'cat-x')],
    call: (b, [x]) => [b.concat([x, x], [R, R], 0)],
    reference: ([x]) => [ref.concatReference([x, x], [R, R], 0)],
    tol: { rtol: 0 },
  }),
];

const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

/** Batched matmul, B broadcast over the batch; K 1100 passes gpu.js's 1000-iteration loop cap. */
const matmulRows = [
  [3, 5, 7],
  [4, 2, 1100],
].flatMap(([M, N, K]) =>
  TRANSPOSES.map(([tA, tB]) =>
    row({
      name: `matmul batch 2 ${M}x${N}x${K} transA=${tA} transB=${tB}`,
      primitive: 'matmul',
      inputs: () => [uniform(2 * M * K, -0.5, 0.5, 'mm-a'), uniform(N * K, -0.5, 0.5, 'mm-b')],
      call: (b, [x, y]) => [b.matmul(x, y, 2, M, N, K, tA, tB, M * K, 0)],
      reference: ([x, y]) => [ref.matmulReference(x, y, 2, M, N, K, tA, tB, M * K, 0)],
      // f32 accumulation of K terms of |a*b| <= 0.25.
      tol: { rtol: 1e-5, atol: 1e-6 * K * 0.25, relativeTo: 'max' },
    }),
  ),
);

/**
 * The wasm GEMM's awkward sizes (micro-kernel edges, K blocking, long K, the 1-2 row dot path), every transpose pair.
 * f32 sums over K terms of |a*b| <= 1 err ~sqrt(K) 2^-24 typically: we see <= 5e-7 of max |ref|
 * and assert 1e-5, which still catches any wrong index. cpu only: gpu sizes are the rows above.
 */
const GEMM_SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 33, 65],
  [1, 64, 300],
  [300, 1, 64],
  [40, 50, 1],
  [9, 12, 2000],
  [4, 8, 256],
  [5, 9, 257],
  [130, 70, 9],
  [32, 256, 72],
  [64, 520, 300],
  // One or two rows with B transposed: the dot-product path (a linear layer at batch 1), threaded by columns.
  [2, 1000, 1027],
];
const gemmRows = GEMM_SIZES.flatMap(([M, N, K]) =>
  TRANSPOSES.map(([tA, tB]) =>
    row({
      name: `matmul ${M}x${N}x${K} transA=${tA} transB=${tB}`,
      primitive: 'matmul',
      inputs: () => [random(M * K, M * 7 + K), random(K * N, N * 13 + K)],
      call: (b, [x, y]) => [b.matmul(x, y, 1, M, N, K, tA, tB, 0, 0)],
      reference: ([x, y]) => [ref.gemmReference(tA, tB, M, N, K, x, y)],
      tol: { rtol: 1e-5, relativeTo: 'max' },
      on: ['cpu'],
    }),
  ),
);

const softmaxRows = (
  [
    [3, 4, 5, 1],
    [3, 4, 5, 2],
    [1, 4, 15, 1],
  ] as const
).flatMap(([outer, n, inner, seed]) =>
  [false, true].map((log) =>
    row({
      name: `softmax [${outer}, ${n}, ${inner}] log=${log}`,
      primitive: 'softmax',
      inputs: () => {
        const x = uniform(outer * n * inner, -3, 3, `softmax:${seed}`);
        x[0] = 80; // large logits must not overflow
        return [x];
      },
      call: (b, [x]) => [b.softmax(x, outer, n, inner, log)],
      reference: ([x]) => [ref.softmaxReference(x, outer, n, inner, log)],
      // The gpu forms exp(x - logsumexp) instead of exp(x - max) / sum: a few f32 ulps.
      tol: { rtol: 1e-5, atol: 1e-6, relativeTo: 'max' },
    }),
  ),
);

const B = 3;
const H = 4;
const MASK = new Float32Array([1, 0, 1]);
const lstmRows = [false, true].flatMap((withMask) => [
  row({
    name: `lstmCell mask=${withMask}`,
    primitive: 'lstmCell',
    inputs: () => [
      uniform(B * 4 * H, -3, 3, 'gates'),
      uniform(B * H, -2, 2, 'cPrev'),
      uniform(B * H, -2, 2, 'hPrev'),
      MASK,
    ],
    call: (b, [gates, c, h, mask]) => {
      const r = b.lstmCell(gates, c, h, withMask ? mask : null, B, H);
      return [r.h, r.c, r.acts];
    },
    reference: ([gates, c, h, mask]) => {
      const r = ref.lstmCellReference(gates, c, h, withMask ? mask : null, B, H);
      return [r.h, r.c, r.acts];
    },
    tol: { rtol: 1e-5, atol: 1e-6, relativeTo: 'max' },
  }),
  row({
    name: `lstmCellGrad mask=${withMask}`,
    primitive: 'lstmCellGrad',
    inputs: () => [
      uniform(B * H, -2, 2, 'dh'),
      uniform(B * H, -2, 2, 'dc'),
      uniform(B * 5 * H, 0.05, 0.95, 'acts'),
      uniform(B * H, -2, 2, 'cPrev'),
      MASK,
    ],
    call: (b, [dh, dc, acts, c, mask]) => {
      const r = b.lstmCellGrad(dh, dc, acts, c, withMask ? mask : null, B, H);
      return [r.dGates, r.dcPrev, r.dhPrevSkip];
    },
    reference: ([dh, dc, acts, c, mask]) => {
      const r = ref.lstmCellGradReference(dh, dc, acts, c, withMask ? mask : null, B, H);
      return [r.dGates, r.dcPrev, r.dhPrevSkip];
    },
    tol: { rtol: 1e-5, atol: 1e-6, relativeTo: 'max' },
  }),
]);

const N = 37;
const STEPS = 3;
const optimizerInputs = (): Float32Array[] => [
  uniform(N, -2, 2, 'param'),
  ...[0, 1, 2].map((i) => uniform(N, -2, 2, `grad${i}`)),
];
const adamHyper = (step: number, amsgrad: boolean) => ({
  lr: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.1,
  step,
  amsgrad,
});
const sgdHyper = (step: number, momentum: number, nesterov: boolean) => ({
  lr: 0.1,
  momentum,
  dampening: 0.1,
  weightDecay: 0.01,
  nesterov,
  firstStep: step === 1,
});

const optimizerRows: PrimitiveRow[] = [
  ...[false, true].map((amsgrad) =>
    row({
      name: `adamUpdate x${STEPS} amsgrad=${amsgrad} (weight decay)`,
      primitive: 'adamUpdate',
      inputs: optimizerInputs,
      call: (b, [p, ...grads]) => {
        const state: DataId[] = [b.fill(N, 0), b.fill(N, 0), ...(amsgrad ? [b.fill(N, 0)] : [])];
        grads.forEach((g, i) => b.adamUpdate(p, g, state[0], state[1], state[2] ?? null, N, adamHyper(i + 1, amsgrad)));
        return [p, ...state];
      },
      reference: ([p0, ...grads]) => {
        const p = Float64Array.from(p0);
        const state = [new Float64Array(N), new Float64Array(N), ...(amsgrad ? [new Float64Array(N)] : [])];
        grads.forEach((g, i) =>
          ref.adamUpdateReference(p, g, state[0], state[1], state[2] ?? null, adamHyper(i + 1, amsgrad)),
        );
        return [p, ...state];
      },
      // Adam divides by sqrt(v) + eps, which magnifies f32 rounding.
      tol: { rtol: 1e-5, atol: 1e-7, relativeTo: 'max' },
    }),
  ),
  ...(
    [
      [0, false],
      [0.9, false],
      [0.9, true],
    ] as const
  ).map(([momentum, nesterov]) =>
    row({
      name: `sgdUpdate x${STEPS} momentum=${momentum} nesterov=${nesterov}`,
      primitive: 'sgdUpdate',
      inputs: optimizerInputs,
      call: (b, [p, ...grads]) => {
        const buf = momentum ? b.fill(N, 0) : null;
        grads.forEach((g, i) => b.sgdUpdate(p, g, buf, N, sgdHyper(i + 1, momentum, nesterov)));
        return buf ? [p, buf] : [p];
      },
      reference: ([p0, ...grads]) => {
        const p = Float64Array.from(p0);
        const buf = momentum ? new Float64Array(N) : null;
        grads.forEach((g, i) => ref.sgdUpdateReference(p, g, buf, sgdHyper(i + 1, momentum, nesterov)));
        return buf ? [p, buf] : [p];
      },
      tol: { rtol: 1e-5, atol: 1e-7, relativeTo: 'max' },
    }),
  ),
];

export const PRIMITIVE_ROWS: readonly PrimitiveRow[] = [
  ...unaryRows,
  ...binaryRows,
  whereRow,
  ...reduceRows,
  ...mergedReduceRows,
  ...argMaxRows,
  ...layoutRows,
  ...matmulRows,
  ...gemmRows,
  ...softmaxRows,
  ...lstmRows,
  ...optimizerRows,
];
