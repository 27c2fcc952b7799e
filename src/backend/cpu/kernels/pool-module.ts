// The wasm half of C3D's max pools (2x2 and 2x2x2 windows, stride = window, no padding): four
// outputs per vector with branchless selects, so random activations cost no branch mispredictions
// (the JS loop spent most of its time there). Exported by the kernel module; pool3d.ts drives it.
// Imports only the byte emitter (src/wasm).
import { FunctionBuilder, I32, V128 } from '../../../wasm/emitter.js';

/**
 * `maxPoolRow(y, arg, src, count, rowBytes, planeBytes, deep, index)`: `count` (a multiple of 4)
 * outputs of one output row. Output i's window starts at `src + 8 i` bytes and covers 2 x 2 floats
 * (rows `rowBytes` apart), or 2 x 2 x 2 with `deep` (planes `planeBytes` apart). The window's cells
 * are compared in (d, h, w) order with `v > best || v != v`, as the general JS loop, so the first
 * maximum wins and the last NaN takes over; y gets the maximum, arg its flat index in x (`index` is
 * the flat index of output 0's first cell).
 */
export function buildMaxPoolRow(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [y, arg, src, count, rowBytes, planeBytes, deep, index] = [0, 1, 2, 3, 4, 5, 6, 7];
  const best = f.local(V128),
    at = f.local(V128),
    iv = f.local(V128),
    v = f.local(V128),
    m = f.local(V128),
    lo = f.local(V128),
    hi = f.local(V128),
    row = f.local(I32);
  const i32x4Splat = (): FunctionBuilder => f.simdOp(0x11);
  const i32x4Add = (): FunctionBuilder => f.simdOp(0xae);
  // iv = index + (0, 2, 4, 6): the flat index of each lane's first cell.
  f.get(index).i32(0).add();
  i32x4Splat();
  f.set(iv);
  for (let lane = 1; lane < 4; lane++)
    f.get(iv)
      .get(index)
      .i32(2 * lane)
      .add()
      .simdOp(0x1c, lane)
      .set(iv);
  /** Compares the 8 floats at `row` (even lanes, then odd ones) into best/at; `first` seeds them. */
  const cells = (offset: () => void, first: boolean): void => {
    f.get(row).v128Load(0).set(lo).get(row).v128Load(16).set(hi);
    for (const [k, lanes] of [
      [0, [0, 2, 4, 6] as [number, number, number, number]],
      [1, [1, 3, 5, 7] as [number, number, number, number]],
    ] as const) {
      f.get(lo).get(hi).shuffleF32(lanes).set(v);
      // Index of this cell in each lane: iv + offset (+1 for the odd column).
      const idx = (): void => {
        f.get(iv);
        offset();
        if (k === 1) f.i32(1).add();
        i32x4Splat();
        i32x4Add();
      };
      if (first && k === 0) {
        f.get(v).set(best);
        idx();
        f.set(at);
        continue;
      }
      // m = v > best | v != v
      f.get(v).get(best).simdOp(0x44).get(v).get(v).simdOp(0x42).simdOp(0x50).set(m);
      f.get(v).get(best).get(m).v128Bitselect().set(best);
      idx();
      f.get(at).get(m).v128Bitselect().set(at);
    }
  };
  f.block().loop();
  f.get(count).i32(4).ltS().brIf(1);
  f.get(src).set(row);
  cells(() => f.i32(0), true);
  f.get(src).get(rowBytes).add().set(row);
  cells(() => f.get(rowBytes).i32(2).shrU(), false);
  f.get(deep).if();
  f.get(src).get(planeBytes).add().set(row);
  cells(() => f.get(planeBytes).i32(2).shrU(), false);
  f.get(src).get(planeBytes).add().get(rowBytes).add().set(row);
  cells(() => f.get(planeBytes).get(rowBytes).add().i32(2).shrU(), false);
  f.end();
  f.get(y).get(best).v128Store(0).get(arg).get(at).v128Store(0);
  f.get(iv).i32(8);
  i32x4Splat();
  i32x4Add();
  f.set(iv);
  f.get(src).i32(32).add().set(src);
  f.get(y).i32(16).add().set(y).get(arg).i32(16).add().set(arg);
  f.get(count).i32(4).sub().set(count);
  f.br(0).end().end();
  return f;
}
