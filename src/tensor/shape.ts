// Shape arithmetic shared by ops and backends: sizes, strides, broadcasting, concat rows, axis normalisation.
// Pure functions on number arrays; imports nothing.

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Strides of `inShape` viewed as `outShape` (right-aligned), 0 along broadcast dims. */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const out = new Array<number>(outShape.length).fill(0);
  let acc = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    const o = outShape.length - inShape.length + i;
    out[o] = inShape[i] === 1 ? 0 : acc;
    acc *= inShape[i];
  }
  return out;
}

/**
 * Concatenation along `axis` seen as rows: `outer` rows (the dims before the axis), each made of
 * one chunk per input (`chunks[k]`: its axis length times the dims after the axis), `rowLen` long.
 */
export function concatRows(
  shapes: readonly Shape[],
  axis: number,
): { outer: number; chunks: number[]; rowLen: number } {
  const first = shapes[0];
  const inner = sizeOf(first.slice(axis + 1));
  const chunks = shapes.map((s) => s[axis] * inner);
  return { outer: sizeOf(first.slice(0, axis)), chunks, rowLen: chunks.reduce((a, b) => a + b, 0) };
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** NumPy broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (dim ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The axes of `outShape` along which `inShape` was broadcast (to sum a gradient back). */
export function broadcastedAxes(inShape: Shape, outShape: Shape): number[] {
  const axes: number[] = [];
  const offset = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    const d = i < offset ? 1 : inShape[i - offset];
    if (d === 1 && outShape[i] !== 1) axes.push(i);
    else if (i < offset) axes.push(i);
  }
  return axes;
}

/** Normalises a possibly negative axis; throws naming the op. */
export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new Error(`${op}: dim ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises a dim option (one axis, several, or all when undefined) to sorted unique axes. */
export function normAxes(op: string, dims: number | readonly number[] | undefined, rank: number): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : [...dims];
  const axes = [...new Set(list.map((d) => normAxis(op, d, rank)))];
  return axes.sort((x, y) => x - y);
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${op}: invalid shape ${fmt(shape)}: dims must be integers >= 0`);
  }
}
