// Farneback against OpenCV (opencv-js 4.12) as the oracle, on 128×128 texture pairs with known
// motion: sub-pixel and multi-pixel translation, a small rotation and a local warp. Checks both the
// endpoint error against the true motion and the agreement with OpenCV's own field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { farneback, setFarnebackWasm, type FarnebackOptions } from '../../src/landmarks/farneback.js';
import { polyExpKernel, polynomialExpansion } from '../../src/landmarks/polynomial-expansion.js';
import { makeTexture, renderGray } from './helpers.js';
import { loadOpenCv, opencvFarneback } from './opencv.js';

const S = 128;
/* eslint-disable-next-line @typescript-eslint/no-explicit-any */
let cv: any;
const rows: string[] = [];

beforeAll(async () => {
  cv = (await loadOpenCv()).cv;
});

afterAll(() => {
  console.info(
    ['Farneback vs OpenCV (128x128):', 'case | params | EPE ours | EPE opencv | mean |ours - opencv| px', ...rows].join(
      '\n',
    ),
  );
});

type Motion = (x: number, y: number) => [number, number];

/**
 * A pair with a known motion field v on the *second* image's grid (next(y) = tex(y − v(y))); the true
 * forward flow at prev pixel x solves u = v(x + u), found by fixed-point iteration.
 */
function pair(seed: number, v: Motion) {
  const tex = makeTexture(seed);
  const prev = renderGray(S, S, tex);
  const next = renderGray(S, S, (x, y) => {
    const [vx, vy] = v(x, y);
    return tex(x - vx, y - vy);
  });
  const truth = new Float32Array(S * S * 2);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let u = v(x, y);
      for (let i = 0; i < 20; i++) u = v(x + u[0], y + u[1]);
      truth[2 * (y * S + x)] = u[0];
      truth[2 * (y * S + x) + 1] = u[1];
    }
  }
  return { prev, next, truth };
}

function epe(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 2) s += Math.hypot(a[i] - b[i], a[i + 1] - b[i + 1]);
  return s / (a.length / 2);
}

const rot = (deg: number): Motion => {
  const t = (deg * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  return (x, y) => {
    const dx = x - 63.5;
    const dy = y - 63.5;
    return [c * dx - s * dy - dx, s * dx + c * dy - dy];
  };
};
const bump: Motion = (x, y) => {
  const w = Math.exp(-((x - 45) ** 2 + (y - 50) ** 2) / (2 * 12 ** 2));
  return [1.6 * w, -1.1 * w];
};

const base: FarnebackOptions = { pyrScale: 0.5, levels: 2, winSize: 9, iterations: 3, polyN: 5, polySigma: 1.1 };
const cases: [string, Motion, FarnebackOptions][] = [
  ['sub-pixel (0.37, -0.24)', () => [0.37, -0.24], base],
  ['multi-pixel (2.6, 1.3)', () => [2.6, 1.3], base],
  ['multi-pixel (5.2, -3.7), levels 3 win 15', () => [5.2, -3.7], { ...base, levels: 3, winSize: 15 }],
  ['rotation 3 deg', rot(3), base],
  ['local warp (Gaussian bump)', bump, base],
  ['local warp, gaussian window', bump, { ...base, gaussianWindow: true }],
  ['rotation 2 deg, polyN 7 sigma 1.5', rot(2), { ...base, polyN: 7, polySigma: 1.5, winSize: 13 }],
];

describe('farneback vs OpenCV', () => {
  it.each(cases.map((c, i) => [...c, i] as const))('%s', (name, motion, opts, i) => {
    const { prev, next, truth } = pair(100 + i, motion);
    const ours = farneback({ width: S, height: S, data: prev }, { width: S, height: S, data: next }, opts).data;
    const ref = opencvFarneback(cv, S, S, prev, next, opts as Required<FarnebackOptions>);
    const eOurs = epe(ours, truth);
    const eCv = epe(ref, truth);
    const diff = epe(ours, ref);
    const p = opts;
    rows.push(
      `${name} | (${p.pyrScale},${p.levels},${p.winSize},${p.iterations},${p.polyN},${p.polySigma}${p.gaussianWindow ? ',G' : ''}) | ` +
        `${eOurs.toFixed(4)} | ${eCv.toFixed(4)} | ${diff.toExponential(2)}`,
    );
    expect(eOurs).toBeLessThanOrEqual(eCv * 1.1 + 1e-6);
    expect(diff).toBeLessThan(1e-3);
  });

  it('honours initialFlow like OPTFLOW_USE_INITIAL_FLOW', () => {
    const { prev, next } = pair(7, () => [3.1, -2.2]);
    const init = new Float32Array(S * S * 2);
    for (let i = 0; i < S * S; i++) {
      init[2 * i] = 3;
      init[2 * i + 1] = -2;
    }
    const ours = farneback(
      { width: S, height: S, data: prev },
      { width: S, height: S, data: next },
      { ...base, levels: 0, initialFlow: { width: S, height: S, data: init } },
    );
    const m0 = cv.matFromArray(S, S, cv.CV_8UC1, prev);
    const m1 = cv.matFromArray(S, S, cv.CV_8UC1, next);
    const f = cv.matFromArray(S, S, cv.CV_32FC2, init);
    cv.calcOpticalFlowFarneback(m0, m1, f, 0.5, 0, 9, 3, 5, 1.1, 4);
    const ref = new Float32Array(f.data32F);
    m0.delete();
    m1.delete();
    f.delete();
    expect(epe(ours.data, ref)).toBeLessThan(1e-4);
  });

  it('handles non-square, odd sizes and pyrScale != 0.5', () => {
    const W = 101;
    const H = 77;
    const tex = makeTexture(3);
    const prev = renderGray(W, H, tex);
    const next = renderGray(W, H, (x, y) => tex(x - 1.7, y + 0.6));
    const opts = { pyrScale: 0.7, levels: 4, winSize: 11, iterations: 4, polyN: 5, polySigma: 1.1 };
    const ours = farneback({ width: W, height: H, data: prev }, { width: W, height: H, data: next }, opts);
    expect(ours.width).toBe(W);
    expect(ours.data.length).toBe(W * H * 2);
    expect(epe(ours.data, opencvFarneback(cv, W, H, prev, next, opts))).toBeLessThan(1e-4);
  });
});

describe('polynomial expansion', () => {
  it('recovers the coefficients of an exact quadratic image', () => {
    // f = 100 + 2x − 1.5y + 0.03x² − 0.02y² + 0.01xy around each pixel: b and A are known in closed form.
    const W = 48;
    const f = (x: number, y: number) => 100 + 2 * x - 1.5 * y + 0.03 * x * x - 0.02 * y * y + 0.01 * x * y;
    const src = new Float32Array(W * W);
    for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) src[y * W + x] = f(x, y);
    for (const n of [5, 7, 3]) {
      const R = new Float64Array(W * W * 5);
      polynomialExpansion(src, W, W, polyExpKernel(n, n === 7 ? 1.5 : 1.1), R, new Float32Array((W + 2 * n) * 3));
      const x = 24;
      const y = 20;
      const o = 5 * (y * W + x);
      // Local expansion at (x, y): gradient and Hessian/2.
      expect(R[o + 1]).toBeCloseTo(2 + 0.06 * x + 0.01 * y, 3); // b_x
      expect(R[o]).toBeCloseTo(-1.5 - 0.04 * y + 0.01 * x, 3); // b_y
      expect(R[o + 3]).toBeCloseTo(0.03, 4); // r_xx
      expect(R[o + 2]).toBeCloseTo(-0.02, 4); // r_yy
      expect(R[o + 4]).toBeCloseTo(0.01, 4); // r_xy
    }
  });
});

describe('WebAssembly and JavaScript paths', () => {
  // The wasm kernels keep the JS path's float64 operation order, so the two agree bit for bit.
  const cases: [string, number, number, Partial<FarnebackOptions>][] = [
    ['128x128 defaults', 128, 128, {}],
    ['101x77, pyrScale 0.7', 101, 77, { pyrScale: 0.7, levels: 3 }],
    ['96x64, polyN 7', 96, 64, { polyN: 7, polySigma: 1.5, winSize: 13 }],
  ];
  for (const [name, w, h, opts] of cases) {
    it(`give identical flow: ${name}`, () => {
      const tex = makeTexture(7);
      const prev = { width: w, height: h, data: renderGray(w, h, tex) };
      const next = { width: w, height: h, data: renderGray(w, h, (x, y) => tex(x - 1.3, y + 0.6)) };
      try {
        setFarnebackWasm(true);
        const fast = farneback(prev, next, opts).data;
        setFarnebackWasm(false);
        const js = farneback(prev, next, opts).data;
        expect(Array.from(fast)).toEqual(Array.from(js));
      } finally {
        setFarnebackWasm(true);
      }
    });
  }
});
