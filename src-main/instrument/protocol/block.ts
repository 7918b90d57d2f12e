/**
 * IEEE 488.2 definite-length binary blocks: `#` + one digit n + n digits giving the byte count L
 * + L bytes. Payloads are float32 little-endian (docs/instrument-protocol.md "Framing").
 */

/** A block header or payload that breaks the framing rules. */
export class BlockFormatError extends Error {
  override name = 'BlockFormatError'
}

/** `#<n><L>` for a payload of `byteCount` bytes. `#10` is the empty block. */
export function blockHeader(byteCount: number): string {
  if (!Number.isInteger(byteCount) || byteCount < 0)
    throw new BlockFormatError(`block byte count must be an integer >= 0, got ${byteCount}`)
  const digits = String(byteCount)
  if (digits.length > 9)
    throw new BlockFormatError(`block of ${byteCount} bytes is too large for a definite-length header`)
  return `#${digits.length}${digits}`
}

/** The float32 little-endian bytes of `values` (independent of the host's byte order). */
export function float32LeBytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true)
  return bytes
}

/** Reads float32 little-endian values; the byte count must be a multiple of 4. */
export function float32LeValues(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0)
    throw new BlockFormatError(`block of ${bytes.length} bytes is not a whole number of float32 values`)
  const values = new Float32Array(bytes.length / 4)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true)
  return values
}

/** The pieces one after the other, in one new array. */
export function concatBytes(...pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0))
  let at = 0
  for (const piece of pieces) {
    out.set(piece, at)
    at += piece.length
  }
  return out
}

/** A whole block of float32 values, header and payload, without the line terminator. */
export function encodeFloat32Block(values: ArrayLike<number>): Uint8Array {
  const payload = float32LeBytes(values)
  const header = new TextEncoder().encode(blockHeader(payload.length))
  return concatBytes(header, payload)
}
