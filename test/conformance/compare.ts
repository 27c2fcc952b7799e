// The one comparison helper of the test suite: `closeness` measures, `expectClose` asserts (a plain
// Error naming the label, the worst element and both values), `maxRelErr` is the error measure the
// kernel tolerances are stated in. No test framework and no Node import, so the conformance runner
// can use it inside a browser page.

/** How close is close enough: |a - e| <= atol + rtol * scale. */
export interface Tolerance {
  /** Relative tolerance. */
  rtol: number;
  /** Absolute floor; default 0. */
  atol?: number;
  /**
   * What rtol multiplies: each element's |expected| ('element', default), or the largest
   * |expected| of the array ('max': for float32 sums whose small elements are cancellations).
   */
  relativeTo?: 'element' | 'max';
}

/** The outcome of one comparison: the worst element, its bound, and whether all passed. */
export interface Closeness {
  pass: boolean;
  /** Largest |actual - expected| (Infinity for a NaN where none was expected, or a length mismatch). */
  maxErr: number;
  /** The bound at the worst element (by error / bound). */
  tol: number;
  /** Index of the worst element (-1 when none). */
  at: number;
  /** Elements out of bounds, up to 6, described. */
  bad: string[];
}

/** Compares `actual` with `expected` under `tolerance`; NaN must meet NaN. */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance): Closeness {
  const { rtol } = tolerance;
  const atol = tolerance.atol ?? 0;
  if (actual.length !== expected.length) {
    const bad = [`length mismatch: actual has ${actual.length} elements, expected ${expected.length}`];
    return { pass: false, maxErr: Infinity, tol: atol, at: -1, bad };
  }
  let scale = 0;
  if (tolerance.relativeTo === 'max')
    for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const r: Closeness = { pass: true, maxErr: 0, tol: atol + rtol * scale, at: -1, bad: [] };
  let worstRatio = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const tol = atol + rtol * (tolerance.relativeTo === 'max' ? scale : Math.abs(e));
    const err = Number.isNaN(e) ? (Number.isNaN(a) ? 0 : Infinity) : a === e ? 0 : Math.abs(a - e);
    const ok = err <= tol; // a NaN actual gives err NaN: not ok
    const ratio = ok ? err / (tol || 1) : Infinity;
    if (!(err <= r.maxErr)) r.maxErr = Number.isNaN(err) ? Infinity : err;
    if (ratio > worstRatio || (!ok && r.pass)) {
      worstRatio = ratio;
      r.tol = tol;
      r.at = i;
    }
    if (!ok) {
      r.pass = false;
      if (r.bad.length < 6)
        r.bad.push(
          `[${i}] actual ${a} expected ${e} (|diff| ${Math.abs(a - e).toExponential(2)}, tol ${tol.toExponential(2)})`,
        );
    }
  }
  return r;
}

/** Throws unless `actual` is close to `expected`; the message names `label` and the first bad elements. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Partial<Tolerance> & { label?: string } = {},
): void {
  const t: Tolerance = { rtol: tolerance.rtol ?? 1e-5, atol: tolerance.atol ?? 1e-6, relativeTo: tolerance.relativeTo };
  const r = closeness(actual, expected, t);
  if (r.pass) return;
  const label = tolerance.label ? `${tolerance.label}: ` : '';
  const scale = t.relativeTo === 'max' ? ' of max |expected|' : '';
  throw new Error(
    `${label}values differ (rtol ${t.rtol}${scale}, atol ${t.atol}, worst |diff| ${r.maxErr.toExponential(2)}):\n  ${r.bad.join('\n  ')}`,
  );
}

/** max |a - b| / max |b| (max |a - b| when b is all zero): the error measure kernel tolerances are stated in. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxRelErr: length ${a.length} vs ${b.length}`);
  let e = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    e = Number.isNaN(d) ? Infinity : Math.max(e, d);
    m = Math.max(m, Math.abs(b[i]));
  }
  return m === 0 ? e : e / m;
}
