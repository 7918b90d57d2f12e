// Test helper: writes pickle opcodes by hand, to build torch files (valid, broken or hostile)
// without Python. Methods mirror the opcodes; value() writes JSON-like data the way CPython
// does at protocol 2.
import { OP } from '../pickle-opcodes.js';

export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

export class PickleWriter {
  private readonly bytes: number[] = [];

  raw(...values: number[]): this {
    this.bytes.push(...values);
    return this;
  }

  private text(value: string): number[] {
    return [...new TextEncoder().encode(value)];
  }

  private u32(value: number): number[] {
    return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
  }

  proto(version = 2): this {
    return this.raw(OP.PROTO, version);
  }

  stop(): this {
    return this.raw(OP.STOP);
  }

  mark(): this {
    return this.raw(OP.MARK);
  }

  none(): this {
    return this.raw(OP.NONE);
  }

  bool(value: boolean): this {
    return this.raw(value ? OP.NEWTRUE : OP.NEWFALSE);
  }

  int(value: number | bigint): this {
    if (typeof value === 'number' && value >= 0 && value < 256) return this.raw(OP.BININT1, value);
    if (typeof value === 'number' && value >= 0 && value < 65536) return this.raw(OP.BININT2, value & 0xff, value >> 8);
    if (typeof value === 'number' && value >= -(2 ** 31) && value < 2 ** 31) return this.raw(OP.BININT, ...this.u32(value));
    // LONG1: little-endian two's complement, as short as possible.
    let big = BigInt(value);
    const out: number[] = [];
    for (;;) {
      const byte = Number(big & 0xffn);
      out.push(byte);
      big >>= 8n;
      if ((big === 0n && !(byte & 0x80)) || (big === -1n && byte & 0x80)) break;
    }
    return this.raw(OP.LONG1, out.length, ...out);
  }

  float(value: number): this {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value, false);
    return this.raw(OP.BINFLOAT, ...new Uint8Array(view.buffer));
  }

  str(value: string): this {
    const encoded = this.text(value);
    return this.raw(OP.BINUNICODE, ...this.u32(encoded.length), ...encoded);
  }

  emptyDict(): this {
    return this.raw(OP.EMPTY_DICT);
  }

  emptyList(): this {
    return this.raw(OP.EMPTY_LIST);
  }

  emptyTuple(): this {
    return this.raw(OP.EMPTY_TUPLE);
  }

  /** TUPLE from the last MARK. */
  tuple(): this {
    return this.raw(OP.TUPLE);
  }

  setitem(): this {
    return this.raw(OP.SETITEM);
  }

  setitems(): this {
    return this.raw(OP.SETITEMS);
  }

  append(): this {
    return this.raw(OP.APPEND);
  }

  appends(): this {
    return this.raw(OP.APPENDS);
  }

  global(module: string, name: string): this {
    return this.raw(OP.GLOBAL, ...this.text(`${module}\n${name}\n`));
  }

  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).raw(OP.STACK_GLOBAL);
  }

  reduce(): this {
    return this.raw(OP.REDUCE);
  }

  build(): this {
    return this.raw(OP.BUILD);
  }

  binpersid(): this {
    return this.raw(OP.BINPERSID);
  }

  /** Python values: ints as ints, other numbers as floats, arrays as lists, objects as dicts. */
  value(value: PlainValue): this {
    if (value === null) return this.none();
    if (typeof value === 'boolean') return this.bool(value);
    if (typeof value === 'number') return Number.isInteger(value) ? this.int(value) : this.float(value);
    if (typeof value === 'string') return this.str(value);
    if (Array.isArray(value)) {
      this.emptyList();
      if (value.length === 0) return this;
      this.mark();
      value.forEach((item) => this.value(item));
      return this.appends();
    }
    this.emptyDict();
    const entries = Object.entries(value);
    if (entries.length === 0) return this;
    this.mark();
    for (const [key, item] of entries) this.str(key).value(item);
    return this.setitems();
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}
