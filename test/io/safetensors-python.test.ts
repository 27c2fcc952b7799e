// safetensors both ways with Python: files serializeSafetensors writes are byte-identical to the
// layout Python's safetensors writes (header padded to 8 bytes, __metadata__ a string map first,
// tensors sorted with contiguous offsets), and files written that way with F16/BF16/F64 read back.
// The fixtures are written by scripts/torch-fixtures.py with Python's standard library.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSafetensors, serializeSafetensors, tensor } from '../../src/index.js';

const DIR = path.join(__dirname, '..', 'fixtures', 'torch');
const EXPECTED = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  Record<string, { shape: number[]; values: (number | string)[] }>
>;

describe('safetensors and Python', () => {
  it("writes the bytes Python's layout has for the same tensors and metadata", () => {
    const python = new Uint8Array(fs.readFileSync(path.join(DIR, 'layout-f32.safetensors')));
    const ours = serializeSafetensors(
      {
        zeta: tensor([0, 0.25, 0.5, 0.75, 1, 1.25], [2, 3]),
        alpha: tensor([1.5, -2, 3.25], [3]),
        'mid.bias': tensor([0.125], [1]),
      },
      { format: 'pt', kind: 'test' },
    );
    const headerLen = Number(new DataView(python.buffer, python.byteOffset).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const header = new TextDecoder().decode(python.subarray(8, 8 + headerLen));
    expect(header.startsWith('{"__metadata__":{"format":"pt","kind":"test"}')).toBe(true);
    expect(Buffer.from(ours).equals(Buffer.from(python))).toBe(true);
  });

  it('reads a Python-written file with F32, F16, BF16 and F64 tensors and its metadata', () => {
    const { tensors, metadata } = parseSafetensors(fs.readFileSync(path.join(DIR, 'python-mixed.safetensors')));
    expect(metadata).toEqual({ format: 'pt', note: 'written by scripts/torch-fixtures.py' });
    for (const [name, want] of Object.entries(EXPECTED.python_mixed)) {
      expect(tensors[name].shape, name).toEqual(want.shape);
      expect([...tensors[name].dataSync()], name).toEqual(want.values.map((v) => Math.fround(Number(v))));
      tensors[name].dispose();
    }
  });
});
