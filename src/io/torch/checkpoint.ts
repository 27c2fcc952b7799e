// Reads the two formats `torch.save` writes into named tensors: the zip format (torch >= 1.6:
// <archive>/data.pkl + <archive>/data/<key>) and the legacy one (magic number, protocol, system
// info, the pickled object, the storage keys, then the raw storages). Finds the state dict in a
// nested checkpoint and strips DataParallel's `module.` prefix. Browser-safe: bytes in, tensors out;
// imports the pickle and zip readers, the tensor API and nothing from Node.
import { fromFloat32 } from '../../tensor/creation.js';
import type { NamedTensors } from '../safetensors.js';
import { describe, PyDict, PyGlobal, PyTuple, unpickle, type PyCallable } from './pickle.js';
import {
  checkView,
  decodeStorage,
  DTYPE_BYTES,
  gather,
  isContiguous,
  isFloatDtype,
  STORAGE_DTYPES,
  type TorchDtype,
  type TorchValues,
} from './dtypes.js';
import { looksLikeZip, readZipDirectory, readZipEntry, type ZipEntry } from './zip.js';

/** One tensor of a torch checkpoint, decoded. */
export interface TorchArray {
  dtype: TorchDtype;
  shape: number[];
  /** Row-major values: float32 for float dtypes, the integer dtypes' own typed array otherwise. */
  values: TorchValues;
}

/** What {@link readTorchCheckpoint} found. */
export interface TorchStateDict {
  format: 'zip' | 'legacy';
  /** The tensors by state-dict key (after the nesting and prefix rules), in file order. */
  tensors: Map<string, TorchArray>;
  /** Where the state dict was: `''` for the root, else the nesting key (`'state_dict'`, `'model'`, ...). */
  path: string;
  /** Whether a `module.` prefix (DataParallel) was stripped from every key. */
  strippedPrefix: boolean;
  /** Keys of non-tensor entries in the state dict (numbers, strings, ...), which are left out. */
  skipped: string[];
}

/** Options of {@link readTorchCheckpoint} and {@link loadTorchCheckpoint}. */
export interface TorchReadOptions {
  /** Names the data in error messages (e.g. its path). */
  label?: string;
  /** Check every zip entry's CRC-32 (default true; about a second per 300 MB). */
  verifyCrc?: boolean;
}

/** Options of {@link loadTorchCheckpoint}. */
export interface TorchLoadOptions extends TorchReadOptions {
  /** Integer tensors (e.g. batch norm's `num_batches_tracked`): `'float32'` (default) converts them, `'drop'` leaves them out. */
  integers?: 'float32' | 'drop';
}

/** Keys under which training scripts nest a model's state dict, tried in order. */
const NESTING_KEYS = ['state_dict', 'model_state_dict', 'model', 'net'];
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
/** A stride-0 view may not expand a storage past this many elements (a hostile file's huge allocation). */
const MAX_EXPANDED = 1 << 24;

/** A storage reference from a persistent id: its bytes are fetched after unpickling, once per key (tensors share storages). */
class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    readonly declaredNumel: number,
    readonly view: { offset: number; numel: number } | null,
  ) {}
}

/** A tensor as the pickle describes it: a view of a storage. */
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** A storage type global (`torch.FloatStorage`): a value inside persistent ids, never called. */
class StorageType {
  constructor(readonly dtype: TorchDtype) {}
}

const intTuple = (v: unknown, what: string): number[] => {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items || items.some((x) => typeof x !== 'number'))
    throw new Error(`${what} is a ${describe(v)}, not a tuple of integers`);
  return items as number[];
};

function rebuildTensor(args: unknown[], fn: string): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new Error(`${fn} gets a ${describe(storage)} instead of a storage`);
  if (typeof offset !== 'number') throw new Error(`${fn} gets a storage offset that is a ${describe(offset)}`);
  return new TensorRef(storage, offset, intTuple(size, `${fn}'s size`), intTuple(stride, `${fn}'s stride`));
}

function rebuildParameter(args: unknown[]): TensorRef {
  if (!(args[0] instanceof TensorRef))
    throw new Error(`torch._utils._rebuild_parameter gets a ${describe(args[0])} instead of a tensor`);
  return args[0];
}

/**
 * The allow-list: the only globals a checkpoint may name. Each maps to an inert builder; any other
 * global (a class or function a pickle would call: os.system, builtins.eval, numpy, a user's class)
 * is refused by name.
 */
function allowedGlobal(module: string, name: string): PyCallable | undefined {
  if (module === 'collections' && name === 'OrderedDict') {
    return (args) => {
      const d = new PyDict();
      const init = args[0];
      // OrderedDict([(k, v), ...]); Python 2 pickled it as a list of [k, v] lists.
      if (Array.isArray(init)) {
        for (const pair of init) {
          const kv = pair instanceof PyTuple ? pair.items : Array.isArray(pair) ? pair : null;
          if (!kv || kv.length !== 2 || (typeof kv[0] !== 'string' && typeof kv[0] !== 'number'))
            throw new Error(
              `collections.OrderedDict gets an item that is a ${describe(pair)}, not a (key, value) pair`,
            );
          d.entries.set(kv[0], kv[1]);
        }
      }
      return d;
    };
  }
  if (module === 'torch._utils') {
    if (name === '_rebuild_tensor_v2' || name === '_rebuild_tensor')
      return (args) => rebuildTensor(args, `torch._utils.${name}`);
    if (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state') return rebuildParameter;
  }
  if (module === 'torch') {
    const dtype = STORAGE_DTYPES[name];
    // Storage types are looked up, never called: calling one is an error.
    if (dtype)
      return Object.assign(
        () => {
          throw new Error(`torch.${name} is called; storages come only from persistent ids`);
        },
        { storageType: new StorageType(dtype) },
      );
    if (name === 'Size') return (args) => new PyTuple(intTuple(args[0], 'torch.Size'));
  }
  return undefined;
}

function storageTypeOf(v: unknown): StorageType | null {
  if (v instanceof PyGlobal) return (v.call as { storageType?: StorageType }).storageType ?? null;
  return null;
}

/** Parses a persistent id `('storage', type, key, location, numel[, view_metadata])`. */
function storageFromPid(pid: unknown, legacy: boolean): StorageRef {
  if (!(pid instanceof PyTuple)) throw new Error(`a persistent id is a ${describe(pid)}, not a tuple`);
  const [kind, type, key, , numel, viewMeta] = pid.items;
  if (kind !== 'storage')
    throw new Error(`a persistent id of kind '${String(kind).slice(0, 40)}' is refused; only storages load`);
  const st = storageTypeOf(type);
  if (!st)
    throw new Error(
      `a storage's type is a ${describe(type)}, not one of torch.${Object.keys(STORAGE_DTYPES).join(', torch.')}`,
    );
  if (typeof key !== 'string' || key.length > 256)
    throw new Error(`a storage key is a ${describe(key)}, not a short string`);
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
    throw new Error(`storage '${key}' declares ${describe(numel)} elements`);
  let view: StorageRef['view'] = null;
  if (legacy && viewMeta !== null && viewMeta !== undefined) {
    // Pre-1.0 storage views: (view_key, offset, size) into the root storage.
    if (!(viewMeta instanceof PyTuple) || viewMeta.items.length !== 3)
      throw new Error(`storage '${key}' has view metadata that is a ${describe(viewMeta)}`);
    const [, off, size] = viewMeta.items;
    if (typeof off !== 'number' || typeof size !== 'number' || off < 0 || size < 0 || off + size > numel)
      throw new Error(`storage '${key}' has a view outside its ${numel} elements`);
    view = { offset: off, numel: size };
  }
  return new StorageRef(key, st.dtype, numel, view);
}

/**
 * Runs one pickle at `start`. `'data'`: plain values only (the legacy header pickles), no globals
 * and no storages; `'zip'` / `'legacy'`: the checkpoint object, allow-listed globals and storage ids.
 */
function unpickleAt(
  bytes: Uint8Array,
  start: number,
  label: string,
  kind: 'data' | 'zip' | 'legacy',
): { value: unknown; end: number } {
  return unpickle(
    bytes,
    {
      label,
      findGlobal: kind === 'data' ? () => undefined : allowedGlobal,
      persistentLoad: kind === 'data' ? undefined : (pid) => storageFromPid(pid, kind === 'legacy'),
    },
    start,
  );
}

/** Walks the unpickled object to the state dict: nesting keys, then flattening nested dicts with dotted keys. */
function collectTensors(
  root: unknown,
  label: string,
): { refs: Map<string, TensorRef>; path: string; skipped: string[] } {
  let node = root;
  const path: string[] = [];
  for (let depth = 0; depth < 4 && node instanceof PyDict; depth++) {
    const key = NESTING_KEYS.find((k) => node instanceof PyDict && node.entries.get(k) instanceof PyDict);
    // A state dict's own keys look like 'conv1.weight'; descend only where the dict is a wrapper.
    if (!key || [...node.entries.values()].some((v) => v instanceof TensorRef)) break;
    path.push(key);
    node = node.entries.get(key);
  }
  if (node instanceof TensorRef)
    throw new Error(`${label} holds a single tensor, not a state dict (save model.state_dict() instead)`);
  if (!(node instanceof PyDict))
    throw new Error(`${label} holds a ${describe(node)}, not a state dict (a dict of tensors)`);
  const refs = new Map<string, TensorRef>();
  const skipped: string[] = [];
  const seen = new Set<PyDict>();
  const walk = (d: PyDict, prefix: string, depth: number) => {
    if (seen.has(d) || depth > 16)
      throw new Error(`${label}: the state dict nests too deeply or refers to itself at '${prefix}'`);
    seen.add(d);
    for (const [k, v] of d.entries) {
      const name = `${prefix}${String(k)}`;
      if (v instanceof TensorRef) refs.set(name, v);
      else if (v instanceof PyDict) walk(v, `${name}.`, depth + 1);
      else skipped.push(name);
    }
  };
  walk(node, '', 0);
  if (refs.size === 0)
    throw new Error(
      `${label} has no tensors in its ${path.length ? `'${path.join('.')}'` : 'top-level'} dict (keys: ${[...node.entries.keys()].slice(0, 8).map(String).join(', ')})`,
    );
  return { refs, path: path.join('.'), skipped };
}

/** Materialises the tensors from their storages; `storageBytes` returns a storage's raw bytes. */
async function materialise(
  refs: Map<string, TensorRef>,
  storageBytes: (ref: StorageRef) => Promise<Uint8Array>,
  label: string,
): Promise<Map<string, TorchArray>> {
  const raw = new Map<string, Uint8Array>();
  const decoded = new Map<string, TorchValues>();
  const out = new Map<string, TorchArray>();
  for (const [name, t] of refs) {
    const s = t.storage;
    const width = DTYPE_BYTES[s.dtype];
    let bytes = raw.get(s.key);
    if (!bytes) {
      bytes = await storageBytes(s);
      if (bytes.length % width)
        throw new Error(
          `${label}: storage '${s.key}' has ${bytes.length} bytes, not a whole number of ${s.dtype} elements`,
        );
      raw.set(s.key, bytes);
    }
    const base = s.view ? s.view.offset : 0;
    const available = s.view ? s.view.numel : bytes.length / width;
    let numel: number;
    try {
      numel = checkView(name, available, t.offset, t.shape, t.stride);
    } catch (err) {
      throw new Error(`${label}: ${(err as Error).message}`);
    }
    if (numel > available && numel > MAX_EXPANDED)
      throw new Error(
        `${label}: tensor '${name}' expands ${available} stored elements to ${numel}, over the ${MAX_EXPANDED} limit`,
      );
    let values: TorchValues;
    if (isContiguous(t.shape, t.stride)) {
      // The common case: decode just the tensor's run of bytes (one copy, shared storages too).
      const start = (base + t.offset) * width;
      values = decodeStorage(bytes.subarray(start, start + numel * width), s.dtype);
    } else {
      let all = decoded.get(s.key);
      if (!all) decoded.set(s.key, (all = decodeStorage(bytes, s.dtype)));
      values = gather(all, base + t.offset, t.shape, t.stride, numel);
    }
    out.set(name, { dtype: s.dtype, shape: t.shape, values });
  }
  return out;
}

async function readZipFormat(
  bytes: Uint8Array,
  label: string,
  verify: boolean,
): Promise<{ root: unknown; read: (r: StorageRef) => Promise<Uint8Array> }> {
  const entries = readZipDirectory(bytes, label);
  const pkl = entries.find((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (!pkl)
    throw new Error(
      `${label} is a zip archive without a data.pkl: not a torch.save checkpoint (entries: ${entries
        .slice(0, 5)
        .map((e) => e.name)
        .join(', ')})`,
    );
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const order = byName.get(`${prefix}byteorder`);
  if (order) {
    const text = new TextDecoder().decode(await readZipEntry(bytes, order, label, verify)).trim();
    if (text !== 'little')
      throw new Error(`${label} stores ${text.slice(0, 16)}-endian data; little-endian checkpoints are read`);
  }
  const data = await readZipEntry(bytes, pkl, label, verify);
  const { value, end } = unpickleAt(data, 0, `${label} (${pkl.name})`, 'zip');
  if (end !== data.length)
    throw new Error(`${label}: ${pkl.name} has ${data.length - end} bytes after its pickle (corrupt file)`);
  return {
    root: value,
    read: async (ref) => {
      const e = byName.get(`${prefix}data/${ref.key}`);
      if (!e)
        throw new Error(
          `${label}: storage '${ref.key}' has no entry ${prefix}data/${ref.key} (truncated or corrupt archive)`,
        );
      const want = ref.declaredNumel * DTYPE_BYTES[ref.dtype];
      if (e.size < want)
        throw new Error(
          `${label}: storage '${ref.key}' declares ${ref.declaredNumel} ${ref.dtype} elements (${want} bytes) but its entry has ${e.size}`,
        );
      return readZipEntry(bytes, e, label, verify);
    },
  };
}

function readLegacyFormat(
  bytes: Uint8Array,
  label: string,
): { root: unknown; read: (r: StorageRef) => Promise<Uint8Array> } {
  if (bytes.length > 262 && new TextDecoder('latin1').decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new Error(
      `${label} is a tar archive: the format of torch before 0.1.10, which is not read; load and re-save it with a newer torch`,
    );
  }
  if (bytes.length < 2 || bytes[0] !== 0x80)
    throw new Error(
      `${label} is neither a zip archive nor a pickle (first bytes ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}): not a torch checkpoint`,
    );
  const header = (what: string) => `${label}: legacy torch format: ${what}`;
  const magic = unpickleAt(bytes, 0, header('magic number'), 'data');
  if (magic.value !== LEGACY_MAGIC)
    throw new Error(
      `${label} is a pickle but not a torch checkpoint (no torch magic number); plain pickles are not read`,
    );
  const protocol = unpickleAt(bytes, magic.end, header('protocol version'), 'data');
  if (protocol.value !== LEGACY_PROTOCOL)
    throw new Error(header(`protocol version ${String(protocol.value)}, expected ${LEGACY_PROTOCOL}`));
  const sys = unpickleAt(bytes, protocol.end, header('system info'), 'data');
  if (sys.value instanceof PyDict && sys.value.entries.get('little_endian') === false)
    throw new Error(`${label} was saved on a big-endian machine; little-endian checkpoints are read`);
  const main = unpickleAt(bytes, sys.end, `${label} (pickled object)`, 'legacy');
  const keysPickle = unpickleAt(bytes, main.end, header('storage keys'), 'data');
  const keys = keysPickle.value;
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))
    throw new Error(header(`the storage key list is a ${describe(keys)}, not a list of strings`));
  // Every storage the object refers to, by key, to know each raw storage's element size.
  const types = new Map<string, TorchDtype>();
  const visit = (v: unknown, seen: Set<unknown>, depth: number) => {
    if (depth > 64 || seen.has(v)) return;
    if (v instanceof TensorRef) types.set(v.storage.key, v.storage.dtype);
    else if (v instanceof PyDict) {
      seen.add(v);
      for (const x of v.entries.values()) visit(x, seen, depth + 1);
    } else if (Array.isArray(v)) {
      seen.add(v);
      for (const x of v) visit(x, seen, depth + 1);
    } else if (v instanceof PyTuple) {
      seen.add(v);
      for (const x of v.items) visit(x, seen, depth + 1);
    }
  };
  visit(main.value, new Set(), 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const spans = new Map<string, Uint8Array>();
  let pos = keysPickle.end;
  for (const key of keys as string[]) {
    const dtype = types.get(key);
    if (!dtype)
      throw new Error(
        header(`storage '${key.slice(0, 40)}' is listed but no tensor uses it, so its element size is unknown`),
      );
    if (pos + 8 > bytes.length)
      throw new Error(
        header(`storage '${key}' starts at byte ${pos}, past the end (${bytes.length} bytes; truncated?)`),
      );
    const numel = view.getBigInt64(pos, true);
    const size = BigInt(DTYPE_BYTES[dtype]) * numel;
    if (numel < 0n || BigInt(pos + 8) + size > BigInt(bytes.length)) {
      throw new Error(
        header(
          `storage '${key}' declares ${numel} ${dtype} elements at byte ${pos}, past the end of the ${bytes.length}-byte file (truncated?)`,
        ),
      );
    }
    spans.set(key, bytes.subarray(pos + 8, pos + 8 + Number(size)));
    pos += 8 + Number(size);
  }
  return {
    root: main.value,
    read: async (ref) => {
      const span = spans.get(ref.key);
      if (!span) throw new Error(header(`storage '${ref.key}' is used but not in the file's storage list`));
      return span;
    },
  };
}

/**
 * Reads a PyTorch checkpoint (`torch.save` of a state dict, zip or legacy format) into decoded
 * arrays, integer tensors kept as integers. Nested checkpoints (`{'state_dict': ...}`,
 * `{'model': ...}`) are unwrapped and a `module.` prefix on every key (DataParallel) is stripped.
 * Nothing in the file is executed: only the globals a state dict needs are accepted
 * (docs/models.md, "Security").
 * @throws naming what is wrong with a truncated, corrupt or refused file
 * @example
 * const sd = await readTorchCheckpoint(bytes);
 * sd.tensors.get('bn.num_batches_tracked')?.values; // BigInt64Array [ 3n ]
 */
export async function readTorchCheckpoint(
  source: Uint8Array | ArrayBuffer,
  options: TorchReadOptions = {},
): Promise<TorchStateDict> {
  // A plain Uint8Array view, so a Node Buffer's view-returning slice() never leaks in.
  const bytes =
    source instanceof Uint8Array
      ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
      : new Uint8Array(source);
  const label = options.label ?? 'torch checkpoint';
  const zip = looksLikeZip(bytes);
  const { root, read } = zip
    ? await readZipFormat(bytes, label, options.verifyCrc ?? true)
    : readLegacyFormat(bytes, label);
  const { refs, path, skipped } = collectTensors(root, label);
  let tensors = await materialise(refs, read, label);
  const names = [...tensors.keys()];
  const strippedPrefix = names.every((n) => n.startsWith('module.'));
  if (strippedPrefix) tensors = new Map([...tensors].map(([k, v]) => [k.slice('module.'.length), v]));
  return { format: zip ? 'zip' : 'legacy', tensors, path, strippedPrefix, skipped };
}

/**
 * Loads a PyTorch checkpoint's tensors (see {@link readTorchCheckpoint}) onto the current backend
 * as float32, ready for `Module.loadStateDict`. float16, bfloat16 and float64 are converted;
 * integer tensors are converted too, or left out with `integers: 'drop'`.
 * @example
 * const state = await loadTorchCheckpoint(new Uint8Array(await (await fetch('c3d.pickle')).arrayBuffer()));
 * c3d.loadStateDict(state);
 */
export async function loadTorchCheckpoint(
  source: Uint8Array | ArrayBuffer,
  options: TorchLoadOptions = {},
): Promise<NamedTensors> {
  const integers = options.integers ?? 'float32';
  if (integers !== 'float32' && integers !== 'drop')
    throw new Error(`loadTorchCheckpoint: integers must be 'float32' or 'drop', got ${JSON.stringify(integers)}`);
  const { tensors } = await readTorchCheckpoint(source, options);
  const out: NamedTensors = {};
  for (const [name, t] of tensors) {
    if (!isFloatDtype(t.dtype) && integers === 'drop') continue;
    const values =
      t.values instanceof Float32Array ? t.values : Float32Array.from(t.values as ArrayLike<number | bigint>, Number);
    out[name] = fromFloat32(values, t.shape);
  }
  return out;
}
