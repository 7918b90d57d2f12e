// The zip container of torch.save (PyTorchStreamWriter): every member stored (uncompressed), and
// each member's data starting at a multiple of 64 bytes from the start of the file, which torch
// gets by padding the local header's extra field with an 'FB' record of 'Z' bytes (its
// getPadding in caffe2/serialize/inline_container.cc). torch.load reads the records in place;
// torch.load(mmap=True) needs the alignment. Sizes are written in the local headers (no data
// descriptors) and no zip64 records: a surrogate export stays far below 4 GiB, and the writer
// refuses anything that would need zip64 rather than write a broken archive.
import { crc32 } from '../zip/crc32.js'

const FIELD_ALIGNMENT_BYTES = 64
const LOCAL_HEADER_BYTES = 30
const CENTRAL_HEADER_BYTES = 46
const END_RECORD_BYTES = 22
const PADDING_RECORD_HEADER_BYTES = 4 // 'F' 'B' + u16 size
const UTF8_NAMES_FLAG = 0x0800
const VERSION_NEEDED = 20
const MAX_ZIP32 = 0xffffffff
const MAX_ENTRIES = 0xffff
/** 1980-01-01 00:00 in MS-DOS form, so the same content gives the same bytes at any hour. */
const DOS_TIME = 0
const DOS_DATE = (0 << 9) | (1 << 5) | 1

interface PlacedEntry {
  name: Uint8Array
  data: Uint8Array
  crc: number
  headerOffset: number
  paddingBytes: number
}

/** Bytes of 'Z' after the 'FB' record header that put the data of a member at a 64-byte boundary. */
export function alignmentPadding(headerOffset: number, nameBytes: number): number {
  const dataStart = headerOffset + LOCAL_HEADER_BYTES + nameBytes + PADDING_RECORD_HEADER_BYTES
  return (FIELD_ALIGNMENT_BYTES - (dataStart % FIELD_ALIGNMENT_BYTES)) % FIELD_ALIGNMENT_BYTES
}

/** A torch.save-style zip of the entries, in the order given (names are full paths). */
export function writeTorchZip(entries: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  if (entries.length > MAX_ENTRIES) throw new RangeError(`torch zip: ${entries.length} entries need zip64`)
  const encoder = new TextEncoder()
  const seen = new Set<string>()
  const placed: PlacedEntry[] = []
  let offset = 0
  for (const [nameText, data] of entries) {
    if (seen.has(nameText)) throw new Error(`torch zip: two entries named ${nameText}`)
    seen.add(nameText)
    const name = encoder.encode(nameText)
    const paddingBytes = alignmentPadding(offset, name.length)
    placed.push({ name, data, crc: crc32(data), headerOffset: offset, paddingBytes })
    offset += LOCAL_HEADER_BYTES + name.length + PADDING_RECORD_HEADER_BYTES + paddingBytes + data.length
  }
  const centralStart = offset
  const centralBytes = placed.reduce((sum, entry) => sum + CENTRAL_HEADER_BYTES + entry.name.length, 0)
  const total = centralStart + centralBytes + END_RECORD_BYTES
  if (total > MAX_ZIP32) throw new RangeError(`torch zip: ${total} bytes need zip64`)

  const bytes = new Uint8Array(total)
  const view = new DataView(bytes.buffer)
  for (const entry of placed) {
    let at = entry.headerOffset
    view.setUint32(at, 0x04034b50, true)
    view.setUint16(at + 4, VERSION_NEEDED, true)
    view.setUint16(at + 6, UTF8_NAMES_FLAG, true)
    view.setUint16(at + 8, 0, true) // stored
    view.setUint16(at + 10, DOS_TIME, true)
    view.setUint16(at + 12, DOS_DATE, true)
    view.setUint32(at + 14, entry.crc, true)
    view.setUint32(at + 18, entry.data.length, true)
    view.setUint32(at + 22, entry.data.length, true)
    view.setUint16(at + 26, entry.name.length, true)
    view.setUint16(at + 28, PADDING_RECORD_HEADER_BYTES + entry.paddingBytes, true)
    at += LOCAL_HEADER_BYTES
    bytes.set(entry.name, at)
    at += entry.name.length
    bytes[at] = 0x46 // 'F'
    bytes[at + 1] = 0x42 // 'B'
    view.setUint16(at + 2, entry.paddingBytes, true)
    bytes.fill(0x5a, at + PADDING_RECORD_HEADER_BYTES, at + PADDING_RECORD_HEADER_BYTES + entry.paddingBytes) // 'Z'
    at += PADDING_RECORD_HEADER_BYTES + entry.paddingBytes
    bytes.set(entry.data, at)
  }
  let at = centralStart
  for (const entry of placed) {
    view.setUint32(at, 0x02014b50, true)
    view.setUint16(at + 4, VERSION_NEEDED, true) // made by
    view.setUint16(at + 6, VERSION_NEEDED, true)
    view.setUint16(at + 8, UTF8_NAMES_FLAG, true)
    view.setUint16(at + 10, 0, true)
    view.setUint16(at + 12, DOS_TIME, true)
    view.setUint16(at + 14, DOS_DATE, true)
    view.setUint32(at + 16, entry.crc, true)
    view.setUint32(at + 20, entry.data.length, true)
    view.setUint32(at + 24, entry.data.length, true)
    view.setUint16(at + 28, entry.name.length, true)
    // Extra, comment, disk number, attributes stay 0: torch pads the local header only.
    view.setUint32(at + 42, entry.headerOffset, true)
    bytes.set(entry.name, at + CENTRAL_HEADER_BYTES)
    at += CENTRAL_HEADER_BYTES + entry.name.length
  }
  view.setUint32(at, 0x06054b50, true)
  view.setUint16(at + 8, placed.length, true)
  view.setUint16(at + 10, placed.length, true)
  view.setUint32(at + 12, centralBytes, true)
  view.setUint32(at + 16, centralStart, true)
  return bytes
}
