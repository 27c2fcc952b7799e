// WebGPU in Node through Dawn, Chromium's WebGPU implementation, published on npm as the
// optional package `webgpu`: its GPU object becomes `navigator.gpu` (with the WebGPU constant
// globals), which is all gpu.js and the WGSL products need, so `setBackend('gpu', { mode:
// 'webgpu' })` runs on Vulkan, Metal or D3D12 from a Node service as it does in a browser.
// Opt-in and asynchronous: nothing here runs unless called.

/** Options of {@link installNodeWebGpu}. */
export interface NodeWebGpuOptions {
  /**
   * Dawn toggles for `create()`, e.g. `['adapter=NVIDIA']` to pick an adapter by name or
   * `['backend=vulkan']`. Default none: Dawn's default adapter.
   */
  dawnFlags?: string[];
}

/** The adapter Dawn found. */
export interface NodeWebGpuAdapter {
  vendor: string;
  architecture: string;
  description: string;
}

interface DawnGpu {
  requestAdapter(o?: object): Promise<{ info?: Partial<NodeWebGpuAdapter> } | null>;
}
interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

let installed: Promise<NodeWebGpuAdapter> | null = null;

/**
 * Makes WebGPU available in Node: loads Dawn from the `webgpu` package (`npm install webgpu`),
 * checks that it finds an adapter, and installs it as `navigator.gpu`. Call it once, before
 * `setBackend('gpu', { mode: 'webgpu' })` and `await ready()`. Later calls return the first
 * call's result. Throws, naming the fix, when the package is missing, when this is not Node,
 * or when Dawn finds no adapter (no GPU driver; on Linux without a GPU a Vulkan driver such as
 * Mesa's lavapipe 24+ works: `scripts/lavapipe.sh`).
 * @example
 * registerGpuBackend();
 * console.log(await installNodeWebGpu()); // { vendor: 'nvidia', architecture: 'hopper', … }
 * setBackend('gpu', { mode: 'webgpu' });
 * await ready();
 */
export function installNodeWebGpu(options: NodeWebGpuOptions = {}): Promise<NodeWebGpuAdapter> {
  installed ??= install(options);
  installed.catch(() => {
    installed = null;
  });
  return installed;
}

async function install(options: NodeWebGpuOptions): Promise<NodeWebGpuAdapter> {
  const g = globalThis as { process?: { versions?: { node?: string } }; navigator?: { gpu?: unknown } };
  if (!g.process?.versions?.node)
    throw new Error('installNodeWebGpu: only for Node (browsers have navigator.gpu already)');
  if (g.navigator?.gpu) throw new Error('installNodeWebGpu: navigator.gpu is already set in this process');
  // A variable keeps bundlers and TypeScript from resolving the optional package at build time.
  const name = 'webgpu';
  let dawn: DawnModule;
  try {
    dawn = (await import(name)) as DawnModule;
  } catch (e) {
    throw new Error(
      `installNodeWebGpu: the optional package 'webgpu' (Dawn for Node) could not be loaded; install it with \`npm install webgpu\` (${(e as Error).message})`,
    );
  }
  const gpu = dawn.create(options.dawnFlags ?? []);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      `installNodeWebGpu: Dawn found no WebGPU adapter${options.dawnFlags?.length ? ` with flags ${JSON.stringify(options.dawnFlags)}` : ''}: ` +
        'it needs a Vulkan (Linux), Metal or D3D12 driver. On Linux without a GPU, Mesa lavapipe 24+ works: run scripts/lavapipe.sh and set VK_ICD_FILENAMES to the file it prints',
    );
  }
  for (const [key, value] of Object.entries(dawn.globals)) {
    if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
  }
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const info = adapter.info ?? {};
  return { vendor: info.vendor ?? '', architecture: info.architecture ?? '', description: info.description ?? '' };
}
