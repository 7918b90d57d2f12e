/**
 * Splits a byte stream into protocol lines, reading binary blocks by their length, never by a
 * line terminator (a float32 payload can contain the byte 0x0A). Both sides use it: the
 * instrument for command lines (`WAV:DATA #3400...;INIT`), the host for answers (`#3400...`).
 */

/** A block larger than the reader accepts: its bytes were skipped, not stored. */
export interface SkippedBlock {
  skippedByteCount: number
}

export type FramePart = string | Uint8Array | SkippedBlock

/** One line: its text pieces and blocks in order (a block's header is not in the text). */
export interface Frame {
  parts: FramePart[]
}

export type FrameEvent =
  | { kind: 'frame'; frame: Frame }
  /** A text line grew past the limit; the rest of it up to the next `\n` is discarded. */
  | { kind: 'overrun'; lineBytes: number }

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d
const HASH = 0x23
const ZERO = 0x30
const NINE = 0x39

const latin1 = new TextDecoder('latin1')

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE
}

export class FrameReader {
  private readonly maxLineBytes: number
  private readonly maxBlockBytes: number
  /** Bytes of an oversize block still to skip. */
  private skipRemaining = 0
  private skipTotal = 0
  private parts: FramePart[] = []
  private text: number[] = []
  private lineBytes = 0
  private discarding = false
  /** Set while a block header is being read: the bytes of `#<n><digits>` so far. */
  private header: number[] | null = null
  private block: Uint8Array | null = null
  private blockFilled = 0

  constructor(options: { maxLineBytes?: number; maxBlockBytes?: number } = {}) {
    this.maxLineBytes = options.maxLineBytes ?? 64 * 1024
    this.maxBlockBytes = options.maxBlockBytes ?? 64 * 1024 * 1024
  }

  /** True while a block's header or payload has started but not finished arriving. */
  get inBlock(): boolean {
    return this.header !== null || this.block !== null || this.skipRemaining > 0
  }

  /** Forgets a partial line or block (a stalled upload is dropped this way). */
  reset(): void {
    this.parts = []
    this.text = []
    this.lineBytes = 0
    this.discarding = false
    this.header = null
    this.block = null
    this.blockFilled = 0
    this.skipRemaining = 0
    this.skipTotal = 0
  }

  /** Feeds bytes; returns every line (or overrun) they complete, in order. */
  push(chunk: Uint8Array): FrameEvent[] {
    const events: FrameEvent[] = []
    let i = 0
    while (i < chunk.length) {
      if (this.skipRemaining > 0) {
        const take = Math.min(chunk.length - i, this.skipRemaining)
        this.skipRemaining -= take
        i += take
        if (this.skipRemaining === 0) this.parts.push({ skippedByteCount: this.skipTotal })
        continue
      }
      if (this.block) {
        const take = Math.min(chunk.length - i, this.block.length - this.blockFilled)
        this.block.set(chunk.subarray(i, i + take), this.blockFilled)
        this.blockFilled += take
        this.lineBytes += take
        i += take
        if (this.blockFilled === this.block.length) {
          this.parts.push(this.block)
          this.block = null
          this.blockFilled = 0
        }
        continue
      }
      const byte = chunk[i++]!
      if (this.header) {
        if (this.readHeaderByte(byte)) continue
        // Not a block after all: `#` and its digits are text, and this byte is read again as such.
        const notAHeader = this.header
        this.header = null
        this.text.push(...notAHeader)
        this.lineBytes += notAHeader.length
        i--
        continue
      }
      if (byte === NEWLINE) {
        if (this.discarding) {
          this.reset()
          continue
        }
        if (this.text.length > 0 && this.text[this.text.length - 1] === CARRIAGE_RETURN) this.text.pop()
        this.flushText()
        events.push({ kind: 'frame', frame: { parts: this.parts } })
        this.parts = []
        this.lineBytes = 0
        continue
      }
      if (this.discarding) continue
      if (byte === HASH) {
        this.header = [byte]
        continue
      }
      this.text.push(byte)
      this.lineBytes++
      if (this.text.length > this.maxLineBytes) {
        events.push({ kind: 'overrun', lineBytes: this.lineBytes })
        this.text = []
        this.parts = []
        this.discarding = true
      }
    }
    return events
  }

  /**
   * `#` then a digit n (1-9) then n digits starts a block; returns false when `byte` shows this
   * was ordinary text (`#0`, indefinite length, is not part of this protocol and stays text for
   * the parser to reject).
   */
  private readHeaderByte(byte: number): boolean {
    const header = this.header!
    const isHeaderByte = header.length === 1 ? isDigit(byte) && byte !== ZERO : isDigit(byte)
    if (!isHeaderByte) return false
    header.push(byte)
    const lengthDigits = header[1]! - ZERO
    if (header.length === 2 + lengthDigits) {
      const byteCount = Number(String.fromCharCode(...header.slice(2)))
      this.header = null
      this.flushText()
      this.lineBytes += header.length
      if (byteCount > this.maxBlockBytes) {
        this.skipRemaining = byteCount
        this.skipTotal = byteCount
        return true
      }
      this.block = new Uint8Array(byteCount)
      this.blockFilled = 0
      if (byteCount === 0) {
        this.parts.push(this.block)
        this.block = null
      }
    }
    return true
  }

  private flushText(): void {
    if (this.text.length === 0) return
    this.parts.push(latin1.decode(Uint8Array.from(this.text)))
    this.text = []
  }
}
