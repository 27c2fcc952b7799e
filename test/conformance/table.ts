// The conformance table: every primitive of the backend contract (src/backend/backend.ts) and every
// public op built on them is a row, saying how to make its inputs (seeded), the call, the oracle
// (src/backend/cpu/reference.ts for primitives; finite differences, TF.js and the cpu backend for
// ops) and the tolerances. Runners (./node.test.ts, ./gradcheck.test.ts, ./tfjs.test.ts,
// test/gpu/webgpu-node.test.ts, the Chromium page) execute the rows; adding an op's tests is adding
// a row in ./rows. No test framework and no Node import here: the table is bundled into the page.
import type * as TF from '@tensorflow/tfjs';
import type { Backend, DataId } from '../../src/backend/backend.js';
import type { Tensor } from '../../src/index.js';
import type { Tolerance } from './compare.js';
import type { GradInput, GradcheckOptions } from './gradcheck.js';
import { GRAPH_ROWS } from './rows/graphs.js';
import { OP_ROWS } from './rows/ops.js';
import { CONV_POOL_ROWS } from './rows/conv-pool.js';
import { PRIMITIVE_ROWS } from './rows/primitives.js';

/**
 * The backends a row can run on: the cpu backend (WebAssembly kernels), gpu.js's modes, and the
 * gpu backend's WebGPU mode (Dawn in Node, Chromium's own in the browser).
 */
export type Env = 'cpu' | 'webasm' | 'headlessgl' | 'webgl2' | 'webgpu';

/** The primitives of the contract a row can cover (the storage methods are exercised by every row). */
export type PrimitiveName = Exclude<
  keyof Backend,
  'name' | 'mode' | 'ready' | 'upload' | 'fill' | 'read' | 'readSync' | 'disposeData' | 'liveBuffers' | 'liveBytes'
>;

/** A tolerance, with overrides for the backends that accumulate differently. */
export interface RowTolerance extends Tolerance {
  on?: Partial<Record<Env, Tolerance>>;
}

/** One primitive call on the Backend interface, checked against the reference module on every backend. */
export interface PrimitiveRow {
  kind: 'primitive';
  name: string;
  primitive: PrimitiveName;
  /** Host inputs, seeded. */
  inputs(): Float32Array[];
  /** The call; returns the handles to read (fresh outputs or, for in-place updates, the updated inputs). */
  call(b: Backend, ids: DataId[]): DataId[];
  /** What `call` must produce, from src/backend/cpu/reference.ts. */
  reference(inputs: Float32Array[]): ArrayLike<number>[];
  tol: RowTolerance;
  /** Backends to run on; default every one available. */
  on?: readonly Env[];
}

/** A TF.js twin of an op row: the same computation in tfjs (layouts converted inside). */
export interface TfjsTwin {
  call(tf: typeof TF, ...xs: TF.Tensor[]): TF.Tensor;
  /** Compare gradients too (default true; false where tfjs has no gradient for the form). */
  grads?: boolean;
}

/**
 * One public op on given inputs. Its oracles: a finite-difference gradient check (`gradcheck`) and
 * TF.js parity (`tfjs`) on the cpu backend, and on each backend in `on` the forward values and input
 * gradients compared with the cpu backend's.
 */
export interface OpRow {
  kind: 'op';
  name: string;
  /** The public op (or ops) the row covers. */
  op: string;
  /** Input shapes and value ranges; values default to uniform, seeded by the row name. */
  inputs: readonly GradInput[];
  call(...xs: Tensor[]): Tensor | readonly Tensor[];
  gradcheck?: true | GradcheckOptions;
  tfjs?: TfjsTwin;
  /** Tolerance against tfjs or another backend; default rtol 1e-4 elementwise plus 1e-5 of max |expected|. */
  tol?: RowTolerance;
  /** Backends (besides cpu) whose forward and gradients are compared with cpu's; default none. */
  on?: readonly Env[];
}

/**
 * A graph of public ops with its own tensors (model steps, optimizer steps, layer-sized products),
 * built from `manualSeed(7)` on the cpu backend and on each other backend, every returned tensor
 * compared. The cpu run is the oracle: its primitives are the ones the primitive rows prove.
 */
export interface GraphRow {
  kind: 'graph';
  name: string;
  build(): Tensor[] | Promise<Tensor[]>;
  tol: RowTolerance;
  /** Backends to run on besides cpu; default every one available. */
  on?: readonly Env[];
}

export type Row = PrimitiveRow | OpRow | GraphRow;

/** The whole table. */
export const ROWS: readonly Row[] = [...PRIMITIVE_ROWS, ...CONV_POOL_ROWS, ...OP_ROWS, ...GRAPH_ROWS];

/** The tolerance of `row` on `env`. */
export function toleranceOn(tol: RowTolerance, env: Env): Tolerance {
  return tol.on?.[env] ?? tol;
}

/**
 * The rows of `env` a backend whose kernels compile slowly (Chromium's WebGL2 on a software
 * rasterizer) runs: the first row of each primitive that runs there, and every op and graph row.
 */
export function sampleRows(rows: readonly Row[], env: Env): Row[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    if (!runsOn(r, env)) return false;
    if (r.kind !== 'primitive') return true;
    if (seen.has(r.primitive)) return false;
    seen.add(r.primitive);
    return true;
  });
}

/** Whether `row` runs on `env` (op rows run on cpu through their gradcheck and tfjs oracles). */
export function runsOn(row: Row, env: Env): boolean {
  if (row.kind === 'op') return env !== 'cpu' && (row.on ?? []).includes(env);
  if (row.kind === 'graph' && env === 'cpu') return false;
  return row.on === undefined || row.on.includes(env);
}
