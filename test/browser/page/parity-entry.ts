// Page entry of the browser tests: counts WebGPU buffers, then exposes the environment probe and
// the page-side checks (the conformance table, memory, WebGPU contract) to the driver as
// `globalThis.__plm`, and sets `__plmReady`.
import { probeEnvironment } from './environment.js';
import { installGpuBufferCounter } from './gpu-buffer-count.js';
import { runMemoryCheck } from './memory-check.js';
import { runConformance } from './conformance.js';
import { runWebGpuContract, webgpuWithoutAdapter } from './webgpu-contract.js';

installGpuBufferCounter();
const g = globalThis as Record<string, unknown>;
g.__plm = { probeEnvironment, runConformance, runMemoryCheck, runWebGpuContract, webgpuWithoutAdapter };
g.__plmReady = true;
