// What the host offers run-time WebAssembly: Node built-ins read through process.getBuiltinModule
// (never an import, so the browser bundle reaches no `node:` module), the hardware thread count,
// whether a shared memory can be made and handed to workers, and relaxed SIMD. Backend-free;
// imports only the emitter.
import { FunctionBuilder, V128, emitModule } from './emitter.js';

/** Reads `process.getBuiltinModule` without importing anything (undefined outside Node >= 20.16). */
export function nodeBuiltin<T>(name: string): T | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  try {
    return (proc?.getBuiltinModule?.(name) as T | undefined) ?? null;
  } catch {
    return null;
  }
}

/** The most threads we ever plan for (1 to 16). */
export function hardwareThreads(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const n = os ? (os.availableParallelism?.() ?? os.cpus().length) : (nav?.hardwareConcurrency ?? 1);
  return Math.max(1, Math.min(16, n));
}

/** Whether a shared WebAssembly memory can be made here and posted to worker threads. */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  // Node's worker_threads, or Web Workers in a page whose COOP/COEP headers make it cross-origin
  // isolated (only then may a shared memory be posted to a worker).
  const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean };
  const webWorkers = typeof g.Worker === 'function' && g.crossOriginIsolated === true;
  if (nodeBuiltin('node:worker_threads') === null && !webWorkers) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether this engine compiles relaxed SIMD as it stands (Chromium and Node >= 22 by default;
 * Node 20 only once its flag is on, see {@link useRelaxedSimd}).
 */
export function relaxedSimdSupported(): boolean {
  const f = new FunctionBuilder([V128, V128, V128], [V128]);
  f.get(0).get(1).get(2).f32x4RelaxedMadd();
  try {
    return WebAssembly.validate(emitModule({ initial: 1, maximum: 1, shared: false }, [{ name: 'madd', fn: f }]));
  } catch {
    return false;
  }
}

/**
 * Whether the kernels should multiply-add with relaxed SIMD. By default: where the engine validates
 * it as it stands. `PLM_WASM_RELAXED_SIMD=0` in the environment keeps the plain-SIMD kernels
 * everywhere (bit-for-bit the results of engines without relaxed SIMD, e.g. the README's demo
 * tables). `PLM_WASM_RELAXED_SIMD=1` also turns the feature on where the engine has it behind a
 * flag: Node 20's V8 implements relaxed SIMD (shipped by default from V8 11.4, Node 22) but
 * validates it only under --experimental-wasm-relaxed-simd, and V8 reads wasm feature flags when it
 * validates a module, so setting the flag at run time (node:v8) enables it for modules compiled
 * afterwards, workers included. That is a process-wide switch, hence opt-in.
 */
export function useRelaxedSimd(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const wanted = env?.PLM_WASM_RELAXED_SIMD;
  if (wanted === '0') return false;
  if (relaxedSimdSupported()) return true;
  if (wanted !== '1') return false;
  const v8 = nodeBuiltin<{ setFlagsFromString?: (flags: string) => void }>('node:v8');
  if (typeof v8?.setFlagsFromString !== 'function') return false;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return relaxedSimdSupported();
}
