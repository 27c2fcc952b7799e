// Fuzzing the torch checkpoint reader: byte flips, 32-bit fields overwritten with extreme values,
// and truncations of PyTorch-made fixtures must each load or fail with an Error that names the
// file (never an internal RangeError, a hang or a huge allocation). Seeded, a few hundred cases.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTorchCheckpoint } from '../../src/index.js';
import { rng } from '../landmarks/helpers.js'; // mulberry32, seeded, so a failure reproduces

const DIR = path.join(__dirname, '..', 'fixtures', 'torch');

const FILES = [
  'dtypes.pt',
  'dtypes-legacy.pt',
  'views.pt',
  'views-legacy.pt',
  'views-deflated.pt',
  'nested-model-legacy.pt',
  'protocol4.pt',
];

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const kind = Math.floor(rand() * 3);
  if (kind === 0) return src.slice(0, Math.floor(rand() * src.length)); // truncation
  const out = src.slice();
  if (kind === 1) {
    const flips = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < flips; i++) out[Math.floor(rand() * out.length)] ^= 1 << Math.floor(rand() * 8);
  } else {
    // An extreme 32-bit value where lengths, counts and offsets live.
    const at = Math.floor(rand() * (out.length - 4));
    new DataView(out.buffer).setUint32(at, [0xffffffff, 0x7fffffff, 0x80000000, 0x10000][Math.floor(rand() * 4)], true);
  }
  return out;
}

describe('torch checkpoint reader under mutation', () => {
  it('loads or fails clearly for every mutated or truncated fixture', async () => {
    const rand = rng(16);
    let failed = 0;
    let loaded = 0;
    for (const file of FILES) {
      const src = new Uint8Array(fs.readFileSync(path.join(DIR, file)));
      for (let i = 0; i < 150; i++) {
        const bytes = mutate(src, rand);
        try {
          await readTorchCheckpoint(bytes, { label: 'fuzz.pt' });
          loaded++;
        } catch (err) {
          failed++;
          expect(err, `${file} case ${i}`).toBeInstanceOf(Error);
          const msg = (err as Error).message;
          expect(msg, `${file} case ${i}: ${msg}`).toMatch(/fuzz\.pt/);
          expect(msg.length, `${file} case ${i}`).toBeLessThan(600);
        }
      }
    }
    // Most mutations are caught (CRC-32, bounds, pickle structure); some hit bytes that do not matter.
    expect(failed).toBeGreaterThan(loaded);
  });
});
