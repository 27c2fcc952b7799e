// Anti-aliased 2D rasterisation into a float RGB canvas: polygons (4 sub-scanlines with exact
// horizontal span coverage), ellipses, soft Gaussian blobs and thick polylines. Anti-aliasing matters
// here: sub-pixel landmark motion must change pixels, or the pixel branch could not see subtle
// expressions. Pure typed-array code; no imports.

/** An RGB colour, 0-255 per channel. */
export type Rgb = readonly [number, number, number];

/** A float RGB image (values 0-255, may overshoot until quantised) plus a scratch coverage mask. */
export class Canvas {
  readonly width: number;
  readonly height: number;
  /** Interleaved RGB, `width * height * 3`. */
  readonly rgb: Float32Array;
  /** Coverage scratch, `width * height`; polygons write here before blending. */
  readonly mask: Float32Array;
  private readonly xs: Float64Array;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.rgb = new Float32Array(width * height * 3);
    this.mask = new Float32Array(width * height);
    this.xs = new Float64Array(256);
  }

  /**
   * Writes the coverage (0..1) of polygon `pts` (`[x0, y0, x1, y1, …]`, pixel units, pixel centres at
   * +0.5) into `mask` over the returned row range, clearing those rows first. Even-odd rule.
   */
  polygonCoverage(pts: ArrayLike<number>): [number, number] {
    const n = pts.length >> 1;
    const W = this.width;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const y = pts[2 * i + 1];
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    const y0 = Math.max(0, Math.floor(minY));
    const y1 = Math.min(this.height - 1, Math.ceil(maxY));
    if (y1 < y0) return [0, -1];
    this.mask.fill(0, y0 * W, (y1 + 1) * W);
    const SUB = 4;
    const xs = this.xs;
    for (let row = y0; row <= y1; row++) {
      const base = row * W;
      for (let s = 0; s < SUB; s++) {
        const sy = row + (s + 0.5) / SUB;
        let k = 0;
        for (let i = 0, j = n - 1; i < n; j = i++) {
          const ay = pts[2 * j + 1];
          const by = pts[2 * i + 1];
          if ((ay <= sy && by > sy) || (by <= sy && ay > sy)) {
            const ax = pts[2 * j];
            const bx = pts[2 * i];
            if (k < xs.length) xs[k++] = ax + ((sy - ay) / (by - ay)) * (bx - ax);
          }
        }
        // Insertion sort: a handful of crossings per sub-scanline.
        for (let i = 1; i < k; i++) {
          const v = xs[i];
          let j = i - 1;
          while (j >= 0 && xs[j] > v) {
            xs[j + 1] = xs[j];
            j--;
          }
          xs[j + 1] = v;
        }
        for (let i = 0; i + 1 < k; i += 2) {
          let a = xs[i];
          let b = xs[i + 1];
          if (a < 0) a = 0;
          if (b > W) b = W;
          if (b <= a) continue;
          const ia = Math.floor(a);
          const ib = Math.floor(b);
          const w = 1 / SUB;
          if (ia === ib) {
            this.mask[base + ia] += (b - a) * w;
          } else {
            this.mask[base + ia] += (ia + 1 - a) * w;
            for (let x = ia + 1; x < ib; x++) this.mask[base + x] += w;
            if (ib < W) this.mask[base + ib] += (b - ib) * w;
          }
        }
      }
    }
    return [y0, y1];
  }

  /** Fills a polygon with a flat colour at opacity `alpha`. */
  fillPolygon(pts: ArrayLike<number>, color: Rgb, alpha = 1): void {
    if (alpha <= 0) return;
    const [y0, y1] = this.polygonCoverage(pts);
    this.blendMask(y0, y1, color, alpha);
  }

  /** Blends `color` through the mask rows `y0..y1` at opacity `alpha`. */
  blendMask(y0: number, y1: number, color: Rgb, alpha: number): void {
    const m = this.mask;
    const p = this.rgb;
    for (let i = y0 * this.width, end = (y1 + 1) * this.width; i < end; i++) {
      const a = m[i] * alpha;
      if (a <= 0) continue;
      const o = i * 3;
      p[o] += (color[0] - p[o]) * a;
      p[o + 1] += (color[1] - p[o + 1]) * a;
      p[o + 2] += (color[2] - p[o + 2]) * a;
    }
  }

  /**
   * Fills a rotated ellipse (`angle` in radians) with anti-aliased edges; with `clipToMask` the
   * coverage is multiplied by the mask (used to keep the iris inside the eye opening).
   */
  fillEllipse(
    cx: number,
    cy: number,
    rx: number,
    ry: number,
    angle: number,
    color: Rgb,
    alpha = 1,
    clipToMask = false,
  ): void {
    if (alpha <= 0 || rx <= 0 || ry <= 0) return;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    // Axis-aligned half extents of the rotated ellipse, plus a pixel for the soft edge.
    const ex = Math.sqrt(rx * rx * c * c + ry * ry * s * s) + 1;
    const ey = Math.sqrt(rx * rx * s * s + ry * ry * c * c) + 1;
    const xa = Math.max(0, Math.floor(cx - ex));
    const xb = Math.min(this.width - 1, Math.ceil(cx + ex));
    const ya = Math.max(0, Math.floor(cy - ey));
    const yb = Math.min(this.height - 1, Math.ceil(cy + ey));
    const rmin = Math.min(rx, ry);
    // Coverage is 0.5 + (1 - d)·rmin: fully inside below `inner`, empty beyond `outer` (no sqrt there).
    const inner = Math.max(0, 1 - 0.5 / rmin);
    const inner2 = inner * inner;
    const outer = 1 + 0.5 / rmin;
    const outer2 = outer * outer;
    const irx = 1 / rx;
    const iry = 1 / ry;
    const p = this.rgb;
    const W = this.width;
    for (let y = ya; y <= yb; y++) {
      const dy = y + 0.5 - cy;
      for (let x = xa; x <= xb; x++) {
        const dx = x + 0.5 - cx;
        const u = (dx * c + dy * s) * irx;
        const v = (-dx * s + dy * c) * iry;
        const d2 = u * u + v * v;
        if (d2 >= outer2) continue;
        const cov = d2 <= inner2 ? 1 : 0.5 + (1 - Math.sqrt(d2)) * rmin;
        const i = y * W + x;
        let a = (cov > 1 ? 1 : cov) * alpha;
        if (clipToMask) a *= this.mask[i];
        if (a <= 0) continue;
        const o = i * 3;
        p[o] += (color[0] - p[o]) * a;
        p[o + 1] += (color[1] - p[o + 1]) * a;
        p[o + 2] += (color[2] - p[o + 2]) * a;
      }
    }
  }

  /** Adds a soft Gaussian tint (`strength` is the peak opacity) centred at (cx, cy). */
  blob(cx: number, cy: number, sx: number, sy: number, color: Rgb, strength: number): void {
    if (strength <= 0) return;
    const xa = Math.max(0, Math.floor(cx - 3 * sx));
    const xb = Math.min(this.width - 1, Math.ceil(cx + 3 * sx));
    const ya = Math.max(0, Math.floor(cy - 3 * sy));
    const yb = Math.min(this.height - 1, Math.ceil(cy + 3 * sy));
    const p = this.rgb;
    const ix = 1 / (2 * sx * sx);
    const iy = 1 / (2 * sy * sy);
    for (let y = ya; y <= yb; y++) {
      const dy = y + 0.5 - cy;
      const ey = Math.exp(-dy * dy * iy);
      for (let x = xa; x <= xb; x++) {
        const dx = x + 0.5 - cx;
        const a = strength * ey * Math.exp(-dx * dx * ix);
        if (a < 1e-3) continue;
        const o = (y * this.width + x) * 3;
        p[o] += (color[0] - p[o]) * a;
        p[o + 1] += (color[1] - p[o + 1]) * a;
        p[o + 2] += (color[2] - p[o + 2]) * a;
      }
    }
  }

  /** Draws a polyline of `width` pixels (round joins) at opacity `alpha`. */
  strokePolyline(pts: ArrayLike<number>, width: number, color: Rgb, alpha = 1): void {
    const n = pts.length >> 1;
    if (n < 2 || alpha <= 0) return;
    const half = width / 2;
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, pts[2 * i]);
      maxX = Math.max(maxX, pts[2 * i]);
      minY = Math.min(minY, pts[2 * i + 1]);
      maxY = Math.max(maxY, pts[2 * i + 1]);
    }
    const xa = Math.max(0, Math.floor(minX - half - 1));
    const xb = Math.min(this.width - 1, Math.ceil(maxX + half + 1));
    const ya = Math.max(0, Math.floor(minY - half - 1));
    const yb = Math.min(this.height - 1, Math.ceil(maxY + half + 1));
    const p = this.rgb;
    for (let y = ya; y <= yb; y++) {
      for (let x = xa; x <= xb; x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        let best = Infinity;
        for (let i = 0; i + 1 < n; i++) {
          const ax = pts[2 * i],
            ay = pts[2 * i + 1];
          const bx = pts[2 * i + 2],
            by = pts[2 * i + 3];
          const vx = bx - ax,
            vy = by - ay;
          const len2 = vx * vx + vy * vy;
          let t = len2 > 0 ? ((px - ax) * vx + (py - ay) * vy) / len2 : 0;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const dx = px - (ax + t * vx),
            dy = py - (ay + t * vy);
          const d2 = dx * dx + dy * dy;
          if (d2 < best) best = d2;
        }
        let cov = half + 0.5 - Math.sqrt(best);
        if (cov <= 0) continue;
        if (cov > 1) cov = 1;
        const a = cov * alpha;
        const o = (y * this.width + x) * 3;
        p[o] += (color[0] - p[o]) * a;
        p[o + 1] += (color[1] - p[o + 1]) * a;
        p[o + 2] += (color[2] - p[o + 2]) * a;
      }
    }
  }
}
