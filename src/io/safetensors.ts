// The safetensors format (8-byte little-endian header length, a JSON header of
// { name: { dtype, shape, data_offsets } } plus optional __metadata__, then raw little-endian
// data): serialise and parse anywhere (ArrayBuffer); browser-safe. Saving and loading by path
// (Node, atomic writes) is ./safetensors-node.ts. F32 is written; F32, F16, BF16 and F64 are
// read (converted to float32).
import { Tensor } from '../tensor/tensor.js';
import { fromFloat32 } from '../tensor/creation.js';
import { fmt, sizeOf } from '../tensor/shape.js';
import { bfloat16ToFloat, halfToFloat } from './half.js';

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const HEADER_LIMIT = 100 * 1024 * 1024; // the reference implementation's cap

/** Tensors by name, as read from or written to a safetensors file. */
export type NamedTensors = Record<string, Tensor>;

/**
 * Encodes tensors (and optional string metadata) as safetensors bytes. Tensors are written in
 * name order, the header padded with spaces to a multiple of 8 bytes.
 * @example
 * const bytes = serializeSafetensors(model.stateDict(), { format: 'pt' });
 */
export function serializeSafetensors(tensors: NamedTensors, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new Error(`serializeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const datas: Float32Array[] = [];
  for (const name of names) {
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new Error(`serializeSafetensors: '${name}' is not a Tensor`);
    if (name === '__metadata__') throw new Error("serializeSafetensors: '__metadata__' is reserved");
    const data = t.dataSync();
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
    datas.push(data);
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const d of datas) {
    const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    if (littleEndian) out.set(bytes, pos);
    else for (let i = 0; i < d.length; i++) view.setFloat32(pos + 4 * i, d[i], true);
    pos += d.byteLength;
  }
  return out;
}

function decode(dtype: string, view: DataView, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(start + 8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(start + 2 * i, true));
      break;
    case 'BF16':
      for (let i = 0; i < count; i++) out[i] = bfloat16ToFloat(view.getUint16(start + 2 * i, true));
      break;
  }
  return out;
}

/**
 * Decodes safetensors bytes into tensors on the current backend, validating the header
 * (length, JSON, dtypes, shapes against byte ranges, ranges inside the file).
 * @param source the file's bytes
 * @param name a label for error messages (e.g. the path)
 */
export function parseSafetensors(
  source: ArrayBuffer | Uint8Array,
  name = 'safetensors data',
): { tensors: NamedTensors; metadata: Record<string, string> } {
  const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8)
    throw new Error(`loadSafetensors: ${name} is ${bytes.length} bytes, too short for a safetensors header`);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > HEADER_LIMIT || 8 + headerLen > bytes.length) {
    throw new Error(
      `loadSafetensors: ${name} declares a ${headerLen}-byte header but the file has ${bytes.length - 8} bytes after the length field (truncated or not safetensors)`,
    );
  }
  let header: Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new Error(`loadSafetensors: ${name} has a header that is not valid JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new Error(`loadSafetensors: ${name} header is not a JSON object`);
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors: NamedTensors = {};
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  for (const [key, entry] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!e || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
      throw new Error(`loadSafetensors: ${name}: entry '${key}' lacks dtype, shape or data_offsets`);
    }
    const width = DTYPE_BYTES[e.dtype];
    if (!width)
      throw new Error(
        `loadSafetensors: ${name}: tensor '${key}' has dtype ${e.dtype}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`,
      );
    if (e.shape.some((d) => !Number.isInteger(d) || d < 0))
      throw new Error(`loadSafetensors: ${name}: tensor '${key}' has an invalid shape ${JSON.stringify(e.shape)}`);
    const [begin, end] = e.data_offsets;
    const count = sizeOf(e.shape);
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin || end > dataLen) {
      throw new Error(
        `loadSafetensors: ${name}: tensor '${key}' has data_offsets [${begin}, ${end}] outside the ${dataLen}-byte data section (truncated file?)`,
      );
    }
    if (end - begin !== count * width) {
      throw new Error(
        `loadSafetensors: ${name}: tensor '${key}' has shape ${fmt(e.shape)} (${count * width} bytes as ${e.dtype}) but its data range holds ${end - begin} bytes`,
      );
    }
    tensors[key] = fromFloat32(decode(e.dtype, view, dataStart + begin, count), e.shape);
  }
  return { tensors, metadata };
}
