// Draws the descriptor over the video: the 68 landmarks, the 36 regions (tinted polygons), dense
// flow arrows sampled on the aligned crop, and one thick main-direction arrow per moving region.
// Everything the descriptor computed lives in crop coordinates; the inverse of the alignment
// similarity maps it back onto the frame.
import {
  REGION_COUNT,
  applyTransform,
  invertTransform,
  type FrameDescriptor,
  type Point2,
  type SimilarityTransform,
} from 'plm-ipe';

/** Golden-angle hue of region k, so neighbours differ. */
function regionColor(k: number, alpha: number): string {
  return `hsla(${(k * 137.508) % 360}, 90%, 55%, ${alpha})`;
}

function arrow(ctx: CanvasRenderingContext2D, a: Point2, b: Point2, head: number): void {
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  ctx.beginPath();
  ctx.moveTo(a.x, a.y);
  ctx.lineTo(b.x, b.y);
  if (len > 1e-3) {
    const ang = Math.atan2(b.y - a.y, b.x - a.x);
    const h = Math.min(head, len * 0.5);
    ctx.moveTo(b.x, b.y);
    ctx.lineTo(b.x - h * Math.cos(ang - 0.5), b.y - h * Math.sin(ang - 0.5));
    ctx.moveTo(b.x, b.y);
    ctx.lineTo(b.x - h * Math.cos(ang + 0.5), b.y - h * Math.sin(ang + 0.5));
  }
  ctx.stroke();
}

/** Options of {@link drawOverlay}. */
export interface OverlayDrawOptions {
  /** Processing-frame pixels to overlay-canvas pixels. */
  scale: number;
  /** Spacing of the dense flow arrows on the crop, in crop pixels. Default 6. */
  step?: number;
  /** Dense arrow length per crop pixel of flow. Default 3. */
  gain?: number;
  /**
   * Frame-to-crop alignment to draw the crop through. Default: the descriptor's own (its reference
   * frame's). With flow measured from a trial's first frame and per-frame alignment, pass the
   * current frame's, so the regions follow the face as it is now.
   */
  transform?: SimilarityTransform;
}

/** Clears `ctx` and draws the landmarks and, when the descriptor is valid, its regions and flow. */
export function drawOverlay(
  ctx: CanvasRenderingContext2D,
  d: FrameDescriptor | null,
  landmarks: ArrayLike<Point2> | null,
  o: OverlayDrawOptions,
): void {
  const { scale } = o;
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  const toCanvas = (inv: SimilarityTransform, pts: ArrayLike<Point2>): Point2[] =>
    applyTransform(inv, pts).map((p) => ({ x: p.x * scale, y: p.y * scale }));
  const details = d?.valid ? d.details : undefined;
  const transform = o.transform ?? d?.transform;
  if (d && details && transform) {
    const inv = invertTransform(transform);
    details.polygons.forEach((poly, k) => {
      const pts = toCanvas(inv, poly);
      if (pts.length < 3) return;
      ctx.beginPath();
      pts.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
      ctx.closePath();
      ctx.fillStyle = regionColor(k, 0.16);
      ctx.fill();
      ctx.strokeStyle = regionColor(k, 0.85);
      ctx.lineWidth = 1;
      ctx.stroke();
    });
    // Dense flow on a grid inside the regions.
    const { flow, labels } = details;
    const step = o.step ?? 6;
    const gain = o.gain ?? 3;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.8)';
    ctx.lineWidth = 1;
    for (let y = step / 2; y < flow.height; y += step) {
      for (let x = step / 2; x < flow.width; x += step) {
        const i = Math.floor(y) * flow.width + Math.floor(x);
        if (labels.data[i] === 0) continue;
        const u = flow.data[2 * i];
        const v = flow.data[2 * i + 1];
        if (Math.hypot(u, v) < 0.05) continue;
        const [a, b] = toCanvas(inv, [
          { x, y },
          { x: x + gain * u, y: y + gain * v },
        ]);
        arrow(ctx, a, b, 3);
      }
    }
    // One main-direction arrow per moving region: orientation o_k = θ/2π, magnitude m_k in [0, 1].
    ctx.lineWidth = 2.5;
    for (let k = 0; k < REGION_COUNT; k++) {
      const m = d.values[REGION_COUNT + k];
      if (!(m > 0.05)) continue;
      const poly = details.polygons[k];
      let cx = 0;
      let cy = 0;
      for (const p of poly) {
        cx += p.x / poly.length;
        cy += p.y / poly.length;
      }
      const th = 2 * Math.PI * d.values[k];
      const len = 12 * m;
      const [a, b] = toCanvas(inv, [
        { x: cx, y: cy },
        { x: cx + len * Math.cos(th), y: cy + len * Math.sin(th) },
      ]);
      ctx.strokeStyle = regionColor(k, 1);
      arrow(ctx, a, b, 6);
    }
  }
  if (landmarks) {
    ctx.fillStyle = 'rgba(0, 255, 200, 0.9)';
    for (let i = 0; i < landmarks.length; i++) {
      ctx.beginPath();
      ctx.arc(landmarks[i].x * scale, landmarks[i].y * scale, 1.6, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}
