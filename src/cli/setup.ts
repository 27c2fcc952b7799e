// Process-wide setup shared by the commands: the compute backend (cpu, or the gpu.js backend
// registered on demand because importing gpu.js costs time) and where log lines go.
import { getBackend, ready, setBackend } from '../tensor/engine.js';

/** Selects the backend by name; `gpu` registers the gpu.js backend first. */
export async function selectBackend(name: 'cpu' | 'gpu'): Promise<string> {
  if (name === 'gpu') {
    let gpu: typeof import('../backend/gpu/index.js');
    try {
      gpu = await import('../backend/gpu/index.js');
    } catch (err) {
      // gpu.js is an optional peer dependency: a plain install of plm-ipe does not have it.
      if (!/gpu\.js/.test(String((err as Error)?.message))) throw err;
      throw new Error(
        `--backend gpu needs the optional peer dependency gpu.js, which is not installed; run: npm install gpu.js (${(err as Error).message.split('\n')[0]})`,
      );
    }
    gpu.registerGpuBackend();
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
