// gpu.js kernel bodies of 3D convolution (NCDHW, weight [Co, Ci, kD, kH, kW]): the forward,
// and both gradients in gather form (every output cell reads what it needs: no scatter, no
// atomics). All geometry is baked into constants from the frozen Conv3dGeometry, so every
// loop has a compile-time bound.
import type { Flat, KernelThis } from './kernel-this.js';

/** y[n, co, od, oh, ow]; `bias` is read only when constants.hasBias is 1. */
export function conv3dForward(this: KernelThis, x: Flat, w: Flat, bias: Flat): number {
  let rest = this.thread.x;
  let q = Math.floor((rest + 0.5) / this.constants.outW);
  const ow = rest - q * this.constants.outW;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.outH);
  const oh = rest - q * this.constants.outH;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.outD);
  const od = rest - q * this.constants.outD;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.Co);
  const co = rest - q * this.constants.Co;
  const n = q;
  let s = 0;
  if (this.constants.hasBias === 1) s = bias[co];
  const d0 = od * this.constants.strideD - this.constants.padD;
  const h0 = oh * this.constants.strideH - this.constants.padH;
  const w0 = ow * this.constants.strideW - this.constants.padW;
  for (let ci = 0; ci < this.constants.Ci; ci++) {
    const xPlane = (n * this.constants.Ci + ci) * this.constants.inD;
    const wPlane = (co * this.constants.Ci + ci) * this.constants.kD;
    for (let a = 0; a < this.constants.kD; a++) {
      const id = d0 + a * this.constants.dilD;
      if (id >= 0 && id < this.constants.inD) {
        for (let b = 0; b < this.constants.kH; b++) {
          const ih = h0 + b * this.constants.dilH;
          if (ih >= 0 && ih < this.constants.inH) {
            const xRow = ((xPlane + id) * this.constants.inH + ih) * this.constants.inW;
            const wRow = ((wPlane + a) * this.constants.kH + b) * this.constants.kW;
            for (let c = 0; c < this.constants.kW; c++) {
              const iw = w0 + c * this.constants.dilW;
              if (iw >= 0 && iw < this.constants.inW) s += x[xRow + iw] * w[wRow + c];
            }
          }
        }
      }
    }
  }
  return s;
}

/** dx[n, ci, id, ih, iw] = sum over the (co, tap) pairs whose output window covers the input cell. */
export function conv3dGradInput(this: KernelThis, dy: Flat, w: Flat): number {
  let rest = this.thread.x;
  let q = Math.floor((rest + 0.5) / this.constants.inW);
  const iw = rest - q * this.constants.inW;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.inH);
  const ih = rest - q * this.constants.inH;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.inD);
  const id = rest - q * this.constants.inD;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.Ci);
  const ci = rest - q * this.constants.Ci;
  const n = q;
  let s = 0;
  for (let co = 0; co < this.constants.Co; co++) {
    const yPlane = (n * this.constants.Co + co) * this.constants.outD;
    const wPlane = (co * this.constants.Ci + ci) * this.constants.kD;
    for (let a = 0; a < this.constants.kD; a++) {
      const td = id + this.constants.padD - a * this.constants.dilD;
      const od = Math.floor((td + 0.5) / this.constants.strideD);
      if (td >= 0 && od * this.constants.strideD === td && od < this.constants.outD) {
        for (let b = 0; b < this.constants.kH; b++) {
          const th = ih + this.constants.padH - b * this.constants.dilH;
          const oh = Math.floor((th + 0.5) / this.constants.strideH);
          if (th >= 0 && oh * this.constants.strideH === th && oh < this.constants.outH) {
            const yRow = ((yPlane + od) * this.constants.outH + oh) * this.constants.outW;
            const wRow = ((wPlane + a) * this.constants.kH + b) * this.constants.kW;
            for (let c = 0; c < this.constants.kW; c++) {
              const tw = iw + this.constants.padW - c * this.constants.dilW;
              const ow = Math.floor((tw + 0.5) / this.constants.strideW);
              if (tw >= 0 && ow * this.constants.strideW === tw && ow < this.constants.outW) s += dy[yRow + ow] * w[wRow + c];
            }
          }
        }
      }
    }
  }
  return s;
}

/** dw[co, ci, a, b, c] = sum over batch and output positions of dy * the input the tap saw. */
export function conv3dGradWeight(this: KernelThis, x: Flat, dy: Flat): number {
  let rest = this.thread.x;
  let q = Math.floor((rest + 0.5) / this.constants.kW);
  const c = rest - q * this.constants.kW;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.kH);
  const b = rest - q * this.constants.kH;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.kD);
  const a = rest - q * this.constants.kD;
  rest = q;
  q = Math.floor((rest + 0.5) / this.constants.Ci);
  const ci = rest - q * this.constants.Ci;
  const co = q;
  let s = 0;
  for (let n = 0; n < this.constants.N; n++) {
    const yPlane = (n * this.constants.Co + co) * this.constants.outD;
    const xPlane = (n * this.constants.Ci + ci) * this.constants.inD;
    for (let od = 0; od < this.constants.outD; od++) {
      const id = od * this.constants.strideD - this.constants.padD + a * this.constants.dilD;
      if (id >= 0 && id < this.constants.inD) {
        for (let oh = 0; oh < this.constants.outH; oh++) {
          const ih = oh * this.constants.strideH - this.constants.padH + b * this.constants.dilH;
          if (ih >= 0 && ih < this.constants.inH) {
            const yRow = ((yPlane + od) * this.constants.outH + oh) * this.constants.outW;
            const xRow = ((xPlane + id) * this.constants.inH + ih) * this.constants.inW;
            for (let ow = 0; ow < this.constants.outW; ow++) {
              const iw = ow * this.constants.strideW - this.constants.padW + c * this.constants.dilW;
              if (iw >= 0 && iw < this.constants.inW) s += dy[yRow + ow] * x[xRow + iw];
            }
          }
        }
      }
    }
  }
  return s;
}
