// Process-wide setup shared by the commands: the compute backend (cpu, or the gpu.js backend
// registered on demand because importing gpu.js costs time) and where log lines go.
import { getBackend, ready, setBackend } from '../tensor/engine.js';

/** Selects the backend by name; `gpu` registers the gpu.js backend first. */
export async function selectBackend(name: 'cpu' | 'gpu'): Promise<string> {
  if (name === 'gpu') {
    const { registerGpuBackend } = await import('../backend/gpu/index.js');
    registerGpuBackend();
  }
  setBackend(name);
  await ready();
  const b = getBackend();
  return `${b.name} (${b.mode})`;
}

/** Log lines go to stdout; progress (bars on a TTY, plain lines otherwise) to stderr. */
export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
