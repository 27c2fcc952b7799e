// The 36 facial regions (MDMO-style ROIs on the iBUG-68 scheme, after the public port in
// machanic/AU_R-CNN) as polygons built from landmarks, and their rasterisation into a label image.
// Geometry only; no flow and no pixels of the frame.
import { argumentError, checkSize, toPointArray } from './errors.js';
import type { LandmarkInput, Point2 } from './types.js';

/** Number of facial regions. */
export const REGION_COUNT = 36;

/**
 * Vertex recipes, 1-based ROI order. `i` = landmark i, `iu`/`iuu` = landmark i moved up by one/two
 * units U (perpendicular to the eye axis), `a~b` = midpoint of landmarks a and b.
 */
const ROI_RECIPES: readonly (readonly string[])[] = [
  ['17u', '19u', '19', '17'],
  ['19u', '21u', '21', '19'],
  ['21u', '27uu', '27', '21'],
  ['27uu', '22u', '22', '27'],
  ['22u', '24u', '24', '22'],
  ['24u', '26u', '26', '24'],
  ['0', '17', '36', '1'],
  ['17', '19', '37', '36'],
  ['19', '21', '39', '38'],
  ['21', '27', '28', '39'],
  ['27', '22', '42', '28'],
  ['22', '24', '43', '42'],
  ['24', '26', '45', '44'],
  ['45', '26', '16', '15'],
  ['2', '41~2', '3~29', '3'],
  ['41', '39', '3~29', '2~41'],
  ['39', '28', '29', '3~29'],
  ['28', '42', '13~29', '29'],
  ['42', '46', '14~46', '13~29'],
  ['14~46', '14', '13', '13~29'],
  ['3', '3~29', '4~33', '4'],
  ['3~29', '29', '33', '4~33'],
  ['29', '13~29', '12~33', '33'],
  ['13~29', '13', '12', '12~33'],
  ['4', '4~33', '5~59', '5'],
  ['4~33', '33', '59', '5~59'],
  ['33', '12~33', '11~55', '55'],
  ['12~33', '12', '11', '11~55'],
  ['59', '58', '6~58', '5~59'],
  ['58', '57', '8~57', '6~58'],
  ['57', '56', '10~56', '8~57'],
  ['56', '55', '11~55', '10~56'],
  ['5', '5~59', '6~58', '6'],
  ['6~58', '8~57', '8', '6'],
  ['8~57', '10~56', '10', '8'],
  ['11~55', '11', '10', '10~56'],
];

/** The source port's ROI 7, a triangle (its landmark table skipped point 0). */
const ROI7_SOURCE: readonly string[] = ['1', '17', '36'];

/** Short anatomical names, index 0 = ROI 1 ("R"/"L" = the subject's right/left; R is image-left). */
export const REGION_NAMES: readonly string[] = Object.freeze([
  'above R brow, outer',
  'above R brow, inner',
  'glabella R',
  'glabella L',
  'above L brow, inner',
  'above L brow, outer',
  'R temple',
  'R brow-lid, lateral',
  'R brow-lid, medial',
  'R nasal root',
  'L nasal root',
  'L brow-lid, medial',
  'L brow-lid, lateral',
  'L temple',
  'R lateral cheek',
  'R infra-orbital',
  'R nose bridge',
  'L nose bridge',
  'L infra-orbital',
  'L lateral cheek',
  'R mid cheek',
  'R nose wing',
  'L nose wing',
  'L mid cheek',
  'R lower cheek',
  'R mouth corner',
  'L mouth corner',
  'L lower cheek',
  'below R lip, lateral',
  'below lip, R',
  'below lip, L',
  'below L lip, lateral',
  'R jaw',
  'chin R',
  'chin L',
  'L jaw',
]);

/**
 * Left-right partner of each ROI (1-based pairs). After a horizontal flip swap the paired slots and map
 * θ → (π − θ) mod 2π.
 */
export const REGION_MIRROR_PAIRS: readonly (readonly [number, number])[] = Object.freeze([
  [1, 6],
  [2, 5],
  [3, 4],
  [7, 14],
  [8, 13],
  [9, 12],
  [10, 11],
  [15, 20],
  [16, 19],
  [17, 18],
  [21, 24],
  [22, 23],
  [25, 28],
  [26, 27],
  [29, 32],
  [30, 31],
  [33, 36],
  [34, 35],
] as const);

/** Options of {@link faceRegions}. */
export interface RegionOptions {
  /** Height unit of the strips above the brows, as a fraction of the inter-ocular distance. Default 0.2. */
  upScale?: number;
  /**
   * ROI 7: `'mirror'` (default) uses [0, 17, 36, 1], the exact mirror of ROI 14; `'source'` uses the
   * public port's triangle [1, 17, 36].
   */
  roi7?: 'mirror' | 'source';
}

/**
 * The 36 ROI polygons for 68 landmarks, each sorted by angle around its centroid (visually clockwise
 * with y down), so every polygon is simple. Coordinates are those of the landmarks (use aligned ones).
 *
 * @example
 * ```ts
 * const { landmarks } = alignFace(points68);
 * const polygons = faceRegions(landmarks);   // 36 × Point2[]
 * const labels = regionLabelMap(polygons, 128);
 * ```
 */
export function faceRegions(landmarks: LandmarkInput, options: RegionOptions = {}): Point2[][] {
  const fn = 'faceRegions';
  const P = toPointArray(fn, 'landmarks', landmarks, 68);
  const upScale = options.upScale ?? 0.2;
  if (!(upScale >= 0)) throw argumentError(fn, 'options.upScale', 'a number >= 0', String(upScale));
  const ex = P[90] - P[72];
  const ey = P[91] - P[73];
  const iod = Math.hypot(ex, ey);
  if (!(iod > 0)) throw argumentError(fn, 'landmarks', 'distinct eye corners 36 and 45', 'coincident points');
  // Up direction: perpendicular to the eye axis, toward the forehead (y grows downward).
  const nx = ey / iod;
  const ny = -ex / iod;
  const U = upScale * iod;
  const vertex = (code: string): Point2 => {
    const mid = code.indexOf('~');
    if (mid >= 0) {
      const a = +code.slice(0, mid);
      const b = +code.slice(mid + 1);
      return { x: (P[2 * a] + P[2 * b]) / 2, y: (P[2 * a + 1] + P[2 * b + 1]) / 2 };
    }
    const ups = code.length - code.replace(/u/g, '').length;
    const i = parseInt(code, 10);
    return { x: P[2 * i] + ups * U * nx, y: P[2 * i + 1] + ups * U * ny };
  };
  return ROI_RECIPES.map((recipe, r) => {
    const codes = r === 6 && options.roi7 === 'source' ? ROI7_SOURCE : recipe;
    return sortAroundCentroid(codes.map(vertex));
  });
}

function sortAroundCentroid(points: Point2[]): Point2[] {
  let cx = 0;
  let cy = 0;
  for (const p of points) {
    cx += p.x;
    cy += p.y;
  }
  cx /= points.length;
  cy /= points.length;
  return points
    .map((p) => ({ p, t: Math.atan2(p.y - cy, p.x - cx) }))
    .sort((a, b) => a.t - b.t)
    .map((e) => e.p);
}

/** A label image: `data[y·width + x]` is the 1-based ROI of pixel (x, y), or 0 for none. */
export interface LabelMap {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * Rasterises polygons into a label image. Pixel (x, y) gets label k (1-based) if its centre lies
 * inside polygon k (even-odd rule, half-open so shared edges are not painted twice); polygons are
 * painted in order, so a later one wins where two overlap. Parts outside the image are clipped.
 *
 * @param size side of a square image, or `{ width, height }`.
 */
export function regionLabelMap(
  polygons: ArrayLike<ArrayLike<Point2>>,
  size: number | { width: number; height: number },
): LabelMap {
  const fn = 'regionLabelMap';
  const width = typeof size === 'number' ? size : size?.width;
  const height = typeof size === 'number' ? size : size?.height;
  checkSize(fn, 'size', width, height);
  if (!polygons || polygons.length > 255) {
    throw argumentError(fn, 'polygons', 'an array of at most 255 polygons', String(polygons?.length));
  }
  const data = new Uint8Array(width * height);
  const xs: number[] = [];
  for (let k = 0; k < polygons.length; k++) {
    const poly = polygons[k];
    const n = poly.length;
    if (n < 3) continue;
    let ymin = Infinity;
    let ymax = -Infinity;
    for (let i = 0; i < n; i++) {
      const p = poly[i];
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
        throw argumentError(fn, `polygons[${k}][${i}]`, 'finite x and y', `(${p.x}, ${p.y})`);
      }
      ymin = Math.min(ymin, p.y);
      ymax = Math.max(ymax, p.y);
    }
    const y0 = Math.max(0, Math.ceil(ymin));
    const y1 = Math.min(height - 1, Math.floor(ymax));
    for (let y = y0; y <= y1; y++) {
      xs.length = 0;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const a = poly[j];
        const b = poly[i];
        // Half-open in y: an edge counts for rows y with min ≤ y < max, so vertices are not counted twice.
        if (a.y <= y !== b.y <= y) xs.push(a.x + ((y - a.y) * (b.x - a.x)) / (b.y - a.y));
      }
      xs.sort((p, q) => p - q);
      for (let i = 0; i + 1 < xs.length; i += 2) {
        const xa = Math.max(0, Math.ceil(xs[i]));
        const xb = Math.min(width, Math.ceil(xs[i + 1]));
        for (let x = xa; x < xb; x++) data[y * width + x] = k + 1;
      }
    }
  }
  return { width, height, data };
}
