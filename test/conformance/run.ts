// The table's runner core, shared by every environment (Node's vitest files and the Chromium page):
// runs one row on one backend and says how close it came. Primitive rows are compared with the
// reference module, op and graph rows with the same row on the cpu backend. No test framework and
// no Node import; readback is `await read()`/`await data()`, the only kind WebGPU allows.
import type { Backend, DataId } from '../../src/backend/backend.js';
import { manualSeed, setBackend, tensor, tidy, type Tensor } from '../../src/index.js';
import { closeness, type Tolerance } from './compare.js';
import { inputValues } from './gradcheck.js';
import { uniform } from './inputs.js';
import { toleranceOn, type Env, type GraphRow, type OpRow, type PrimitiveRow, type Row } from './table.js';

/** The outcome of one row on one backend: the worst output's error and bound. */
export interface CheckResult {
  name: string;
  pass: boolean;
  maxErr: number;
  tol: number;
  ms: number;
  error?: string;
}

/** Worst of several outputs' comparisons (by error / bound); fails on a count mismatch. */
export function compareAll(
  name: string,
  actual: ArrayLike<number>[],
  expected: ArrayLike<number>[],
  tol: Tolerance,
): CheckResult {
  if (actual.length !== expected.length) {
    return {
      name,
      pass: false,
      maxErr: Infinity,
      tol: 0,
      ms: 0,
      error: `${actual.length} outputs, expected ${expected.length}`,
    };
  }
  let worst: CheckResult = { name, pass: true, maxErr: 0, tol: 0, ms: 0 };
  let worstRatio = -1;
  actual.forEach((a, i) => {
    const c = closeness(a, expected[i], tol);
    const ratio = c.pass ? c.maxErr / (c.tol || 1) : Infinity;
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = { name, pass: worst.pass && c.pass, maxErr: c.maxErr, tol: c.tol, ms: 0 };
      if (!c.pass) worst.error = `output ${i}: ${c.bad.join('; ')}`;
    } else if (!c.pass) worst.pass = false;
  });
  return worst;
}

/** Runs a primitive row on `backend`, reads every output, frees every handle, compares with the reference. */
export async function runPrimitiveRow(row: PrimitiveRow, backend: Backend, env: Env): Promise<CheckResult> {
  const inputs = row.inputs();
  const ids = inputs.map((v) => backend.upload(v));
  let outs: DataId[] = [];
  try {
    outs = row.call(backend, ids);
    const actual = await Promise.all(outs.map((id) => backend.read(id)));
    return compareAll(row.name, actual, row.reference(inputs), toleranceOn(row.tol, env));
  } finally {
    // In-place updates return their inputs: free each handle once.
    for (const id of new Set([...ids, ...outs])) backend.disposeData(id);
  }
}

/** Forward outputs of an op row and the gradients of sum_k sum(out_k * R_k) for its inputs, on the current backend. */
export async function opRowResults(row: OpRow): Promise<Float32Array[]> {
  const values = inputValues(row.name, row.inputs);
  const kept = tidy(() => {
    const leaves = row.inputs.map((s, i) => tensor(values[i], s.shape, { requiresGrad: s.requiresGrad ?? true }));
    const out = row.call(...leaves);
    const outs = Array.isArray(out) ? (out as readonly Tensor[]) : [out as Tensor];
    let loss: Tensor | null = null;
    outs.forEach((o, k) => {
      const term = o.mul(tensor(uniform(o.size, -1, 1, `R:${row.name}:${k}`), o.shape)).sum();
      loss = loss ? loss.add(term) : term;
    });
    (loss as unknown as Tensor).backward();
    const grads = leaves
      .filter((l) => l.requiresGrad)
      .map((l) => {
        if (!l.grad) throw new Error(`${row.name}: an input that requires grad got none`);
        return l.grad;
      });
    return [...outs, ...grads];
  });
  try {
    return await Promise.all(kept.map((t) => t.data()));
  } finally {
    for (const t of kept) t.dispose();
  }
}

async function graphRowResults(row: GraphRow): Promise<Float32Array[]> {
  manualSeed(7);
  const ts = await row.build();
  try {
    return await Promise.all(ts.map((t) => t.data()));
  } finally {
    for (const t of ts) t.dispose();
  }
}

/**
 * Runs an op or graph row on the cpu backend and on `env` (made current by `activate`), and
 * compares. The cpu backend is the oracle here: the primitive rows prove its primitives.
 */
export async function runOnBoth(
  row: OpRow | GraphRow,
  env: Env,
  activate: () => Promise<void> | void,
): Promise<CheckResult> {
  const results = row.kind === 'op' ? () => opRowResults(row) : () => graphRowResults(row);
  setBackend('cpu');
  const cpu = await results();
  await activate();
  try {
    const other = await results();
    const tol = toleranceOn(row.tol ?? DEFAULT_OP_TOL, env);
    return compareAll(row.name, other, cpu, tol);
  } finally {
    setBackend('cpu');
  }
}

/** Op rows without a tolerance: float32 libraries agree to 1e-4 elementwise plus 1e-5 of max |expected| (see tfjs.test.ts). */
export const DEFAULT_OP_TOL: Tolerance = { rtol: 1e-4, atol: 0, relativeTo: 'element' };

/** Where the gpu backend of a mode is registered and how to make it current. */
export interface EnvBackend {
  env: Env;
  backend: Backend;
  /** Makes `backend` the current one for tensor ops (and awaits ready()). */
  activate(): Promise<void> | void;
}

/** Runs `row` on one backend, timing it and turning a throw into a failed result. */
export async function runRow(row: Row, on: EnvBackend): Promise<CheckResult> {
  const t0 = performance.now();
  let r: CheckResult;
  try {
    r =
      row.kind === 'primitive'
        ? await runPrimitiveRow(row, on.backend, on.env)
        : await runOnBoth(row, on.env, on.activate);
  } catch (e) {
    r = {
      name: row.name,
      pass: false,
      maxErr: NaN,
      tol: 0,
      ms: 0,
      error: String((e as Error)?.stack ?? e).slice(0, 600),
    };
  }
  r.ms = Math.round(performance.now() - t0);
  return r;
}

/** One line per result, for logs. */
export function formatResult(c: CheckResult): string {
  const err = `err ${c.maxErr.toExponential(2)} tol ${c.tol.toExponential(2)}`;
  return `  ${c.pass ? 'ok  ' : 'FAIL'} ${c.name.padEnd(60)} ${err} ${String(c.ms).padStart(6)} ms${c.error ? `\n       ${c.error}` : ''}`;
}
