// A minimal protobuf writer for the bench's ONNX export: varints, length-delimited fields and
// nested messages, kept as a list of byte chunks so 300 MB of raw weights are never copied into
// number arrays. Bench-only; imports nothing.

/** One encoded message under construction: its chunks in order and their total length. */
export class ProtoMessage {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private key(field: number, wire: number): this {
    return this.push(varint(field * 8 + wire));
  }

  /** A varint field (int32/int64/enum); negative values are not needed by ONNX's writer here. */
  int(field: number, v: number): this {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new Error(`protobuf: field ${field} needs a non-negative safe integer, got ${v}`);
    return this.key(field, 0).push(varint(v));
  }

  /** A repeated varint field, written unpacked (every proto2 and proto3 parser accepts that). */
  ints(field: number, vs: readonly number[]): this {
    for (const v of vs) this.int(field, v);
    return this;
  }

  /** A length-delimited bytes field. */
  bytes(field: number, b: Uint8Array): this {
    return this.key(field, 2).push(varint(b.length)).push(b);
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** A nested message field. */
  message(field: number, m: ProtoMessage): this {
    this.key(field, 2).push(varint(m.length));
    for (const c of m.chunks) this.push(c);
    return this;
  }

  /** The whole message as one buffer. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** Unsigned base-128 varint of a safe non-negative integer. */
export function varint(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return new Uint8Array(out);
}
