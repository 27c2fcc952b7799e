// Which gpu.js mode runs: the requested mode, what this runtime supports, and the fallback
// chain. A fallback is never silent: the running mode is reported by the backend's `mode` and
// the reason is logged once with console.warn. Imports gpu.js's GPU class only for its
// capability probes.
import { GPU } from 'gpu.js';

/** A mode to ask for: a {@link GpuMode}, or `'auto'` for the best available. */
export type GpuModeRequest = 'auto' | 'webgpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm';
/** A gpu.js mode the backend can run in. */
export type GpuMode = 'webgpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm';

export const MODE_REQUESTS: readonly GpuModeRequest[] = ['auto', 'webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm'];

/** What the runtime offers; a parameter so tests can simulate other machines. */
export interface Capabilities {
  node: boolean;
  display: boolean;
  headlessgl: boolean;
  webgl2: boolean;
  webgl: boolean;
  webasm: boolean;
  /** `navigator.gpu` exists (an adapter may still be missing). */
  webgpu: boolean;
}

export function probeCapabilities(): Capabilities {
  const g = globalThis as {
    process?: { versions?: { node?: string }; env?: Record<string, string | undefined> };
    window?: unknown;
  };
  const node = typeof g.window === 'undefined' && !!g.process?.versions?.node;
  const safe = (f: () => boolean): boolean => {
    try {
      return f();
    } catch {
      return false;
    }
  };
  return {
    node,
    display: node ? !!g.process?.env?.DISPLAY : true,
    headlessgl: node && safe(() => GPU.isHeadlessGLSupported),
    webgl2: !node && safe(() => GPU.isWebGL2Supported),
    webgl: !node && safe(() => GPU.isWebGLSupported),
    webasm: safe(() => (GPU as unknown as { isWebAssemblySupported: boolean }).isWebAssemblySupported),
    // In Node, navigator.gpu exists once installNodeWebGpu() has installed Dawn.
    webgpu: safe(() => (GPU as unknown as { isWebGPUSupported: boolean }).isWebGPUSupported),
  };
}

export interface ModeChoice {
  requested: GpuModeRequest;
  mode: GpuMode;
  /** Why the running mode differs from the request (null when it is what was asked). */
  fallback: string | null;
}

export function bestAvailable(c: Capabilities): GpuMode | null {
  if (c.webgl2) return 'webgl2';
  if (c.webgl) return 'webgl';
  if (c.headlessgl) return 'headlessgl';
  if (c.webasm) return 'webasm';
  return null;
}

export function chooseMode(requested: GpuModeRequest, c: Capabilities = probeCapabilities()): ModeChoice {
  if (!MODE_REQUESTS.includes(requested)) {
    throw new Error(
      `setBackend('gpu'): unknown mode '${String(requested)}', expected one of ${MODE_REQUESTS.join(', ')}`,
    );
  }
  const pick = (mode: GpuMode | null, why: string | null): ModeChoice => {
    if (mode === null) {
      throw new Error(
        `setBackend('gpu'): no gpu.js mode is available here (${why ?? 'no WebGL, headless GL or WebAssembly'})`,
      );
    }
    return { requested, mode, fallback: why };
  };
  switch (requested) {
    case 'auto': {
      if (c.node && !c.headlessgl) {
        return pick(
          c.webasm ? 'webasm' : null,
          c.display
            ? "auto: headless GL (the 'gl' package) could not start, running webasm"
            : 'auto: Node without a DISPLAY has no headless GL, running webasm (run under xvfb-run for headlessgl)',
        );
      }
      return pick(bestAvailable(c), null);
    }
    case 'webgpu': {
      // navigator.gpu may exist without an adapter: GpuBackend.ready() checks and falls back then.
      if (c.webgpu) return pick('webgpu', null);
      const alt = bestAvailable(c);
      const hint = c.node ? "; in Node, `await installNodeWebGpu()` first (optional package 'webgpu')" : '';
      return pick(alt, `webgpu: no WebGPU in this runtime (navigator.gpu is missing${hint}), running ${alt}`);
    }
    case 'webgl2':
    case 'webgl': {
      if (c[requested]) return pick(requested, null);
      const alt = bestAvailable(c);
      return pick(
        alt,
        `${requested}: not supported in this runtime${c.node ? ' (Node has no WebGL; headlessgl is its GL)' : ''}, running ${alt}`,
      );
    }
    case 'headlessgl': {
      if (c.headlessgl) return pick('headlessgl', null);
      const alt = c.webasm ? 'webasm' : null;
      const why = !c.node
        ? `headlessgl: only exists in Node, running ${bestAvailable(c)}`
        : c.display
          ? `headlessgl: the 'gl' package could not create a context, running ${alt}`
          : `headlessgl: needs an X display (DISPLAY is unset; run under xvfb-run -a), running ${alt}`;
      return pick(c.node ? alt : bestAvailable(c), why);
    }
    case 'webasm':
      return pick(c.webasm ? 'webasm' : null, c.webasm ? null : 'webasm: WebAssembly is not supported here');
  }
}

const warned = new Set<string>();

/** console.warn, once per distinct message for the life of the process. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`plm-ipe gpu backend: ${message}`);
}
