// Plain, obviously-correct loops for the hot primitives (matmul, conv3d, pooling). They are
// the oracle the fast kernels in ./kernels are tested against, and readable documentation of
// what each primitive computes. Accumulation is float64. Never used on a hot path.
import type { Conv3dGeometry, Pool3dGeometry } from '../../tensor/geometry.js';

/** C[M,N] = op(A) op(B) for one matrix (row-major; A stored [K,M] if transA, B [N,K] if transB). */
export function gemmReference(transA: boolean, transB: boolean, M: number, N: number, K: number, A: Float32Array, B: Float32Array, aOff = 0, bOff = 0): Float32Array {
  const C = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[aOff + k * M + i] : A[aOff + i * K + k];
        const b = transB ? B[bOff + j * K + k] : B[bOff + k * N + j];
        s += a * b;
      }
      C[i * N + j] = s;
    }
  }
  return C;
}

export function conv3dReference(x: Float32Array, w: Float32Array, bias: Float32Array | null, g: Conv3dGeometry): Float32Array {
  const { batch, inChannels: Ci, outChannels: Co, inD, inH, inW, kD, kH, kW, outD, outH, outW } = g;
  const y = new Float32Array(batch * Co * outD * outH * outW);
  let yi = 0;
  for (let n = 0; n < batch; n++)
    for (let co = 0; co < Co; co++)
      for (let od = 0; od < outD; od++)
        for (let oh = 0; oh < outH; oh++)
          for (let ow = 0; ow < outW; ow++) {
            let s = bias ? bias[co] : 0;
            for (let ci = 0; ci < Ci; ci++)
              for (let a = 0; a < kD; a++) {
                const id = od * g.strideD - g.padD + a * g.dilationD;
                if (id < 0 || id >= inD) continue;
                for (let b = 0; b < kH; b++) {
                  const ih = oh * g.strideH - g.padH + b * g.dilationH;
                  if (ih < 0 || ih >= inH) continue;
                  for (let c = 0; c < kW; c++) {
                    const iw = ow * g.strideW - g.padW + c * g.dilationW;
                    if (iw < 0 || iw >= inW) continue;
                    s += x[(((n * Ci + ci) * inD + id) * inH + ih) * inW + iw] * w[(((co * Ci + ci) * kD + a) * kH + b) * kW + c];
                  }
                }
              }
            y[yi++] = s;
          }
  return y;
}

/** Visits every (output, input, weight) index triple of a conv, for the adjoint references. */
function forEachTap(g: Conv3dGeometry, fn: (yIdx: number, xIdx: number, wIdx: number) => void): void {
  const { batch, inChannels: Ci, outChannels: Co, inD, inH, inW, kD, kH, kW, outD, outH, outW } = g;
  let yi = 0;
  for (let n = 0; n < batch; n++)
    for (let co = 0; co < Co; co++)
      for (let od = 0; od < outD; od++)
        for (let oh = 0; oh < outH; oh++)
          for (let ow = 0; ow < outW; ow++, yi++)
            for (let ci = 0; ci < Ci; ci++)
              for (let a = 0; a < kD; a++) {
                const id = od * g.strideD - g.padD + a * g.dilationD;
                if (id < 0 || id >= inD) continue;
                for (let b = 0; b < kH; b++) {
                  const ih = oh * g.strideH - g.padH + b * g.dilationH;
                  if (ih < 0 || ih >= inH) continue;
                  for (let c = 0; c < kW; c++) {
                    const iw = ow * g.strideW - g.padW + c * g.dilationW;
                    if (iw < 0 || iw >= inW) continue;
                    fn(yi, (((n * Ci + ci) * inD + id) * inH + ih) * inW + iw, (((co * Ci + ci) * kD + a) * kH + b) * kW + c);
                  }
                }
              }
}

export function conv3dGradInputReference(dy: Float32Array, w: Float32Array, g: Conv3dGeometry): Float32Array {
  const dx = new Float64Array(g.batch * g.inChannels * g.inD * g.inH * g.inW);
  forEachTap(g, (yi, xi, wi) => (dx[xi] += dy[yi] * w[wi]));
  return Float32Array.from(dx);
}

export function conv3dGradWeightReference(x: Float32Array, dy: Float32Array, g: Conv3dGeometry): Float32Array {
  const dw = new Float64Array(g.outChannels * g.inChannels * g.kD * g.kH * g.kW);
  forEachTap(g, (yi, xi, wi) => (dw[wi] += dy[yi] * x[xi]));
  return Float32Array.from(dw);
}

function forEachWindow(g: Pool3dGeometry, fn: (outIdx: number, planeBase: number, d0: number, h0: number, w0: number) => void): void {
  let oi = 0;
  for (let p = 0; p < g.batch * g.channels; p++) {
    const base = p * g.inD * g.inH * g.inW;
    for (let od = 0; od < g.outD; od++)
      for (let oh = 0; oh < g.outH; oh++)
        for (let ow = 0; ow < g.outW; ow++)
          fn(oi++, base, od * g.strideD - g.padD, oh * g.strideH - g.padH, ow * g.strideW - g.padW);
  }
}

export function maxPool3dReference(x: Float32Array, g: Pool3dGeometry): { y: Float32Array; argmax: Int32Array } {
  const n = g.batch * g.channels * g.outD * g.outH * g.outW;
  const y = new Float32Array(n);
  const argmax = new Int32Array(n);
  forEachWindow(g, (oi, base, d0, h0, w0) => {
    let best = -Infinity;
    let bestI = -1;
    for (let d = Math.max(0, d0); d < Math.min(g.inD, d0 + g.kD); d++)
      for (let h = Math.max(0, h0); h < Math.min(g.inH, h0 + g.kH); h++)
        for (let w = Math.max(0, w0); w < Math.min(g.inW, w0 + g.kW); w++) {
          const idx = base + (d * g.inH + h) * g.inW + w;
          const v = x[idx];
          if (v > best || Number.isNaN(v) || bestI < 0) {
            best = v;
            bestI = idx;
            if (Number.isNaN(v)) break;
          }
        }
    y[oi] = best;
    argmax[oi] = bestI;
  });
  return { y, argmax };
}

function avgDivisor(g: Pool3dGeometry, d0: number, h0: number, w0: number, countIncludePad: boolean): number {
  const clip = (start: number, k: number, n: number, pad: number, include: boolean) =>
    include ? Math.min(start + k, n + pad) - start : Math.min(start + k, n) - Math.max(start, 0);
  return (
    clip(d0, g.kD, g.inD, g.padD, countIncludePad) *
    clip(h0, g.kH, g.inH, g.padH, countIncludePad) *
    clip(w0, g.kW, g.inW, g.padW, countIncludePad)
  );
}

export function avgPool3dReference(x: Float32Array, g: Pool3dGeometry, countIncludePad: boolean): Float32Array {
  const y = new Float32Array(g.batch * g.channels * g.outD * g.outH * g.outW);
  forEachWindow(g, (oi, base, d0, h0, w0) => {
    let s = 0;
    for (let d = Math.max(0, d0); d < Math.min(g.inD, d0 + g.kD); d++)
      for (let h = Math.max(0, h0); h < Math.min(g.inH, h0 + g.kH); h++)
        for (let w = Math.max(0, w0); w < Math.min(g.inW, w0 + g.kW); w++) s += x[base + (d * g.inH + h) * g.inW + w];
    y[oi] = s / avgDivisor(g, d0, h0, w0, countIncludePad);
  });
  return y;
}

export function avgPool3dGradReference(dy: Float32Array, g: Pool3dGeometry, countIncludePad: boolean): Float32Array {
  const dx = new Float32Array(g.batch * g.channels * g.inD * g.inH * g.inW);
  forEachWindow(g, (oi, base, d0, h0, w0) => {
    const v = dy[oi] / avgDivisor(g, d0, h0, w0, countIncludePad);
    for (let d = Math.max(0, d0); d < Math.min(g.inD, d0 + g.kD); d++)
      for (let h = Math.max(0, h0); h < Math.min(g.inH, h0 + g.kH); h++)
        for (let w = Math.max(0, w0); w < Math.min(g.inW, w0 + g.kW); w++) dx[base + (d * g.inH + h) * g.inW + w] += v;
  });
  return dx;
}
