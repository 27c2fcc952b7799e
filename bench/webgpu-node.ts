// The op table on WebGPU in Node (Dawn, npm 'webgpu'; see docs/backends.md "WebGPU in Node"):
// our gpu backend in webgpu mode, with the tiled WGSL products and without them (gpu.js
// kernels only), against TensorFlow.js's own WebGPU backend on the same adapter (or tfjs-cpu),
// in one process. The same cases and presets as the browser bench (bench/browser/page). This
// is the bench for a GPU machine without a browser; on a machine without a GPU, --lavapipe runs
// it on Mesa's software Vulkan (scripts/lavapipe.sh), which measures the CPU, and says so.
//
//   node --import tsx bench/webgpu-node.ts --lavapipe                    # here: software Vulkan
//   node --import tsx bench/webgpu-node.ts --preset c3d --cases c3dStep  # on a GPU machine
//   options: --preset small|c3d  --modes webgpu,webgpu-nowgsl  --cases conv3d,matmul,lstm,maxPool,c3dStep
//            --peer webgpu|cpu|none  --reps N  --warmup N  --dawn-flag adapter=NVIDIA (repeatable)
//            --lavapipe  --out file.json
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    preset: { type: 'string', default: 'small' },
    modes: { type: 'string', default: 'webgpu,webgpu-nowgsl' },
    cases: { type: 'string', default: 'conv3d,matmul,lstm,maxPool,c3dStep' },
    peer: { type: 'string', default: 'webgpu' },
    reps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    'dawn-flag': { type: 'string', multiple: true, default: [] },
    lavapipe: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

if (a.lavapipe) {
  const icd = path.join(root, '.cache/lavapipe/lvp_icd.json');
  if (!fs.existsSync(icd)) throw new Error(`--lavapipe: ${icd} is missing; run scripts/lavapipe.sh first`);
  process.env.VK_ICD_FILENAMES = icd;
}
process.env.XDG_RUNTIME_DIR ??= os.tmpdir();

// Imported after the environment is set: the Vulkan loader reads it when Dawn starts.
const { installNodeWebGpu, registerGpuBackend } = await import('../src/gpu/index.js');
const { runBench } = await import('./browser/page/bench-entry.js');
const { benchTable } = await import('./browser/table.js');
const { gpuName, isSoftwareGpu } = await import('../test/browser/page/environment.js');

registerGpuBackend();
const adapter = await installNodeWebGpu({ dawnFlags: a['dawn-flag'] });
const name = gpuName({ webgpuAdapter: { ...adapter, device: '' }, webgl2Renderer: null });
const software = isSoftwareGpu(name);
console.log(`Node ${process.version}, WebGPU through Dawn; adapter: ${JSON.stringify(adapter)}`);
if (software)
  console.log(
    `NOTE: the adapter is ${name}, a SOFTWARE Vulkan driver on the CPU: these numbers measure the CPU, not a GPU.`,
  );

// Count every WebGPU validation error, on our device and on tfjs's: a row with errors measured
// work that was skipped (tfjs-webgpu 4.22 fails to compile some 5-D broadcasting programs, for
// one), so it is reported as an error, not a time.
const errors: string[] = [];
const adapterProto = (
  globalThis as unknown as { GPUAdapter: { prototype: { requestDevice(d?: unknown): Promise<EventTarget> } } }
).GPUAdapter.prototype;
const requestDevice = adapterProto.requestDevice;
adapterProto.requestDevice = async function (this: unknown, d?: unknown) {
  const device = await requestDevice.call(this, d);
  device.addEventListener('uncapturederror', (e) =>
    errors.push(String((e as unknown as { error: { message: string } }).error.message).split('\n')[0]),
  );
  return device;
};
let seen = 0;
const afterRow = (row: { error?: string }): void => {
  if (errors.length > seen) row.error = `${errors.length - seen} WebGPU errors, first: ${errors[seen]}`.slice(0, 300);
  seen = errors.length;
};

const peer = a.peer === 'none' ? null : a.peer!;
if (peer) {
  const tf = await import('@tensorflow/tfjs');
  if (peer === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  (globalThis as { tf?: unknown }).tf = tf;
}
const opts = {
  preset: a.preset!,
  modes: a.modes!.split(',') as ('webgpu' | 'webgpu-nowgsl')[],
  peer,
  reps: Number(a.reps),
  warmup: Number(a.warmup),
  cases: a.cases!.split(','),
};
const t0 = Date.now();
const r = await runBench(opts, { afterRow });
console.log(
  `\n${benchTable(r.rows, peer)}\n(${((Date.now() - t0) / 1000).toFixed(0)} s; median of ${opts.reps} after a first call that builds kernels and ${opts.warmup} more untimed; tfjs ${peer ?? 'not run'}: ${r.running[`tfjs-${peer}`] ?? '-'})`,
);
const out = a.out ?? path.join(root, `bench/results/webgpu-node-${name}.json`);
const json = {
  adapter,
  software,
  node: process.version,
  cpus: os.cpus().length,
  date: new Date().toISOString(),
  options: opts,
  running: r.running,
  rows: r.rows,
};
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(`${out}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
fs.renameSync(`${out}.tmp`, out);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
