// The finite-difference gradient checker of the conformance table's gradcheck rows. Uses only
// the public API (src/index.ts); imports no backend and no test framework, so a failure is a
// plain Error whose message names the op, the input, the element and both values.
import { createRng, noGrad, tensor, tidy, type Tensor } from '../../src/index.js';
import { uniform } from './inputs.js';

/** Unit roundoff of float32 (half an ulp of 1). */
export const F32_EPS = 2 ** -24;

export interface GradInput {
  shape: readonly number[];
  /** Values; default uniform in `range`. */
  values?: ArrayLike<number>;
  /** Range of the default uniform values; default [-1, 1]. */
  range?: readonly [number, number];
  /** Whether to check (and request) this input's gradient; default true. */
  requiresGrad?: boolean;
  /** Name for error messages, shown after the index: `inputs[1] (weight)`. */
  name?: string;
}

export interface GradcheckOptions {
  /** Central-difference step; 1e-2 by default (see the tolerance note below). */
  eps?: number;
  /** Relative tolerance; default 1e-2. */
  rtol?: number;
  /** Absolute tolerance floor; default 1e-3. */
  atol?: number;
  /** Inputs with more elements are checked on this many sampled elements; default 40. */
  maxElements?: number;
  /** Random directions checked in addition to single elements; default 2. */
  directions?: number;
  /** Seed of the weights R, the sampled elements and the directions. */
  seed?: number | string;
}

export interface GradcheckReport {
  /** Number of single-element comparisons made. */
  elementChecks: number;
  /** Number of random-direction comparisons made. */
  directionChecks: number;
  /** Largest |num - ana| / tolerance seen (<= 1 when passing). */
  worstRatio: number;
}

/** The values of `inputs`: given ones, or uniform in each input's range, seeded by `op` and `seed`. */
export function inputValues(op: string, inputs: readonly GradInput[], seed: number | string = 0): Float32Array[] {
  return inputs.map((spec, i) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.values) {
      if (spec.values.length !== size) {
        throw new Error(`${op}: inputs[${i}] has ${spec.values.length} values for shape [${spec.shape.join(', ')}]`);
      }
      return Float32Array.from(spec.values);
    }
    const [lo, hi] = spec.range ?? [-1, 1];
    return uniform(size, lo, hi, `${op}:${seed}:${i}`);
  });
}

type OpFn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function asList(out: Tensor | readonly Tensor[]): readonly Tensor[] {
  return Array.isArray(out) ? (out as readonly Tensor[]) : [out as Tensor];
}

function coords(flat: number, shape: readonly number[]): string {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return `[${c.join(', ')}]`;
}

/**
 * Checks autograd's gradients of `fn` against central finite differences.
 *
 * The scalar checked is L = sum_k sum(out_k * R_k) with fixed random weights R_k in [-1, 1)
 * (a sum of outputs alone would hide errors that cancel, and would make every dL/dout equal).
 * The analytic gradient comes from `out.backward(R)` (one output) or from backward on L built
 * with `mul`/`sum` (several outputs). The numeric one evaluates `fn` in float32 under noGrad
 * and sums L in float64, once per perturbed element (all elements of small inputs, a seeded
 * sample of `maxElements` of bigger ones) and along `directions` random directions that move
 * every checked input at once (this catches gradients that are right element by element only
 * because of which elements were sampled, and cross-input mix-ups).
 *
 * Tolerance, per comparison: |num - ana| <= atol + rtol * |ana| + 8 u S / h, where
 * - rtol (1e-2) absorbs the O(eps^2 f''') truncation error of central differences;
 * - u = 2^-24 is float32's unit roundoff and S = sum |out_k * R_k| bounds |L|: each output is
 *   rounded to float32 (a few roundings inside an op, hence 8 u), so L(x + h) - L(x - h) is off
 *   by at most ~8 u S and the difference quotient by 8 u S / h, where h is the actual float32
 *   step taken. This is what forbids a tiny eps, and why the bound scales with |L|;
 * - atol (1e-3) is the floor for gradients near zero.
 * A directional comparison uses sum_i |g_i v_i| in place of |ana|, so that cancellation in
 * the dot product does not shrink the tolerance to nothing.
 */
export function gradcheck(
  op: string,
  fn: OpFn,
  inputs: readonly GradInput[],
  options: GradcheckOptions = {},
): GradcheckReport {
  const seed = options.seed ?? 0;
  // One generator, drawn in a fixed order: weights, then sampled elements, then directions.
  const rng = createRng(`gradcheck:${op}:${seed}`);
  const base = inputValues(op, inputs, seed);
  const checked = inputs.map((s) => s.requiresGrad ?? true);
  const names = inputs.map((s, i) => (s.name ? `inputs[${i}] (${s.name})` : `inputs[${i}]`));
  const { outShapes, weights } = outputWeights(fn, inputs, base, rng);
  const run: CheckRun = {
    op,
    inputs,
    base,
    names,
    checked,
    rng,
    eps: options.eps ?? 1e-2,
    rtol: options.rtol ?? 1e-2,
    atol: options.atol ?? 1e-3,
    loss: weightedLoss(op, fn, inputs, weights),
    analytic: analyticGradients(op, fn, inputs, base, checked, names, outShapes, weights),
  };
  const tally: Tally = { failures: [], worstRatio: 0, elementChecks: 0, directionChecks: 0 };
  checkElements(run, options.maxElements ?? 40, tally);
  checkDirections(run, options.directions ?? 2, tally);
  if (tally.failures.length > 0) {
    const { eps, rtol, atol } = run;
    throw new Error(
      `gradcheck(${op}) failed (eps ${eps}, rtol ${rtol}, atol ${atol}):\n  ${tally.failures.join('\n  ')}`,
    );
  }
  return { elementChecks: tally.elementChecks, directionChecks: tally.directionChecks, worstRatio: tally.worstRatio };
}

/** L = sum(out * R) and S = sum |out * R|, the scalar checked and the bound on its roundoff. */
type LossFn = (values: readonly Float32Array[]) => { L: number; S: number };

/** What the finite-difference passes share. */
interface CheckRun {
  op: string;
  inputs: readonly GradInput[];
  base: readonly Float32Array[];
  names: readonly string[];
  checked: readonly boolean[];
  rng: () => number;
  eps: number;
  rtol: number;
  atol: number;
  loss: LossFn;
  /** Autograd's gradient per input; null for inputs not checked. */
  analytic: readonly (Float64Array | null)[];
}

/** The counts and failures gathered over all comparisons (at most 8 failures are kept). */
interface Tally {
  failures: string[];
  worstRatio: number;
  elementChecks: number;
  directionChecks: number;
}

/** Records one comparison; `describe` is called only for a failure that is kept. */
function record(tally: Tally, err: number, tol: number, describe: () => string): void {
  tally.worstRatio = Math.max(tally.worstRatio, err / tol);
  if (!(err <= tol) && tally.failures.length < 8) tally.failures.push(describe());
}

/** The float32 roundoff of the difference quotient: 8 u S / h (see gradcheck's tolerance note). */
function roundoff(S: number, h: number): number {
  return (8 * F32_EPS * S) / h;
}

/** The output shapes at `base`, and one fixed weight array R_k in [-1, 1) per output. */
function outputWeights(
  fn: OpFn,
  inputs: readonly GradInput[],
  base: readonly Float32Array[],
  rng: () => number,
): { outShapes: number[][]; weights: Float32Array[] } {
  const outShapes = tidy(() =>
    noGrad(() => asList(fn(...inputs.map((s, i) => tensor(base[i], s.shape)))).map((t) => [...t.shape])),
  );
  const weights = outShapes.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = 2 * rng() - 1;
    return w;
  });
  return { outShapes, weights };
}

/** L and S at given input values: forward in float32 under noGrad, sums in float64. */
function weightedLoss(op: string, fn: OpFn, inputs: readonly GradInput[], weights: readonly Float32Array[]): LossFn {
  return (values) =>
    tidy(() =>
      noGrad(() => {
        const outs = asList(fn(...inputs.map((s, i) => tensor(values[i], s.shape))));
        let L = 0;
        let S = 0;
        outs.forEach((o, k) => {
          const v = o.dataSync();
          for (let i = 0; i < v.length; i++) {
            if (!Number.isFinite(v[i])) throw new Error(`gradcheck(${op}): output ${k} element ${i} is ${v[i]}`);
            const t = v[i] * weights[k][i];
            L += t;
            S += Math.abs(t);
          }
        });
        return { L, S };
      }),
    );
}

/** Autograd's dL/dinput for each checked input (zeros for an input the op ignores), null for the others. */
function analyticGradients(
  op: string,
  fn: OpFn,
  inputs: readonly GradInput[],
  base: readonly Float32Array[],
  checked: readonly boolean[],
  names: readonly string[],
  outShapes: readonly number[][],
  weights: readonly Float32Array[],
): (Float64Array | null)[] {
  // Assigned inside, not returned through tidy, which would walk every element of the arrays.
  let analytic: (Float64Array | null)[] = [];
  tidy(() => {
    const leaves = inputs.map((s, i) => tensor(base[i], s.shape, { requiresGrad: checked[i] }));
    const outs = asList(fn(...leaves));
    if (!outs.some((o) => o.requiresGrad))
      throw new Error(`gradcheck(${op}): no output requires grad; the op recorded no graph`);
    if (outs.length === 1) {
      outs[0].backward(tensor(weights[0], outShapes[0]));
    } else {
      let L: Tensor | null = null;
      outs.forEach((o, k) => {
        if (!o.requiresGrad) return;
        const term = o.mul(tensor(weights[k], outShapes[k])).sum();
        L = L ? L.add(term) : term;
      });
      (L as unknown as Tensor).backward();
    }
    analytic = leaves.map((leaf, i) => {
      if (!checked[i]) return null;
      const g = leaf.grad;
      if (g) {
        if (g.shape.join() !== leaf.shape.join()) {
          throw new Error(
            `gradcheck(${op}): grad of ${names[i]} has shape [${g.shape.join(', ')}], input has [${leaf.shape.join(', ')}]`,
          );
        }
        const v = Float64Array.from(g.dataSync());
        g.dispose();
        leaf.grad = null;
        return v;
      }
      return new Float64Array(leaf.size); // unused input: zero gradient
    });
  });
  return analytic;
}

/** All of 0..n-1, or a seeded sample of `max` of them in ascending order when n > max. */
function sampledIndices(n: number, max: number, rng: () => number): number[] {
  let indices = Array.from({ length: n }, (_, i) => i);
  if (n > max) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [indices[i], indices[j]] = [indices[j], indices[i]];
    }
    indices = indices.slice(0, max).sort((a, b) => a - b);
  }
  return indices;
}

/** Compares each checked input's gradient with central differences on (sampled) single elements. */
function checkElements(run: CheckRun, maxElements: number, tally: Tally): void {
  const { base, eps, rtol, atol, loss } = run;
  run.inputs.forEach((spec, k) => {
    const ana = run.analytic[k];
    if (!ana) return;
    for (const i of sampledIndices(base[k].length, maxElements, run.rng)) {
      const plus = base.map((b) => b);
      const minus = base.map((b) => b);
      plus[k] = Float32Array.from(base[k]);
      minus[k] = Float32Array.from(base[k]);
      plus[k][i] = base[k][i] + eps;
      minus[k][i] = base[k][i] - eps;
      const h = plus[k][i] - minus[k][i]; // the float32 step actually taken
      const lp = loss(plus);
      const lm = loss(minus);
      const num = (lp.L - lm.L) / h;
      const tol = atol + rtol * Math.abs(ana[i]) + roundoff(Math.max(lp.S, lm.S), h);
      const err = Math.abs(num - ana[i]);
      tally.elementChecks++;
      record(
        tally,
        err,
        tol,
        () =>
          `${run.names[k]} element ${i} ${coords(i, spec.shape)}: numeric ${num.toPrecision(7)}, analytic ${ana[i].toPrecision(7)}, |diff| ${err.toExponential(2)} > tol ${tol.toExponential(2)}`,
      );
    }
  });
}

/** Compares directional derivatives along random directions that move every checked input at once. */
function checkDirections(run: CheckRun, directions: number, tally: Tally): void {
  const { base, eps, rtol, atol, loss } = run;
  for (let d = 0; d < directions; d++) {
    const plus = base.map((b) => Float32Array.from(b));
    const minus = base.map((b) => Float32Array.from(b));
    let ana = 0;
    let anaAbs = 0;
    run.inputs.forEach((_, k) => {
      const g = run.analytic[k];
      if (!g) return;
      for (let i = 0; i < base[k].length; i++) {
        const v = 2 * run.rng() - 1;
        plus[k][i] = base[k][i] + eps * v;
        minus[k][i] = base[k][i] - eps * v;
        const step = plus[k][i] - minus[k][i];
        ana += g[i] * step;
        anaAbs += Math.abs(g[i] * step);
      }
    });
    const span = 2 * eps;
    const lp = loss(plus);
    const lm = loss(minus);
    // Compare as derivatives along the direction (divide by the nominal 2 eps).
    const num = (lp.L - lm.L) / span;
    const anaD = ana / span;
    const tol = atol + (rtol * anaAbs) / span + roundoff(Math.max(lp.S, lm.S), span);
    const err = Math.abs(num - anaD);
    tally.directionChecks++;
    record(
      tally,
      err,
      tol,
      () =>
        `random direction ${d} over ${run.names.filter((_, k) => run.checked[k]).join(', ')}: numeric ${num.toPrecision(7)}, analytic ${anaD.toPrecision(7)}, |diff| ${err.toExponential(2)} > tol ${tol.toExponential(2)}`,
    );
  }
}
