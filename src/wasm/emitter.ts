// A tiny WebAssembly binary emitter: LEB128, the few sections a kernel module needs (types, one
// imported memory, functions, exports, code) and the scalar + SIMD (0xFD-prefixed) opcodes every
// run-time kernel uses (the cpu backend's GEMM, the landmark flow kernels). It knows nothing about
// any kernel or backend; it must not import anything.

/** Value types used by our kernels. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export const F64 = 0x7c;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit range). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [...uleb(bytes.length), ...bytes];
}

/**
 * Builds one function body. Methods append opcodes and return `this` so bodies read like
 * assembly. Locals are declared up front: params first, then `local(type)` hands out indices.
 */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly extra: number[] = [];
  constructor(
    readonly params: number[],
    readonly results: number[] = [],
  ) {}

  /** Declares a local of `type`, returning its index. */
  local(type: number): number {
    this.extra.push(type);
    return this.params.length + this.extra.length - 1;
  }
  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(0x43, ...b);
  }
  /** Structured control: `block`/`loop`/`if` with empty result type. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  if(): this {
    return this.op(0x04, 0x40);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  ltS(): this {
    return this.op(0x48);
  }
  geS(): this {
    return this.op(0x4e);
  }
  leS(): this {
    return this.op(0x4c);
  }
  ltU(): this {
    return this.op(0x49);
  }
  divS(): this {
    return this.op(0x6d);
  }
  divU(): this {
    return this.op(0x6e);
  }
  call(fn: number): this {
    return this.op(0x10, ...uleb(fn));
  }
  gtS(): this {
    return this.op(0x4a);
  }
  ne(): this {
    return this.op(0x47);
  }
  eq(): this {
    return this.op(0x46);
  }
  eqz(): this {
    return this.op(0x45);
  }
  and(): this {
    return this.op(0x71);
  }
  /** Untyped `select` (works for i32 and f32). */
  select(): this {
    return this.op(0x1b);
  }
  f32Load(offset = 0): this {
    return this.op(0x2a, 2, ...uleb(offset));
  }
  f32Store(offset = 0): this {
    return this.op(0x38, 2, ...uleb(offset));
  }
  f32Add(): this {
    return this.op(0x92);
  }
  i32Load(offset = 0): this {
    return this.op(0x28, 2, ...uleb(offset));
  }
  or(): this {
    return this.op(0x72);
  }
  shrU(): this {
    return this.op(0x76);
  }
  shl(): this {
    return this.op(0x74);
  }
  shrS(): this {
    return this.op(0x75);
  }
  return(): this {
    return this.op(0x0f);
  }

  // Scalar f64, and conversions between f32, f64 and i32.
  f64(v: number): this {
    return this.op(0x44, ...new Uint8Array(new Float64Array([v]).buffer));
  }
  f64Load(offset = 0): this {
    return this.op(0x2b, 3, ...uleb(offset));
  }
  f64Store(offset = 0): this {
    return this.op(0x39, 3, ...uleb(offset));
  }
  /** f32.load then f64.promote_f32. */
  f32LoadAsF64(offset = 0): this {
    return this.f32Load(offset).op(0xbb);
  }
  /** f32.demote_f64 then f32.store (the value must be on top of an address). */
  f64StoreAsF32(offset = 0): this {
    return this.op(0xb6).f32Store(offset);
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64Sub(): this {
    return this.op(0xa1);
  }
  f64Mul(): this {
    return this.op(0xa2);
  }
  f64Div(): this {
    return this.op(0xa3);
  }
  f64Lt(): this {
    return this.op(0x63);
  }
  f64Ge(): this {
    return this.op(0x66);
  }
  f64ConvertI32S(): this {
    return this.op(0xb7);
  }
  i32TruncF64S(): this {
    return this.op(0xaa);
  }

  /** A SIMD (0xFD-prefixed) opcode `op` with immediates `imm`. */
  simdOp(op: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(op), ...imm);
  }
  v128Load(offset = 0): this {
    return this.simdOp(0x00, 4, ...uleb(offset));
  }
  v128Load32Splat(offset = 0): this {
    return this.simdOp(0x09, 2, ...uleb(offset));
  }
  v128Store(offset = 0): this {
    return this.simdOp(0x0b, 4, ...uleb(offset));
  }
  v128Zero(): this {
    return this.simdOp(0x0c, ...new Array(16).fill(0));
  }
  /** i8x16.shuffle of the two vectors on the stack, given as four f32 lane picks (0-7). */
  shuffleF32(lanes: [number, number, number, number]): this {
    return this.simdOp(0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
  }
  f32x4Add(): this {
    return this.simdOp(0xe4);
  }
  f32x4Sub(): this {
    return this.simdOp(0xe5);
  }
  f32x4Mul(): this {
    return this.simdOp(0xe6);
  }
  /** f32x4.pmax: b where a < b, else a (so pmax(0, x) is 0 for NaN and -0, as `x > 0 ? x : 0`). Stack a, b. */
  f32x4Pmax(): this {
    return this.simdOp(0xeb);
  }
  /** Relaxed SIMD `f32x4.relaxed_madd` (a * b + c, fused or not as the engine chooses): stack a, b, c. */
  f32x4RelaxedMadd(): this {
    return this.simdOp(0x105);
  }
  v128Load32Zero(offset = 0): this {
    return this.simdOp(0x5c, 2, ...uleb(offset));
  }
  /** v128.load32_lane: [addr, vec] → vec with `lane` replaced. */
  v128Load32Lane(lane: number, offset = 0): this {
    return this.simdOp(0x56, 2, ...uleb(offset), lane);
  }
  /** v128.store32_lane: [addr, vec] → (). */
  v128Store32Lane(lane: number, offset = 0): this {
    return this.simdOp(0x5a, 2, ...uleb(offset), lane);
  }
  v128And(): this {
    return this.simdOp(0x4e);
  }
  /** v128.andnot: a & ~b (stack a, b). */
  v128Andnot(): this {
    return this.simdOp(0x4f);
  }
  i32x4Splat(): this {
    return this.simdOp(0x11);
  }
  f32x4Splat(): this {
    return this.simdOp(0x13);
  }
  f32x4Ne(): this {
    return this.simdOp(0x42);
  }
  f32x4Div(): this {
    return this.simdOp(0xe7);
  }
  /** f32x4.pmin: b < a ? b : a (one minps, unlike f32x4.min's NaN and -0 rules). */
  f32x4Pmin(): this {
    return this.simdOp(0xea);
  }
  i32x4Shl(): this {
    return this.simdOp(0xab);
  }
  i32x4Add(): this {
    return this.simdOp(0xae);
  }
  v128Bitselect(): this {
    return this.simdOp(0x52);
  }
  i32x4ExtractLane(lane: number): this {
    return this.simdOp(0x1b, lane);
  }
  i32x4TruncSatF64x2SZero(): this {
    return this.simdOp(0xfc);
  }

  // f64x2, for two-pixel f64 code.
  f64x2Splat(): this {
    return this.simdOp(0x14);
  }
  /** f64x2.replace_lane: [vec, f64] → vec with `lane` replaced. */
  f64x2ReplaceLane(lane: number): this {
    return this.simdOp(0x22, lane);
  }
  f64x2PromoteLow(): this {
    return this.simdOp(0x5f);
  }
  f32x4DemoteZero(): this {
    return this.simdOp(0x5e);
  }
  f64x2Lt(): this {
    return this.simdOp(0x49);
  }
  f64x2Ge(): this {
    return this.simdOp(0x4c);
  }
  f64x2Add(): this {
    return this.simdOp(0xf0);
  }
  f64x2Sub(): this {
    return this.simdOp(0xf1);
  }
  f64x2Mul(): this {
    return this.simdOp(0xf2);
  }
  f64x2ConvertLowI32x4S(): this {
    return this.simdOp(0xfe);
  }

  /** The encoded body: local declarations (run-length grouped) then code. */
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([n, t]) => [...uleb(n), t])), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** Memory import description: `shared` needs `maximum`. */
export interface MemoryImport {
  initial: number;
  maximum: number;
  shared: boolean;
}

/** Assembles a module that imports `env.mem` and exports `fns` under their names. */
export function emitModule(
  memory: MemoryImport,
  fns: Array<{ name: string; fn: FunctionBuilder }>,
): Uint8Array<ArrayBuffer> {
  const types = fns.map(({ fn }) => [0x60, ...vec(fn.params.map((p) => [p])), ...vec(fn.results.map((r) => [r]))]);
  const limits = memory.shared
    ? [0x03, ...uleb(memory.initial), ...uleb(memory.maximum)]
    : [0x01, ...uleb(memory.initial), ...uleb(memory.maximum)];
  const imports = vec([[...name('env'), ...name('mem'), 0x02, ...limits]]);
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec(fns.map(({ name: n }, i) => [...name(n), 0x00, ...uleb(i)]));
  const code = vec(fns.map(({ fn }) => fn.encode()));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
