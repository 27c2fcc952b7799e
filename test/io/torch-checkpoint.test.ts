// PyTorch checkpoints read in TypeScript: both torch.save formats, every dtype, views (offsets,
// strides, shared storages, stride 0), nested and prefixed state dicts, refused globals, and
// clear errors. The fixtures are made by scripts/torch-fixtures.py (PyTorch) and committed.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTorchCheckpoint, readTorchCheckpoint } from '../../src/index.js';
import { loadTorchCheckpointFile } from '../../src/node/index.js';
import { crc32, readZipDirectory } from '../../src/io/torch/zip.js';

const DIR = path.join(__dirname, '..', 'fixtures', 'torch');
const fixture = (name: string) => new Uint8Array(fs.readFileSync(path.join(DIR, name)));
type Expected = Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
const EXPECTED = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;

/** Compares a read checkpoint with the values PyTorch printed (floats as float32, ints exactly). */
async function expectMatches(file: string, want: Expected) {
  const sd = await readTorchCheckpoint(fixture(file), { label: file });
  expect([...sd.tensors.keys()]).toEqual(Object.keys(want));
  for (const [name, w] of Object.entries(want)) {
    const got = sd.tensors.get(name)!;
    expect(got.shape, name).toEqual(w.shape);
    expect(got.dtype, name).toBe(w.dtype);
    if (got.values instanceof Float32Array) {
      expect([...got.values], name).toEqual(w.values.map((v) => Math.fround(Number(v))));
    } else {
      expect([...got.values].map(String), name).toEqual(w.values);
    }
  }
  return sd;
}

describe('readTorchCheckpoint', () => {
  for (const [file, format] of [
    ['dtypes.pt', 'zip'],
    ['dtypes-legacy.pt', 'legacy'],
  ] as const) {
    it(`reads every dtype from the ${format} format (float16, bfloat16, float64 to float32; int64 and int32 kept)`, async () => {
      const sd = await expectMatches(file, EXPECTED.dtypes);
      expect(sd.format).toBe(format);
      expect(sd.tensors.get('i64')!.values).toBeInstanceOf(BigInt64Array);
      expect((sd.tensors.get('i64')!.values as BigInt64Array)[3]).toBe(2n ** 62n);
      expect(sd.tensors.get('i32')!.values).toBeInstanceOf(Int32Array);
      expect(sd.tensors.get('u8')!.values).toBeInstanceOf(Uint8Array);
      expect(sd.tensors.get('num_batches_tracked')!.shape).toEqual([]);
      expect([...sd.tensors.get('f16_special')!.values]).toEqual([
        65504,
        -0,
        Math.fround(5.960464477539063e-8),
        Infinity,
      ]);
    });
  }

  for (const file of ['views.pt', 'views-legacy.pt']) {
    it(`honours storage offsets and strides in ${file}: transposed, sliced, strided, shared and expanded views`, async () => {
      await expectMatches(file, EXPECTED.views);
    });
  }

  it("reads the torch 0.3 / Python 2 era's legacy layout (OrderedDict as [key, value] lists, _rebuild_tensor), as c3d.pickle has", async () => {
    await expectMatches('old-style-legacy.pt', EXPECTED.views);
  });

  it('reads deflate-compressed zip entries (DecompressionStream) as well as stored ones', async () => {
    expect(readZipDirectory(fixture('views-deflated.pt'), 't').some((e) => e.method === 8)).toBe(true);
    await expectMatches('views-deflated.pt', EXPECTED.views);
  });

  it("unwraps {'state_dict': ...} and strips DataParallel's module. prefix; non-tensor entries are reported, not loaded", async () => {
    const sd = await readTorchCheckpoint(fixture('nested-state-dict.pt'));
    expect(sd.path).toBe('state_dict');
    expect(sd.strippedPrefix).toBe(true);
    expect([...sd.tensors.keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(sd.tensors.get('0.weight')!.shape).toEqual([2, 3]);
  });

  it("unwraps {'model': ..., 'optimizer': ...} (legacy format) and ignores the optimizer", async () => {
    const sd = await expectMatches('nested-model-legacy.pt', EXPECTED.mlp);
    expect(sd.path).toBe('model');
  });

  it('reads nn.Parameter values (_rebuild_parameter) and pickle protocol 4 (STACK_GLOBAL, MEMOIZE, FRAME)', async () => {
    await expectMatches('parameters.pt', EXPECTED.mlp);
    await expectMatches('protocol4.pt', EXPECTED.mlp);
  });

  it('refuses a global that would run code, naming it, and never runs it', async () => {
    await expect(readTorchCheckpoint(fixture('refused-os-system.pt'), { label: 'evil.pt' })).rejects.toThrow(
      /refuses the global '(posix|os)\.system'/,
    );
    await expect(readTorchCheckpoint(fixture('refused-numpy.pt'))).rejects.toThrow(
      /refuses the global 'numpy\.core\.multiarray\.scalar'/,
    );
  });

  it('rejects what is not a torch checkpoint with a clear error', async () => {
    await expect(readTorchCheckpoint(new Uint8Array([1, 2, 3]), { label: 'x.pt' })).rejects.toThrow(
      /x\.pt is neither a zip archive nor a pickle/,
    );
    await expect(readTorchCheckpoint(fixture('layout-f32.safetensors'))).rejects.toThrow(
      /neither a zip archive nor a pickle/,
    );
    // A plain pickle (protocol 2 of the int 1) without torch's magic number.
    await expect(readTorchCheckpoint(new Uint8Array([0x80, 0x02, 0x4b, 0x01, 0x2e]))).rejects.toThrow(
      /not a torch checkpoint \(no torch magic number\)/,
    );
  });

  it('detects a flipped storage byte in the zip format by its CRC-32 (optional check)', async () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
    expect(crc32(new Uint8Array(0))).toBe(0);
    const bytes = fixture('dtypes.pt');
    const entry = readZipDirectory(bytes, 't').find((e) => e.name.endsWith('/data/0'))!;
    expect(crc32(bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size))).toBe(entry.crc32);
    const bad = bytes.slice();
    bad[entry.dataOffset] ^= 0xff;
    await expect(readTorchCheckpoint(bad, { label: 'bad.pt' })).rejects.toThrow(
      /bad\.pt: zip entry '.*data\/0' fails its CRC-32 check/,
    );
    await expect(readTorchCheckpoint(bad, { verifyCrc: false })).resolves.toBeDefined();
  });
});

describe('loadTorchCheckpoint', () => {
  it('returns float32 tensors by key; integers converted or dropped', async () => {
    const all = await loadTorchCheckpoint(fixture('dtypes.pt'));
    expect(all.f16.shape).toEqual([3, 4]);
    expect([...all.i64.dataSync()]).toEqual([0, -5, 2 ** 40 + 1, 2 ** 62].map(Math.fround));
    expect(all.num_batches_tracked.dataSync()[0]).toBe(3);
    const floats = await loadTorchCheckpoint(fixture('dtypes.pt'), { integers: 'drop' });
    expect(Object.keys(floats)).toEqual(['f32', 'f16', 'bf16', 'f64', 'f16_special']);
    expect([...all.mask.dataSync()]).toEqual([1, 0, 1]);
    for (const t of [...Object.values(all), ...Object.values(floats)]) t.dispose();
  });

  it('reads a path in Node (plm-ipe/node) and names the file in errors', async () => {
    const sd = await loadTorchCheckpointFile(path.join(DIR, 'views.pt'));
    expect([...sd.transposed.dataSync()]).toEqual(EXPECTED.views.transposed.values);
    for (const t of Object.values(sd)) t.dispose();
    await expect(loadTorchCheckpointFile(path.join(DIR, 'missing.pt'))).rejects.toThrow(/cannot read '.*missing\.pt'/);
    await expect(loadTorchCheckpointFile(path.join(DIR, 'refused-numpy.pt'))).rejects.toThrow(/refused-numpy\.pt/);
  });

  it('rejects a bad integers option by name', async () => {
    await expect(loadTorchCheckpoint(fixture('dtypes.pt'), { integers: 'keep' as never })).rejects.toThrow(
      /integers must be 'float32' or 'drop', got "keep"/,
    );
  });
});

describe('torch checkpoint errors, one by one', () => {
  it('a truncated zip archive names the missing end record', async () => {
    const bytes = fixture('views.pt');
    await expect(readTorchCheckpoint(bytes.slice(0, bytes.length - 30), { label: 'cut.pt' })).rejects.toThrow(
      /cut\.pt: zip archive: has no end-of-central-directory record \(truncated or not a zip file\)/,
    );
  });

  it('a truncated legacy file names the storage that runs past the end', async () => {
    const bytes = fixture('views-legacy.pt');
    await expect(readTorchCheckpoint(bytes.slice(0, bytes.length - 10), { label: 'cut.pt' })).rejects.toThrow(
      /cut\.pt: legacy torch format: storage '\d+' declares \d+ float32 elements at byte \d+, past the end of the \d+-byte file \(truncated\?\)/,
    );
  });

  it('a deflate entry that inflates past its declared size is stopped (no zip bomb)', async () => {
    const bytes = fixture('views-deflated.pt');
    const pkl = readZipDirectory(bytes, 't').find((e) => e.name.endsWith('data.pkl'))!;
    // Rewrites the declared size in the central directory record of data.pkl.
    const withSize = (size: number) => {
      const out = bytes.slice();
      const view = new DataView(out.buffer);
      for (let at = out.length - 22; at > 0; at--) {
        if (
          view.getUint32(at, true) === 0x02014b50 &&
          new TextDecoder().decode(out.subarray(at + 46, at + 46 + view.getUint16(at + 28, true))) === pkl.name
        ) {
          view.setUint32(at + 24, size, true);
          return out;
        }
      }
      throw new Error('no central record');
    };
    await expect(readTorchCheckpoint(withSize(10), { label: 'bomb.pt' })).rejects.toThrow(
      /bomb\.pt: zip entry '.*data\.pkl' inflates past its declared 10 bytes/,
    );
    // A claim no deflate stream can meet is refused before anything is allocated.
    await expect(readTorchCheckpoint(withSize(0xfffffff0), { label: 'bomb.pt' })).rejects.toThrow(
      /deflate entry '.*data\.pkl' claims 4294967280 bytes from \d+, more than deflate can expand to/,
    );
  });

  it('an unknown opcode, an impossible view and an empty stack are named', async () => {
    const { unpickle } = await import('../../src/io/torch/pickle.js');
    const { checkView } = await import('../../src/io/torch/dtypes.js');
    const opts = { label: 'p', findGlobal: () => undefined };
    expect(() => unpickle(new Uint8Array([0x80, 0x02, 0x69, 0x2e]), opts)).toThrow(
      /p: pickle byte 3: has opcode 0x69, which a tensor checkpoint does not use \(refused\)/,
    );
    expect(() => unpickle(new Uint8Array([0x80, 0x02, 0x52, 0x2e]), opts)).toThrow(
      /p: pickle byte 3: pops an empty stack/,
    );
    expect(() => unpickle(new Uint8Array([0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0x7f]), opts)).toThrow(
      /needs 2147483647 more bytes but the data ends at byte 7 \(truncated\?\)/,
    );
    expect(() => checkView('w', 24, 0, [5, 6], [6, 1])).toThrow(
      /tensor 'w': addresses element 29 of a storage of 24 elements/,
    );
    expect(() => checkView('w', 24, 0, [4, -1], [6, 1])).toThrow(/tensor 'w': has size -1 in dimension 1/);
    expect(checkView('w', 3, 0, [1000, 3], [0, 1])).toBe(3000);
  });
});
