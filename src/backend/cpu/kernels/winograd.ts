// Winograd F(2x2x2, 3x3x3) conv3d forward for 3x3x3 kernels, stride 1, dilation 1: each 4x4x4
// input tile gives 2x2x2 outputs with 64 element-wise products per (Cin, Cout) pair instead of
// 216 multiply-adds; the products run as 64 batched [Cout x Cin] x [Cin x tiles] GEMMs on the
// packed wasm kernel, the input/output transforms are adds in JS. Forward only (the gradients stay
// on the direct path in conv3d.ts). Imports only this folder and the geometry type; no node modules.
import type { Conv3dGeometry } from '../../../tensor/geometry.js';
import { packA, newJob, runDenseProduct } from './gemm.js';
import { getRuntime, type Runtime } from './runtime.js';

/** The tile transform points: 4x4x4 = 64 per tile. */
const P = 64;
/** Transformed input + products of one tile chunk stay under this many floats (32 MiB). */
const CHUNK_FLOATS = 1 << 23;

/**
 * Whether {@link conv3dForwardWinograd} computes this geometry (3x3x3, stride 1, dilation 1) and
 * is expected to beat the direct GEMM: enough channels that the JS transforms and the per-call
 * weight transform are paid back by the 3.4x fewer multiplications (measured in bench/winograd.ts).
 */
export function winogradQualifies(g: Conv3dGeometry): boolean {
  if (!winogradComputes(g)) return false;
  return g.inChannels >= 32 && g.outChannels >= 32 && g.batch * g.outVolume >= 512;
}

function winogradComputes(g: Conv3dGeometry): boolean {
  return (
    g.kD === 3 &&
    g.kH === 3 &&
    g.kW === 3 &&
    g.strideD === 1 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.dilationD === 1 &&
    g.dilationH === 1 &&
    g.dilationW === 1 &&
    g.outD > 0 &&
    g.outH > 0 &&
    g.outW > 0
  );
}

/** Pairs transformed before their 64 values are written out, so the writes run in contiguous spans. */
const PAIR_BLOCK = 64;

/** U[t][co][ci] = (G g G^T) over the three axes, G = [[1,0,0],[.5,.5,.5],[.5,-.5,.5],[0,0,1]]. */
function transformWeights(w: Float32Array, Co: number, Ci: number): Float32Array {
  const pairs = Co * Ci;
  const u = new Float32Array(P * pairs);
  const blk = new Float32Array(P * PAIR_BLOCK);
  for (let p0 = 0; p0 < pairs; p0 += PAIR_BLOCK) {
    const np = Math.min(PAIR_BLOCK, pairs - p0);
    for (let q = 0; q < np; q++) {
      const src = (p0 + q) * 27,
        s = q * P;
      // w-axis on the 9 (d, h) rows of g, into blk[s + d*16 + h*4 + 0..3].
      for (let d = 0; d < 3; d++) {
        for (let h = 0; h < 3; h++) {
          const i = src + d * 9 + h * 3,
            o = s + d * 16 + h * 4;
          const g0 = w[i],
            g1 = w[i + 1],
            g2 = w[i + 2];
          blk[o] = g0;
          blk[o + 1] = 0.5 * (g0 + g1 + g2);
          blk[o + 2] = 0.5 * (g0 - g1 + g2);
          blk[o + 3] = g2;
        }
      }
      // h-axis (stride 4) on d < 3, then d-axis (stride 16) on everything.
      for (let d = 0; d < 3; d++) {
        for (let k = 0; k < 4; k++) {
          const o = s + d * 16 + k;
          const g0 = blk[o],
            g1 = blk[o + 4],
            g2 = blk[o + 8];
          blk[o + 4] = 0.5 * (g0 + g1 + g2);
          blk[o + 8] = 0.5 * (g0 - g1 + g2);
          blk[o + 12] = g2;
        }
      }
      for (let o = s; o < s + 16; o++) {
        const g0 = blk[o],
          g1 = blk[o + 16],
          g2 = blk[o + 32];
        blk[o + 16] = 0.5 * (g0 + g1 + g2);
        blk[o + 32] = 0.5 * (g0 - g1 + g2);
        blk[o + 48] = g2;
      }
    }
    for (let t = 0; t < P; t++) {
      const dst = t * pairs + p0;
      for (let q = 0; q < np; q++) u[dst + q] = blk[q * P + t];
    }
  }
  return u;
}

/** In place B^T d B along one axis of a 4x4x4 tile: (d0-d2, d1+d2, d2-d1, d1-d3). */
function inputAxis(s: Float32Array, stride: number, a: number, b: number): void {
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const o = i * a + j * b;
      const d0 = s[o],
        d1 = s[o + stride],
        d2 = s[o + 2 * stride],
        d3 = s[o + 3 * stride];
      s[o] = d0 - d2;
      s[o + stride] = d1 + d2;
      s[o + 2 * stride] = d2 - d1;
      s[o + 3 * stride] = d1 - d3;
    }
  }
}

/**
 * conv3d forward by Winograd F(2x2x2, 3x3x3): x [N,Cin,D,H,W], w [Cout,Cin,3,3,3], bias or null.
 * Computes any 3x3x3, stride-1, dilation-1 geometry (any padding); throws on others. The heap holds
 * the 64 packed transformed weight matrices (64/27 of the weights) plus one chunk of tiles'
 * transformed input and products (at most 32 MiB). `maxTilesPerChunk` lowers the chunk (tests).
 */
export function conv3dForwardWinograd(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv3dGeometry,
  maxTilesPerChunk = Infinity,
): Float32Array {
  checkWinogradArgs(x, w, g);
  const Ci = g.inChannels,
    Co = g.outChannels,
    xLen = Ci * g.inVolume;
  const oD = g.outD,
    oH = g.outH,
    oW = g.outW,
    oS = g.outVolume;
  const y = new Float32Array(g.outputSize);
  if (y.length === 0) return y;
  if (Ci === 0) {
    if (bias)
      for (let n = 0; n < g.batch; n++)
        for (let c = 0; c < Co; c++) y.fill(bias[c], (n * Co + c) * oS, (n * Co + c + 1) * oS);
    return y;
  }
  const tD = Math.ceil(oD / 2),
    tH = Math.ceil(oH / 2),
    tW = Math.ceil(oW / 2),
    T = tD * tH * tW;
  const rt = getRuntime();
  rt.reset();
  const { aP, packSize } = packTransformedWeights(rt, w, Co, Ci);
  const Tc = Math.max(1, Math.min(T, maxTilesPerChunk, Math.floor(CHUNK_FLOATS / (P * (Ci + Co)))));
  const vP = rt.alloc(P * Ci * Tc),
    mP = rt.alloc(P * Co * Tc);
  const job = newJob(rt);
  const c: TileChunk = {
    nt: 0,
    tileD: new Int32Array(Tc),
    tileH: new Int32Array(Tc),
    tileW: new Int32Array(Tc),
    s: new Float32Array(P),
  };
  for (let n = 0; n < g.batch; n++) {
    for (let j0 = 0; j0 < T; j0 += Tc) {
      const nt = Math.min(Tc, T - j0);
      c.nt = nt;
      // Each tile's first output (d, h, w) of this chunk, computed once instead of once per channel.
      for (let jj = 0; jj < nt; jj++) {
        const j = j0 + jj,
          a = Math.floor(j / (tH * tW)),
          r = j - a * tH * tW,
          b = Math.floor(r / tW);
        c.tileD[jj] = 2 * a;
        c.tileH[jj] = 2 * b;
        c.tileW[jj] = 2 * (r - b * tW);
      }
      transformInput(x, n * xLen, g, c, rt.heap(), vP);
      // The 64 products: M[t] [Co x nt] = U[t] [Co x Ci] x V[t] [Ci x nt].
      for (let t = 0; t < P; t++) {
        runDenseProduct(rt, job, Co, nt, Ci, {
          aPack: aP + t * packSize,
          b: vP + t * Ci * nt,
          bTrans: false,
          bLd: nt,
          c: mP + t * Co * nt,
          ldc: nt,
          accumulate: false,
        });
      }
      transformOutput(y, n, g, c, rt.heap(), mP, bias);
    }
  }
  return y;
}

function checkWinogradArgs(x: Float32Array, w: Float32Array, g: Conv3dGeometry): void {
  const fn = 'conv3dForwardWinograd';
  if (!winogradComputes(g)) {
    const got =
      `kernel ${g.kD}x${g.kH}x${g.kW}, stride ${g.strideD}x${g.strideH}x${g.strideW}, ` +
      `dilation ${g.dilationD}x${g.dilationH}x${g.dilationW}`;
    throw new Error(`${fn}: g must be a 3x3x3 kernel with stride 1 and dilation 1, got ${got}`);
  }
  for (const [name, arr, want] of [
    ['x', x, g.inputSize],
    ['w', w, g.weightSize],
  ] as const) {
    if (arr.length !== want) throw new Error(`${fn}: ${name} must have ${want} elements, got ${arr.length}`);
  }
}

/** The 64 transformed weight matrices U[t] [Co x Ci], packed for the GEMM on the heap: at aP + t * packSize. */
function packTransformedWeights(
  rt: Runtime,
  w: Float32Array,
  Co: number,
  Ci: number,
): { aP: number; packSize: number } {
  const u = transformWeights(w, Co, Ci);
  const packSize = Math.ceil(Co / rt.driver.MR) * rt.driver.MR * Ci;
  const aP = rt.alloc(P * packSize);
  for (let t = 0; t < P; t++) packA(rt, u, t * Co * Ci, false, Co, Ci, aP + t * packSize);
  return { aP, packSize };
}

/** One chunk of tiles: how many, each tile's first output (d, h, w), and the 64-float tile scratch. */
interface TileChunk {
  nt: number;
  tileD: Int32Array;
  tileH: Int32Array;
  tileW: Int32Array;
  s: Float32Array;
}

/** Input transform of a chunk: V[t][ci][j] = (B^T d B)[t] of tile j's 4x4x4 input patch, into the heap at `vP`. */
function transformInput(
  x: Float32Array,
  xBase: number,
  g: Conv3dGeometry,
  c: TileChunk,
  h: Float32Array,
  vP: number,
): void {
  const Ci = g.inChannels,
    D = g.inD,
    H = g.inH,
    W = g.inW,
    HW = H * W;
  const { nt, tileD, tileH, tileW, s } = c;
  for (let ci = 0; ci < Ci; ci++) {
    const xc = xBase + ci * g.inVolume;
    for (let jj = 0; jj < nt; jj++) {
      const d0 = tileD[jj] - g.padD,
        h0 = tileH[jj] - g.padH,
        w0 = tileW[jj] - g.padW;
      if (d0 >= 0 && d0 + 4 <= D && h0 >= 0 && h0 + 4 <= H && w0 >= 0 && w0 + 4 <= W) {
        for (let i = 0; i < 4; i++) {
          for (let k = 0; k < 4; k++) {
            // The w-axis transform is done on the way in (one pass less over s).
            const src = xc + (d0 + i) * HW + (h0 + k) * W + w0,
              o = i * 16 + k * 4;
            const a0 = x[src],
              a1 = x[src + 1],
              a2 = x[src + 2],
              a3 = x[src + 3];
            s[o] = a0 - a2;
            s[o + 1] = a1 + a2;
            s[o + 2] = a2 - a1;
            s[o + 3] = a1 - a3;
          }
        }
      } else {
        for (let i = 0; i < 4; i++) {
          const id = d0 + i;
          for (let k = 0; k < 4; k++) {
            const ih = h0 + k,
              o = i * 16 + k * 4;
            const rowOk = id >= 0 && id < D && ih >= 0 && ih < H;
            for (let l = 0; l < 4; l++) {
              const iw = w0 + l;
              s[o + l] = rowOk && iw >= 0 && iw < W ? x[xc + id * HW + ih * W + iw] : 0;
            }
          }
        }
        inputAxis(s, 1, 16, 4);
      }
      inputAxis(s, 4, 16, 1);
      inputAxis(s, 16, 4, 1);
      let dst = vP + ci * nt + jj;
      for (let t = 0; t < P; t++, dst += Ci * nt) h[dst] = s[t];
    }
  }
}

/**
 * Output transform of a chunk: A^T m A of the products at `mP`, A^T = [[1,1,1,0],[0,1,-1,-1]], plus bias,
 * clipped at the edges, into batch item `n` of `y`.
 */
function transformOutput(
  y: Float32Array,
  n: number,
  g: Conv3dGeometry,
  c: TileChunk,
  h: Float32Array,
  mP: number,
  bias: Float32Array | null,
): void {
  const Co = g.outChannels,
    oD = g.outD,
    oH = g.outH,
    oW = g.outW,
    oS = g.outVolume,
    oHW = oH * oW;
  const { nt, tileD, tileH, tileW, s } = c;
  for (let co = 0; co < Co; co++) {
    const yc = (n * Co + co) * oS,
      bv = bias ? bias[co] : 0;
    for (let jj = 0; jj < nt; jj++) {
      // The w-axis transform is done on the way in from the products.
      const base = mP + co * nt + jj,
        st = Co * nt;
      for (let o = 0; o < P; o += 4) {
        const q = base + o * st;
        const m0 = h[q],
          m1 = h[q + st],
          m2 = h[q + 2 * st],
          m3 = h[q + 3 * st];
        s[o] = m0 + m1 + m2;
        s[o + 1] = m1 - m2 - m3;
      }
      for (let i = 0; i < 4; i++) {
        for (let l = 0; l < 2; l++) {
          const o = i * 16 + l;
          const m0 = s[o],
            m1 = s[o + 4],
            m2 = s[o + 8],
            m3 = s[o + 12];
          s[o] = m0 + m1 + m2;
          s[o + 4] = m1 - m2 - m3;
        }
      }
      for (let k = 0; k < 2; k++) {
        for (let l = 0; l < 2; l++) {
          const o = k * 4 + l;
          const m0 = s[o],
            m1 = s[o + 16],
            m2 = s[o + 32],
            m3 = s[o + 48];
          s[o] = m0 + m1 + m2;
          s[o + 16] = m1 - m2 - m3;
        }
      }
      const ow = tileW[jj];
      for (let i = 0; i < 2; i++) {
        const od = tileD[jj] + i;
        if (od >= oD) break;
        for (let k = 0; k < 2; k++) {
          const oh = tileH[jj] + k;
          if (oh >= oH) break;
          const row = yc + od * oHW + oh * oW + ow,
            o = i * 16 + k * 4;
          y[row] = s[o] + bv;
          if (ow + 1 < oW) y[row + 1] = s[o + 1] + bv;
        }
      }
    }
  }
}
