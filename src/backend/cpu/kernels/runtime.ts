// Owns the one WebAssembly memory and GEMM instance of this thread, the chunk driver bound to
// them, and a bump arena over the heap that each public kernel call resets. The memory is shared
// when worker threads can be used (Node; cross-origin-isolated pages), plain otherwise. Must not
// import node modules.
import { canShareMemory, hardwareThreads, useRelaxedSimd } from '../../../wasm/host.js';
import { growToFit } from '../../../wasm/instance.js';
import { gemmModuleBytes } from './gemm-module.js';
import { createDriver, type Driver, type DriverExports } from './chunk-driver.js';
import { createWinogradDriver, type WinogradDriver, type WinogradExports } from './winograd-driver.js';
import { lstmModuleBytes, type LstmKernels } from './lstm-module.js';
import { createLstmDriver, type LstmDriver } from './lstm-driver.js';

/** 2 GiB: byte addresses stay below 2^31, so the wasm side can use signed i32 arithmetic. */
export const MAX_PAGES = 32768;

/** Every export of the kernel module: the driver's two plus the A packers. Addresses are bytes. */
export interface KernelExports extends DriverExports, WinogradExports {
  copy4(dst: number, src: number, srcStrideBytes: number, count: number): void;
  reluInPlace(ptr: number, count: number): void;
  copyRows(dst: number, dstStride: number, src: number, srcStride: number, rows: number, len: number): void;
  winoWeightsGrad(dst: number, src: number, count: number, tStride: number): void;
}

export interface Runtime {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly shared: boolean;
  /** The macro-kernel multiplies and adds with relaxed SIMD's fused multiply-add. */
  readonly fma: boolean;
  readonly driver: Driver;
  readonly winograd: WinogradDriver;
  /** The LSTM cell module (instantiated by every worker too), its exports here, and its job runner. */
  readonly lstmModule: WebAssembly.Module;
  readonly lstm: LstmKernels;
  readonly lstmDriver: LstmDriver;
  /** Runs chunk `chunk` of the job in `d` on thread `thread`: a GEMM or a Winograd chunk by its KIND field. */
  runChunk(d: Int32Array, chunk: number, thread: number): void;
  readonly wasm: KernelExports;
  /** Job descriptor, SharedArrayBuffer-backed when `shared`. */
  readonly desc: Int32Array;
  /** Thread `t`'s scratch starts at `scratchBase + t * scratchStride` (floats). */
  readonly scratchBase: number;
  readonly scratchStride: number;
  readonly maxThreads: number;
  /** The current heap view (re-created after growth). */
  heap(): Float32Array;
  /** Starts a fresh arena for one public kernel call. */
  reset(): void;
  /** Reserves `floats` (64-byte aligned) and grows memory as needed; returns a float offset. */
  alloc(floats: number): number;
  /** The arena top, to hand back temporary space with `release`. */
  mark(): number;
  release(mark: number): void;
  /**
   * Reserves a block of `floats` that outlives kernel calls (a tensor kept in the heap; see
   * resident.ts), below the per-call arena, growing memory as needed. Only between calls (the
   * arena starts above the persistent blocks). Returns a float offset, or -1 past the heap limit.
   */
  persist(floats: number): number;
  /** Hands a {@link persist} block back. */
  unpersist(offset: number, floats: number): void;
  /** Floats held by persistent blocks (tests, memory reports). */
  persistentFloats(): number;
}

let runtime: Runtime | null = null;

/** The lazily created runtime of this thread. */
export function getRuntime(): Runtime {
  if (runtime) return runtime;
  let shared = canShareMemory();
  const initial = 64;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial, maximum: MAX_PAGES, ...(shared ? { shared: true } : {}) });
  } catch (err) {
    // A shared memory reserves its maximum up front; where that much address space is refused
    // (32-bit browsers), run single-threaded on a plain one.
    if (!shared) throw err;
    shared = false;
    memory = new WebAssembly.Memory({ initial, maximum: MAX_PAGES });
  }
  const maxThreads = shared ? hardwareThreads() : 1;
  const fma = useRelaxedSimd();
  const module = new WebAssembly.Module(
    gemmModuleBytes({ mr: 4, nr: 8, fma }, { initial, maximum: MAX_PAGES, shared }),
  );
  const instance = new WebAssembly.Instance(module, { env: { mem: memory } });
  let view = new Float32Array(memory.buffer);
  const heap = (): Float32Array => {
    if (view.buffer.byteLength !== memory.buffer.byteLength || view.byteLength === 0)
      view = new Float32Array(memory.buffer);
    return view;
  };
  const wasm = instance.exports as unknown as KernelExports;
  const driver = createDriver(wasm);
  const winograd = createWinogradDriver(wasm, driver, heap);
  const lstmModule = new WebAssembly.Module(lstmModuleBytes(shared, MAX_PAGES));
  const lstm = new WebAssembly.Instance(lstmModule, { env: { mem: memory } }).exports as unknown as LstmKernels;
  const lstmDriver = createLstmDriver(lstm, driver);
  const runChunk = chunkRunner(driver, winograd, lstmDriver);
  const scratchStride = Math.ceil(driver.scratchFloats / 16) * 16;
  // Floats 0..15 stay zero forever: the packers read padding from there.
  const scratchBase = 16;
  const jobBase = scratchBase + scratchStride * maxThreads;
  const heapSpace = createHeapSpace(memory, jobBase);
  heapSpace.ensure(jobBase);
  const descBuffer = shared ? new SharedArrayBuffer(64 * 4) : new ArrayBuffer(64 * 4);
  runtime = {
    memory,
    module,
    shared,
    fma,
    driver,
    winograd,
    lstmModule,
    lstm,
    lstmDriver,
    runChunk,
    wasm,
    maxThreads,
    scratchBase,
    scratchStride,
    desc: new Int32Array(descBuffer),
    heap,
    reset: heapSpace.reset,
    mark: heapSpace.mark,
    release: heapSpace.release,
    alloc: heapSpace.alloc,
    persist: heapSpace.persist,
    unpersist: heapSpace.unpersist,
    persistentFloats: heapSpace.persistentFloats,
  };
  warmUp(runtime);
  return runtime;
}

/**
 * The heap above `jobBase` (floats): persistent blocks (resident tensors) in [jobBase, arenaBase),
 * reused first-fit from a sorted list of holes; above them the per-call arena, a bump allocator
 * that every public kernel call resets.
 */
function createHeapSpace(memory: WebAssembly.Memory, jobBase: number) {
  let top = jobBase,
    arenaBase = jobBase,
    persistent = 0;
  const free: Array<{ off: number; size: number }> = [];
  const ensure = (floats: number): void => {
    if (!growToFit(memory, floats * 4, MAX_PAGES)) {
      throw new Error(
        `cpu kernels: a call needs ${((floats * 4) / 2 ** 20).toFixed(0)} MiB of kernel heap, more than the 2 GiB limit`,
      );
    }
  };
  const aligned = (floats: number): number => Math.ceil(floats / 16) * 16;
  return {
    ensure,
    reset: () => {
      top = arenaBase;
    },
    mark: () => top,
    release: (m: number) => {
      top = m;
    },
    alloc: (floats: number) => {
      const p = top;
      top += aligned(floats);
      ensure(top);
      return p;
    },
    persist: (floats: number) => {
      const size = aligned(floats);
      const hole = free.findIndex((f) => f.size >= size);
      let off: number;
      if (hole >= 0) {
        off = free[hole].off;
        if (free[hole].size === size) free.splice(hole, 1);
        else free[hole] = { off: off + size, size: free[hole].size - size };
      } else {
        if (!growToFit(memory, (arenaBase + size) * 4, MAX_PAGES)) return -1;
        off = arenaBase;
        arenaBase += size;
      }
      persistent += size;
      top = Math.max(top, arenaBase);
      return off;
    },
    unpersist: (offset: number, floats: number) => {
      const size = aligned(floats);
      persistent -= size;
      let i = free.findIndex((f) => f.off > offset);
      if (i < 0) i = free.length;
      free.splice(i, 0, { off: offset, size });
      // Merge with the next hole, then the previous one.
      if (i + 1 < free.length && free[i].off + free[i].size === free[i + 1].off) {
        free[i].size += free[i + 1].size;
        free.splice(i + 1, 1);
      }
      if (i > 0 && free[i - 1].off + free[i - 1].size === free[i].off) {
        free[i - 1].size += free[i].size;
        free.splice(i, 1);
      }
      // A hole at the top of the persistent blocks goes back to the arena.
      const last = free[free.length - 1];
      if (last && last.off + last.size === arenaBase) {
        arenaBase = last.off;
        free.pop();
      }
    },
    persistentFloats: () => persistent,
  };
}

/** One entry for every job kind; also the workers' (its source text runs there). */
export function chunkRunner(
  driver: Driver,
  winograd: WinogradDriver,
  lstm: LstmDriver,
): (d: Int32Array, c: number, t: number) => void {
  const KIND = driver.F.KIND;
  return (d, c, t) => {
    const kind = d[KIND];
    if (kind === 0) driver.runChunk(d, c, t);
    else if (kind === lstm.KIND_FORWARD || kind === lstm.KIND_BACKWARD) lstm.runChunk(d, c, t);
    else winograd.runChunk(d, c, t);
  };
}

/**
 * Calls the macro-kernel enough times on a small block that V8 tiers it up from its baseline
 * compiler (several times slower) before real work arrives.
 */
export function warmUp(rt: Pick<Runtime, 'driver' | 'scratchBase' | 'heap'>): void {
  const { driver } = rt;
  const base = rt.scratchBase;
  const d = new Int32Array(driver.F.SIZE);
  const F = driver.F;
  // A 16 x 64 x 64 product inside this thread's scratch: A at base, C at +2048, B at +8192.
  rt.heap().fill(0, base, base + driver.scratchFloats);
  d[F.M] = 16;
  d[F.N] = 64;
  d[F.K] = 64;
  d[F.APACK] = base;
  d[F.C] = base + 2048;
  d[F.LDC] = 64;
  d[F.ROWCHUNK] = 16;
  d[F.COLCHUNK] = 64;
  d[F.NCOLCHUNKS] = 1;
  d[F.NCHUNKS] = 1;
  d[F.BKIND] = driver.B_DENSE;
  d[F.BOFF] = base + 8192;
  d[F.BLD] = 64;
  d[F.SCRATCH] = base + 16384;
  d[F.SCRATCHSTRIDE] = 0;
  for (let i = 0; i < 200; i++) driver.runChunk(d, 0, 0);
}
