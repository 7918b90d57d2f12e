// A pickle encoder for the few values a torch.save file of a surrogate holds: None, bools, ints,
// floats, strings, lists, tuples, dicts, globals and the calls torch's unpickler allows. It
// emits protocol 2 with the opcodes CPython's pickler picks for the same values (BININT1/2,
// BININT, LONG1, BINFLOAT, BINUNICODE, batched SETITEMS/APPENDS), so `torch.load(...,
// weights_only=True)` and our own unpickler both read it. (The tests' __fixtures__/pickle-writer.ts
// is another thing: it writes opcodes by hand to build broken and hostile files.)
import { OP } from './pickle-opcodes.js'

/** CPython's pickler puts at most this many items between a MARK and its SETITEMS/APPENDS. */
const BATCH_SIZE = 1000
const UTF8 = new TextEncoder()

/** A growable byte buffer. */
class ByteSink {
  private buffer = new Uint8Array(256)
  private length = 0

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return
    let capacity = this.buffer.length * 2
    while (capacity < this.length + extra) capacity *= 2
    const grown = new Uint8Array(capacity)
    grown.set(this.buffer.subarray(0, this.length))
    this.buffer = grown
  }

  byte(value: number): void {
    this.reserve(1)
    this.buffer[this.length++] = value
  }

  bytes(values: Uint8Array): void {
    this.reserve(values.length)
    this.buffer.set(values, this.length)
    this.length += values.length
  }

  /** `size` bytes laid out by `fill` through a DataView. */
  view(size: number, fill: (view: DataView) => void): void {
    this.reserve(size)
    fill(new DataView(this.buffer.buffer, this.length, size))
    this.length += size
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length)
  }
}

/** Two's complement little-endian bytes of `value`, as short as Python's encode_long makes them. */
export function encodeLong(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0)
  const bytes: number[] = []
  let rest = value
  // Emit bytes until what is left is only sign extension of the last byte written.
  for (;;) {
    const byte = Number(BigInt.asUintN(8, rest))
    bytes.push(byte)
    rest >>= 8n
    if ((rest === 0n && byte < 0x80) || (rest === -1n && byte >= 0x80)) break
  }
  return Uint8Array.from(bytes)
}

export class PickleEncoder {
  private readonly sink = new ByteSink()
  /** Memo slots of the globals written so far: the second use of a global is a BINGET. */
  private readonly globalSlots = new Map<string, number>()
  private nextSlot = 0

  constructor() {
    this.sink.byte(OP.PROTO)
    this.sink.byte(2)
  }

  none(): this {
    this.sink.byte(OP.NONE)
    return this
  }

  bool(value: boolean): this {
    this.sink.byte(value ? OP.NEWTRUE : OP.NEWFALSE)
    return this
  }

  /** A Python int. Accepts a safe integer or any bigint. */
  int(value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value))
      throw new RangeError(`pickle: ${value} is not an integer that can be written exactly`)
    const big = BigInt(value)
    if (big >= 0n && big < 0x100n) {
      this.sink.byte(OP.BININT1)
      this.sink.byte(Number(big))
    } else if (big >= 0n && big < 0x10000n) {
      this.sink.byte(OP.BININT2)
      this.sink.view(2, (view) => view.setUint16(0, Number(big), true))
    } else if (big >= -0x80000000n && big <= 0x7fffffffn) {
      this.sink.byte(OP.BININT)
      this.sink.view(4, (view) => view.setInt32(0, Number(big), true))
    } else {
      const encoded = encodeLong(big)
      if (encoded.length > 255) throw new RangeError('pickle: an int longer than 255 bytes is not supported')
      this.sink.byte(OP.LONG1)
      this.sink.byte(encoded.length)
      this.sink.bytes(encoded)
    }
    return this
  }

  /** A Python float (a big-endian IEEE double, as BINFLOAT stores it). */
  float(value: number): this {
    this.sink.byte(OP.BINFLOAT)
    this.sink.view(8, (view) => view.setFloat64(0, value, false))
    return this
  }

  /** A Python str: BINUNICODE (the one string opcode of protocol 2 that holds UTF-8). */
  string(value: string): this {
    const encoded = UTF8.encode(value)
    this.sink.byte(OP.BINUNICODE)
    this.sink.view(4, (view) => view.setUint32(0, encoded.length, true))
    this.sink.bytes(encoded)
    return this
  }

  /** A list whose items `writeItem` writes, one call per item. */
  list<T>(items: readonly T[], writeItem: (item: T) => void): this {
    this.sink.byte(OP.EMPTY_LIST)
    this.batched(items, writeItem, OP.APPEND, OP.APPENDS)
    return this
  }

  /** A dict (or, after `global('collections', 'OrderedDict')` + `call([])`, an OrderedDict's items). */
  dict<T>(entries: readonly (readonly [string, T])[], writeValue: (value: T, key: string) => void): this {
    this.sink.byte(OP.EMPTY_DICT)
    return this.setItems(entries, writeValue)
  }

  /** Items added to the dict on top of the stack (SETITEM / SETITEMS). */
  setItems<T>(entries: readonly (readonly [string, T])[], writeValue: (value: T, key: string) => void): this {
    this.batched(
      entries,
      ([key, value]) => {
        this.string(key)
        writeValue(value, key)
      },
      OP.SETITEM,
      OP.SETITEMS
    )
    return this
  }

  /** A tuple of the values the callbacks write, in order. */
  tuple(writers: readonly (() => void)[]): this {
    const short = [OP.EMPTY_TUPLE, OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][writers.length]
    if (short === undefined) this.sink.byte(OP.MARK)
    for (const write of writers) write()
    this.sink.byte(short ?? OP.TUPLE)
    return this
  }

  /** A module-level Python name (GLOBAL), memoized so that its next use is a BINGET. */
  global(module: string, name: string): this {
    const qualified = `${module}\n${name}\n`
    const slot = this.globalSlots.get(qualified)
    if (slot !== undefined) {
      this.memoOp(slot, OP.BINGET, OP.LONG_BINGET)
      return this
    }
    if (/[\n\r]/.test(module + name)) throw new RangeError(`pickle: a global name holds a line break`)
    this.sink.byte(OP.GLOBAL)
    this.sink.bytes(UTF8.encode(qualified))
    const newSlot = this.nextSlot++
    this.globalSlots.set(qualified, newSlot)
    this.memoOp(newSlot, OP.BINPUT, OP.LONG_BINPUT)
    return this
  }

  /** Calls the callable below the argument tuple the callbacks write (REDUCE). */
  call(module: string, name: string, args: readonly (() => void)[]): this {
    this.global(module, name)
    this.tuple(args)
    this.sink.byte(OP.REDUCE)
    return this
  }

  /** The value the callback writes, used as a persistent id (BINPERSID): a storage reference. */
  persistentId(writeId: () => void): this {
    writeId()
    this.sink.byte(OP.BINPERSID)
    return this
  }

  /** Sets the state (the value the callback writes) of the object on top of the stack (BUILD). */
  build(writeState: () => void): this {
    writeState()
    this.sink.byte(OP.BUILD)
    return this
  }

  /** Ends the pickle (STOP) and returns its bytes. */
  finish(): Uint8Array {
    this.sink.byte(OP.STOP)
    return this.sink.result()
  }

  private memoOp(slot: number, short: number, long: number): void {
    if (slot < 0x100) {
      this.sink.byte(short)
      this.sink.byte(slot)
    } else {
      this.sink.byte(long)
      this.sink.view(4, (view) => view.setUint32(0, slot, true))
    }
  }

  /** CPython's _batch_appends / _batch_setitems: one item alone gets the single-item opcode. */
  private batched<T>(items: readonly T[], writeItem: (item: T) => void, single: number, many: number): void {
    for (let start = 0; start < items.length; start += BATCH_SIZE) {
      const batch = items.slice(start, start + BATCH_SIZE)
      if (batch.length === 1) {
        writeItem(batch[0]!)
        this.sink.byte(single)
        continue
      }
      this.sink.byte(OP.MARK)
      for (const item of batch) writeItem(item)
      this.sink.byte(many)
    }
  }
}
