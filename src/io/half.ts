// 16-bit float decoding shared by the weight readers (safetensors, torch checkpoints): IEEE
// half (float16) and bfloat16 bit patterns to JavaScript numbers. Pure functions; imports nothing.

/** An IEEE 754 half-precision bit pattern (float16) as a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));

/** A bfloat16 bit pattern (the top half of a float32) as a number. */
export function bfloat16ToFloat(b: number): number {
  bf16Scratch.setUint32(0, (b & 0xffff) << 16, true);
  return bf16Scratch.getFloat32(0, true);
}
