// Page side: what this browser offers the gpu backend — WebGL2 renderer string, WebGPU adapter
// (null without --enable-unsafe-webgpu in headless Chromium), cross-origin isolation (webasm
// threads). Used by the parity test and the bench to decide which modes run and to name the GPU.

export interface BrowserEnvironment {
  userAgent: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  webgl2Renderer: string | null;
  webgpuAdapter: { vendor: string; architecture: string; device: string; description: string } | null;
}

export async function probeEnvironment(): Promise<BrowserEnvironment> {
  let webgl2Renderer: string | null = null;
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl) {
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    webgl2Renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
  let webgpuAdapter: BrowserEnvironment['webgpuAdapter'] = null;
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }).gpu;
  if (gpu) {
    const a = await gpu.requestAdapter().catch(() => null);
    if (a) {
      const i = a.info ?? {};
      webgpuAdapter = {
        vendor: i.vendor ?? '',
        architecture: i.architecture ?? '',
        device: i.device ?? '',
        description: i.description ?? '',
      };
    }
  }
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    webgl2Renderer,
    webgpuAdapter,
  };
}

/** A short name for the GPU behind `env`, for file names: e.g. 'swiftshader', 'nvidia-h100'. */
export function gpuName(env: Pick<BrowserEnvironment, 'webgpuAdapter' | 'webgl2Renderer'>): string {
  const raw = env.webgpuAdapter
    ? `${env.webgpuAdapter.vendor} ${env.webgpuAdapter.architecture} ${env.webgpuAdapter.description}`
    : (env.webgl2Renderer ?? 'none');
  if (/swiftshader/i.test(raw)) return 'swiftshader';
  if (/llvmpipe/i.test(raw)) return 'llvmpipe';
  const m = /(nvidia|amd|radeon|intel|apple|mali|adreno)[^,()]*/i.exec(raw);
  return (
    (m ? m[0] : raw)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 48) || 'unknown'
  );
}

/** True for the software renderers gpuName names (SwiftShader, Mesa llvmpipe/lavapipe): their numbers measure the CPU. */
export function isSoftwareGpu(name: string): boolean {
  return name === 'swiftshader' || name === 'llvmpipe';
}
