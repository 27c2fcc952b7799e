// Pictures of the descriptor for docs and debugging: a crop enlarged, its 36 regions tinted and
// outlined, dense flow arrows and one main-direction arrow per region. Rasterising is plain
// TypeScript and browser-safe; PNG encoding and the file helper are ./overlay-node.ts (Node only).
import { argumentError, checkGray } from './errors.js';
import { REGION_COUNT, regionLabelMap } from './regions.js';
import type { FlowField, GrayImage, Point2 } from './types.js';

/** What {@link drawDescriptorOverlay} (and `renderDescriptorOverlay` of `plm-ipe/node`) draws. */
export interface OverlayInput {
  /** The (aligned) grayscale image, 0–255, e.g. `details.prevCrop` of a {@link FrameDescriptor}. */
  readonly image: GrayImage;
  /** Region polygons in image coordinates (e.g. `details.polygons`). */
  readonly polygons?: ArrayLike<ArrayLike<Point2>>;
  /** Flow on the image grid: drawn as arrows on a regular grid inside the regions. */
  readonly flow?: FlowField;
  /** A 72-value descriptor (orientations, then magnitudes): one thick arrow per moving region. */
  readonly values?: ArrayLike<number>;
}

/** Options of {@link drawDescriptorOverlay} (and `renderDescriptorOverlay` of `plm-ipe/node`). */
export interface OverlayOptions {
  /** Enlargement factor. Default 4. */
  scale?: number;
  /** Spacing of flow arrows, in image pixels. Default 4. */
  step?: number;
  /** Arrow length per pixel of flow, in image pixels. Default 3. */
  gain?: number;
  /** Length of a region arrow with magnitude 1, in image pixels. Default 10. */
  regionArrow?: number;
}

/** An RGBA image. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

function hueColor(k: number): [number, number, number] {
  // Golden-angle hues so neighbouring regions differ.
  const h = ((k * 137.508) % 360) / 60;
  const x = 1 - Math.abs((h % 2) - 1);
  const [r, g, b] =
    h < 1 ? [1, x, 0] : h < 2 ? [x, 1, 0] : h < 3 ? [0, 1, x] : h < 4 ? [0, x, 1] : h < 5 ? [x, 0, 1] : [1, 0, x];
  return [r * 255, g * 255, b * 255];
}

class Canvas {
  constructor(
    readonly width: number,
    readonly height: number,
    readonly data: Uint8ClampedArray,
  ) {}

  blend(x: number, y: number, c: readonly number[], a: number): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = 4 * (y * this.width + x);
    for (let i = 0; i < 3; i++) this.data[o + i] = this.data[o + i] * (1 - a) + c[i] * a;
  }

  dot(x: number, y: number, r: number, c: readonly number[], a: number): void {
    const ri = Math.ceil(r);
    for (let dy = -ri; dy <= ri; dy++)
      for (let dx = -ri; dx <= ri; dx++) if (dx * dx + dy * dy <= r * r) this.blend(x + dx, y + dy, c, a);
  }

  line(x0: number, y0: number, x1: number, y1: number, width: number, c: readonly number[], a = 1): void {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let i = 0; i <= n; i++) {
      const t = i / n;
      if (width <= 1) this.blend(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, c, a);
      else this.dot(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, width / 2, c, a);
    }
  }

  arrow(x0: number, y0: number, x1: number, y1: number, width: number, c: readonly number[]): void {
    this.line(x0, y0, x1, y1, width, c);
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len < 1e-6) return;
    const head = Math.min(len * 0.4, 4 + 2 * width);
    const ux = (x1 - x0) / len;
    const uy = (y1 - y0) / len;
    for (const s of [1, -1]) {
      const hx = x1 - head * (ux * Math.cos(0.45) - s * uy * Math.sin(0.45));
      const hy = y1 - head * (uy * Math.cos(0.45) + s * ux * Math.sin(0.45));
      this.line(x1, y1, hx, hy, width, c);
    }
  }
}

/**
 * Draws the overlay into an RGBA image: the image enlarged `scale` times, regions tinted and outlined,
 * flow arrows (yellow) and per-region main-direction arrows (red, length ∝ magnitude).
 */
export function drawDescriptorOverlay(input: OverlayInput, options: OverlayOptions = {}): RgbaImage {
  const fn = 'drawDescriptorOverlay';
  checkGray(fn, 'input.image', input?.image);
  const { image, polygons, flow, values } = input;
  const scale = options.scale ?? 4;
  if (!Number.isInteger(scale) || scale < 1 || scale > 16)
    throw argumentError(fn, 'options.scale', 'an integer in [1, 16]', String(scale));
  const W = image.width * scale;
  const H = image.height * scale;
  const data = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const g = image.data[Math.floor(y / scale) * image.width + Math.floor(x / scale)];
      const o = 4 * (y * W + x);
      data[o] = data[o + 1] = data[o + 2] = g;
      data[o + 3] = 255;
    }
  }
  const cv = new Canvas(W, H, data);
  const toCanvas = (p: Point2): Point2 => ({ x: (p.x + 0.5) * scale - 0.5, y: (p.y + 0.5) * scale - 0.5 });
  const centroids: (Point2 | null)[] = [];
  if (polygons) {
    const scaled = Array.from({ length: polygons.length }, (_, k) => Array.from(polygons[k], toCanvas));
    const labels = regionLabelMap(scaled, { width: W, height: H });
    const sums = new Float64Array(polygons.length * 3);
    for (let p = 0; p < W * H; p++) {
      const k = labels.data[p];
      if (!k) continue;
      cv.blend(p % W, Math.floor(p / W), hueColor(k), 0.28);
      sums[3 * (k - 1)] += p % W;
      sums[3 * (k - 1) + 1] += Math.floor(p / W);
      sums[3 * (k - 1) + 2]++;
    }
    scaled.forEach((poly, k) => {
      for (let i = 0; i < poly.length; i++) {
        const a = poly[i];
        const b = poly[(i + 1) % poly.length];
        cv.line(a.x, a.y, b.x, b.y, 1, hueColor(k + 1), 0.9);
      }
      const n = sums[3 * k + 2];
      centroids.push(n > 0 ? { x: sums[3 * k] / n, y: sums[3 * k + 1] / n } : null);
    });
  }
  if (flow) {
    if (flow.width !== image.width || flow.height !== image.height) {
      throw argumentError(fn, 'input.flow', `a ${image.width}x${image.height} field`, `${flow.width}x${flow.height}`);
    }
    const step = options.step ?? 4;
    const gain = options.gain ?? 3;
    const inside = polygons ? regionLabelMap(polygons, { width: image.width, height: image.height }).data : null;
    for (let y = Math.floor(step / 2); y < image.height; y += step) {
      for (let x = Math.floor(step / 2); x < image.width; x += step) {
        if (inside && !inside[y * image.width + x]) continue;
        const i = 2 * (y * image.width + x);
        const c = toCanvas({ x, y });
        cv.dot(c.x, c.y, 1, [255, 230, 0], 1);
        cv.arrow(c.x, c.y, c.x + flow.data[i] * gain * scale, c.y + flow.data[i + 1] * gain * scale, 1, [255, 230, 0]);
      }
    }
  }
  if (values && centroids.length) {
    const len = (options.regionArrow ?? 10) * scale;
    for (let k = 0; k < Math.min(REGION_COUNT, centroids.length); k++) {
      const c = centroids[k];
      const m = values[REGION_COUNT + k];
      if (!c || !(m > 0)) continue;
      const th = values[k] * 2 * Math.PI;
      cv.arrow(c.x, c.y, c.x + Math.cos(th) * m * len, c.y + Math.sin(th) * m * len, 3, [230, 20, 20]);
    }
  }
  return { width: W, height: H, data };
}
