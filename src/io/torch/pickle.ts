// A restricted unpickler: the pickle opcodes (protocols 0-5) that `torch.save` and plain Python
// data use, building inert JavaScript values. Globals resolve only through the caller's allow-list
// and persistent ids only through the caller's loader; nothing in a file is ever executed.
// Every read is bounds-checked. Browser-safe: bytes in, values out; imports nothing.

/** A Python dict (also `OrderedDict`): insertion-ordered entries; keys are the unpickled values. */
export class PyDict {
  readonly entries = new Map<unknown, unknown>();
  /** The state a BUILD opcode set on it (an OrderedDict's `_metadata`), kept but unused. */
  state: unknown = undefined;
}

/** A Python tuple (kept apart from lists so callers can tell `(1, 2)` from `[1, 2]`). */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** A Python `bytes` value. */
export class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
}

/** A callable the allow-list maps a global to: receives REDUCE's argument tuple, returns an inert value. */
export type PyCallable = (args: unknown[]) => unknown;

/** What {@link unpickle} needs from its caller. */
export interface UnpickleOptions {
  /** Returns the callable for an allowed `module.name`, or undefined to refuse it. */
  findGlobal(module: string, name: string): PyCallable | undefined;
  /** Resolves a persistent id (torch's storage references); absent: persistent ids are refused. */
  persistentLoad?(pid: unknown): unknown;
  /** Names the data in error messages. */
  label: string;
}

/** A global the allow-list returned: callable by REDUCE / NEWOBJ only; its name is readable (torch names storage types this way). */
export class PyGlobal {
  constructor(
    readonly qualified: string,
    readonly call: PyCallable,
  ) {}
}

const MARK = Symbol('mark');
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Runs one pickle from `bytes[start]` to its STOP opcode and returns the value and the offset just
 * after STOP (a legacy torch file is several pickles back to back).
 * @throws on an unknown or unsupported opcode, a refused global, a truncated or inconsistent stream
 */
// One interpreter loop: a switch over the opcodes, sharing one stack and memo.
// eslint-disable-next-line max-lines-per-function
export function unpickle(bytes: Uint8Array, options: UnpickleOptions, start = 0): { value: unknown; end: number } {
  const { label } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (what: string): never => {
    throw new Error(`${label}: pickle byte ${pos}: ${what}`);
  };
  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.length)
      fail(`needs ${n} more bytes but the data ends at byte ${bytes.length} (truncated?)`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)];
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const i32 = () => view.getInt32(need(4), true);
  const u64 = (): number => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is impossibly large`);
    return Number(v);
  };
  const take = (n: number) => bytes.subarray(need(n), pos);
  const text = (n: number): string => {
    const raw = take(n); // outside the try: a truncation must not read as bad UTF-8
    try {
      return textDecoder.decode(raw);
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('a text argument has no end of line (truncated?)');
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('pops an empty stack (corrupt pickle)');
    const v = stack.pop();
    if (v === MARK) fail('pops a MARK (corrupt pickle)');
    return v;
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('reads an empty stack (corrupt pickle)');
    return stack[stack.length - 1];
  };
  // Callers must not write `stack.push(popMark())`: that pushes onto the array popMark replaces.
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = marks.pop();
    if (!prev) fail('finds no MARK (corrupt pickle)');
    stack = prev!;
    return items;
  };
  const memoGet = (i: number) => {
    if (!memo.has(i)) fail(`reads memo ${i}, which was never stored`);
    return memo.get(i);
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const fn = options.findGlobal(module, name);
    if (!fn)
      fail(
        `refuses the global '${printable(`${module}.${name}`)}': it is not on the allow-list of a tensor checkpoint (only dicts, tensors, storages and plain values load; nothing in a file is executed)`,
      );
    return new PyGlobal(`${module}.${name}`, fn!);
  };
  const call = (fn: unknown, args: unknown): unknown => {
    if (!(fn instanceof PyGlobal)) fail(`calls a ${describe(fn)}, not an allowed global`);
    if (!(args instanceof PyTuple))
      fail(`calls '${(fn as PyGlobal).qualified}' with a ${describe(args)} instead of an argument tuple`);
    return guarded(() => (fn as PyGlobal).call((args as PyTuple).items));
  };
  // Errors of the caller's builders get the label and position too.
  const guarded = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      const msg = (err as Error).message;
      return msg.startsWith(label)
        ? (() => {
            throw err;
          })()
        : fail(msg);
    }
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof PyDict)) fail(`sets items on a ${describe(target)}, not a dict`);
    if (items.length % 2) fail('sets items from an odd number of values');
    for (let i = 0; i < items.length; i += 2) (target as PyDict).entries.set(hashable(items[i], fail), items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target)) fail(`appends to a ${describe(target)}, not a list`);
    for (const v of items) (target as unknown[]).push(v);
  };
  const long = (n: number): number | bigint => {
    const b = take(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: {
        // PROTO
        const p = u8();
        if (p > 5) fail(`declares pickle protocol ${p}; protocols 0-5 are read`);
        break;
      }
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail(`ends with ${stack.length} values on the stack (corrupt pickle)`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4a:
        stack.push(i32());
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x8a:
        stack.push(long(u8()));
        break; // LONG1
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail('has a negative LONG4 length');
        if (n > 64) fail(`has a ${n}-byte integer; checkpoints hold none over 64 bytes`);
        stack.push(long(n));
        break;
      }
      case 0x49: {
        // INT (text): also 00/01 for False/True
        const s = line();
        if (s === '00' || s === '01') stack.push(s === '01');
        else if (/^[-+]?\d+$/.test(s)) stack.push(Number(s));
        else fail(`has an INT that is not a number`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, '');
        if (!/^[-+]?\d{1,40}$/.test(s)) fail('has a LONG that is not a number');
        const v = BigInt(s);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47:
        stack.push(view.getFloat64(need(8), false));
        break; // BINFLOAT (big-endian)
      case 0x46: {
        // FLOAT (text)
        const v = Number(line());
        if (Number.isNaN(v)) fail('has a FLOAT that is not a number');
        stack.push(v);
        break;
      }
      case 0x8c:
        stack.push(text(u8()));
        break; // SHORT_BINUNICODE
      case 0x58:
        stack.push(text(u32()));
        break; // BINUNICODE
      case 0x8d:
        stack.push(text(u64()));
        break; // BINUNICODE8
      case 0x55:
        stack.push(new TextDecoder('latin1').decode(take(u8())));
        break; // SHORT_BINSTRING (py2 str)
      case 0x54: {
        // BINSTRING
        const n = i32();
        if (n < 0) fail('has a negative BINSTRING length');
        stack.push(new TextDecoder('latin1').decode(take(n)));
        break;
      }
      case 0x43:
        stack.push(new PyBytes(take(u8()).slice()));
        break; // SHORT_BINBYTES
      case 0x42:
        stack.push(new PyBytes(take(u32()).slice()));
        break; // BINBYTES
      case 0x8e:
        stack.push(new PyBytes(take(u64()).slice()));
        break; // BINBYTES8
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x7d:
        stack.push(new PyDict());
        break; // EMPTY_DICT
      case 0x29:
        stack.push(new PyTuple([]));
        break; // EMPTY_TUPLE
      case 0x8f:
        stack.push(new PyTuple([]));
        break; // EMPTY_SET: kept as an inert tuple of its items
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof PyTuple)) fail(`adds items to a ${describe(set)}, not a set`);
        (set as PyTuple).items.push(...items);
        break;
      }
      case 0x91: {
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      } // FROZENSET
      case 0x6c: {
        const items = popMark();
        stack.push(items);
        break;
      } // LIST
      case 0x74: {
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      } // TUPLE
      case 0x85:
        stack.push(new PyTuple([pop()]));
        break; // TUPLE1
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x70: {
        // PUT (text)
        const s = line();
        if (!/^\d+$/.test(s)) fail('has a PUT index that is not a number');
        memo.set(Number(s), top());
        break;
      }
      case 0x68:
        stack.push(memoGet(u8()));
        break; // BINGET
      case 0x6a:
        stack.push(memoGet(u32()));
        break; // LONG_BINGET
      case 0x67: {
        // GET (text)
        const s = line();
        if (!/^\d+$/.test(s)) fail('has a GET index that is not a number');
        stack.push(memoGet(Number(s)));
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(resolveGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          fail('has a STACK_GLOBAL whose module or name is not a string');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args), allowed globals only
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      }
      case 0x62: {
        // BUILD: only inert state on dicts (an OrderedDict's _metadata); on anything else it would call __setstate__
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict)) fail(`sets state on a ${describe(obj)}; only dicts take state`);
        (obj as PyDict).state = state;
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail('has a persistent id where none is expected');
        stack.push(guarded(() => options.persistentLoad!(pid)));
        break;
      }
      case 0x50: {
        // PERSID (text)
        const pid = line();
        if (!options.persistentLoad) fail('has a persistent id where none is expected');
        stack.push(guarded(() => options.persistentLoad!(pid)));
        break;
      }
      default:
        fail(`has opcode 0x${op.toString(16).padStart(2, '0')}, which a tensor checkpoint does not use (refused)`);
    }
  }
}

/** Dict keys must be primitives (Python requires hashable keys; checkpoints use str and int). */
function hashable(key: unknown, fail: (what: string) => never): unknown {
  if (
    key === null ||
    typeof key === 'string' ||
    typeof key === 'number' ||
    typeof key === 'bigint' ||
    typeof key === 'boolean'
  )
    return key;
  if (key instanceof PyTuple) return JSON.stringify(key.items.map((k) => (typeof k === 'bigint' ? k.toString() : k)));
  return fail(`uses a ${describe(key)} as a dict key`);
}

/** A name from a file, safe to print: control characters replaced, at most 80 characters. */
function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 80)}...` : clean;
}

/** A short description of a value for error messages (its kind, never its content). */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v === MARK) return 'MARK';
  if (Array.isArray(v)) return `list of ${v.length}`;
  if (v instanceof PyTuple) return `tuple of ${v.items.length}`;
  if (v instanceof PyDict) return `dict of ${v.entries.size}`;
  if (v instanceof PyBytes) return `${v.bytes.length} bytes`;
  if (v instanceof PyGlobal) return `global '${v.qualified}'`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
