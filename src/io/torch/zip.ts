// A bounds-checked zip reader for torch's zip checkpoints: the central directory (zip64 included),
// stored entries as views of the input, deflate entries through the platform's
// DecompressionStream (refused clearly where there is none), CRC-32 checks, no size trusted blindly.
// Browser-safe: bytes in, bytes out; imports nothing.

/** One file of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0: stored, 8: deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the entry's data (after its local header) in the archive. */
  dataOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const DEFLATE_MAX_RATIO = 1032;
/** No entry of a checkpoint is larger than this (torch's own writer has the same 4 GiB-ish scale; JS arrays cap near it). */
const MAX_ENTRY = 2 ** 32;

/** True when `bytes` starts like a zip archive (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Lists the entries of a zip archive from its central directory, checking every offset and
 * length against the archive's size.
 * @param label names the archive in error messages
 */
export function readZipDirectory(bytes: Uint8Array, label: string): ZipEntry[] {
  const r = fieldReader(bytes, label);
  const { count, cdSize, cdOffset } = findCentralDirectory(r);
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    const { entry, recordLength } = readCentralRecord(r, at, i, cdOffset + cdSize);
    entries.push(entry);
    at += recordLength;
  }
  return entries;
}

/** Bounds-checked little-endian field reads of an archive, and its error helper. */
interface FieldReader {
  bytes: Uint8Array;
  view: DataView;
  fail: (what: string) => never;
  u16: (at: number) => number;
  u32: (at: number) => number;
  u64: (at: number) => number;
}

function fieldReader(bytes: Uint8Array, label: string): FieldReader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new Error(`${label}: zip archive: ${what}`);
  };
  const pastEnd = (at: number) => fail(`a field at byte ${at} lies past the end (${bytes.length} bytes; truncated?)`);
  const u16 = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at, true) : pastEnd(at));
  const u32 = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at, true) : pastEnd(at));
  const u64 = (at: number): number => {
    if (at + 8 > bytes.length) pastEnd(at);
    const v = view.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? fail(`a 64-bit field at byte ${at} is impossibly large`) : Number(v);
  };
  return { bytes, view, fail, u16, u32, u64 };
}

/** The central directory's entry count, size and offset, from the end record (or its zip64 version). */
function findCentralDirectory(r: FieldReader): { count: number; cdSize: number; cdOffset: number } {
  const { bytes, view, fail, u16, u32, u64 } = r;
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('has no end-of-central-directory record (truncated or not a zip file)');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== EOCD64_LOCATOR) fail('needs a zip64 end record but has no zip64 locator');
    const at = u64(loc + 8);
    if (u32(at) !== EOCD64) fail(`the zip64 locator points at byte ${at}, which is no zip64 end record`);
    count = u64(at + 32);
    cdSize = u64(at + 40);
    cdOffset = u64(at + 48);
  }
  if (cdOffset + cdSize > bytes.length) {
    const range = `[${cdOffset}, ${cdOffset + cdSize})`;
    fail(`the central directory ${range} lies past the end (${bytes.length} bytes; truncated?)`);
  }
  // Each central record is at least 46 bytes, so the count is bounded by the directory's size.
  if (count * 46 > cdSize) fail(`declares ${count} entries but its central directory has only ${cdSize} bytes`);
  return { count, cdSize, cdOffset };
}

/** Central directory record `i` at byte `at` (the directory ends at `cdEnd`), checked against the archive. */
function readCentralRecord(
  r: FieldReader,
  at: number,
  i: number,
  cdEnd: number,
): { entry: ZipEntry; recordLength: number } {
  const { bytes, fail, u16, u32 } = r;
  if (u32(at) !== CENTRAL) fail(`central directory entry ${i} at byte ${at} has a bad signature`);
  const flags = u16(at + 8);
  const method = u16(at + 10);
  const crc32 = u32(at + 16);
  const declared = { compressedSize: u32(at + 20), size: u32(at + 24) };
  const nameLen = u16(at + 28);
  const extraLen = u16(at + 30);
  const commentLen = u16(at + 32);
  const localOffset32 = u32(at + 42);
  if (at + 46 + nameLen + extraLen + commentLen > cdEnd) fail(`central directory entry ${i} runs past the directory`);
  const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLen));
  if (flags & 0x1) fail(`entry '${name}' is encrypted`);
  const { size, compressedSize, localOffset } = readZip64Extra(r, name, at + 46 + nameLen, extraLen, {
    ...declared,
    localOffset: localOffset32,
  });
  if (method !== 0 && method !== 8) {
    fail(`entry '${name}' uses compression method ${method}; stored (0) and deflate (8) are read`);
  }
  if (size > MAX_ENTRY || compressedSize > MAX_ENTRY) {
    fail(`entry '${name}' declares ${Math.max(size, compressedSize)} bytes, over the ${MAX_ENTRY}-byte limit`);
  }
  if (method === 0 && size !== compressedSize) {
    fail(`stored entry '${name}' declares ${compressedSize} stored bytes but a size of ${size}`);
  }
  // Deflate cannot expand more than about 1032:1, so a larger claim is a lie (or a bomb).
  if (method === 8 && size > compressedSize * DEFLATE_MAX_RATIO + 1024) {
    fail(`deflate entry '${name}' claims ${size} bytes from ${compressedSize}, more than deflate can expand to`);
  }
  if (u32(localOffset) !== LOCAL) fail(`entry '${name}' points at byte ${localOffset}, which is no local file header`);
  const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
  if (dataOffset + compressedSize > bytes.length) {
    const range = `[${dataOffset}, ${dataOffset + compressedSize})`;
    fail(`entry '${name}' has data ${range} past the end of the archive (${bytes.length} bytes; truncated?)`);
  }
  const entry = { name, method, compressedSize, size, crc32, dataOffset };
  return { entry, recordLength: 46 + nameLen + extraLen + commentLen };
}

/**
 * The sizes and offset of an entry with its zip64 extra field (id 1) applied: it holds the 64-bit values
 * of the fields that read 0xffffffff, in order.
 */
function readZip64Extra(
  r: FieldReader,
  name: string,
  start: number,
  extraLen: number,
  fields: { size: number; compressedSize: number; localOffset: number },
): { size: number; compressedSize: number; localOffset: number } {
  const { fail, u16, u64 } = r;
  let { size, compressedSize, localOffset } = fields;
  let x = start;
  const xEnd = x + extraLen;
  while (x + 4 <= xEnd) {
    const id = u16(x);
    const len = u16(x + 2);
    if (x + 4 + len > xEnd) fail(`entry '${name}' has an extra field past its end`);
    if (id === 1) {
      let p = x + 4;
      const next = (): number => {
        if (p + 8 > x + 4 + len) fail(`entry '${name}' has a short zip64 field`);
        const v = u64(p);
        p += 8;
        return v;
      };
      if (size === 0xffffffff) size = next();
      if (compressedSize === 0xffffffff) compressedSize = next();
      if (localOffset === 0xffffffff) localOffset = next();
    }
    x += 4 + len;
  }
  return { size, compressedSize, localOffset };
}

let crcTables: Uint32Array | null = null;

/** The 8 slicing-by-8 tables of the zip polynomial, 256 entries each. */
function tables(): Uint32Array {
  if (crcTables) return crcTables;
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++)
    for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 0xff];
  return (crcTables = t);
}

/** CRC-32 (the zip polynomial) of `bytes`; slicing-by-8, several times the byte-at-a-time speed. */
export function crc32(bytes: Uint8Array): number {
  const t = tables();
  let c = 0xffffffff;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  for (; i < end8; i += 8) {
    const lo = (c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))) >>> 0;
    c =
      t[7 * 256 + (lo & 0xff)] ^
      t[6 * 256 + ((lo >>> 8) & 0xff)] ^
      t[5 * 256 + ((lo >>> 16) & 0xff)] ^
      t[4 * 256 + (lo >>> 24)] ^
      t[3 * 256 + bytes[i + 4]] ^
      t[2 * 256 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The uncompressed bytes of an entry: a view of `bytes` for stored entries, a new buffer for
 * deflate ones (never more than the declared size). Checks the CRC-32 when `verify` is true.
 */
export async function readZipEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  label: string,
  verify = true,
): Promise<Uint8Array> {
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  const data = entry.method === 0 ? raw : await inflateRaw(raw, entry.size, `${label}: zip entry '${entry.name}'`);
  if (verify && crc32(data) !== entry.crc32)
    throw new Error(`${label}: zip entry '${entry.name}' fails its CRC-32 check (corrupt file)`);
  return data;
}

/** Inflates raw deflate data to exactly `size` bytes, refusing more (a zip bomb) or fewer. */
async function inflateRaw(raw: Uint8Array, size: number, label: string): Promise<Uint8Array> {
  const DS = (globalThis as { DecompressionStream?: new (format: string) => TransformStream<Uint8Array, Uint8Array> })
    .DecompressionStream;
  if (!DS)
    throw new Error(
      `${label} is deflate-compressed and this platform has no DecompressionStream; torch.save writes stored entries, so re-save the file with torch.save or unzip and re-zip it uncompressed`,
    );
  // Chunks first, one buffer at the end: memory follows what the data really inflates to.
  const chunks: Uint8Array[] = [];
  let filled = 0;
  const reader = new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DS('deflate-raw')).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > size)
        throw new Error(`${label} inflates past its declared ${size} bytes (corrupt file)`);
      chunks.push(value);
      filled += value.length;
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    const msg = (err as Error).message;
    throw new Error(msg.startsWith(label) ? msg : `${label} is not valid deflate data (${msg})`);
  }
  if (filled !== size) throw new Error(`${label} inflates to ${filled} bytes, not its declared ${size} (corrupt file)`);
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
