// The feature cache: safetensors-compatible entries keyed by content hash plus options, written
// atomically, so a crash loses nothing that was finished: temp files are ignored, finished entries
// are reused on the rerun, only the missing ones are computed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FeatureCache,
  cacheKey,
  decodeArrays,
  encodeArrays,
  hashBytes,
  hashFile,
  stableStringify,
} from '../../src/data/cache.js';
import { parseSafetensors } from '../../src/io/safetensors.js';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ipe-cache-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

describe('entry format', () => {
  it('round-trips F32/F64/I32/U8 arrays with shapes and metadata, readable as safetensors', () => {
    const arrays = {
      clips: { data: Float32Array.from({ length: 24 }, (_, i) => i / 3), shape: [1, 3, 2, 2, 2] },
      lengths: new Int32Array([5, 7]),
      mask: new Uint8Array([1, 0, 1]),
      wide: new Float64Array([Math.PI]),
    };
    const bytes = encodeArrays(arrays, { video: 'a.mp4' });
    const back = decodeArrays(bytes);
    expect(back.shapes).toEqual({ clips: [1, 3, 2, 2, 2], lengths: [2], mask: [3], wide: [1] });
    expect(Array.from(back.arrays.clips)).toEqual(Array.from(arrays.clips.data));
    expect(back.arrays.lengths).toBeInstanceOf(Int32Array);
    expect(back.arrays.wide[0]).toBe(Math.PI);
    expect(back.metadata).toEqual({ video: 'a.mp4' });
    // Any safetensors reader can open the F32 part: the library's own parser does.
    const f32 = encodeArrays({ clips: arrays.clips });
    expect(parseSafetensors(f32).tensors.clips.shape).toEqual([1, 3, 2, 2, 2]);
  });

  it('truncated or corrupt bytes are errors naming the source', () => {
    const bytes = encodeArrays({ a: new Float32Array(100) });
    expect(() => decodeArrays(bytes.subarray(0, bytes.length - 10), 'x.safetensors')).toThrow(
      /x\.safetensors: 'a' data .*truncated/,
    );
    expect(() => decodeArrays(bytes.subarray(0, 4), 'x.safetensors')).toThrow(/x\.safetensors: truncated/);
  });
});

describe('keys', () => {
  it('change with the video bytes, the extractor and any option; not with option key order', async () => {
    const h1 = await hashBytes(new Uint8Array([1, 2, 3]));
    const h2 = await hashBytes(new Uint8Array([1, 2, 4]));
    const k = await cacheKey(h1, 'clips', { size: 112, clipLength: 16 });
    expect(await cacheKey(h1, 'clips', { clipLength: 16, size: 112 })).toBe(k);
    expect(await cacheKey(h2, 'clips', { size: 112, clipLength: 16 })).not.toBe(k);
    expect(await cacheKey(h1, 'clips', { size: 64, clipLength: 16 })).not.toBe(k);
    expect(await cacheKey(h1, 'descriptors', { size: 112, clipLength: 16 })).not.toBe(k);
    expect(stableStringify({ b: [1, { d: 1, c: 2 }], a: undefined })).toBe('{"b":[1,{"c":2,"d":1}]}');
  });

  it('hashFile hashes a file, or a folder of frames by names and bytes', async () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'a.bin'), 'abc');
    expect(await hashFile(path.join(d, 'a.bin'))).toBe(await hashBytes('abc'));
    const folder = path.join(d, 'frames');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, '1.png'), 'x');
    const before = await hashFile(folder);
    fs.writeFileSync(path.join(folder, '2.png'), 'y');
    expect(await hashFile(folder)).not.toBe(before);
    await expect(hashFile(path.join(d, 'missing.mp4'))).rejects.toThrow(/cannot hash .*missing\.mp4/);
  });
});

describe('FeatureCache', () => {
  it('get/set/has', async () => {
    const cache = new FeatureCache(tmp());
    expect(await cache.has('k1')).toBe(false);
    expect(await cache.get('k1')).toBeUndefined();
    await cache.set('k1', { x: new Float32Array([1, 2]) }, { note: 'hi' });
    expect(await cache.has('k1')).toBe(true);
    const e = (await cache.get('k1'))!;
    expect(Array.from(e.arrays.x)).toEqual([1, 2]);
    expect(e.metadata.note).toBe('hi');
    await expect(cache.set('../evil', { x: new Float32Array(1) })).rejects.toThrow(/invalid key/);
  });

  it('resumes after a crash: the temp file is ignored, finished entries are reused, the rest computed', async () => {
    const dir = tmp();
    const cache = new FeatureCache(dir);
    await cache.set('video-a', { f: new Float32Array([1, 1]) });
    // The crash: killed while writing video-b, leaving writeFileAtomic's temp file half written.
    const partial = encodeArrays({ f: new Float32Array(1000) }).subarray(0, 300);
    fs.writeFileSync(path.join(dir, `.video-b.safetensors.${process.pid}.${Date.now()}.tmp`), partial);
    expect(await cache.has('video-b')).toBe(false);

    const computed: string[] = [];
    const rerun = new FeatureCache(dir);
    for (const key of ['video-a', 'video-b', 'video-c']) {
      await rerun.getOrCompute(key, () => {
        computed.push(key);
        return { f: new Float32Array([2, 2]) };
      });
    }
    expect(computed).toEqual(['video-b', 'video-c']);
    expect(Array.from((await rerun.get('video-a'))!.arrays.f)).toEqual([1, 1]);
    expect(Array.from((await rerun.get('video-b'))!.arrays.f)).toEqual([2, 2]);
    // A fresh temp file may be another process's write in flight: kept. An old one is stale: removed.
    expect(await rerun.removeStaleTemp()).toBe(0);
    expect(await rerun.removeStaleTemp(0)).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['video-a.safetensors', 'video-b.safetensors', 'video-c.safetensors']);
  });

  it('survives a real SIGKILL in the middle of a run of writes', async () => {
    const dir = tmp();
    const cacheModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/data/cache.ts');
    const script = path.join(dir, 'writer.mts');
    fs.writeFileSync(
      script,
      `
      import { FeatureCache } from ${JSON.stringify(cacheModule)};
      const cache = new FeatureCache(${JSON.stringify(path.join(dir, 'c'))});
      for (let i = 0; ; i++) {
        await cache.set('entry-' + i, { f: new Float32Array(2_000_000).fill(i) });
        console.log('done', i);
      }
    `,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('done 2')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) =>
        code !== null && code !== 0 ? reject(new Error(`writer exited ${code}`)) : undefined,
      );
      setTimeout(() => reject(new Error('writer too slow')), 60_000);
    });
    await new Promise((r) => child.once('exit', r));
    const cache = new FeatureCache(path.join(dir, 'c'));
    const finished = fs.readdirSync(path.join(dir, 'c')).filter((n) => n.endsWith('.safetensors'));
    expect(finished.length).toBeGreaterThanOrEqual(3);
    for (const name of finished) {
      const key = name.replace(/\.safetensors$/, '');
      const entry = (await cache.get(key))!;
      expect(entry.arrays.f.length).toBe(2_000_000);
      expect(entry.arrays.f[1_999_999]).toBe(Number(key.split('-')[1]));
    }
  });

  it('a corrupt finished entry is an error naming its file', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'bad.safetensors'), new Uint8Array([1, 2, 3]));
    await expect(new FeatureCache(dir).get('bad')).rejects.toThrow(
      /feature cache entry .*bad\.safetensors \(delete it to recompute\): truncated/,
    );
  });
});
