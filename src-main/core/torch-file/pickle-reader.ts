// The byte level of the pickle virtual machine: a bounds-checked reader of opcode operands that
// names the opcode and byte in every error, and the decoding of Python ints (binary and text).
// Every string operand is bounded by torch-file-limits.ts before it is sliced or decoded.
import { TorchFileError, damaged, unsupported } from './torch-file-error.js'
import { opcodeName } from './pickle-opcodes.js'
import { previewText } from './pickle-values.js'
import { TORCH_FILE_LIMITS, formatCount, overLimit } from './torch-file-limits.js'

/**
 * Decoding a Python int costs time quadratic in its length, so a hostile megabyte-long int could
 * hang the importer. No surrogate holds an int anywhere near this long (torch's magic is 10 bytes).
 */
const MAX_INT_BYTES = 256

/** Reads opcode arguments with bounds checks; remembers the current opcode for messages. */
export class PickleReader {
  private readonly view: DataView
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true })
  position: number
  opcodeStart = 0
  opcode = 0

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    readonly label: string
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.position = start
  }

  get atEnd(): boolean {
    return this.position >= this.bytes.length
  }

  /** Where the current opcode is, for messages. */
  get where(): string {
    return `${opcodeName(this.opcode)} at byte ${this.opcodeStart}`
  }

  fail(detail: string): TorchFileError {
    return damaged(`${this.label} is damaged: ${detail} (${opcodeName(this.opcode)} at byte ${this.opcodeStart})`)
  }

  private need(count: number): void {
    if (count > this.bytes.length - this.position) {
      throw damaged(`${this.label} is truncated: it ends inside ${opcodeName(this.opcode)} at byte ${this.opcodeStart}`)
    }
  }

  u8(): number {
    this.need(1)
    return this.bytes[this.position++]!
  }

  u16(): number {
    this.need(2)
    const value = this.view.getUint16(this.position, true)
    this.position += 2
    return value
  }

  u32(): number {
    this.need(4)
    const value = this.view.getUint32(this.position, true)
    this.position += 4
    return value
  }

  i32(): number {
    this.need(4)
    const value = this.view.getInt32(this.position, true)
    this.position += 4
    return value
  }

  /** A length; a bigint past 2^53, which take() refuses by its limit with the exact value. */
  u64(): number | bigint {
    this.need(8)
    const value = this.view.getBigUint64(this.position, true)
    this.position += 8
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? value : Number(value)
  }

  /** BINFLOAT is the one big-endian field in pickle. */
  f64BigEndian(): number {
    this.need(8)
    const value = this.view.getFloat64(this.position, false)
    this.position += 8
    return value
  }

  /** `count` bytes of a str or bytes operand: bounded before it is sliced or decoded. */
  take(length: number | bigint): Uint8Array {
    if (length > TORCH_FILE_LIMITS.stringBytes) {
      throw overLimit('stringBytes', `${this.label} holds a string of ${formatCount(length)} bytes (${this.where})`)
    }
    const count = Number(length)
    this.need(count)
    const slice = this.bytes.subarray(this.position, this.position + count)
    this.position += count
    return slice
  }

  text(count: number | bigint): string {
    const slice = this.take(count)
    try {
      return this.utf8.decode(slice)
    } catch {
      throw this.fail('a string is not valid UTF-8')
    }
  }

  /** A newline-terminated argument of the text opcodes (GLOBAL, INT, GET, ...). */
  line(): string {
    // Look no further than the longest line allowed: a missing newline must not cost a scan of
    // the whole pickle per opcode.
    const window = this.bytes.subarray(this.position, this.position + TORCH_FILE_LIMITS.stringBytes + 1)
    const length = window.indexOf(0x0a)
    if (length < 0 && window.length > TORCH_FILE_LIMITS.stringBytes) {
      throw overLimit(
        'stringBytes',
        `${this.label} holds a text argument of more than ${formatCount(TORCH_FILE_LIMITS.stringBytes)} bytes (${this.where})`
      )
    }
    if (length < 0) this.need(this.bytes.length)
    const value = this.text(length)
    this.position += 1
    return value
  }
}

/** Little-endian two's complement, as LONG1 and LONG4 store Python ints. */
export function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0
  let value = 0n
  for (let i = bytes.length - 1; i >= 0; i -= 1) value = (value << 8n) | BigInt(bytes[i]!)
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(bytes.length * 8)
  return normalizeInt(value)
}

/** Ints are JS numbers when exact, bigint otherwise (torch's legacy magic number is 77 bits). */
function normalizeInt(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
}

export function checkIntLength(byteCount: number, label: string): void {
  if (byteCount > MAX_INT_BYTES)
    throw unsupported(`${label} holds an integer of ${byteCount} bytes, far longer than any surrogate model needs`)
}

export function parseTextInt(reader: PickleReader, text: string): number | bigint {
  const digits = text.endsWith('L') ? text.slice(0, -1) : text
  checkIntLength(Math.ceil(digits.length / 2.4), reader.label) // about 2.4 decimal digits per byte
  if (!/^[-+]?\d+$/.test(digits)) throw reader.fail(`${previewText(text)} is not an integer`)
  return normalizeInt(BigInt(digits))
}
