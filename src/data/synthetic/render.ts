// Draws one synthetic video frame: room background, torso, hair, a shaded face whose features (eyes,
// brows, nose, lips, teeth, folds, furrows) are driven by the projected 68 landmarks, then white
// balance, light flicker and camera noise, quantised to RGB bytes.
// Imports the rasteriser, face model and plan types only; no Node modules.
import { Canvas, type Rgb } from './raster.js';
import { CHEEK_L, CHEEK_R, FOREHEAD, FOREHEAD_POINTS, HEAD, IRIS_L, IRIS_R, type Pose } from './face-model.js';
import type { Session, Subject } from './subject.js';
import type { FrameState, Look } from './reaction.js';

function scale(c: Rgb, k: number): Rgb {
  return [c[0] * k, c[1] * k, c[2] * k];
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** The static part of every frame of a session: background gradient and room shapes, float RGB. */
export function renderBackground(width: number, height: number, session: Session): Float32Array {
  const c = new Canvas(width, height);
  for (let y = 0; y < height; y++) {
    const t = y / Math.max(1, height - 1);
    const col = mix(session.bgTop, session.bgBottom, t);
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      c.rgb[o] = col[0];
      c.rgb[o + 1] = col[1];
      c.rgb[o + 2] = col[2];
    }
  }
  for (const b of session.bgBlobs) {
    c.blob(b.x * width, b.y * height, b.r * width, b.r * height * 1.4, b.colour, b.strength);
  }
  // Shoulders barely move while the head does, so they are drawn once per session.
  c.fillEllipse(session.faceX * width, height * 1.08, width * 0.44, height * 0.3, 0, session.clothes);
  return c.rgb.slice();
}

/** A point of the projected face, as `[x, y]`. */
function pt(P: Float64Array, i: number): [number, number] {
  return [P[2 * i], P[2 * i + 1]];
}

function points(P: Float64Array, idx: readonly number[]): number[] {
  const out: number[] = [];
  for (const i of idx) out.push(P[2 * i], P[2 * i + 1]);
  return out;
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}

/** Everything {@link renderFrame} needs besides the frame state. */
export interface RenderContext {
  canvas: Canvas;
  background: Float32Array;
  subject: Subject;
  session: Session;
  /** Scratch copy of the face polygon's coverage. */
  faceMask: Float32Array;
  /** Gaussian noise table and a cursor into it (advanced per frame by the caller's generator). */
  noise: Float32Array;
}

/** Where one frame's drawing happens: the canvas, the projected points and the face's pixel scale. */
interface Sketch {
  canvas: Canvas;
  P: Float64Array;
  /** Pixels per face-model unit (the pose's scale). */
  s: number;
}

/** The head ellipse in pixels (for hair and shading), following the projected forehead and chin. */
interface HeadEllipse {
  cx: number;
  cy: number;
  a: number;
  b: number;
  top: [number, number];
  roll: number;
}

/**
 * Renders one frame into `out` (RGB bytes). `P` holds the projected model points (68 landmarks,
 * forehead arc, cheeks, irises), `pose` the head pose used for the projection.
 */
export function renderFrame(
  ctx: RenderContext,
  P: Float64Array,
  pose: Pose,
  state: FrameState,
  frameGain: number,
  noiseOffset: number,
  out: Uint8Array,
): void {
  const { canvas, subject, session } = ctx;
  const W = canvas.width;
  const H = canvas.height;
  const sk: Sketch = { canvas, P, s: pose.scale };
  canvas.rgb.set(ctx.background);
  const head = headEllipse(P, pose, subject);

  // Back to front: what the face covers first, then the face, its features, and the hair over the forehead.
  drawNeck(sk, subject.skin, session.clothes);
  drawHairBehind(canvas, head, subject);
  drawEars(sk, head.roll, subject.skin);
  const face = drawFaceSkin(ctx, P);
  drawSkinTone(sk, subject, state.look);
  drawCreases(sk, subject.skin, state);
  drawEyes(sk, subject, state);
  drawBrows(sk, subject);
  drawNose(sk, subject.skin, session);
  drawMouth(sk, subject, state.look);
  if (subject.hairStyle !== 'buzz') drawHairline(sk, subject);

  // Lighting: Lambert on the head ellipsoid, light turned into the head's frame so it moves with pose.
  let minX = Infinity;
  let maxX = -Infinity;
  for (const i of face.points) {
    minX = Math.min(minX, P[2 * i]);
    maxX = Math.max(maxX, P[2 * i]);
  }
  const x0 = Math.max(0, Math.floor(minX));
  const x1 = Math.min(W - 1, Math.ceil(maxX));
  applyLighting(canvas.rgb, ctx.faceMask, W, face.y0, face.y1, x0, x1, head.cx, head.cy, head.a, head.b, pose, session);

  applyCamera(canvas.rgb, W * H, session, frameGain, ctx.noise, noiseOffset, out);
}

function headEllipse(P: Float64Array, pose: Pose, subject: Subject): HeadEllipse {
  const s = pose.scale;
  const sh = subject.shape;
  const top = pt(P, FOREHEAD + (FOREHEAD_POINTS >> 1));
  const chin = pt(P, 8);
  return {
    cx: (P[0] + P[32] + top[0] + chin[0]) / 4,
    cy: top[1] + HEAD.b * sh.length * s,
    a: HEAD.a * sh.width * s,
    b: HEAD.b * sh.length * s,
    top,
    roll: pose.roll,
  };
}

/** The neck (the torso is part of the static background). */
function drawNeck({ canvas, P, s }: Sketch, skin: Rgb, clothes: Rgb): void {
  const H = canvas.height;
  const neckTop = (P[2 * 5 + 1] + P[2 * 11 + 1]) / 2;
  const neckL = P[2 * 5] + (P[2 * 11] - P[2 * 5]) * 0.18;
  const neckR = P[2 * 5] + (P[2 * 11] - P[2 * 5]) * 0.82;
  const neck = [neckL, neckTop, neckR, neckTop, neckR + 0.04 * s, H * 0.98, neckL - 0.04 * s, H * 0.98];
  canvas.fillPolygon(neck, scale(skin, 0.72));
  canvas.fillEllipse((neckL + neckR) / 2, H * 0.98, (neckR - neckL) * 0.75, 0.08 * s, 0, clothes);
}

/** The hair behind the head: the back of long or bob hair, a bun, the skull's cover. */
function drawHairBehind(canvas: Canvas, head: HeadEllipse, subject: Subject): void {
  const { cx: hcx, cy: hcy, a: ha, b: hb, top, roll } = head;
  const H = canvas.height;
  const style = subject.hairStyle;
  const hair = subject.hair;
  if (style === 'long') {
    const back = [
      hcx - ha * 1.12,
      hcy - hb * 0.2,
      hcx + ha * 1.12,
      hcy - hb * 0.2,
      hcx + ha * 1.25,
      H,
      hcx - ha * 1.25,
      H,
    ];
    canvas.fillPolygon(back, scale(hair, 0.85));
  } else if (style === 'bob') {
    const back = [
      hcx - ha * 1.15,
      hcy - hb * 0.2,
      hcx + ha * 1.15,
      hcy - hb * 0.2,
      hcx + ha * 1.1,
      hcy + hb * 0.75,
      hcx - ha * 1.1,
      hcy + hb * 0.75,
    ];
    canvas.fillPolygon(back, scale(hair, 0.85));
  }
  if (style === 'bun') {
    canvas.fillEllipse(top[0] + Math.sin(roll) * hb * 0.25, top[1] - hb * 0.18, ha * 0.42, hb * 0.24, roll, hair);
  }
  if (style !== 'buzz') canvas.fillEllipse(hcx, hcy - hb * 0.04, ha * 1.1, hb * 1.04, roll, hair);
  else canvas.fillEllipse(hcx, hcy - hb * 0.01, ha * 1.02, hb * 1.01, roll, mix(hair, subject.skin, 0.45));
}

function drawEars({ canvas, P, s }: Sketch, roll: number, skin: Rgb): void {
  for (const [i, side] of [
    [1, -1],
    [15, 1],
  ] as const) {
    const [x, y] = pt(P, i);
    canvas.fillEllipse(x + side * 0.025 * s, y - 0.02 * s, 0.055 * s, 0.1 * s, side * 0.2 + roll, scale(skin, 0.9));
  }
}

/**
 * The face (jaw plus forehead arc) in flat skin, lit at the end; keeps its coverage in `ctx.faceMask`
 * and returns its outline points and the rows it covers.
 */
function drawFaceSkin(ctx: RenderContext, P: Float64Array): { points: number[]; y0: number; y1: number } {
  const { canvas } = ctx;
  const W = canvas.width;
  const faceIdx = [...range(0, 16), ...range(FOREHEAD, FOREHEAD + FOREHEAD_POINTS - 1)];
  const [fy0, fy1] = canvas.polygonCoverage(points(P, faceIdx));
  canvas.blendMask(fy0, fy1, ctx.subject.skin, 1);
  ctx.faceMask.fill(0);
  ctx.faceMask.set(canvas.mask.subarray(fy0 * W, (fy1 + 1) * W), fy0 * W);
  return { points: faceIdx, y0: fy0, y1: fy1 };
}

/** Stubble over the lower face and blush on the cheeks. */
function drawSkinTone({ canvas, P, s }: Sketch, subject: Subject, look: Look): void {
  if (subject.stubble > 0) {
    const lower = points(P, [...range(3, 13), 35, 33, 31]);
    canvas.fillPolygon(lower, subject.hair, subject.stubble);
  }
  const cheekL = pt(P, CHEEK_L);
  const cheekR = pt(P, CHEEK_R);
  const blush = 0.06 + 0.22 * look.blush;
  canvas.blob(cheekL[0], cheekL[1], 0.07 * s, 0.05 * s, [205, 90, 90], blush);
  canvas.blob(cheekR[0], cheekR[1], 0.07 * s, 0.05 * s, [205, 90, 90], blush);
}

/** Smile folds, furrows between the brows when they come down, forehead lines when they go up. */
function drawCreases({ canvas, P, s }: Sketch, skin: Rgb, state: FrameState): void {
  const look = state.look;
  const dark = scale(skin, 0.62);
  // Smile folds: nose wing, outward, down past the mouth corner.
  const foldAlpha = 0.1 + 0.55 * look.folds;
  for (const [nw, mc, side] of [
    [31, 48, -1],
    [35, 54, 1],
  ] as const) {
    const [ax, ay] = pt(P, nw);
    const [bx, by] = pt(P, mc);
    const bulge = (0.03 + 0.02 * look.folds) * s * side;
    canvas.strokePolyline(
      [ax + side * 0.02 * s, ay - 0.01 * s, (ax + bx) / 2 + bulge, (ay + by) / 2, bx + side * 0.02 * s, by + 0.03 * s],
      0.018 * s,
      dark,
      foldAlpha,
    );
  }
  const [b21x, b21y] = pt(P, 21);
  const [b22x, b22y] = pt(P, 22);
  const n27y = pt(P, 27)[1];
  if (look.furrow > 0.01) {
    for (const k of [-1, 1]) {
      const x = (b21x + b22x) / 2 + k * 0.02 * s;
      const furrow = [x - k * 0.005 * s, (b21y + b22y) / 2 - 0.03 * s, x, n27y - 0.01 * s];
      canvas.strokePolyline(furrow, 0.014 * s, dark, 0.55 * look.furrow);
    }
  }
  const raise = state.expression.browRaise;
  if (raise > 0.05) {
    for (const k of [0.06, 0.1]) {
      const line = points(P, [18, 20, 23, 25]).map((v, i) => (i % 2 ? v - k * s : v));
      canvas.strokePolyline(line, 0.01 * s, dark, 0.3 * raise);
    }
  }
}

/** Eyes: sclera clipped to the lid polygon, iris and pupil inside it, lid lines. */
function drawEyes({ canvas, P, s }: Sketch, subject: Subject, state: FrameState): void {
  const white: Rgb = [232, 228, 222];
  const skin = subject.skin;
  for (const [first, iris] of [
    [36, IRIS_L],
    [42, IRIS_R],
  ] as const) {
    const eye = points(P, range(first, first + 5));
    const [ey0, ey1] = canvas.polygonCoverage(eye);
    canvas.blendMask(ey0, ey1, white, 1);
    const ew = Math.hypot(P[2 * (first + 3)] - P[2 * first], P[2 * (first + 3) + 1] - P[2 * first + 1]);
    const [ix, iy] = pt(P, iris);
    const cx = ix + state.gazeX * ew * 0.35;
    const cy = iy + state.gazeY * ew * 0.2;
    const r = ew * 0.24;
    canvas.fillEllipse(cx, cy, r, r, 0, subject.iris, 1, true);
    canvas.fillEllipse(cx, cy, r * 0.45, r * 0.45, 0, [15, 12, 12], 1, true);
    canvas.fillEllipse(cx - r * 0.3, cy - r * 0.35, r * 0.18, r * 0.18, 0, [255, 255, 255], 0.8, true);
    canvas.strokePolyline(points(P, [first, first + 1, first + 2, first + 3]), 0.016 * s, [35, 25, 25], 0.9);
    canvas.strokePolyline(points(P, [first + 3, first + 4, first + 5, first]), 0.007 * s, scale(skin, 0.6), 0.5);
    const crease = points(P, [first, first + 1, first + 2, first + 3]).map((v, i) => (i % 2 ? v - 0.03 * s : v));
    canvas.strokePolyline(crease, 0.01 * s, scale(skin, 0.72), 0.45);
  }
}

/** Brows: a band around the five brow points, thickest near the inner end. */
function drawBrows({ canvas, P, s }: Sketch, subject: Subject): void {
  const bt = subject.browThickness * s;
  for (const [a, dir] of [
    [17, 1],
    [22, -1],
  ] as const) {
    const upper: number[] = [];
    const lower: number[] = [];
    for (let k = 0; k < 5; k++) {
      const i = a + k;
      const inner = dir > 0 ? k / 4 : 1 - k / 4;
      const th = bt * (0.55 + 0.6 * inner);
      upper.push(P[2 * i], P[2 * i + 1] - th * 0.5);
      lower.push(P[2 * i], P[2 * i + 1] + th * 0.5);
    }
    const poly = [...upper];
    for (let k = 4; k >= 0; k--) poly.push(lower[2 * k], lower[2 * k + 1]);
    canvas.fillPolygon(poly, subject.brow, 0.92);
  }
}

/** Nose: shaded side of the bridge, wings, nostrils, highlight. */
function drawNose({ canvas, P, s }: Sketch, skin: Rgb, session: Session): void {
  const dark = scale(skin, 0.62);
  const lightSide = session.light[0] > 0 ? -1 : 1; // the side away from the light
  const bridge = points(P, [27, 28, 29, 30]).map((v, i) => (i % 2 ? v : v + lightSide * 0.03 * s));
  canvas.strokePolyline(bridge, 0.03 * s, dark, 0.22);
  canvas.strokePolyline(points(P, [31, 32, 33, 34, 35]), 0.012 * s, dark, 0.5);
  for (const [a, b] of [
    [31, 32],
    [34, 35],
  ] as const) {
    const x = (P[2 * a] + P[2 * b]) / 2;
    const y = (P[2 * a + 1] + P[2 * b + 1]) / 2 - 0.008 * s;
    canvas.fillEllipse(x, y, 0.018 * s, 0.01 * s, 0, scale(skin, 0.35), 0.8);
  }
  const [tx, ty] = pt(P, 30);
  canvas.blob(tx, ty, 0.03 * s, 0.03 * s, [255, 245, 235], 0.2);
}

/** Mouth: lips (paler when pressed), the opening, teeth, the lip line. */
function drawMouth({ canvas, P, s }: Sketch, subject: Subject, look: Look): void {
  const lipColour = mix(subject.lip, scale(subject.skin, 0.92), 0.7 * look.lipPale);
  const outer = points(P, range(48, 59));
  canvas.fillPolygon(outer, lipColour);
  canvas.fillPolygon(points(P, range(60, 67)), [70, 25, 30]);
  if (look.teeth > 0.02) {
    canvas.polygonCoverage(outer); // the lips' coverage, which clips the teeth below
    const [lx, lyL] = pt(P, 60);
    const [rx, ryR] = pt(P, 64);
    const mx = (P[2 * 62] + P[2 * 66]) / 2;
    const my = (P[2 * 62 + 1] + P[2 * 66 + 1]) / 2;
    const ang = Math.atan2(ryR - lyL, rx - lx);
    const rx2 = Math.hypot(rx - lx, ryR - lyL) * 0.4;
    const ry2 = (0.006 + 0.02 * look.teeth) * s;
    canvas.fillEllipse(mx, my, rx2, ry2, ang, [240, 236, 226], Math.min(1, 1.6 * look.teeth), true);
  }
  const lipLine = points(P, [60, 61, 62, 63, 64]);
  canvas.strokePolyline(lipLine, (0.011 + 0.01 * look.lipPale) * s, scale(subject.lip, 0.4), 0.75);
}

/** Hairline and fringe, in front of the forehead. */
function drawHairline({ canvas, P }: Sketch, subject: Subject): void {
  const arc: number[] = [];
  const line: number[] = [];
  const browY = (P[2 * 19 + 1] + P[2 * 24 + 1]) / 2;
  for (let k = 0; k < FOREHEAD_POINTS; k++) {
    const [x, y] = pt(P, FOREHEAD + k);
    arc.push(x, y);
    const centre = 1 - Math.abs(k / (FOREHEAD_POINTS - 1) - 0.5) * 2; // 0 at temples, 1 in the middle
    const depth = (0.12 + 0.55 * subject.fringe * (0.5 + 0.5 * Math.sin(k * 2.1))) * centre + 0.04;
    line.push(x, y + (browY - y) * depth);
  }
  const poly = [...arc];
  for (let k = FOREHEAD_POINTS - 1; k >= 0; k--) poly.push(line[2 * k], line[2 * k + 1]);
  canvas.fillPolygon(poly, subject.hair);
}

/** White balance, exposure flicker and sensor noise (shared luma plus a little chroma), quantised to bytes. */
function applyCamera(
  rgb: Float32Array,
  pixels: number,
  session: Session,
  frameGain: number,
  noise: Float32Array,
  noiseOffset: number,
  out: Uint8Array,
): void {
  const cast = session.cast;
  const sigma = session.noise;
  const nmask = noise.length - 1;
  const g0 = cast[0] * frameGain,
    g1 = cast[1] * frameGain,
    g2 = cast[2] * frameGain;
  let q = noiseOffset | 0;
  // A clamped view rounds and saturates on store, which is both the quantiser and faster than branches.
  const px = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  for (let i = 0, o = 0; i < pixels; i++, o += 3) {
    const luma = noise[q & nmask] * sigma;
    const chroma = noise[(q + 7919) & nmask] * sigma * 0.35;
    q++;
    px[o] = rgb[o] * g0 + luma + chroma;
    px[o + 1] = rgb[o + 1] * g1 + luma;
    px[o + 2] = rgb[o + 2] * g2 + luma - chroma;
  }
}

/** Lambert shading of the face region (weighted by its coverage) on the head ellipsoid. */
function applyLighting(
  rgb: Float32Array,
  mask: Float32Array,
  W: number,
  y0: number,
  y1: number,
  x0: number,
  x1: number,
  hcx: number,
  hcy: number,
  ha: number,
  hb: number,
  pose: Pose,
  session: Session,
): void {
  // Turn the light into the head's frame, so shading moves with yaw and pitch.
  let Lx = 0.6 * session.light[0];
  let Ly = 0.6 * session.light[1];
  let Lz = 0.8;
  const cy = Math.cos(-pose.yaw),
    sy = Math.sin(-pose.yaw);
  const x1r = cy * Lx + sy * Lz;
  const z1 = -sy * Lx + cy * Lz;
  const cp = Math.cos(-pose.pitch),
    sp = Math.sin(-pose.pitch);
  Ly = cp * Ly - sp * z1;
  Lz = sp * (0.6 * session.light[1]) + cp * z1;
  Lx = x1r;
  const cr = Math.cos(-pose.roll),
    sr = Math.sin(-pose.roll);
  const ia = 1 / HEAD.a,
    ib = 1 / HEAD.b,
    ic = 1 / HEAD.c;
  const ambient = session.ambient;
  const diffuse = session.diffuse;
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - hcy;
    for (let x = x0; x <= x1; x++) {
      const i = y * W + x;
      const m = mask[i];
      if (m <= 0) continue;
      const dx = x + 0.5 - hcx;
      const u = (cr * dx - sr * dy) / ha;
      const v = (sr * dx + cr * dy) / hb;
      let r2 = u * u + v * v;
      if (r2 > 1) r2 = 1;
      const nx = u * ia,
        ny = v * ib,
        nz = Math.sqrt(1 - r2) * ic;
      const dot = (nx * Lx + ny * Ly + nz * Lz) / Math.sqrt(nx * nx + ny * ny + nz * nz);
      const shade = ambient + diffuse * (dot > 0 ? dot : 0) - 0.12 * r2 * r2;
      const k = 1 + (shade - 1) * m;
      const o = i * 3;
      rgb[o] *= k;
      rgb[o + 1] *= k;
      rgb[o + 2] *= k;
    }
  }
}
