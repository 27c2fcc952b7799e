// Runs a GEMM job's chunks on the calling thread plus worker threads that share its wasm memory,
// blocking with Atomics.wait so kernels stay synchronous (spinning instead on a browser's main
// thread, which may not block). Workers come from node:worker_threads (read through
// process.getBuiltinModule, never a top-level import) or, in a cross-origin-isolated page, from Web
// Workers made from a Blob; they run the driver from its source text and start lazily. Without
// them every chunk runs here.
import { createDriver } from './chunk-driver.js';
import { nodeBuiltin } from '../../../wasm/host.js';
import { createWinogradDriver } from './winograd-driver.js';
import { createLstmDriver } from './lstm-driver.js';
import { chunkRunner, getRuntime, warmUp, type Runtime } from './runtime.js';

// Control words (Int32Array on a SharedArrayBuffer).
const SEQ = 0,
  NEXT = 1,
  DONE = 2,
  ACTIVE = 3,
  READY = 4,
  ERROR = 5,
  WORKED = 6;

interface WorkerLike {
  unref(): void;
  on(event: string, cb: (...args: unknown[]) => void): void;
}
interface WorkerThreads {
  Worker: new (src: string, opts: { eval: true; workerData: unknown }) => WorkerLike;
}
/** The part of the DOM's Worker used here (lib.dom is not in this package's types). */
interface WebWorkerLike {
  postMessage(data: unknown): void;
  onerror: ((e: unknown) => void) | null;
}
type WebWorkerCtor = new (url: string) => WebWorkerLike;

/**
 * Atomics.load polls (~10 ns each: ~0.2 ms in all) a thread makes before it sleeps in
 * Atomics.wait. Waking a sleeping thread took tens of µs here (a futex and, in a VM, a halted
 * vCPU), as long as a small product's chunk; back-to-back jobs (an LSTM's 50 steps, ~0.1 ms
 * apart) then find the other thread still polling.
 */
const SPIN = 20000;

let wanted: number | null = null;
let ctrl: Int32Array | null = null;
const workers: WorkerLike[] = [];
let workersFailed = false;

/**
 * The worker's whole program: instantiate the shared module, warm up, then serve jobs forever.
 * `node` reads its setup from workerData; `web` from its first message.
 */
function workerSource(kind: 'node' | 'web'): string {
  // `__name` is what esbuild's keepNames (used by tsx) inserts into function bodies.
  const start =
    kind === 'node'
      ? "main(require('node:worker_threads').workerData);"
      : 'self.onmessage = (e) => { self.onmessage = null; main(e.data); };';
  return `
var __name = (f) => f;
${start}
function main({ module, lstmModule, memory, ctrl, desc, index, scratchBase }) {
const instance = new WebAssembly.Instance(module, { env: { mem: memory } });
const lstm = new WebAssembly.Instance(lstmModule, { env: { mem: memory } }).exports;
let view = new Float32Array(memory.buffer);
const heap = () => {
  if (view.buffer.byteLength !== memory.buffer.byteLength) view = new Float32Array(memory.buffer);
  return view;
};
const createDriver = ${createDriver.toString()};
const warmUp = ${warmUp.toString()};
const createWinogradDriver = ${createWinogradDriver.toString()};
const createLstmDriver = ${createLstmDriver.toString()};
const chunkRunner = ${chunkRunner.toString()};
const driver = createDriver(instance.exports);
const runChunk = chunkRunner(driver, createWinogradDriver(instance.exports, driver, heap), createLstmDriver(lstm, driver));
warmUp({ driver, heap, scratchBase });
Atomics.add(ctrl, ${READY}, 1);
let seen = Atomics.load(ctrl, ${SEQ});
for (;;) {
  for (let i = 0; i < ${SPIN} && Atomics.load(ctrl, ${SEQ}) === seen; i++);
  Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  // Odd: the caller is preparing the next job (see runJob); wait for it to be published.
  if (seen & 1) continue;
  Atomics.add(ctrl, ${ACTIVE}, 1);
  if (Atomics.load(ctrl, ${SEQ}) === seen) {
    const n = desc[driver.F.NCHUNKS];
    for (;;) {
      const c = Atomics.add(ctrl, ${NEXT}, 1);
      if (c >= n) break;
      try { runChunk(desc, c, index); } catch (e) { Atomics.store(ctrl, ${ERROR}, 1); }
      Atomics.add(ctrl, ${WORKED}, 1);
      Atomics.add(ctrl, ${DONE}, 1);
      Atomics.notify(ctrl, ${DONE});
    }
  }
  Atomics.sub(ctrl, ${ACTIVE}, 1);
  Atomics.notify(ctrl, ${ACTIVE});
}
}
`;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
let canBlock: boolean | null = null;
function threadCanBlock(): boolean {
  if (canBlock === null) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // value differs: returns at once where allowed
      canBlock = true;
    } catch {
      canBlock = false;
    }
  }
  return canBlock;
}

/** Waits (up to `ms`) while `arr[i]` is `value`: Atomics.wait where allowed, a short spin otherwise. */
function waitWhile(arr: Int32Array, i: number, value: number, ms: number): void {
  if (threadCanBlock()) {
    Atomics.wait(arr, i, value, ms);
    return;
  }
  for (let n = 0; n < 4096 && Atomics.load(arr, i) === value; n++) {
    /* spin */
  }
}

function workerData(rt: Runtime, index: number): Record<string, unknown> {
  return {
    module: rt.module,
    lstmModule: rt.lstmModule,
    memory: rt.memory,
    ctrl,
    desc: rt.desc,
    index,
    scratchBase: rt.scratchBase + index * rt.scratchStride,
  };
}

/** Web Workers from one Blob URL, for cross-origin-isolated pages (module and memory are posted). */
function spawnWebWorkers(rt: Runtime, count: number): void {
  const g = globalThis as unknown as {
    Worker?: WebWorkerCtor;
    Blob?: new (parts: string[], o: { type: string }) => unknown;
    URL: { createObjectURL?: (b: unknown) => string };
  };
  if (!g.Worker || !g.Blob || !g.URL.createObjectURL) {
    workersFailed = true;
    return;
  }
  const url = g.URL.createObjectURL(new g.Blob([workerSource('web')], { type: 'text/javascript' }));
  while (workers.length < count) {
    try {
      const w = new g.Worker(url);
      w.onerror = () => {
        workersFailed = true;
      };
      w.postMessage(workerData(rt, workers.length + 1));
      workers.push({ unref() {}, on() {} });
    } catch {
      workersFailed = true;
      return;
    }
  }
}

function spawnWorkers(rt: Runtime, count: number): void {
  if (!ctrl) {
    workersFailed = true;
    return;
  }
  const wt = nodeBuiltin<WorkerThreads>('node:worker_threads');
  if (!wt) {
    spawnWebWorkers(rt, count);
    return;
  }
  while (workers.length < count) {
    const index = workers.length + 1;
    try {
      const w = new wt.Worker(workerSource('node'), { eval: true, workerData: workerData(rt, index) });
      w.unref();
      // A dead worker never takes chunks again; running ones are counted by READY only.
      w.on('error', () => {
        workersFailed = true;
      });
      workers.push(w);
    } catch {
      workersFailed = true;
      return;
    }
  }
}

/** Threads kernels will use (1 = everything on the calling thread). */
export function kernelThreads(): number {
  const rt = getRuntime();
  if (!rt.shared) return 1;
  return Math.max(1, Math.min(wanted ?? rt.maxThreads, rt.maxThreads));
}

/** Caps the threads used by kernels; 1 disables workers. Workers already started stay idle. */
export function setKernelThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setKernelThreads: n must be an integer >= 1, got ${n}`);
  wanted = n;
}

/**
 * Runs all chunks of `job` (a driver descriptor). Workers join when the job has at least two
 * chunks and threads > 1; the caller takes chunks too, so a job never waits on a worker that is
 * not running yet.
 */
export function runJob(rt: Runtime, job: Int32Array): void {
  const nChunks = job[rt.driver.F.NCHUNKS];
  const threads = kernelThreads();
  if (threads <= 1 || nChunks < 2 || workersFailed) {
    for (let c = 0; c < nChunks; c++) rt.runChunk(job, c, 0);
    return;
  }
  if (!ctrl) ctrl = new Int32Array(new SharedArrayBuffer(16 * 4));
  if (workers.length < threads - 1) spawnWorkers(rt, threads - 1);
  const cw = ctrl;
  if (Atomics.load(cw, READY) === 0) {
    for (let c = 0; c < nChunks; c++) rt.runChunk(job, c, 0);
    return;
  }
  // SEQ goes up by 2 per job: odd while the descriptor and counters change. Marking it odd before
  // waiting for ACTIVE to drain means a worker that woke late for the previous job and only now
  // registers sees a changed SEQ and backs out; without that it could claim a chunk of the new job
  // before DONE is reset, its count would be wiped, and the caller would wait forever.
  Atomics.add(cw, SEQ, 1);
  for (let a = Atomics.load(cw, ACTIVE); a !== 0; a = Atomics.load(cw, ACTIVE)) waitWhile(cw, ACTIVE, a, 20);
  const d = rt.desc;
  d.set(job);
  Atomics.store(cw, NEXT, 0);
  Atomics.store(cw, DONE, 0);
  Atomics.store(cw, ERROR, 0);
  Atomics.add(cw, SEQ, 1);
  Atomics.notify(cw, SEQ);
  for (;;) {
    const c = Atomics.add(cw, NEXT, 1);
    if (c >= nChunks) break;
    rt.runChunk(d, c, 0);
    Atomics.add(cw, DONE, 1);
  }
  for (let i = 0; i < SPIN && Atomics.load(cw, DONE) < nChunks; i++);
  for (let n = Atomics.load(cw, DONE); n < nChunks; n = Atomics.load(cw, DONE)) waitWhile(cw, DONE, n, 20);
  if (Atomics.load(cw, ERROR) !== 0) throw new Error('cpu kernels: a worker thread failed while running a chunk');
}

/** Workers that have started and warmed up, and chunks they have run so far (for tests, benches). */
export function workerStats(): { ready: number; chunks: number } {
  return ctrl ? { ready: Atomics.load(ctrl, READY), chunks: Atomics.load(ctrl, WORKED) } : { ready: 0, chunks: 0 };
}

/** Starts the workers now (they otherwise start at the first large job) so tests and benches can wait for them. */
export function startWorkers(): void {
  const rt = getRuntime();
  const threads = kernelThreads();
  if (threads <= 1) return;
  if (!ctrl) ctrl = new Int32Array(new SharedArrayBuffer(16 * 4));
  spawnWorkers(rt, threads - 1);
}
