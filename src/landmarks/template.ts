// The canonical 68-point face (OpenFace's mean iBUG shape) and its placement in an S×S crop, plus the
// index tables every other module shares: alignment anchors, head-motion points and the mirror map.
// Data only; imports nothing but types.
import type { Point2 } from './types.js';

/**
 * OpenFace's mean 68-point shape (`openface/align_dlib.py`, `TEMPLATE`), normalised coordinates,
 * flat `[x0, y0, x1, y1, …]` in iBUG order (0 = image-left jaw end, 8 = chin, 36 = image-left outer eye corner).
 */
export const TEMPLATE_68: readonly number[] = Object.freeze([
  0.0792, 0.3392, 0.0829, 0.457, 0.0968, 0.5756, 0.1221, 0.6919, 0.1687, 0.8003, 0.2398, 0.8957, 0.3257, 0.9771, 0.4223,
  1.0433, 0.5318, 1.0608, 0.6413, 1.0398, 0.7381, 0.9723, 0.8244, 0.8896, 0.8948, 0.7925, 0.9394, 0.6815, 0.9611,
  0.5622, 0.9706, 0.4418, 0.9712, 0.3221, 0.1638, 0.2492, 0.2178, 0.2043, 0.2913, 0.1924, 0.3675, 0.2036, 0.4393,
  0.2331, 0.5864, 0.2281, 0.6602, 0.1959, 0.7375, 0.1824, 0.8132, 0.1928, 0.8708, 0.2353, 0.5153, 0.3186, 0.5162,
  0.3962, 0.5171, 0.4738, 0.5182, 0.5532, 0.4337, 0.6041, 0.4755, 0.6208, 0.5207, 0.6343, 0.5659, 0.6188, 0.6071,
  0.6016, 0.2524, 0.3311, 0.2987, 0.3026, 0.3557, 0.303, 0.4037, 0.3387, 0.3525, 0.35, 0.2968, 0.3505, 0.6313, 0.3341,
  0.6791, 0.2965, 0.736, 0.2947, 0.7829, 0.3213, 0.7403, 0.3418, 0.685, 0.3437, 0.3532, 0.7462, 0.4146, 0.7191, 0.4777,
  0.7068, 0.5227, 0.7171, 0.5698, 0.7054, 0.6352, 0.7157, 0.6995, 0.7394, 0.6394, 0.8052, 0.5764, 0.8354, 0.5254,
  0.8417, 0.4764, 0.8375, 0.4138, 0.81, 0.3801, 0.75, 0.478, 0.7451, 0.5234, 0.7489, 0.5711, 0.7433, 0.6724, 0.7442,
  0.5725, 0.7766, 0.524, 0.7834, 0.4776, 0.7785,
]);

/**
 * Alignment anchors: nose 27–35 and the four eye corners 36, 39, 42, 45. They stay put under most
 * expressions, so smiles and jaw drops are not "aligned away" (mouth and jaw points are left out).
 */
export const ALIGN_ANCHORS: readonly number[] = Object.freeze([27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 39, 42, 45]);

/** Points used to estimate residual head motion from the flow: nose and inner eye corners. */
export const HEAD_MOTION_POINTS: readonly number[] = Object.freeze([27, 28, 29, 30, 31, 33, 35, 39, 42]);

/**
 * Horizontal-mirror permutation of the 68 points: after flipping an image left-right, point `i` of
 * the flipped face is point `LANDMARK_MIRROR[i]` of the original.
 */
export const LANDMARK_MIRROR: readonly number[] = Object.freeze(buildMirror());

function buildMirror(): number[] {
  const m = Array.from({ length: 68 }, (_, i) => i);
  const pair = (a: number, b: number) => {
    m[a] = b;
    m[b] = a;
  };
  for (let i = 0; i <= 16; i++) m[i] = 16 - i;
  for (let i = 0; i < 5; i++) pair(17 + i, 26 - i);
  pair(31, 35);
  pair(32, 34);
  pair(36, 45);
  pair(37, 44);
  pair(38, 43);
  pair(39, 42);
  pair(40, 47);
  pair(41, 46);
  pair(48, 54);
  pair(49, 53);
  pair(50, 52);
  pair(55, 59);
  pair(56, 58);
  pair(60, 64);
  pair(61, 63);
  pair(65, 67);
  return m;
}

/**
 * The template placed in an S×S crop with uniform scale: 70 % of the width spans the face, the
 * brows' top sits at 22 % of the height. At S = 128 the inter-ocular distance (36–45) is 53.3 px.
 *
 * @example
 * ```ts
 * const t = templateLandmarks(128);
 * t[36]; // ≈ { x: 36.6, y: 43.1 }
 * ```
 */
export function templateLandmarks(size = 128): Point2[] {
  const xs = TEMPLATE_68.filter((_, i) => i % 2 === 0);
  const k = (0.7 * size) / (Math.max(...xs) - Math.min(...xs));
  const out: Point2[] = [];
  for (let i = 0; i < 68; i++) {
    out.push({
      x: size / 2 + (TEMPLATE_68[2 * i] - 0.5252) * k,
      y: 0.22 * size + (TEMPLATE_68[2 * i + 1] - 0.1824) * k,
    });
  }
  return out;
}

/** Mirrors 68 landmarks about the vertical line `x = (width − 1) / 2` and re-indexes them (see {@link LANDMARK_MIRROR}). */
export function mirrorLandmarks(points: ArrayLike<Point2>, width: number): Point2[] {
  const out: Point2[] = [];
  for (let i = 0; i < 68; i++) {
    const p = points[LANDMARK_MIRROR[i]];
    out.push({ x: width - 1 - p.x, y: p.y });
  }
  return out;
}
