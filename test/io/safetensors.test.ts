// safetensors: byte layout per the format's spec, round trips, half-precision decoding, atomic
// writes, and a clear error for every kind of corrupt or mismatched file.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  serializeSafetensors,
  parseSafetensors,
  tensor,
  Linear,
  Sequential,
  ReLU,
  manualSeed,
} from '../../src/index.js';
import { saveSafetensors, loadSafetensors } from '../../src/node/index.js';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ipe-st-'));
}

/** Builds a file by hand exactly as the format describes, independent of our writer. */
function handMade(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('writes the documented layout: u64 LE header length, JSON header, little-endian F32 data', () => {
    const bytes = serializeSafetensors({ b: tensor([1, 2], [2]), a: tensor([[3]], [1, 1]) }, { format: 'pt' });
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(header.a).toEqual({ dtype: 'F32', shape: [1, 1], data_offsets: [0, 4] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [2], data_offsets: [4, 12] });
    expect(view.getFloat32(8 + n, true)).toBe(3);
    expect(view.getFloat32(8 + n + 8, true)).toBe(2);
  });

  it('reads a hand-made file with F32, F16, BF16 and F64 tensors', () => {
    const data = new Uint8Array(4 + 4 + 4 + 8);
    const dv = new DataView(data.buffer);
    dv.setFloat32(0, 1.5, true);
    dv.setUint16(4, 0x3c00, true); // 1.0 in F16
    dv.setUint16(6, 0xc000, true); // -2.0 in F16
    dv.setUint16(8, 0x4049, true); // 3.140625 in BF16
    dv.setUint16(10, 0x0000, true);
    dv.setFloat64(12, -0.25, true);
    const file = handMade(
      {
        f32: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        f16: { dtype: 'F16', shape: [2], data_offsets: [4, 8] },
        bf16: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        f64: { dtype: 'F64', shape: [], data_offsets: [12, 20] },
        __metadata__: { source: 'hand' },
      },
      data,
    );
    const { tensors, metadata } = parseSafetensors(file);
    expect(metadata).toEqual({ source: 'hand' });
    expect([...tensors.f32.dataSync()]).toEqual([1.5]);
    expect([...tensors.f16.dataSync()]).toEqual([1, -2]);
    expect([...tensors.bf16.dataSync()]).toEqual([3.140625, 0]);
    expect(tensors.f64.shape).toEqual([]);
    expect(tensors.f64.item()).toBe(-0.25);
  });

  it('round-trips a module through a file, written atomically', async () => {
    manualSeed(5);
    const model = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
    const dir = tmpDir();
    const file = path.join(dir, 'nested', 'model.safetensors');
    await saveSafetensors(model.stateDict(), file);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['model.safetensors']); // no temp file left
    const other = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
    other.loadStateDict(await loadSafetensors(file));
    for (const [name, p] of model.namedParameters()) {
      expect([...other.stateDict()[name].dataSync()]).toEqual([...p.dataSync()]);
    }
    expect(Object.keys(other.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('an interrupted save leaves the previous file intact', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'w.safetensors');
    await saveSafetensors({ w: tensor([1, 2, 3], [3]) }, file);
    const before = fs.readFileSync(file);
    // A tensor that fails mid-serialisation (disposed) must not clobber the good file.
    const bad = tensor([9], [1]);
    bad.dispose();
    await expect(saveSafetensors({ w: tensor([4, 5, 6], [3]), x: bad }, file)).rejects.toThrow(/disposed/);
    expect(Buffer.compare(fs.readFileSync(file), before)).toBe(0);
  });

  it('explains corrupt files', async () => {
    const good = serializeSafetensors({ w: tensor([1, 2, 3, 4], [2, 2]) });
    expect(() => parseSafetensors(good.subarray(0, 5))).toThrow(/too short for a safetensors header/);
    expect(() => parseSafetensors(good.subarray(0, 20))).toThrow(
      /declares a \d+-byte header but the file has 12 bytes after the length field \(truncated/,
    );
    expect(() => parseSafetensors(good.subarray(0, good.length - 4))).toThrow(
      /'w' has data_offsets \[0, 16\] outside the 12-byte data section/,
    );
    const badJson = handMade({}, new Uint8Array(0));
    badJson[8] = 0x7b + 1; // corrupt the opening brace
    expect(() => parseSafetensors(badJson)).toThrow(/header that is not valid JSON/);
    expect(() =>
      parseSafetensors(handMade({ w: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1))),
    ).toThrow(/'w' has dtype I8; supported/);
    expect(() =>
      parseSafetensors(handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))),
    ).toThrow(/'w' has shape \[3\] \(12 bytes as F32\) but its data range holds 8 bytes/);
    await expect(loadSafetensors('/nonexistent/file.safetensors')).rejects.toThrow(
      /cannot read '\/nonexistent\/file.safetensors'/,
    );
  });

  it('loadStateDict names missing, unexpected and mis-shaped keys', () => {
    const model = new Linear(3, 2);
    expect(() => model.loadStateDict({ weight: tensor(new Float32Array(6), [2, 3]) })).toThrow(/missing keys: bias/);
    expect(() => model.loadStateDict({ ...model.stateDict(), extra: tensor([1]) })).toThrow(/unexpected keys: extra/);
    expect(() => model.loadStateDict({ weight: tensor(new Float32Array(6), [3, 2]), bias: tensor([0, 0]) })).toThrow(
      /'weight' has shape \[3, 2\] in the state dict but \[2, 3\] in Linear/,
    );
    model.loadStateDict({ weight: tensor(new Float32Array(6), [2, 3]) }, { strict: false });
    expect([...model.weight.dataSync()]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
