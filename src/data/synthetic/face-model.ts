// The synthetic face's geometry: the 68-point iBUG mean shape lifted to 3D, per-subject identity
// changes, expression blend shapes (smile, brow raise, frown, lip press, mouth open, blink) and head
// pose, projected to pixel landmarks. Pure math on Float64Arrays; imports only the landmark template.
import { TEMPLATE_68 } from '../../landmarks/template.js';

// OpenFace's mean 68-point shape (normalised, iBUG order), shared with the descriptor's alignment
// template so generated faces and the alignment target agree exactly.
const TEMPLATE: readonly number[] = TEMPLATE_68;

/** Number of model points: the 68 landmarks, then the extra points below. */
export const FOREHEAD_POINTS = 11;
/** Index of the first forehead-arc point (arc runs from above point 16 over the top to above point 0). */
export const FOREHEAD = 68;
/** Left and right cheek centres (for blush and smile folds), iris centres, and the neck base. */
export const CHEEK_L = FOREHEAD + FOREHEAD_POINTS;
export const CHEEK_R = CHEEK_L + 1;
export const IRIS_L = CHEEK_R + 1;
export const IRIS_R = IRIS_L + 1;
export const MODEL_POINTS = IRIS_R + 1;

// Model space: x right, y down, z towards the camera; the unit is the template's face width (~0.9).
const CX = 0.5252;
const CY = 0.6;
/** Head ellipsoid (centre y, half-axes) used for depth, the forehead arc and shading. */
export const HEAD = Object.freeze({ cy: -0.15, a: 0.47, b: 0.62, c: 0.42 });

function ellipsoidZ(x: number, y: number): number {
  const u = x / HEAD.a;
  const v = (y - HEAD.cy) / HEAD.b;
  return HEAD.c * Math.sqrt(Math.max(0, 1 - u * u - v * v));
}

/** The neutral 3D mean face: `MODEL_POINTS * 3` numbers, `[x, y, z]` per point. */
export function meanFace3d(): Float64Array {
  const out = new Float64Array(MODEL_POINTS * 3);
  for (let i = 0; i < 68; i++) {
    const x = TEMPLATE[2 * i] - CX;
    const y = TEMPLATE[2 * i + 1] - CY;
    out[3 * i] = x;
    out[3 * i + 1] = y;
    out[3 * i + 2] = ellipsoidZ(x, y);
  }
  // The nose stands out of the ellipsoid; eyes sit slightly in.
  const noseZ: Record<number, number> = {
    27: 0.03,
    28: 0.07,
    29: 0.11,
    30: 0.15,
    31: 0.05,
    32: 0.07,
    33: 0.09,
    34: 0.07,
    35: 0.05,
  };
  for (const [k, dz] of Object.entries(noseZ)) out[3 * Number(k) + 2] += dz;
  for (let i = 36; i < 48; i++) out[3 * i + 2] -= 0.03;
  // Forehead arc: the head ellipse from the right temple over the top to the left temple.
  const t0 = Math.atan2((out[3 * 16 + 1] - HEAD.cy) / HEAD.b, out[3 * 16] / HEAD.a);
  const t1 = Math.atan2((out[1] - HEAD.cy) / HEAD.b, out[0] / HEAD.a);
  for (let k = 0; k < FOREHEAD_POINTS; k++) {
    const t = t0 + ((t1 - t0) * (k + 1)) / (FOREHEAD_POINTS + 1);
    const x = 0.97 * HEAD.a * Math.cos(t);
    // Flatten the crown a little so the head is not a perfect egg.
    const y = HEAD.cy + 0.95 * HEAD.b * Math.sin(t);
    const p = FOREHEAD + k;
    out[3 * p] = x;
    out[3 * p + 1] = y;
    out[3 * p + 2] = ellipsoidZ(x, y) * 0.5;
  }
  const set = (p: number, x: number, y: number, dz = 0): void => {
    out[3 * p] = x;
    out[3 * p + 1] = y;
    out[3 * p + 2] = ellipsoidZ(x, y) + dz;
  };
  set(CHEEK_L, -0.22, 0.02);
  set(CHEEK_R, 0.22, 0.02);
  // Iris centres: centroids of each eye's six points.
  for (const [p, first] of [
    [IRIS_L, 36],
    [IRIS_R, 42],
  ] as const) {
    let x = 0;
    let y = 0;
    for (let i = first; i < first + 6; i++) {
      x += out[3 * i] / 6;
      y += out[3 * i + 1] / 6;
    }
    set(p, x, y, -0.02);
  }
  return out;
}

/** Identity knobs of a subject's face (all near 0 or 1 for an average face). */
export interface FaceShape {
  /** Horizontal scale of the whole face (0.88-1.12). */
  width: number;
  /** Vertical scale (0.92-1.08). */
  length: number;
  /** Extra jaw width below the cheekbones (-0.06..0.06). */
  jaw: number;
  /** Half-distance change between the eyes (-0.03..0.03). */
  eyeSpacing: number;
  /** Eye size scale (0.85-1.2). */
  eyeSize: number;
  /** Mouth width scale (0.85-1.15). */
  mouthWidth: number;
  /** Lip thickness scale (0.7-1.4). */
  lips: number;
  /** Nose length scale (0.9-1.15). */
  noseLength: number;
  /** Brow height offset (-0.025..0.02; negative = higher). */
  browHeight: number;
  /** Small per-point irregularities, `68 * 2` numbers. */
  jitter: Float64Array;
}

/** Applies identity knobs to the mean face (in place on a copy). */
export function identityFace(shape: FaceShape): Float64Array {
  const p = meanFace3d();
  const eyeCentre = (first: number): [number, number] => {
    let x = 0;
    let y = 0;
    for (let i = first; i < first + 6; i++) {
      x += p[3 * i] / 6;
      y += p[3 * i + 1] / 6;
    }
    return [x, y];
  };
  for (const [first, sign, iris] of [
    [36, -1, IRIS_L],
    [42, 1, IRIS_R],
  ] as const) {
    const [ex, ey] = eyeCentre(first);
    for (let i = first; i < first + 6; i++) {
      p[3 * i] = ex + (p[3 * i] - ex) * shape.eyeSize + sign * shape.eyeSpacing;
      p[3 * i + 1] = ey + (p[3 * i + 1] - ey) * shape.eyeSize;
    }
    p[3 * iris] += sign * shape.eyeSpacing;
    // Brows follow the eyes half-way.
    const b0 = sign < 0 ? 17 : 22;
    for (let i = b0; i < b0 + 5; i++) {
      p[3 * i] += 0.5 * sign * shape.eyeSpacing;
      p[3 * i + 1] += shape.browHeight;
    }
  }
  const mouthCx = p[3 * 51];
  const mouthCy = (p[3 * 62 + 1] + p[3 * 66 + 1]) / 2;
  for (let i = 48; i < 68; i++) {
    p[3 * i] = mouthCx + (p[3 * i] - mouthCx) * shape.mouthWidth;
    const dy = p[3 * i + 1] - mouthCy;
    // Outer lip points move away from the lip line with thicker lips; inner points stay.
    if (i < 60) p[3 * i + 1] = mouthCy + dy * shape.lips;
  }
  const noseTop = p[3 * 27 + 1];
  for (let i = 28; i < 36; i++) p[3 * i + 1] = noseTop + (p[3 * i + 1] - noseTop) * shape.noseLength;
  // Keep the mouth below the (possibly longer) nose.
  const shift = Math.max(0, p[3 * 33 + 1] + 0.06 - p[3 * 50 + 1]);
  for (let i = 48; i < 68; i++) p[3 * i + 1] += shift;
  for (let i = 3; i <= 13; i++) {
    const w = Math.sin((Math.PI * (i - 3)) / 10); // 0 at the ends, 1 at the chin
    p[3 * i] *= 1 + shape.jaw * (1 - 0.6 * w);
  }
  for (let i = 0; i < 68; i++) {
    p[3 * i] += shape.jitter[2 * i];
    p[3 * i + 1] += shape.jitter[2 * i + 1];
  }
  for (let i = 0; i < MODEL_POINTS; i++) {
    p[3 * i] *= shape.width;
    p[3 * i + 1] = HEAD.cy + (p[3 * i + 1] - HEAD.cy) * shape.length;
  }
  return p;
}

/** Expression intensities of one frame; each 0 (absent) to about 1 (strong). */
export interface Expression {
  /** Lip-corner pull and cheek raise (AU12 + AU6). */
  smile: number;
  /** Inner and outer brow raise (AU1 + AU2). */
  browRaise: number;
  /** Brow lowerer and lip-corner depressor (AU4 + AU15). */
  frownBrow: number;
  frownMouth: number;
  /** Lip presser (AU24). */
  lipPress: number;
  /** Jaw drop / lips apart (AU25/26). */
  mouthOpen: number;
  /** Eye closure (blink), 0 open to 1 closed. */
  blink: number;
}

/** Every expression weight at 0: the template face at rest (a fresh object each call). */
export function neutralExpression(): Expression {
  return { smile: 0, browRaise: 0, frownBrow: 0, frownMouth: 0, lipPress: 0, mouthOpen: 0, blink: 0 };
}

type Shape = Array<[number, number, number]>; // [point, dx, dy] in model units, x toward image-right

const SMILE: Shape = [
  [48, -0.04, -0.04],
  [54, 0.04, -0.04],
  [49, -0.015, -0.018],
  [53, 0.015, -0.018],
  [50, -0.004, -0.006],
  [52, 0.004, -0.006],
  [59, -0.025, -0.012],
  [55, 0.025, -0.012],
  [58, -0.008, 0.006],
  [56, 0.008, 0.006],
  [57, 0, 0.008],
  [60, -0.038, -0.036],
  [64, 0.038, -0.036],
  [61, -0.006, -0.01],
  [62, 0, -0.01],
  [63, 0.006, -0.01],
  [65, 0.008, 0.012],
  [66, 0, 0.014],
  [67, -0.008, 0.012],
  [40, 0, -0.01],
  [41, 0, -0.008],
  [46, 0, -0.008],
  [47, 0, -0.01],
  [31, -0.006, -0.004],
  [35, 0.006, -0.004],
];
const BROW_RAISE: Shape = [
  [17, 0, -0.025],
  [18, 0, -0.035],
  [19, 0, -0.042],
  [20, 0, -0.045],
  [21, 0, -0.045],
  [22, 0, -0.045],
  [23, 0, -0.045],
  [24, 0, -0.042],
  [25, 0, -0.035],
  [26, 0, -0.025],
  [37, 0, -0.008],
  [38, 0, -0.008],
  [43, 0, -0.008],
  [44, 0, -0.008],
];
const FROWN_BROW: Shape = [
  [17, 0.004, 0.01],
  [18, 0.006, 0.016],
  [19, 0.01, 0.024],
  [20, 0.014, 0.03],
  [21, 0.016, 0.032],
  [22, -0.016, 0.032],
  [23, -0.014, 0.03],
  [24, -0.01, 0.024],
  [25, -0.006, 0.016],
  [26, -0.004, 0.01],
  [37, 0, 0.006],
  [38, 0, 0.007],
  [43, 0, 0.007],
  [44, 0, 0.006],
];
const FROWN_MOUTH: Shape = [
  [48, 0.004, 0.03],
  [54, -0.004, 0.03],
  [59, 0.002, 0.014],
  [55, -0.002, 0.014],
  [60, 0.004, 0.024],
  [64, -0.004, 0.024],
  [49, 0, 0.008],
  [53, 0, 0.008],
  [57, 0, -0.004],
  [58, 0, -0.002],
  [56, 0, -0.002],
];
const LIP_PRESS: Shape = [
  [49, 0.004, 0.012],
  [50, 0, 0.018],
  [51, 0, 0.02],
  [52, 0, 0.018],
  [53, -0.004, 0.012],
  [55, -0.004, -0.014],
  [56, 0, -0.022],
  [57, 0, -0.024],
  [58, 0, -0.022],
  [59, 0.004, -0.014],
  [48, 0.012, 0],
  [54, -0.012, 0],
  [60, 0.01, 0],
  [64, -0.01, 0],
  [61, 0, 0.004],
  [62, 0, 0.004],
  [63, 0, 0.004],
  [65, 0, -0.004],
  [66, 0, -0.004],
  [67, 0, -0.004],
];
const MOUTH_OPEN: Shape = [
  [55, 0, 0.03],
  [56, 0, 0.04],
  [57, 0, 0.045],
  [58, 0, 0.04],
  [59, 0, 0.03],
  [65, 0, 0.04],
  [66, 0, 0.045],
  [67, 0, 0.04],
  [5, 0, 0.012],
  [6, 0, 0.022],
  [7, 0, 0.03],
  [8, 0, 0.034],
  [9, 0, 0.03],
  [10, 0, 0.022],
  [11, 0, 0.012],
];

function apply(p: Float64Array, shape: Shape, amount: number, sx: number, sy: number): void {
  if (amount === 0) return;
  for (const [i, dx, dy] of shape) {
    p[3 * i] += dx * amount * sx;
    p[3 * i + 1] += dy * amount * sy;
  }
}

/**
 * The face with an expression applied (a new array; `identity` is left alone). `amplitude` scales
 * every blend shape's displacement (not blinks): 1 is a natural, subtle expression.
 */
export function expressFace(
  identity: Float64Array,
  e: Expression,
  shapeWidth = 1,
  shapeLength = 1,
  amplitude = 1,
): Float64Array {
  const p = Float64Array.from(identity);
  const sx = shapeWidth * amplitude;
  const sy = shapeLength * amplitude;
  apply(p, SMILE, e.smile, sx, sy);
  apply(p, BROW_RAISE, e.browRaise, sx, sy);
  apply(p, FROWN_BROW, e.frownBrow, sx, sy);
  apply(p, FROWN_MOUTH, e.frownMouth, sx, sy);
  apply(p, LIP_PRESS, e.lipPress, sx, sy);
  apply(p, MOUTH_OPEN, e.mouthOpen, sx, sy);
  // Blink: upper lid points travel toward the lower lid (90 % so the closed eye keeps a sliver).
  if (e.blink > 0) {
    const pairs: Array<[number, number]> = [
      [37, 41],
      [38, 40],
      [43, 47],
      [44, 46],
    ];
    for (const [u, l] of pairs) {
      p[3 * u] += (p[3 * l] - p[3 * u]) * 0.9 * e.blink;
      p[3 * u + 1] += (p[3 * l + 1] - p[3 * u + 1]) * 0.9 * e.blink;
    }
  }
  // Lips never cross: the inner lower lip stays at or below the inner upper lip.
  for (const [u, l] of [
    [61, 67],
    [62, 66],
    [63, 65],
  ] as const) {
    if (p[3 * l + 1] < p[3 * u + 1]) p[3 * l + 1] = p[3 * u + 1] = (p[3 * l + 1] + p[3 * u + 1]) / 2;
  }
  return p;
}

/** Head pose of one frame: angles in radians, translation in pixels, scale in pixels per model unit. */
export interface Pose {
  yaw: number;
  pitch: number;
  roll: number;
  /** Pixel position of the model origin. */
  x: number;
  y: number;
  /** Pixels per model unit. */
  scale: number;
}

/** Rotates the model points (about a pivot near the neck) and projects them orthographically to pixels: `[x, y]` per point. */
export function projectFace(p: Float64Array, pose: Pose): Float64Array {
  const n = p.length / 3;
  const out = new Float64Array(n * 2);
  const cy = Math.cos(pose.yaw),
    sy = Math.sin(pose.yaw);
  const cp = Math.cos(pose.pitch),
    sp = Math.sin(pose.pitch);
  const cr = Math.cos(pose.roll),
    sr = Math.sin(pose.roll);
  const pivotY = 0.1;
  const pivotZ = -0.15;
  for (let i = 0; i < n; i++) {
    const x0 = p[3 * i];
    const y0 = p[3 * i + 1] - pivotY;
    const z0 = p[3 * i + 2] - pivotZ;
    // yaw about y, then pitch about x, then roll in the image plane.
    const x1 = cy * x0 + sy * z0;
    const z1 = -sy * x0 + cy * z0;
    const y2 = cp * y0 - sp * z1;
    const x3 = cr * x1 - sr * y2;
    const y3 = sr * x1 + cr * y2;
    out[2 * i] = pose.x + pose.scale * x3;
    out[2 * i + 1] = pose.y + pose.scale * (y3 + pivotY);
  }
  return out;
}
