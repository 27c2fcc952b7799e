// The prediction display: a live bar chart of the three class probabilities (DOM bars) and a
// scrolling timeline of them (a canvas, one polyline per class over the last predictions).
import { LABELS } from '../../../src/index.js';

/** One colour per class, in LABELS order (negative, neutral, positive). */
export const CLASS_COLORS: readonly string[] = ['#e4572e', '#9aa0a6', '#3bb273'];

/** Three horizontal bars with the class name and the probability in per cent. */
export class ProbabilityBars {
  private readonly fills: HTMLElement[] = [];
  private readonly values: HTMLElement[] = [];

  constructor(container: HTMLElement) {
    container.replaceChildren();
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

  update(p: ArrayLike<number>): void {
    for (let k = 0; k < this.fills.length; k++) {
      this.fills[k].style.width = `${(100 * p[k]).toFixed(1)}%`;
      this.values[k].textContent = `${(100 * p[k]).toFixed(1)}%`;
    }
  }
}

/** The last `capacity` predictions as three lines on a canvas, newest at the right. */
export class Timeline {
  private readonly history: number[][] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly capacity = 150,
  ) {}

  push(p: ArrayLike<number>): void {
    this.history.push(Array.from(p));
    if (this.history.length > this.capacity) this.history.shift();
    this.draw();
  }

  clear(): void {
    this.history.length = 0;
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
