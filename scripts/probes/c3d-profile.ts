// Probe: where a small C3D step spends its time on each gpu mode in Chromium.
//   node --import tsx scripts/probes/c3d-profile.ts [modes...]   (default: webgpu webgpu-nowgsl)
// Prints per-op milliseconds (best of 2 after a warm-up, readback after each op) and 4 whole
// bench steps per mode, alternating modes twice so machine noise shows.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSession } from '../../test/browser/harness/session.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const modes = process.argv.length > 2 ? process.argv.slice(2) : ['webgpu', 'webgpu-nowgsl'];
const s = await openSession(path.join(here, 'c3d-profile-entry.ts'), { webgpu: true });
interface Plm {
  profile(m: string): Promise<Record<string, number>>;
  step(m: string, reps: number): Promise<number[]>;
}
try {
  for (const mode of modes) console.log(`${mode} ops (ms):`, JSON.stringify(await s.page.evaluate((m) => (globalThis as unknown as { __plm: Plm }).__plm.profile(m), mode)));
  for (let round = 0; round < 2; round++) {
    for (const mode of modes) console.log(`${mode} steps (ms):`, JSON.stringify(await s.page.evaluate((m) => (globalThis as unknown as { __plm: Plm }).__plm.step(m, 4), mode)));
  }
} finally {
  await s.close();
}
