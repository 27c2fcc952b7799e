// Picks the fastest backend this browser offers for the estimator: gpu.js on WebGPU, then WebGL2,
// then WebAssembly, then the plain cpu backend. Each candidate must pass `await ready()` and a
// small matmul checked against the expected values; a fallback's reason is kept for the page.
import { getBackend, matmul, ready, registerBackend, setBackend, tensor } from 'plm-ipe';
import { GpuBackend, type GpuBackendOptions, type GpuMode } from 'plm-ipe/gpu';

/** The modes tried, best first. */
export const GPU_MODES: readonly GpuMode[] = ['webgpu', 'webgl2', 'webasm'];

/** What {@link pickBackend} settled on. */
export interface BackendChoice {
  /** `getBackend()` after the choice: e.g. `{ name: 'gpu', mode: 'webgl2' }`. */
  name: string;
  mode: string;
  /** One line per candidate that was not taken, with why. */
  skipped: string[];
  /** Set when the chosen GPU mode runs on a software rasterizer (SwiftShader, llvmpipe): the cpu backend is then faster. */
  softwareGpu: string | null;
}

/** The GPU renderer behind `mode` when it is a CPU emulation, else null. */
async function softwareRenderer(mode: string): Promise<string | null> {
  let name = '';
  if (mode === 'webgpu') {
    type Info = {
      vendor?: string;
      architecture?: string;
      device?: string;
      description?: string;
      isFallbackAdapter?: boolean;
    };
    const gpu = (
      navigator as { gpu?: { requestAdapter(): Promise<{ info?: Info; isFallbackAdapter?: boolean } | null> } }
    ).gpu;
    const a = await gpu?.requestAdapter().catch(() => null);
    // GPUAdapterInfo's fields are prototype getters (Object.values sees none): read them by name.
    const info = a?.info;
    name = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') : '';
    if (!/swiftshader|llvmpipe|software/i.test(name) && (a?.isFallbackAdapter || info?.isFallbackAdapter))
      name = 'software';
  } else if (mode === 'webgl2' || mode === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    name = gl ? String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : '';
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
  }
  const m = /swiftshader|llvmpipe|softpipe|software/i.exec(name);
  return m ? m[0] : null;
}

/** Runs a 2x2 matmul on the current backend and checks it (catches modes that init but compute garbage). */
async function smokeTest(): Promise<void> {
  const a = tensor([
    [1, 2],
    [3, 4],
  ]);
  const b = tensor([
    [5, 6],
    [7, 8],
  ]);
  const c = matmul(a, b);
  try {
    const got = Array.from(await c.data());
    const want = [19, 22, 43, 50];
    if (got.some((v, i) => Math.abs(v - want[i]) > 1e-3))
      throw new Error(`matmul check gave [${got.join(', ')}], expected [${want.join(', ')}]`);
  } finally {
    a.dispose();
    b.dispose();
    c.dispose();
  }
}

/**
 * Tries `preferred` (default: every mode of {@link GPU_MODES}) in order and keeps the first that
 * really runs that mode; ends on the cpu backend when none does.
 */
export async function pickBackend(preferred: readonly GpuMode[] = GPU_MODES): Promise<BackendChoice> {
  // registerGpuBackend() would do, but registering the factory here keeps the instance, whose
  // fallbackReason says why a mode did not start.
  let last: GpuBackend | null = null;
  registerBackend('gpu', (options) => (last = new GpuBackend((options ?? {}) as GpuBackendOptions)));
  const skipped: string[] = [];
  for (const mode of preferred) {
    try {
      setBackend('gpu', { mode });
      await ready();
      const running = getBackend();
      if (running.mode !== mode) {
        const reason = (last as GpuBackend | null)?.fallbackReason;
        skipped.push(`${mode}: fell back to ${running.mode}${reason ? ` (${reason})` : ''}`);
        continue;
      }
      await smokeTest();
      return { ...running, skipped, softwareGpu: await softwareRenderer(running.mode).catch(() => null) };
    } catch (err) {
      skipped.push(`${mode}: ${(err as Error).message}`);
    }
  }
  setBackend('cpu');
  await ready();
  return { ...getBackend(), skipped, softwareGpu: null };
}
