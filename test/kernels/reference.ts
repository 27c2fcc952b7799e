// Naive float64 reference loops the kernel tests compare against: direct-definition GEMM, conv3d
// (forward, grad-input, grad-weight), max/avg pooling. Slow and obviously right; test-only.
import type { Conv3dGeometry, Pool3dGeometry } from '../../src/tensor/geometry.js';

/** Deterministic uniform [-1, 1) values (mulberry32), so failures reproduce. */
export function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** max |a - b| / max |b|: the error measure our tolerances are stated in. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let e = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m === 0 ? e : e / m;
}

export function refGemm(
  tA: boolean, tB: boolean, M: number, N: number, K: number, A: Float32Array, B: Float32Array,
  aOff = 0, bOff = 0,
): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        s += (tA ? A[aOff + k * M + i] : A[aOff + i * K + k]) * (tB ? B[bOff + j * K + k] : B[bOff + k * N + j]);
      }
      C[i * N + j] = s;
    }
  }
  return C;
}

/** Calls `f(n, co, od, oh, ow, ci, xIndex, wIndex)` for every tap that lands inside x. */
function eachTap(g: Conv3dGeometry, f: (yi: number, xi: number, wi: number) => void): void {
  for (let n = 0; n < g.batch; n++)
    for (let co = 0; co < g.outChannels; co++)
      for (let od = 0; od < g.outD; od++)
        for (let oh = 0; oh < g.outH; oh++)
          for (let ow = 0; ow < g.outW; ow++) {
            const yi = (((n * g.outChannels + co) * g.outD + od) * g.outH + oh) * g.outW + ow;
            for (let ci = 0; ci < g.inChannels; ci++)
              for (let kd = 0; kd < g.kD; kd++) {
                const id = od * g.strideD - g.padD + kd * g.dilationD;
                if (id < 0 || id >= g.inD) continue;
                for (let kh = 0; kh < g.kH; kh++) {
                  const ih = oh * g.strideH - g.padH + kh * g.dilationH;
                  if (ih < 0 || ih >= g.inH) continue;
                  for (let kw = 0; kw < g.kW; kw++) {
                    const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                    if (iw < 0 || iw >= g.inW) continue;
                    const xi = (((n * g.inChannels + ci) * g.inD + id) * g.inH + ih) * g.inW + iw;
                    const wi = (((co * g.inChannels + ci) * g.kD + kd) * g.kH + kh) * g.kW + kw;
                    f(yi, xi, wi);
                  }
                }
              }
          }
}

export function refConvForward(x: Float32Array, w: Float32Array, bias: Float32Array | null, g: Conv3dGeometry): Float64Array {
  const y = new Float64Array(g.batch * g.outChannels * g.outD * g.outH * g.outW);
  eachTap(g, (yi, xi, wi) => { y[yi] += x[xi] * w[wi]; });
  if (bias) {
    const S = g.outD * g.outH * g.outW;
    for (let i = 0; i < y.length; i++) y[i] += bias[Math.floor(i / S) % g.outChannels];
  }
  return y;
}

export function refConvGradInput(dy: Float32Array, w: Float32Array, g: Conv3dGeometry): Float64Array {
  const dx = new Float64Array(g.batch * g.inChannels * g.inD * g.inH * g.inW);
  eachTap(g, (yi, xi, wi) => { dx[xi] += dy[yi] * w[wi]; });
  return dx;
}

export function refConvGradWeight(x: Float32Array, dy: Float32Array, g: Conv3dGeometry): Float64Array {
  const dw = new Float64Array(g.outChannels * g.inChannels * g.kD * g.kH * g.kW);
  eachTap(g, (yi, xi, wi) => { dw[wi] += dy[yi] * x[xi]; });
  return dw;
}

/** Reference pooling straight from PyTorch's definition; `windows` visits each output's cells. */
function eachWindow(
  g: Pool3dGeometry,
  f: (o: number, cells: number[], padded: number) => void,
): void {
  let o = 0;
  for (let p = 0; p < g.batch * g.channels; p++)
    for (let od = 0; od < g.outD; od++)
      for (let oh = 0; oh < g.outH; oh++)
        for (let ow = 0; ow < g.outW; ow++, o++) {
          const cells: number[] = [];
          let padded = 1;
          const starts = [od * g.strideD - g.padD, oh * g.strideH - g.padH, ow * g.strideW - g.padW];
          const ks = [g.kD, g.kH, g.kW], ns = [g.inD, g.inH, g.inW], pads = [g.padD, g.padH, g.padW];
          for (let a = 0; a < 3; a++) padded *= Math.min(starts[a] + ks[a], ns[a] + pads[a]) - starts[a];
          for (let d = starts[0]; d < starts[0] + g.kD; d++)
            for (let h = starts[1]; h < starts[1] + g.kH; h++)
              for (let w = starts[2]; w < starts[2] + g.kW; w++)
                if (d >= 0 && d < g.inD && h >= 0 && h < g.inH && w >= 0 && w < g.inW) {
                  cells.push(((p * g.inD + d) * g.inH + h) * g.inW + w);
                }
          f(o, cells, padded);
        }
}

export function refMaxPool(x: Float32Array, g: Pool3dGeometry): { y: Float64Array; argmax: Int32Array } {
  const n = g.batch * g.channels * g.outD * g.outH * g.outW;
  const y = new Float64Array(n), argmax = new Int32Array(n);
  eachWindow(g, (o, cells) => {
    let best = -Infinity, at = cells[0];
    for (const c of cells) if (x[c] > best) { best = x[c]; at = c; }
    y[o] = best;
    argmax[o] = at;
  });
  return { y, argmax };
}

export function refAvgPool(x: Float32Array, g: Pool3dGeometry, includePad: boolean): Float64Array {
  const y = new Float64Array(g.batch * g.channels * g.outD * g.outH * g.outW);
  eachWindow(g, (o, cells, padded) => {
    let s = 0;
    for (const c of cells) s += x[c];
    y[o] = s / (includePad ? padded : cells.length);
  });
  return y;
}

export function refAvgPoolBackward(dy: Float32Array, g: Pool3dGeometry, includePad: boolean): Float64Array {
  const dx = new Float64Array(g.batch * g.channels * g.inD * g.inH * g.inW);
  eachWindow(g, (o, cells, padded) => {
    for (const c of cells) dx[c] += dy[o] / (includePad ? padded : cells.length);
  });
  return dx;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
