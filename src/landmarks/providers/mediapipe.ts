// MediaPipe Face Mesh / FaceLandmarker (468 or 478 points, normalised) → iBUG-68 mapping, so
// MediaPipe users can feed the descriptor. The maps are community-made, not official.
import { argumentError, toPointArray } from '../errors.js';
import type { LandmarkInput, Point2 } from '../types.js';

/**
 * PeizhiYan/Mediapipe_2_Dlib_Landmarks (`mp2dlib.py`): mesh vertex per iBUG point; a pair means the
 * average of two vertices.
 */
const MP2DLIB: readonly (number | readonly [number, number])[] = [
  127,
  234,
  93,
  [132, 58],
  [58, 172],
  136,
  150,
  176,
  152,
  400,
  379,
  365,
  [397, 288],
  361,
  323,
  454,
  356,
  70,
  63,
  105,
  66,
  107,
  336,
  296,
  334,
  293,
  300,
  [168, 6],
  [197, 195],
  5,
  4,
  75,
  97,
  2,
  326,
  305,
  33,
  160,
  158,
  133,
  153,
  144,
  362,
  385,
  387,
  263,
  373,
  380,
  61,
  39,
  37,
  0,
  267,
  269,
  291,
  321,
  314,
  17,
  84,
  91,
  78,
  82,
  13,
  312,
  308,
  317,
  14,
  87,
];

/** facefusion/facefusion#549: single vertices; differs from mp2dlib at 11 iBUG points. */
const FACEFUSION: readonly number[] = (() => {
  const m = MP2DLIB.map((v) => (typeof v === 'number' ? v : v[0]));
  const diff: Record<number, number> = {
    3: 132,
    4: 58,
    12: 288,
    27: 168,
    28: 197,
    49: 40,
    53: 270,
    61: 81,
    63: 311,
    65: 402,
    67: 178,
  };
  for (const [k, v] of Object.entries(diff)) m[+k] = v;
  return m;
})();

/** Options of {@link mediapipeTo68}. */
export interface MediapipeOptions {
  /** Frame width: MediaPipe x is normalised to [0, 1]; it is multiplied by this. Default 1 (keep as is). */
  width?: number;
  /** Frame height, multiplies y. Default 1. */
  height?: number;
  /** `'mp2dlib'` (default; averages vertex pairs at 5 points) or `'facefusion'` (single vertices). */
  mapping?: 'mp2dlib' | 'facefusion';
}

/**
 * Maps 468 or 478 MediaPipe face-mesh points to the 68-point iBUG layout.
 *
 * MediaPipe has no silhouette jaw line: its jaw points stay on the mesh surface while iBUG's slide
 * along the visible contour with yaw, so jaw regions shift slightly at large yaw.
 *
 * @example
 * ```ts
 * const result = faceLandmarker.detectForVideo(video, now);
 * const points68 = mediapipeTo68(result.faceLandmarks[0], { width: video.videoWidth, height: video.videoHeight });
 * ```
 */
export function mediapipeTo68(points: LandmarkInput, options: MediapipeOptions = {}): Point2[] {
  const fn = 'mediapipeTo68';
  const flat = toPointArray(fn, 'points', points, [468, 478]);
  const sx = options.width ?? 1;
  const sy = options.height ?? 1;
  if (!(sx > 0) || !(sy > 0)) throw argumentError(fn, 'options.width/height', 'positive numbers', `${sx} x ${sy}`);
  const table = (options.mapping ?? 'mp2dlib') === 'facefusion' ? FACEFUSION : MP2DLIB;
  return table.map((v) => {
    if (typeof v === 'number') return { x: flat[2 * v] * sx, y: flat[2 * v + 1] * sy };
    const [a, b] = v;
    return { x: ((flat[2 * a] + flat[2 * b]) / 2) * sx, y: ((flat[2 * a + 1] + flat[2 * b + 1]) / 2) * sy };
  });
}
