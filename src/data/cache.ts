// Node-only. An on-disk cache of per-video extracted features (clips, C3D features, landmark tracks,
// descriptors), keyed by a hash of the video's bytes plus the extraction options. Each entry is one
// safetensors file written atomically, so a crash or Ctrl-C loses at most the entry being written and
// a rerun resumes. node:fs and node:crypto are imported lazily; nothing here touches tensors.
import { writeFileAtomic } from '../io/atomic-write.js';

/** Typed arrays a cache entry may hold. */
export type CacheArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** An array with an optional shape (default: one dimension, its length). */
export interface ShapedArray {
  data: CacheArray;
  shape?: readonly number[];
}

/** A cache entry as read back. */
export interface CacheEntry {
  /** Arrays by name. */
  arrays: Record<string, CacheArray>;
  /** Shapes by name. */
  shapes: Record<string, number[]>;
  /** String metadata stored with the entry. */
  metadata: Record<string, string>;
}

const DTYPES: Record<string, { bytes: number; make: (buf: ArrayBuffer) => CacheArray }> = {
  F32: { bytes: 4, make: (b) => new Float32Array(b) },
  F64: { bytes: 8, make: (b) => new Float64Array(b) },
  I32: { bytes: 4, make: (b) => new Int32Array(b) },
  U8: { bytes: 1, make: (b) => new Uint8Array(b) },
};

function dtypeOf(a: CacheArray): string {
  if (a instanceof Float32Array) return 'F32';
  if (a instanceof Float64Array) return 'F64';
  if (a instanceof Int32Array) return 'I32';
  if (a instanceof Uint8Array) return 'U8';
  throw new Error('feature cache: arrays must be Float32Array, Float64Array, Int32Array or Uint8Array');
}

// Typed arrays are little-endian on every platform Node and browsers run on today, which is what
// safetensors specifies, so the raw bytes are written as they are.
/**
 * Encodes named arrays as safetensors bytes (u64 LE header length, JSON header, raw data), readable
 * by any safetensors reader. Metadata values must be strings.
 */
export function encodeArrays(
  arrays: Record<string, CacheArray | ShapedArray>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = Object.keys(arrays).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new Error("feature cache: '__metadata__' is a reserved name");
    const v = arrays[name];
    const data = ArrayBuffer.isView(v) ? (v as CacheArray) : (v as ShapedArray).data;
    const shape = ArrayBuffer.isView(v) ? [data.length] : [...((v as ShapedArray).shape ?? [data.length])];
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length)
      throw new Error(`feature cache: '${name}' has ${data.length} values but shape [${shape}]`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype: dtypeOf(data), shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/** Decodes bytes written by {@link encodeArrays}; errors name `source` and what is wrong. */
export function decodeArrays(bytes: Uint8Array, source = 'cache entry'): CacheEntry {
  if (bytes.length < 8) throw new Error(`${source}: truncated (${bytes.length} bytes, no header)`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length)
    throw new Error(`${source}: truncated (header says ${n} bytes, file has ${bytes.length - 8})`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw new Error(`${source}: header is not valid JSON (${(err as Error).message})`);
  }
  const base = 8 + n;
  const out: CacheEntry = { arrays: {}, shapes: {}, metadata: {} };
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      out.metadata = { ...(info as Record<string, string>) };
      continue;
    }
    const { dtype, shape, data_offsets } = info as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const spec = DTYPES[dtype];
    if (!spec) throw new Error(`${source}: '${name}' has unsupported dtype ${dtype}`);
    const [a, b] = data_offsets;
    const count = shape.reduce((x, y) => x * y, 1);
    if (b - a !== count * spec.bytes || base + b > bytes.length) {
      throw new Error(
        `${source}: '${name}' data [${a}, ${b}) does not fit shape [${shape}] ${dtype} or the file (truncated?)`,
      );
    }
    // Copy so the array is aligned and does not pin the file's buffer (Buffer#slice would only be a view).
    const copy = new Uint8Array(b - a);
    copy.set(bytes.subarray(base + a, base + b));
    out.arrays[name] = spec.make(copy.buffer);
    out.shapes[name] = [...shape];
  }
  return out;
}

/** JSON with object keys sorted at every level, so equal options always hash equally. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (ArrayBuffer.isView(value)) return stableStringify(Array.from(value as unknown as ArrayLike<number>));
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(',')}}`;
}

/** SHA-256 of bytes or text, hex (Node only). */
export async function hashBytes(bytes: Uint8Array | string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of a file's bytes, streamed, hex; a folder of frames hashes its sorted file names and bytes. */
export async function hashFile(path: string): Promise<string> {
  const fs = await import('node:fs');
  const nodePath = await import('node:path');
  const { createHash } = await import('node:crypto');
  const stat = await fs.promises.stat(path).catch((err: Error) => {
    throw new Error(`cannot hash ${path}: ${err.message}`);
  });
  const hash = createHash('sha256');
  const files = stat.isDirectory()
    ? (await fs.promises.readdir(path))
        .filter((f) => !f.startsWith('.'))
        .sort()
        .map((f) => nodePath.join(path, f))
    : [path];
  for (const file of files) {
    if (stat.isDirectory()) hash.update(`\n${nodePath.basename(file)}\n`);
    await new Promise<void>((resolve, reject) => {
      fs.createReadStream(file)
        .on('data', (chunk) => hash.update(chunk))
        .on('end', () => resolve())
        .on('error', (err) => reject(new Error(`cannot hash ${file}: ${err.message}`)));
    });
  }
  return hash.digest('hex');
}

/**
 * The cache key of one extraction: hash of the video's content hash, the extractor's name and its
 * options (keys sorted), so changing any option gives a new entry instead of a stale hit.
 * @example
 * const key = await cacheKey(await hashFile(video), 'clips', { clipLength: 16, size: 112 });
 */
export async function cacheKey(contentHash: string, kind: string, options: unknown = {}): Promise<string> {
  return hashBytes(`${contentHash}\n${kind}\n${stableStringify(options)}`);
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * A folder of cache entries, `<dir>/<key>.safetensors`. Entries appear only when complete (written to a
 * temp file, fsynced, renamed), so readers never see half an entry; temp files left by a crash are
 * ignored and can be removed with {@link FeatureCache.removeStaleTemp}.
 * @example
 * const cache = new FeatureCache('.cache/features');
 * const entry = await cache.getOrCompute(key, async () => ({ clips: { data, shape } }));
 */
export class FeatureCache {
  /** Cache folder. */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The file of `key`. */
  async path(key: string): Promise<string> {
    if (!KEY_RE.test(key)) throw new Error(`feature cache: invalid key '${key}' (letters, digits, '.', '_', '-' only)`);
    const nodePath = await import('node:path');
    return nodePath.join(this.dir, `${key}.safetensors`);
  }

  /** Whether a complete entry exists for `key`. */
  async has(key: string): Promise<boolean> {
    const fs = await import('node:fs/promises');
    try {
      return (await fs.stat(await this.path(key))).isFile();
    } catch {
      return false;
    }
  }

  /** The entry of `key`, or undefined when there is none. A corrupt entry is an Error naming its file. */
  async get(key: string): Promise<CacheEntry | undefined> {
    const fs = await import('node:fs/promises');
    const file = await this.path(key);
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`feature cache: cannot read ${file}: ${(err as Error).message}`);
    }
    return decodeArrays(bytes, `feature cache entry ${file} (delete it to recompute)`);
  }

  /** Stores arrays (and string metadata) under `key`, atomically. */
  async set(
    key: string,
    arrays: Record<string, CacheArray | ShapedArray>,
    metadata: Record<string, string> = {},
  ): Promise<void> {
    await writeFileAtomic(await this.path(key), encodeArrays(arrays, metadata));
  }

  /** The cached entry of `key`, or computes, stores and returns it: the resume pattern. */
  async getOrCompute(
    key: string,
    compute: () => Promise<Record<string, CacheArray | ShapedArray>> | Record<string, CacheArray | ShapedArray>,
    metadata: Record<string, string> = {},
  ): Promise<CacheEntry> {
    const hit = await this.get(key);
    if (hit) return hit;
    const arrays = await compute();
    const bytes = encodeArrays(arrays, metadata);
    await writeFileAtomic(await this.path(key), bytes);
    return decodeArrays(bytes, key);
  }

  /**
   * Removes temp files an interrupted write left behind; returns how many were removed. Only files
   * older than `olderThanMs` (default 10 minutes) go: another process sharing the folder may be
   * writing a fresh one right now (a write takes seconds), and removing it would fail its rename.
   */
  async removeStaleTemp(olderThanMs = 10 * 60_000): Promise<number> {
    const fs = await import('node:fs/promises');
    const nodePath = await import('node:path');
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return 0;
    }
    let removed = 0;
    const now = Date.now();
    for (const n of names.filter((x) => x.startsWith('.') && x.endsWith('.tmp'))) {
      const file = nodePath.join(this.dir, n);
      const stat = await fs.stat(file).catch(() => null);
      if (!stat || (olderThanMs > 0 && now - stat.mtimeMs < olderThanMs)) continue;
      await fs.rm(file, { force: true });
      removed++;
    }
    return removed;
  }
}
