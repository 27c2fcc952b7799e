// The blocked GEMM driver that runs one chunk (a rectangle of C) of a job: it packs B panels
// (dense, im2col or transposed im2col, straight from the wasm heap) and calls the wasm
// macro-kernel over the pre-packed A. It runs on the main thread and, via its source text, inside
// worker threads, so `createDriver` must stay self-contained: no imports, no outer references.

/** What `createDriver` returns; the `F` table names the fields of a job descriptor (Int32Array). */
export interface Driver {
  MR: number;
  NR: number;
  KC: number;
  NC: number;
  MC: number;
  /** Floats of per-thread scratch (a packed B block plus one edge tile). */
  scratchFloats: number;
  F: Record<
    | 'M' | 'N' | 'K' | 'APACK' | 'C' | 'LDC' | 'ACC' | 'ROWCHUNK' | 'COLCHUNK' | 'NCOLCHUNKS' | 'NCHUNKS'
    | 'BKIND' | 'BOFF' | 'BTRANS' | 'BLD' | 'GC' | 'GD' | 'GH' | 'GW' | 'KD' | 'KH' | 'KW' | 'SD' | 'SH' | 'SW'
    | 'PD' | 'PH' | 'PW' | 'DD' | 'DH' | 'DW' | 'OD' | 'OH' | 'OW' | 'SCRATCH' | 'SCRATCHSTRIDE' | 'SIZE',
    number
  >;
  /** B source kinds for the `BKIND` field. */
  B_DENSE: number;
  B_IM2COL: number;
  B_IM2COL_T: number;
  /** Runs chunk `chunk` of the job in `d` using thread `thread`'s scratch. */
  runChunk(d: Int32Array, chunk: number, thread: number): void;
}

/**
 * Builds a driver around the wasm `macro` export and a getter for the current heap view (the
 * getter re-creates the view after memory growth). Heap offsets in descriptors count floats.
 */
export function createDriver(
  macro: (a: number, b: number, c: number, ldc: number, m: number, n: number, kc: number, acc: number, scratch: number) => void,
  getHeap: () => Float32Array,
): Driver {
  // 4x8 measured best or equal among 4x8/6x8/4x12/5x8/3x16 (19.8 GFLOP/s in-cache on one core).
  const MR = 4, NR = 8;
  // KC*MR*4 B of A (4 KB) and KC*NR*4 B of B (8 KB) per micro panel sit in L1; a KC x NC packed
  // B block (512 KB) plus an MC x KC A block (128 KB) fit the 1 MB L2.
  const KC = 256, NC = 512, MC = 128;
  const F = {
    M: 0, N: 1, K: 2, APACK: 3, C: 4, LDC: 5, ACC: 6, ROWCHUNK: 7, COLCHUNK: 8, NCOLCHUNKS: 9, NCHUNKS: 10,
    BKIND: 11, BOFF: 12, BTRANS: 13, BLD: 14, GC: 15, GD: 16, GH: 17, GW: 18, KD: 19, KH: 20, KW: 21,
    SD: 22, SH: 23, SW: 24, PD: 25, PH: 26, PW: 27, DD: 28, DH: 29, DW: 30, OD: 31, OH: 32, OW: 33,
    SCRATCH: 34, SCRATCHSTRIDE: 35, SIZE: 36,
  };
  const B_DENSE = 0, B_IM2COL = 1, B_IM2COL_T = 2;

  /** Dense B (row-major [K, N], or [N, K] when transposed) into NR-column panels. */
  function packDense(h: Float32Array, d: Int32Array, pc: number, kc: number, jc: number, nc: number, dst: number): void {
    const off = d[F.BOFF], ld = d[F.BLD];
    let p = dst;
    if (d[F.BTRANS] === 0) {
      for (let j0 = 0; j0 < nc; j0 += NR) {
        const w = Math.min(NR, nc - j0);
        let s = off + pc * ld + jc + j0;
        if (w === NR) {
          for (let k = 0; k < kc; k++, p += 8, s += ld) {
            h[p] = h[s]; h[p + 1] = h[s + 1]; h[p + 2] = h[s + 2]; h[p + 3] = h[s + 3];
            h[p + 4] = h[s + 4]; h[p + 5] = h[s + 5]; h[p + 6] = h[s + 6]; h[p + 7] = h[s + 7];
          }
        } else {
          for (let k = 0; k < kc; k++, p += 8, s += ld) {
            let t = 0;
            for (; t < w; t++) h[p + t] = h[s + t];
            for (; t < NR; t++) h[p + t] = 0;
          }
        }
      }
    } else {
      for (let j0 = 0; j0 < nc; j0 += NR) {
        const w = Math.min(NR, nc - j0);
        for (let t = 0; t < NR; t++) {
          let q = p + t;
          if (t < w) {
            const s = off + (jc + j0 + t) * ld + pc;
            for (let k = 0; k < kc; k++, q += 8) h[q] = h[s + k];
          } else {
            for (let k = 0; k < kc; k++, q += 8) h[q] = 0;
          }
        }
        p += kc * NR;
      }
    }
  }

  /** im2col rows pc..pc+kc (kernel taps) by output positions jc..jc+nc, written as panels. */
  function packIm2col(h: Float32Array, d: Int32Array, pc: number, kc: number, jc: number, nc: number, dst: number): void {
    const D = d[F.GD], H = d[F.GH], W = d[F.GW], kD = d[F.KD], kH = d[F.KH], kW = d[F.KW];
    const sD = d[F.SD], sH = d[F.SH], sW = d[F.SW], oH = d[F.OH], oW = d[F.OW];
    const HW = H * W, DHW = D * HW, kHW = kH * kW, kDHW = kD * kHW, ohw = oH * oW;
    const jump = (kc - 1) * NR;
    const od0 = Math.floor(jc / ohw), r0 = jc - od0 * ohw, oh0 = Math.floor(r0 / oW), ow0 = r0 - oh0 * oW;
    for (let k = 0; k < kc; k++) {
      const kid = pc + k;
      const ci = Math.floor(kid / kDHW);
      let rem = kid - ci * kDHW;
      const kd = Math.floor(rem / kHW);
      rem -= kd * kHW;
      const kh = Math.floor(rem / kW), kw = rem - kh * kW;
      const offD = kd * d[F.DD] - d[F.PD], offH = kh * d[F.DH] - d[F.PH], offW = kw * d[F.DW] - d[F.PW];
      const xb = d[F.BOFF] + ci * DHW;
      let q = dst + k * NR, lane = 0, left = nc, od = od0, oh = oh0, ow = ow0;
      while (left > 0) {
        const run = Math.min(oW - ow, left);
        const id = od * sD + offD, ih = oh * sH + offH;
        if (id < 0 || id >= D || ih < 0 || ih >= H) {
          for (let t = 0; t < run; t++) {
            h[q++] = 0;
            if (++lane === NR) { lane = 0; q += jump; }
          }
        } else {
          const rb = xb + id * HW + ih * W;
          let iw = ow * sW + offW;
          for (let t = 0; t < run; t++, iw += sW) {
            h[q++] = iw >= 0 && iw < W ? h[rb + iw] : 0;
            if (++lane === NR) { lane = 0; q += jump; }
          }
        }
        left -= run;
        ow = 0;
        if (++oh === oH) { oh = 0; od++; }
      }
      while (lane !== 0 && lane < NR) { h[q++] = 0; lane++; }
    }
  }

  /** Transposed im2col: rows are output positions pc..pc+kc, columns kernel taps jc..jc+nc. */
  function packIm2colT(h: Float32Array, d: Int32Array, pc: number, kc: number, jc: number, nc: number, dst: number): void {
    const D = d[F.GD], H = d[F.GH], W = d[F.GW], kD = d[F.KD], kH = d[F.KH], kW = d[F.KW];
    const sD = d[F.SD], sH = d[F.SH], sW = d[F.SW], oH = d[F.OH], oW = d[F.OW];
    const HW = H * W, DHW = D * HW, kHW = kH * kW, kDHW = kD * kHW, ohw = oH * oW;
    const od0 = Math.floor(pc / ohw), r0 = pc - od0 * ohw, oh0 = Math.floor(r0 / oW), ow0 = r0 - oh0 * oW;
    for (let j0 = 0; j0 < nc; j0 += NR) {
      const w = Math.min(NR, nc - j0);
      const panel = dst + j0 * kc;
      for (let t = 0; t < NR; t++) {
        let q = panel + t;
        if (t >= w) {
          for (let k = 0; k < kc; k++, q += NR) h[q] = 0;
          continue;
        }
        const kid = jc + j0 + t;
        const ci = Math.floor(kid / kDHW);
        let rem = kid - ci * kDHW;
        const kd = Math.floor(rem / kHW);
        rem -= kd * kHW;
        const kh = Math.floor(rem / kW), kw = rem - kh * kW;
        const offD = kd * d[F.DD] - d[F.PD], offH = kh * d[F.DH] - d[F.PH], offW = kw * d[F.DW] - d[F.PW];
        const xb = d[F.BOFF] + ci * DHW;
        let left = kc, od = od0, oh = oh0, ow = ow0;
        while (left > 0) {
          const run = Math.min(oW - ow, left);
          const id = od * sD + offD, ih = oh * sH + offH;
          if (id < 0 || id >= D || ih < 0 || ih >= H) {
            for (let u = 0; u < run; u++, q += NR) h[q] = 0;
          } else {
            const rb = xb + id * HW + ih * W;
            let iw = ow * sW + offW;
            for (let u = 0; u < run; u++, iw += sW, q += NR) h[q] = iw >= 0 && iw < W ? h[rb + iw] : 0;
          }
          left -= run;
          ow = 0;
          if (++oh === oH) { oh = 0; od++; }
        }
      }
    }
  }

  function runChunk(d: Int32Array, chunk: number, thread: number): void {
    const h = getHeap();
    const M = d[F.M], N = d[F.N], K = d[F.K], ncc = d[F.NCOLCHUNKS];
    const rc = Math.floor(chunk / ncc), cc = chunk - rc * ncc;
    const r0 = rc * d[F.ROWCHUNK], r1 = Math.min(M, r0 + d[F.ROWCHUNK]);
    const c0 = cc * d[F.COLCHUNK], c1 = Math.min(N, c0 + d[F.COLCHUNK]);
    const bufB = d[F.SCRATCH] + thread * d[F.SCRATCHSTRIDE], tile = bufB + KC * NC;
    const mPad = Math.ceil(M / MR) * MR, aPack = d[F.APACK], cOff = d[F.C], ldc = d[F.LDC], kind = d[F.BKIND];
    for (let jc = c0; jc < c1; jc += NC) {
      const nc = Math.min(NC, c1 - jc);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = Math.min(KC, K - pc);
        if (kind === B_DENSE) packDense(h, d, pc, kc, jc, nc, bufB);
        else if (kind === B_IM2COL) packIm2col(h, d, pc, kc, jc, nc, bufB);
        else packIm2colT(h, d, pc, kc, jc, nc, bufB);
        const acc = d[F.ACC] !== 0 || pc > 0 ? 1 : 0;
        for (let ic = r0; ic < r1; ic += MC) {
          const mc = Math.min(MC, r1 - ic);
          macro((aPack + pc * mPad + ic * kc) * 4, bufB * 4, (cOff + ic * ldc + jc) * 4, ldc * 4, mc, nc, kc, acc, tile * 4);
        }
      }
    }
  }

  return { MR, NR, KC, NC, MC, scratchFloats: KC * NC + MR * NR + 16, F, B_DENSE, B_IM2COL, B_IM2COL_T, runChunk };
}
