// gpu.js kernel bodies of 3D max and average pooling (NCDHW) and their gather-form
// gradients. The max-pool argmax is backend-private: the tap index (a*kH + b)*kW + c inside
// the window, a small integer that float32 holds exactly at any tensor size.
import type { Flat, KernelThis } from './kernel-this.js';

/** Max over the window; constants.wantIndex 1 returns the window tap of the first maximum instead. */
export function maxPoolWindow(this: KernelThis, x: Flat): number {
  let rest = this.thread.x;
  let q = Math.floor((rest + 0.5) / this.constants.outW);
  const ow = rest - q * this.constants.outW;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.outH);
  const oh = rest - q * this.constants.outH;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.outD);
  const od = rest - q * this.constants.outD;
  const plane = q * this.constants.inD;
  const d0 = od * this.constants.strideD - this.constants.padD;
  const h0 = oh * this.constants.strideH - this.constants.padH;
  const w0 = ow * this.constants.strideW - this.constants.padW;
  let best = 0;
  let at = -1;
  for (let a = 0; a < this.constants.kD; a++) {
    const id = d0 + a;
    if (id >= 0 && id < this.constants.inD) {
      for (let b = 0; b < this.constants.kH; b++) {
        const ih = h0 + b;
        if (ih >= 0 && ih < this.constants.inH) {
          const row = ((plane + id) * this.constants.inH + ih) * this.constants.inW;
          for (let c = 0; c < this.constants.kW; c++) {
            const iw = w0 + c;
            if (iw >= 0 && iw < this.constants.inW) {
              const v = x[row + iw];
              if (at < 0 || v > best) {
                best = v;
                at = (a * this.constants.kH + b) * this.constants.kW + c;
              }
            }
          }
        }
      }
    }
  }
  if (this.constants.wantIndex === 1) return at;
  return best;
}

/** dx: each input cell sums dy over the windows whose recorded maximum is this cell. */
export function maxPoolGrad(this: KernelThis, dy: Flat, argmax: Flat): number {
  let rest = this.thread.x;
  let q = Math.floor((rest + 0.5) / this.constants.inW);
  const iw = rest - q * this.constants.inW;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.inH);
  const ih = rest - q * this.constants.inH;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.inD);
  const id = rest - q * this.constants.inD;
  const plane = q * this.constants.outD;
  let s = 0;
  for (let a = 0; a < this.constants.kD; a++) {
    const td = id + this.constants.padD - a;
    const od = Math.floor((td + 0.5) / this.constants.strideD);
    if (td >= 0 && od * this.constants.strideD === td && od < this.constants.outD) {
      for (let b = 0; b < this.constants.kH; b++) {
        const th = ih + this.constants.padH - b;
        const oh = Math.floor((th + 0.5) / this.constants.strideH);
        if (th >= 0 && oh * this.constants.strideH === th && oh < this.constants.outH) {
          const row = ((plane + od) * this.constants.outH + oh) * this.constants.outW;
          for (let c = 0; c < this.constants.kW; c++) {
            const tw = iw + this.constants.padW - c;
            const ow = Math.floor((tw + 0.5) / this.constants.strideW);
            if (tw >= 0 && ow * this.constants.strideW === tw && ow < this.constants.outW) {
              if (argmax[row + ow] === (a * this.constants.kH + b) * this.constants.kW + c) s += dy[row + ow];
            }
          }
        }
      }
    }
  }
  return s;
}

/** Average over the window; the divisor follows PyTorch (constants.includePad: count_include_pad). */
export function avgPoolWindow(this: KernelThis, x: Flat): number {
  let rest = this.thread.x;
  let q = Math.floor((rest + 0.5) / this.constants.outW);
  const ow = rest - q * this.constants.outW;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.outH);
  const oh = rest - q * this.constants.outH;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.outD);
  const od = rest - q * this.constants.outD;
  const plane = q * this.constants.inD;
  const d0 = od * this.constants.strideD - this.constants.padD;
  const h0 = oh * this.constants.strideH - this.constants.padH;
  const w0 = ow * this.constants.strideW - this.constants.padW;
  let s = 0;
  for (let a = 0; a < this.constants.kD; a++) {
    const id = d0 + a;
    if (id >= 0 && id < this.constants.inD) {
      for (let b = 0; b < this.constants.kH; b++) {
        const ih = h0 + b;
        if (ih >= 0 && ih < this.constants.inH) {
          const row = ((plane + id) * this.constants.inH + ih) * this.constants.inW;
          for (let c = 0; c < this.constants.kW; c++) {
            const iw = w0 + c;
            if (iw >= 0 && iw < this.constants.inW) s += x[row + iw];
          }
        }
      }
    }
  }
  let dd = Math.min(d0 + this.constants.kD, this.constants.inD) - Math.max(d0, 0);
  let dh = Math.min(h0 + this.constants.kH, this.constants.inH) - Math.max(h0, 0);
  let dw = Math.min(w0 + this.constants.kW, this.constants.inW) - Math.max(w0, 0);
  if (this.constants.includePad === 1) {
    dd = Math.min(d0 + this.constants.kD, this.constants.inD + this.constants.padD) - d0;
    dh = Math.min(h0 + this.constants.kH, this.constants.inH + this.constants.padH) - h0;
    dw = Math.min(w0 + this.constants.kW, this.constants.inW + this.constants.padW) - w0;
  }
  return s / (dd * dh * dw);
}

/** dx: each input cell sums dy / divisor over the windows that cover it. */
export function avgPoolGrad(this: KernelThis, dy: Flat): number {
  let rest = this.thread.x;
  let q = Math.floor((rest + 0.5) / this.constants.inW);
  const iw = rest - q * this.constants.inW;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.inH);
  const ih = rest - q * this.constants.inH;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.inD);
  const id = rest - q * this.constants.inD;
  const plane = q * this.constants.outD;
  let s = 0;
  for (let a = 0; a < this.constants.kD; a++) {
    const td = id + this.constants.padD - a;
    const od = Math.floor((td + 0.5) / this.constants.strideD);
    if (td >= 0 && od * this.constants.strideD === td && od < this.constants.outD) {
      const d0 = od * this.constants.strideD - this.constants.padD;
      let dd = Math.min(d0 + this.constants.kD, this.constants.inD) - Math.max(d0, 0);
      if (this.constants.includePad === 1) dd = Math.min(d0 + this.constants.kD, this.constants.inD + this.constants.padD) - d0;
      for (let b = 0; b < this.constants.kH; b++) {
        const th = ih + this.constants.padH - b;
        const oh = Math.floor((th + 0.5) / this.constants.strideH);
        if (th >= 0 && oh * this.constants.strideH === th && oh < this.constants.outH) {
          const h0 = oh * this.constants.strideH - this.constants.padH;
          let dh = Math.min(h0 + this.constants.kH, this.constants.inH) - Math.max(h0, 0);
          if (this.constants.includePad === 1) dh = Math.min(h0 + this.constants.kH, this.constants.inH + this.constants.padH) - h0;
          const row = ((plane + od) * this.constants.outH + oh) * this.constants.outW;
          for (let c = 0; c < this.constants.kW; c++) {
            const tw = iw + this.constants.padW - c;
            const ow = Math.floor((tw + 0.5) / this.constants.strideW);
            if (tw >= 0 && ow * this.constants.strideW === tw && ow < this.constants.outW) {
              const w0 = ow * this.constants.strideW - this.constants.padW;
              let dw = Math.min(w0 + this.constants.kW, this.constants.inW) - Math.max(w0, 0);
              if (this.constants.includePad === 1) dw = Math.min(w0 + this.constants.kW, this.constants.inW + this.constants.padW) - w0;
              s += dy[row + ow] / (dd * dh * dw);
            }
          }
        }
      }
    }
  }
  return s;
}
