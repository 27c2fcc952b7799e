// Scalar opcodes the shared WebAssembly emitter (src/backend/cpu/kernels/wasm-emitter.ts, read-only
// here) does not name: f64 arithmetic and comparisons, f32↔f64 and i32↔f64 conversions, f64 and i32
// memory access. A subclass, so bodies keep chaining (`this`-typed methods of the base class).
import { FunctionBuilder, uleb } from '../../backend/cpu/kernels/wasm-emitter.js';

export { F32, I32, V128, emitModule } from '../../backend/cpu/kernels/wasm-emitter.js';
/** The f64 value type. */
export const F64 = 0x7c;

/** {@link FunctionBuilder} plus the scalar f64 / conversion / memory opcodes the flow kernels use. */
export class Builder extends FunctionBuilder {
  f64(v: number): this {
    return this.op(0x44, ...new Uint8Array(new Float64Array([v]).buffer));
  }
  i32Load(offset = 0): this { return this.op(0x28, 2, ...uleb(offset)); }
  f64Load(offset = 0): this { return this.op(0x2b, 3, ...uleb(offset)); }
  f64Store(offset = 0): this { return this.op(0x39, 3, ...uleb(offset)); }
  /** f32.load then f64.promote_f32. */
  f32LoadAsF64(offset = 0): this { return this.f32Load(offset).op(0xbb); }
  /** f32.demote_f64 then f32.store (the value must be on top of an address). */
  f64StoreAsF32(offset = 0): this { return this.op(0xb6).f32Store(offset); }
  f64Add(): this { return this.op(0xa0); }
  f64Sub(): this { return this.op(0xa1); }
  f64Mul(): this { return this.op(0xa2); }
  f64Div(): this { return this.op(0xa3); }
  f64Lt(): this { return this.op(0x63); }
  f64Ge(): this { return this.op(0x66); }
  f64ConvertI32S(): this { return this.op(0xb7); }
  i32TruncF64S(): this { return this.op(0xaa); }
  or(): this { return this.op(0x72); }
  shl(): this { return this.op(0x74); }
  return(): this { return this.op(0x0f); }

  // SIMD (0xFD prefix) ops for two-pixel f64x2 code.
  simdOp(op: number, ...imm: number[]): this { return this.op(0xfd, ...uleb(op), ...imm); }
  v128Load32Zero(offset = 0): this { return this.simdOp(0x5c, 2, ...uleb(offset)); }
  /** v128.load32_lane: [addr, vec] → vec with `lane` replaced. */
  v128Load32Lane(lane: number, offset = 0): this { return this.simdOp(0x56, 2, ...uleb(offset), lane); }
  /** v128.store32_lane: [addr, vec] → (). */
  v128Store32Lane(lane: number, offset = 0): this { return this.simdOp(0x5a, 2, ...uleb(offset), lane); }
  f64x2PromoteLow(): this { return this.simdOp(0x5f); }
  f32x4DemoteZero(): this { return this.simdOp(0x5e); }
  f64x2Splat(): this { return this.simdOp(0x14); }
  i32x4ExtractLane(lane: number): this { return this.simdOp(0x1b, lane); }
  v128And(): this { return this.simdOp(0x4e); }
  v128Bitselect(): this { return this.simdOp(0x52); }
  f64x2Lt(): this { return this.simdOp(0x49); }
  f64x2Ge(): this { return this.simdOp(0x4c); }
  f64x2Add(): this { return this.simdOp(0xf0); }
  f64x2Sub(): this { return this.simdOp(0xf1); }
  f64x2Mul(): this { return this.simdOp(0xf2); }
  i32x4TruncSatF64x2SZero(): this { return this.simdOp(0xfc); }
  f64x2ConvertLowI32x4S(): this { return this.simdOp(0xfe); }
}
