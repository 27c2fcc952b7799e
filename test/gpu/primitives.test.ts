// Primitive parity: every elementwise, layout and reduction primitive of the gpu backend against
// its cpu twin, called on the Backend interface directly (several primitives, e.g. rsqrt or
// padSlice, have no public op of their own). Runs on webasm always and on headlessgl when a
// display exists.
import { beforeAll, describe, it } from 'vitest';
import type { Backend, BinaryOp, DataId, ReduceOp, UnaryOp } from '../../src/backend/backend.js';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.js';
import { expectClose, gpuBackend, HEADLESSGL_SKIP, MODES } from './helpers.js';

function values(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return a;
}

const cpu = new CpuBackend();

/** Runs `f` on both backends with the same host inputs; returns both outputs read back. */
function both(gpu: Backend, inputs: Float32Array[], f: (b: Backend, ids: DataId[]) => DataId): [Float32Array, Float32Array] {
  const run = (b: Backend): Float32Array => {
    const ids = inputs.map((v) => b.upload(v));
    const out = f(b, ids);
    const r = b.readSync(out);
    b.disposeData(out);
    for (const id of ids) b.disposeData(id);
    return r;
  };
  return [run(cpu), run(gpu)];
}

const UNARY: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'relu', 'sigmoid', 'tanh', 'square', 'reciprocal', 'sin', 'cos', 'floor', 'ceil', 'round', 'isFinite'];
const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'reluGrad', 'sigmoidGrad', 'tanhGrad'];

for (const { mode, available } of MODES) {
  describe.skipIf(!available)(`gpu primitives (${mode})${available ? '' : ` — ${HEADLESSGL_SKIP}`}`, () => {
    let gpu: Backend;
    beforeAll(() => {
      gpu = gpuBackend(mode);
    });

    it('unary ops match cpu (one-ulp-level transcendental differences: rtol 1e-5)', () => {
      // Positive inputs for log/sqrt/rsqrt/reciprocal; a spread with large magnitudes for the
      // saturating activations (tanh/sigmoid must not overflow to NaN at |x| = 60).
      const x = values(64, 1, -4, 4);
      x[0] = 60; x[1] = -60; x[2] = 0; x[3] = 2.5; x[4] = -2.5; x[5] = 0.5;
      const pos = values(64, 2, 0.1, 5);
      for (const op of UNARY) {
        const input = ['log', 'sqrt', 'rsqrt', 'reciprocal'].includes(op) ? pos : x;
        const [c, g] = both(gpu, [input], (b, [a]) => b.unary(op, a, input.length));
        // f32 exp/log/sin differ from f64 by a few ulps; relative to the largest output.
        expectClose(`unary ${op}`, c, g, 1e-5, 1e-6);
      }
    });

    it('binary ops match cpu, same shape and broadcast (exact up to one rounding: rtol 1e-5)', () => {
      const a = values(24, 3);
      const b = values(24, 4);
      b[0] = a[0]; b[5] = a[5]; // equal pairs for eq/ne/ge/le
      const b31 = values(3, 5, 0.5, 2);
      const intExp = new Float32Array([2, 3, -1]);
      for (const op of BINARY) {
        const [c1, g1] = both(gpu, [a, b], (be, [x, y]) => be.binary(op, x, [2, 3, 4], y, [2, 3, 4], [2, 3, 4]));
        const [c2, g2] = both(gpu, [a, op === 'pow' ? intExp : b31], (be, [x, y]) => be.binary(op, x, [2, 3, 4], y, [3, 1], [2, 3, 4]));
        const [c3, g3] = both(gpu, [b31, a], (be, [x, y]) => be.binary(op, x, [1, 3, 1], y, [2, 3, 4], [2, 3, 4]));
        if (op === 'pow') {
          // pow of a negative base is NaN for non-integer exponents on both; compare finite cells only.
          const keep = (c: Float32Array, g: Float32Array) => [c.map((v) => (Number.isFinite(v) ? v : 0)), g.map((v, i) => (Number.isFinite(c[i]) ? v : 0))] as const;
          const [cc, gg] = keep(c1, g1);
          expectClose('pow same', cc, gg, 1e-5);
          expectClose('pow int-exponent broadcast', c2, g2, 1e-5);
          continue;
        }
        expectClose(`${op} same`, c1, g1, 1e-5);
        expectClose(`${op} broadcast b`, c2, g2, 1e-5);
        expectClose(`${op} broadcast a`, c3, g3, 1e-5);
      }
    });

    it('where broadcasts its three operands (a copy: exact)', () => {
      const cond = new Float32Array([1, 0, 1, 0, 0, 1]);
      const a = values(12, 6);
      const b = values(4, 7);
      const [c, g] = both(gpu, [cond, a, b], (be, [k, x, y]) => be.where(k, [2, 1, 3], x, [2, 2, 3], y, [2, 2, 1], [2, 2, 3]));
      expectClose('where', c, g, 0);
    });

    it('reductions over any axes, argMax (sums of <= 60 terms: rtol 1e-6)', () => {
      const x = values(2 * 3 * 4 * 5, 8, 0.5, 1.5);
      const shape = [2, 3, 4, 5];
      const cases: number[][] = [[3], [0], [1, 2], [0, 2], [0, 1, 2, 3], [1, 3]];
      for (const op of ['sum', 'max', 'min', 'prod'] as ReduceOp[]) {
        for (const axes of cases) {
          const [c, g] = both(gpu, [x], (be, [id]) => be.reduce(op, id, shape, axes));
          expectClose(`${op} over [${axes}]`, c, g, op === 'prod' ? 1e-5 : 1e-6);
        }
      }
      for (const axis of [0, 1, 3]) {
        const [c, g] = both(gpu, [x], (be, [id]) => be.argMax(id, shape, axis));
        expectClose(`argMax axis ${axis}`, c, g, 0);
      }
    });

    it('permute, slice, padSlice and concat move data exactly', () => {
      const x = values(2 * 3 * 4 * 5, 9);
      const shape = [2, 3, 4, 5];
      for (const perm of [[3, 2, 1, 0], [0, 2, 1, 3], [1, 0, 3, 2]]) {
        const [c, g] = both(gpu, [x], (be, [id]) => be.permute(id, shape, perm));
        expectClose(`permute [${perm}]`, c, g, 0);
      }
      const [cs, gs] = both(gpu, [x], (be, [id]) => be.slice(id, shape, [1, 0, 1, 2], [1, 3, 2, 3]));
      expectClose('slice', cs, gs, 0);
      const small = values(1 * 3 * 2 * 3, 10);
      const [cp, gp] = both(gpu, [small], (be, [id]) => be.padSlice(id, [1, 3, 2, 3], shape, [1, 0, 1, 2]));
      expectClose('padSlice', cp, gp, 0);
      const y = values(2 * 2 * 4 * 5, 11);
      const z = values(2 * 1 * 4 * 5, 12);
      const [cc, gc] = both(gpu, [x, y, z], (be, ids) => be.concat(ids, [shape, [2, 2, 4, 5], [2, 1, 4, 5]], 1));
      expectClose('concat axis 1', cc, gc, 0);
      const [c0, g0] = both(gpu, [x, x], (be, ids) => be.concat(ids, [shape, shape], 0));
      expectClose('concat axis 0', c0, g0, 0);
    });

    it('matmul: all transpose layouts, batch broadcast, K past the 1000-iteration loop cap', () => {
      for (const [M, N, K] of [[3, 5, 7], [4, 2, 1100]]) {
        for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
          const a = values(2 * M * K, 13, -0.5, 0.5);
          const b = values(N * K, 14, -0.5, 0.5);
          const [c, g] = both(gpu, [a, b], (be, [x, y]) => be.matmul(x, y, 2, M, N, K, tA, tB, M * K, 0));
          // f32 accumulation of K terms of |a*b| <= 0.25: about 1e-6 of the largest value at K=2304.
          expectClose(`matmul ${M}x${N}x${K} tA=${tA} tB=${tB}`, c, g, 1e-5, 1e-6 * K * 0.25);
        }
      }
    });

    it('lstmCell and lstmCellGrad with a mask (pointwise: rtol 1e-5)', () => {
      const B = 3;
      const H = 4;
      const gates = values(B * 4 * H, 15, -3, 3);
      const cPrev = values(B * H, 16);
      const hPrev = values(B * H, 17);
      const mask = new Float32Array([1, 0, 1]);
      for (const withMask of [false, true]) {
        for (const part of ['h', 'c', 'acts'] as const) {
          const inputs = withMask ? [gates, cPrev, hPrev, mask] : [gates, cPrev, hPrev];
          const [c, g] = both(gpu, inputs, (be, ids) => {
            const r = be.lstmCell(ids[0], ids[1], ids[2], withMask ? ids[3] : null, B, H);
            for (const k of ['h', 'c', 'acts'] as const) if (k !== part) be.disposeData(r[k]);
            return r[part];
          });
          expectClose(`lstmCell ${part} mask=${withMask}`, c, g, 1e-5, 1e-6);
        }
        for (const part of ['dGates', 'dcPrev', 'dhPrevSkip'] as const) {
          const acts = values(B * 5 * H, 18, 0.05, 0.95);
          const dh = values(B * H, 19);
          const dc = values(B * H, 20);
          const inputs = withMask ? [dh, dc, acts, cPrev, mask] : [dh, dc, acts, cPrev];
          const [c, g] = both(gpu, inputs, (be, ids) => {
            const r = be.lstmCellGrad(ids[0], ids[1], ids[2], ids[3], withMask ? ids[4] : null, B, H);
            for (const k of ['dGates', 'dcPrev', 'dhPrevSkip'] as const) if (k !== part) be.disposeData(r[k]);
            return r[part];
          });
          expectClose(`lstmCellGrad ${part} mask=${withMask}`, c, g, 1e-5, 1e-6);
        }
      }
    });

    it('adamUpdate and sgdUpdate write into the given handles (rtol 1e-5 over 3 steps)', () => {
      const n = 37;
      const p0 = values(n, 21);
      const grads = [values(n, 22), values(n, 23), values(n, 24)];
      for (const amsgrad of [false, true]) {
        const run = (be: Backend): Float32Array[] => {
          const p = be.upload(p0);
          const m = be.fill(n, 0);
          const v = be.fill(n, 0);
          const vMax = amsgrad ? be.fill(n, 0) : null;
          grads.forEach((gv, i) => {
            const g = be.upload(gv);
            be.adamUpdate(p, g, m, v, vMax, n, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: i + 1, amsgrad });
            be.disposeData(g);
          });
          const out = [p, m, v, ...(vMax ? [vMax] : [])].map((id) => be.readSync(id));
          for (const id of [p, m, v, ...(vMax ? [vMax] : [])]) be.disposeData(id);
          return out;
        };
        const c = run(cpu);
        const g = run(gpu);
        c.forEach((cv, i) => expectClose(`adam amsgrad=${amsgrad} state ${i}`, cv, g[i], 1e-5, 1e-7));
      }
      for (const [momentum, nesterov] of [[0, false], [0.9, false], [0.9, true]] as const) {
        const run = (be: Backend): Float32Array[] => {
          const p = be.upload(p0);
          const buf = momentum ? be.fill(n, 0) : null;
          grads.forEach((gv, i) => {
            const g = be.upload(gv);
            be.sgdUpdate(p, g, buf, n, { lr: 0.1, momentum, dampening: 0.1, weightDecay: 0.01, nesterov, firstStep: i === 0 });
            be.disposeData(g);
          });
          const out = [p, ...(buf ? [buf] : [])].map((id) => be.readSync(id));
          for (const id of [p, ...(buf ? [buf] : [])]) be.disposeData(id);
          return out;
        };
        const c = run(cpu);
        const g = run(gpu);
        c.forEach((cv, i) => expectClose(`sgd momentum=${momentum} nesterov=${nesterov} state ${i}`, cv, g[i], 1e-5, 1e-7));
      }
    });
  });
}
