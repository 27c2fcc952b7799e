// The matrix products of the gpu backend as GemmSpecs (./gemm-shader.ts): the batched matmul
// with transposes folded into strides, and 3D convolution (NCDHW, weight [Co, Ci, kD, kH, kW])
// forward and both gradients as implicit GEMMs. Same maths as the gather kernels in
// ../kernel-sources/conv3d.ts; only the loop order and tiling differ. In each, the coordinates
// of the thread's B column are decoded once (columnSetup) and each load decodes only its row.
import type { Conv3dGeometry } from '../../../tensor/geometry.js';
import { chooseSplits, u, type GemmSpec } from './gemm-shader.js';

/** C[bi] = op(A[bi]) · op(B[bi]); A stored [K, M] when transA, B stored [N, K] when transB. */
export function matmulSpec(
  batch: number,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
  aBatch: number,
  bBatch: number,
): GemmSpec {
  const aI = transA ? 1 : K;
  const aK = transA ? M : 1;
  const bK = transB ? 1 : N;
  const bJ = transB ? K : 1;
  return {
    M,
    N,
    K,
    batch,
    splits: batch === 1 ? chooseSplits(M, N, K) : 1,
    inputs: 2,
    prelude: '',
    loadA: `  return in0[bi * ${u(aBatch)} + m * ${u(aI)} + k * ${u(aK)}];`,
    columnSetup: `  let bColumn = bi * ${u(bBatch)} + n * ${u(bJ)};`,
    loadB: `        vb = in1[bColumn + k * ${u(bK)}];`,
    store: `  out[(bi * M + m) * N + n] = v;`,
  };
}

/** The geometry as WGSL constants, with the derived sizes the loaders use. */
function convConstants(g: Conv3dGeometry): string {
  const c = {
    CI: g.inChannels,
    CO: g.outChannels,
    ID: g.inD,
    IH: g.inH,
    IW: g.inW,
    KD: g.kD,
    KH: g.kH,
    KW: g.kW,
    SD: g.strideD,
    SH: g.strideH,
    SW: g.strideW,
    PD: g.padD,
    PH: g.padH,
    PW: g.padW,
    DD: g.dilationD,
    DH: g.dilationH,
    DW: g.dilationW,
    OD: g.outD,
    OH: g.outH,
    OW: g.outW,
  };
  return `${Object.entries(c)
    .map(([k, v]) => `const ${k}: u32 = ${u(v)};`)
    .join('\n')}
const KV: u32 = KD * KH * KW;
const KHW: u32 = KH * KW;
const OHW: u32 = OH * OW;
const P: u32 = OD * OHW;
const IHW: u32 = IH * IW;
const Q: u32 = ID * IHW;`;
}

type ProductSizes = Pick<GemmSpec, 'M' | 'N' | 'K' | 'batch' | 'splits' | 'inputs'>;

/** The sizes of one conv product (the batch folded into N or K), split-K chosen from them. */
function convProduct(M: number, N: number, K: number, inputs: number): ProductSizes {
  return { M, N, K, batch: 1, splits: chooseSplits(M, N, K), inputs };
}

/** WGSL: assigns vb = x[<xBase> + <channel>·Q + (id, ih, iw)] when (id, ih, iw) lies inside the input (else vb stays 0). */
function readInput(xBase: string, channel: string, id: string, ih: string, iw: string): string {
  return `        let id = ${id};
        let ih = ${ih};
        let iw = ${iw};
        if (id >= 0 && ih >= 0 && iw >= 0 && id < i32(ID) && ih < i32(IH) && iw < i32(IW)) {
          vb = in1[${xBase} + ${channel} * Q + u32(id) * IHW + u32(ih) * IW + u32(iw)];
        }`;
}

/** y[nb, co, p] = bias[co] + sum over k = (ci, tap) of w[co, k] · x(tap, (nb, p)): M = Co, N = batch·outVolume, K = Ci·kernelVolume. */
export function conv3dForwardSpec(g: Conv3dGeometry, hasBias: boolean): GemmSpec {
  return {
    ...convProduct(g.outChannels, g.batch * g.outVolume, g.inChannels * g.kernelVolume, hasBias ? 3 : 2),
    prelude: convConstants(g),
    loadA: '  return in0[m * K + k];',
    // Column (nb, od, oh, ow): the batch's base in x and the window's corner.
    columnSetup: `  let colP = n % P;
  let xBase = (n / P) * CI * Q;
  let d0 = i32((colP / OHW) * SD) - i32(PD);
  let h0 = i32(((colP % OHW) / OW) * SH) - i32(PH);
  let w0 = i32((colP % OW) * SW) - i32(PW);`,
    // Row (ci, a, b, c).
    loadB: `        let t = k % KV;
${readInput('xBase', '(k / KV)', 'd0 + i32((t / KHW) * DD)', 'h0 + i32(((t % KHW) / KW) * DH)', 'w0 + i32((t % KW) * DW)')}`,
    store: `  out[((n / P) * CO + m) * P + n % P] = v${hasBias ? ' + in2[m]' : ''};`,
  };
}

/**
 * dx[nb, ci, q] = sum over k = (co, tap) of w[co, ci, tap] · dy at the output the tap maps q to
 * (none when the stride skips q): M = Ci, N = batch·inVolume, K = Co·kernelVolume.
 */
export function conv3dGradInputSpec(g: Conv3dGeometry): GemmSpec {
  return {
    ...convProduct(g.inChannels, g.batch * g.inVolume, g.outChannels * g.kernelVolume, 2),
    prelude: `${convConstants(g)}

// The output coordinate that input coordinate i reaches through tap a, or -1 when none does.
fn outputOf(i: u32, a: u32, pad: u32, dil: u32, stride: u32, size: u32) -> i32 {
  let t = i32(i + pad) - i32(a * dil);
  if (t < 0) { return -1; }
  let o = u32(t) / stride;
  if (o * stride != u32(t) || o >= size) { return -1; }
  return i32(o);
}`,
    loadA: '  return in0[((k / KV) * CI + m) * KV + k % KV];',
    // Column (nb, id, ih, iw).
    columnSetup: `  let colQ = n % Q;
  let dyBase = (n / Q) * CO * P;
  let qd = colQ / IHW;
  let qh = (colQ % IHW) / IW;
  let qw = colQ % IW;`,
    // Row (co, a, b, c).
    loadB: `        let t = k % KV;
        let od = outputOf(qd, t / KHW, PD, DD, SD, OD);
        let oh = outputOf(qh, (t % KHW) / KW, PH, DH, SH, OH);
        let ow = outputOf(qw, t % KW, PW, DW, SW, OW);
        if (od >= 0 && oh >= 0 && ow >= 0) {
          vb = in1[dyBase + (k / KV) * P + u32(od) * OHW + u32(oh) * OW + u32(ow)];
        }`,
    store: '  out[((n / Q) * CI + m) * Q + n % Q] = v;',
  };
}

/**
 * dw[co, tap] = sum over columns j = (nb, p) of dy[nb, co, p] · x(tap, j): M = Co, N = Ci·kernelVolume,
 * K = batch·outVolume. K is long and M·N small, so K is usually split across workgroups.
 */
export function conv3dGradWeightSpec(g: Conv3dGeometry): GemmSpec {
  return {
    ...convProduct(g.outChannels, g.inChannels * g.kernelVolume, g.batch * g.outVolume, 2),
    prelude: convConstants(g),
    loadA: '  return in0[((k / P) * CO + m) * P + k % P];',
    // Column (ci, a, b, c): the tap's channel and offsets from the window corner.
    columnSetup: `  let tapT = n % KV;
  let tapCi = n / KV;
  let da = i32((tapT / KHW) * DD) - i32(PD);
  let db = i32(((tapT % KHW) / KW) * DH) - i32(PH);
  let dc = i32((tapT % KW) * DW) - i32(PW);`,
    // Row (nb, od, oh, ow).
    loadB: `        let p = k % P;
${readInput('(k / P) * CI * Q', 'tapCi', 'i32((p / OHW) * SD) + da', 'i32(((p % OHW) / OW) * SH) + db', 'i32((p % OW) * SW) + dc')}`,
    store: '  out[m * N + n] = v;',
  };
}
