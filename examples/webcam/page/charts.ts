// The prediction display: live bar charts of the three class probabilities (DOM bars; a large set
// for the fused prediction, small ones per branch) and a scrolling timeline of the fused
// probabilities (a canvas, one polyline per class, a vertical line where a trial started).
import { LABELS } from 'plm-ipe';

/** One colour per class, in LABELS order (negative, neutral, positive). */
export const CLASS_COLORS: readonly string[] = ['#e4572e', '#9aa0a6', '#3bb273'];

/** Three horizontal bars with the class name and the probability in per cent. */
export class ProbabilityBars {
  private readonly fills: HTMLElement[] = [];
  private readonly values: HTMLElement[] = [];

  constructor(container: HTMLElement) {
    container.replaceChildren();
    container.classList.add('bars');
    LABELS.forEach((name, k) => {
      const row = document.createElement('div');
      row.className = 'bar-row';
      const label = document.createElement('span');
      label.className = 'bar-label';
      label.textContent = name;
      const track = document.createElement('div');
      track.className = 'bar-track';
      const fill = document.createElement('div');
      fill.className = 'bar-fill';
      fill.style.background = CLASS_COLORS[k];
      fill.style.width = '0%';
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'bar-value';
      value.textContent = '–';
      row.append(label, track, value);
      container.append(row);
      this.fills.push(fill);
      this.values.push(value);
    });
  }

  /** Shows `p`, or empty bars with a dash when null (a branch that did not run). */
  update(p: ArrayLike<number> | null): void {
    for (let k = 0; k < this.fills.length; k++) {
      this.fills[k].style.width = p ? `${(100 * p[k]).toFixed(1)}%` : '0%';
      this.values[k].textContent = p ? `${(100 * p[k]).toFixed(1)}%` : '–';
    }
  }
}

/** The last `capacity` predictions as three lines on a canvas, newest at the right. */
export class Timeline {
  private readonly history: number[][] = [];
  /** Index into `history` of each trial's first prediction. */
  private readonly trialStarts: number[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly capacity = 150,
  ) {}

  /** Adds a prediction; `trialStart` marks it as its trial's first. */
  push(p: ArrayLike<number>, trialStart = false): void {
    if (trialStart) this.trialStarts.push(this.history.length);
    this.history.push(Array.from(p));
    if (this.history.length > this.capacity) {
      this.history.shift();
      for (let i = 0; i < this.trialStarts.length; i++) this.trialStarts[i]--;
      while (this.trialStarts.length && this.trialStarts[0] < 0) this.trialStarts.shift();
    }
    this.draw();
  }

  clear(): void {
    this.history.length = 0;
    this.trialStarts.length = 0;
    this.draw();
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const { width: w, height: h } = this.canvas;
    ctx.clearRect(0, 0, w, h);
    ctx.strokeStyle = 'rgba(255,255,255,0.15)';
    ctx.lineWidth = 1;
    for (const f of [0.25, 0.5, 0.75]) {
      ctx.beginPath();
      ctx.moveTo(0, h * f);
      ctx.lineTo(w, h * f);
      ctx.stroke();
    }
    // Fills from the left until `capacity` points, then scrolls.
    const dx = w / Math.max(1, Math.min(this.capacity, Math.max(30, this.history.length)) - 1);
    ctx.strokeStyle = 'rgba(255,255,255,0.45)';
    ctx.setLineDash([3, 3]);
    for (const i of this.trialStarts) {
      ctx.beginPath();
      ctx.moveTo(i * dx, 0);
      ctx.lineTo(i * dx, h);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.lineWidth = 2;
    CLASS_COLORS.forEach((color, k) => {
      ctx.strokeStyle = color;
      ctx.beginPath();
      this.history.forEach((p, i) => {
        const x = i * dx;
        const y = h - 2 - p[k] * (h - 4);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
    });
  }
}
