// Residual head-motion removal on an aligned-crop flow field, MDMO-style: sample the flow at points
// that expressions barely move, fit a global transform H with H(p + w(p)) ≈ p, and replace every
// vector by w'(q) = H(q + w(q)) − q. Imports only the similarity fit.
import { fitSimilarityFlat } from './align.js';
import { HEAD_MOTION_POINTS } from './template.js';
import type { FlowField } from './types.js';

/** Options of {@link correctHeadMotion}. */
export interface HeadMotionOptions {
  /** Global motion model: `'similarity'` (default), `'affine'` (MDMO's choice) or `'none'`. */
  model?: 'similarity' | 'affine' | 'none';
  /** Landmark indices sampled. Default {@link HEAD_MOTION_POINTS} (nose and inner eye corners). */
  points?: readonly number[];
  /** Side of the square window averaged around each point. Default 5. */
  window?: number;
}

/** A 2×3 affine map `[a, b, c, d, e, f]`: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine = [number, number, number, number, number, number];

/**
 * Removes global (head) motion from a flow field computed on aligned crops. `landmarks` are the
 * aligned 68 points of the flow's first frame, flat `[x0, y0, …]`. Returns a new field and the fitted
 * map (identity for `'none'` or when too few points fall inside the image).
 */
export function correctHeadMotion(
  flow: FlowField,
  landmarks: ArrayLike<number>,
  options: HeadMotionOptions = {},
): { flow: FlowField; transform: Affine } {
  const model = options.model ?? 'similarity';
  const idx = options.points ?? HEAD_MOTION_POINTS;
  const r = (options.window ?? 5) >> 1;
  const { width: W, height: H, data } = flow;
  const identity: Affine = [1, 0, 0, 0, 1, 0];
  if (model === 'none') return { flow: { width: W, height: H, data: new Float32Array(data) }, transform: identity };
  const src: number[] = [];
  const dst: number[] = [];
  for (const i of idx) {
    const px = landmarks[2 * i];
    const py = landmarks[2 * i + 1];
    const cx = Math.round(px);
    const cy = Math.round(py);
    if (cx < 0 || cy < 0 || cx >= W || cy >= H) continue;
    let su = 0;
    let sv = 0;
    let n = 0;
    for (let y = Math.max(0, cy - r); y <= Math.min(H - 1, cy + r); y++) {
      for (let x = Math.max(0, cx - r); x <= Math.min(W - 1, cx + r); x++) {
        su += data[2 * (y * W + x)];
        sv += data[2 * (y * W + x) + 1];
        n++;
      }
    }
    src.push(px + su / n, py + sv / n);
    dst.push(px, py);
  }
  const count = src.length / 2;
  let T: Affine = identity;
  if (model === 'similarity' && count >= 2) {
    const s = fitSimilarityFlat(src, dst);
    T = [s.a, -s.b, s.tx, s.b, s.a, s.ty];
  } else if (model === 'affine' && count >= 3) {
    T = fitAffine(src, dst) ?? identity;
  }
  const out = new Float32Array(data.length);
  const [a, b, c, d, e, f] = T;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = 2 * (y * W + x);
      const qx = x + data[o];
      const qy = y + data[o + 1];
      out[o] = a * qx + b * qy + c - x;
      out[o + 1] = d * qx + e * qy + f - y;
    }
  }
  return { flow: { width: W, height: H, data: out }, transform: T };
}

/** Least-squares affine map src → dst (flat point lists); null when the points are collinear. */
function fitAffine(src: number[], dst: number[]): Affine | null {
  // Normal equations of [x y 1]·p = target, shared by both output coordinates.
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let sx = 0;
  let sy = 0;
  let n = 0;
  const bx = [0, 0, 0];
  const by = [0, 0, 0];
  for (let i = 0; i < src.length; i += 2) {
    const x = src[i];
    const y = src[i + 1];
    sxx += x * x;
    sxy += x * y;
    syy += y * y;
    sx += x;
    sy += y;
    n++;
    bx[0] += x * dst[i];
    bx[1] += y * dst[i];
    bx[2] += dst[i];
    by[0] += x * dst[i + 1];
    by[1] += y * dst[i + 1];
    by[2] += dst[i + 1];
  }
  const m = [sxx, sxy, sx, sxy, syy, sy, sx, sy, n];
  const inv = invert3(m);
  if (!inv) return null;
  const mul = (v: number[]) => [0, 1, 2].map((r) => inv[3 * r] * v[0] + inv[3 * r + 1] * v[1] + inv[3 * r + 2] * v[2]);
  const px = mul(bx);
  const py = mul(by);
  return [px[0], px[1], px[2], py[0], py[1], py[2]];
}

function invert3(m: number[]): number[] | null {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) return null;
  const s = 1 / det;
  return [
    A * s,
    -(b * i - c * h) * s,
    (b * f - c * e) * s,
    B * s,
    (a * i - c * g) * s,
    -(a * f - c * d) * s,
    C * s,
    -(a * h - b * g) * s,
    (a * e - b * d) * s,
  ];
}
