// Similarity alignment of detected landmarks onto the template: the closed-form least-squares
// (Umeyama/Procrustes) fit, transform helpers and `alignFace`. Geometry only: no pixels here
// (warp.ts samples the image).
import { argumentError, toPointArray, toPoints } from './errors.js';
import { ALIGN_ANCHORS, templateLandmarks } from './template.js';
import type { LandmarkInput, Point2, SimilarityTransform } from './types.js';

/**
 * Least-squares similarity `T` with `T(src[i]) ≈ dst[i]` over `indices` (default: all points).
 *
 * In 2-D the Umeyama solution without reflection has a closed form: with both sets centred,
 * `a = Σ(s·d) / Σ|s|²` and `b = Σ(s × d) / Σ|s|²`, then `t = mean_d − [a −b; b a]·mean_s`. This is the
 * SVD recipe with the reflection guard E = diag(1, sign det) already applied.
 *
 * @example
 * ```ts
 * const T = fitSimilarity(detected, templateLandmarks(128), ALIGN_ANCHORS);
 * ```
 */
export function fitSimilarity(
  src: LandmarkInput,
  dst: LandmarkInput,
  indices?: readonly number[],
  weights?: ArrayLike<number>,
): SimilarityTransform {
  const fn = 'fitSimilarity';
  const s = toPointArray(fn, 'src', src, src?.length ?? 0);
  const d = toPointArray(fn, 'dst', dst, s.length / 2);
  return fitSimilarityFlat(s, d, indices, weights, fn);
}

/** @internal Flat-array version of {@link fitSimilarity}. */
export function fitSimilarityFlat(
  s: ArrayLike<number>,
  d: ArrayLike<number>,
  indices?: readonly number[],
  weights?: ArrayLike<number>,
  fn = 'fitSimilarity',
): SimilarityTransform {
  const n = s.length / 2;
  const idx = indices ?? Array.from({ length: n }, (_, i) => i);
  if (idx.length < 2) throw argumentError(fn, 'indices', 'at least 2 points', String(idx.length));
  let sw = 0;
  let msx = 0;
  let msy = 0;
  let mdx = 0;
  let mdy = 0;
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    if (!(i >= 0 && i < n)) throw argumentError(fn, `indices[${j}]`, `an index in [0, ${n})`, String(i));
    const w = weights ? weights[j] : 1;
    sw += w;
    msx += w * s[2 * i];
    msy += w * s[2 * i + 1];
    mdx += w * d[2 * i];
    mdy += w * d[2 * i + 1];
  }
  msx /= sw;
  msy /= sw;
  mdx /= sw;
  mdy /= sw;
  let ss = 0;
  let dot = 0;
  let cross = 0;
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    const w = weights ? weights[j] : 1;
    const sx = s[2 * i] - msx;
    const sy = s[2 * i + 1] - msy;
    const dx = d[2 * i] - mdx;
    const dy = d[2 * i + 1] - mdy;
    ss += w * (sx * sx + sy * sy);
    dot += w * (sx * dx + sy * dy);
    cross += w * (sx * dy - sy * dx);
  }
  if (!(ss > 0)) throw argumentError(fn, 'src', 'points that are not all identical', 'a degenerate point set');
  const a = dot / ss;
  const b = cross / ss;
  return { a, b, tx: mdx - (a * msx - b * msy), ty: mdy - (b * msx + a * msy) };
}

/** Applies a similarity to points. */
export function applyTransform(t: SimilarityTransform, points: ArrayLike<Point2>): Point2[] {
  const out: Point2[] = new Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    out[i] = { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty };
  }
  return out;
}

/** The inverse similarity: `invertTransform(T)(T(p)) = p`. */
export function invertTransform(t: SimilarityTransform): SimilarityTransform {
  const s2 = t.a * t.a + t.b * t.b;
  const a = t.a / s2;
  const b = -t.b / s2;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/** Options of {@link alignFace}. */
export interface AlignOptions {
  /** Crop side S in pixels. Default 128. */
  size?: number;
  /** Landmark indices the fit uses. Default {@link ALIGN_ANCHORS} (nose + eye corners). */
  anchors?: readonly number[];
}

/** Result of {@link alignFace}. */
export interface AlignedFace {
  /** Maps frame pixel coordinates to crop coordinates. */
  readonly transform: SimilarityTransform;
  /** The 68 landmarks in crop coordinates. */
  readonly landmarks: Point2[];
  /** Crop side S. */
  readonly size: number;
  /** Inter-ocular distance |P45 − P36| in crop pixels. */
  readonly iod: number;
}

/**
 * Fits the similarity that maps 68 detected landmarks onto the template in an S×S crop.
 *
 * @example
 * ```ts
 * const { transform, landmarks } = alignFace(points68, { size: 128 });
 * const crop = warpGray(frame, transform, 128);
 * ```
 */
export function alignFace(landmarks68: LandmarkInput, options: AlignOptions = {}): AlignedFace {
  const fn = 'alignFace';
  const size = options.size ?? 128;
  if (!Number.isInteger(size) || size < 16) throw argumentError(fn, 'options.size', 'an integer >= 16', String(size));
  const src = toPointArray(fn, 'landmarks68', landmarks68, 68);
  const tpl = templateLandmarks(size);
  const dst = new Float64Array(136);
  tpl.forEach((p, i) => {
    dst[2 * i] = p.x;
    dst[2 * i + 1] = p.y;
  });
  const transform = fitSimilarityFlat(src, dst, options.anchors ?? ALIGN_ANCHORS, undefined, fn);
  const aligned = applyTransform(transform, toPoints(src));
  const iod = Math.hypot(aligned[45].x - aligned[36].x, aligned[45].y - aligned[36].y);
  return { transform, landmarks: aligned, size, iod };
}
