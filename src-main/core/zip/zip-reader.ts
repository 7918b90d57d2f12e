// A strict reader for untrusted zip archives (PyTorch saves, `.dnpurun` run bundles). It walks the
// central directory itself (with zip64 records, which PyTorch writes even for small files) and
// checks every bound and every member's CRC-32, so a truncated or bit-flipped file is reported
// instead of silently yielding short or wrong bytes: fflate's unzipSync does neither check.
// fflate still does the decompression, streamed in small steps so that a deflate bomb is stopped
// as soon as it passes its declared size.
//
// The reader knows no file format: its caller's policy sets the bounds (member count, bytes
// extracted) and makes the errors, so each format reports problems in its own words and type.
import { Inflate } from 'fflate'
import { crc32 } from './crc32.js'

/** What the caller decides: its limits, checked before allocating, and its error type. */
export interface ZipReaderPolicy {
  /** Throws when the directory claims more members than the format allows (before walking it). */
  checkMemberCount(count: number | bigint): void
  /** Charges a member's declared size before it is extracted; throws when over the budget. */
  spendExtracted(bytes: number, what: string): void
  /** A truncated or corrupted archive. */
  damaged(reason: string): Error
  /** A valid archive using a feature this reader does not read. */
  unsupported(reason: string): Error
}

/** 1234567 -> "1,234,567". */
function formatCount(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 0 })
}

const LOCAL_HEADER_SIGNATURE = 0x04034b50
const CENTRAL_HEADER_SIGNATURE = 0x02014b50
const END_OF_CENTRAL_DIRECTORY_SIGNATURE = 0x06054b50
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50
const ZIP64_END_SIGNATURE = 0x06064b50
const ZIP64_EXTRA_FIELD_ID = 0x0001
const END_RECORD_BYTES = 22
const MAX_COMMENT_BYTES = 0xffff
const COMPRESSION_STORED = 0
const COMPRESSION_DEFLATE = 8
/**
 * Compressed bytes handed to the inflater per step. Deflate expands at most ~1032:1, so one step
 * yields at most ~4 MB before the running count is checked again.
 */
const INFLATE_STEP_BYTES = 4096

export interface ZipMemberInfo {
  name: string
  compression: number
  compressedBytes: number
  uncompressedBytes: number
  crc32: number
  localHeaderOffset: number
  encrypted: boolean
}

export interface ZipArchive {
  readonly members: readonly ZipMemberInfo[]
  has(name: string): boolean
  /** The uncompressed size the directory declares for a member (read() holds it to that). */
  sizeOf(name: string): number
  /**
   * The member's uncompressed bytes, bounds- and CRC-checked, charged to the policy's budget of
   * extracted bytes (each call extracts again: callers read a member once). Throws the policy's
   * errors.
   */
  read(name: string): Uint8Array
}

/**
 * True when the bytes start like a zip archive (a local header, or the end record of an empty
 * one). A file cut within the first 4 bytes counts too, so that it is reported as truncated.
 */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return [LOCAL_HEADER_SIGNATURE, END_OF_CENTRAL_DIRECTORY_SIGNATURE].some((signature) =>
    bytes.subarray(0, 4).every((byte, i) => byte === (signature >>> (8 * i)) % 256)
  )
}

class ByteView {
  private readonly view: DataView

  constructor(
    readonly bytes: Uint8Array,
    readonly policy: ZipReaderPolicy
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  private need(offset: number, count: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + count > this.bytes.length) {
      throw this.policy.damaged(
        `the zip archive is truncated or damaged: ${what} lies outside the file (${this.bytes.length} bytes)`
      )
    }
  }

  u16(offset: number, what: string): number {
    this.need(offset, 2, what)
    return this.view.getUint16(offset, true)
  }

  u32(offset: number, what: string): number {
    this.need(offset, 4, what)
    return this.view.getUint32(offset, true)
  }

  u64(offset: number, what: string): number {
    const value = this.bigU64(offset, what)
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      throw this.policy.damaged(`the zip archive is damaged: ${what} is ${value}, far beyond the file size`)
    return Number(value)
  }

  bigU64(offset: number, what: string): bigint {
    this.need(offset, 8, what)
    return this.view.getBigUint64(offset, true)
  }

  slice(offset: number, count: number, what: string): Uint8Array {
    this.need(offset, count, what)
    return this.bytes.subarray(offset, offset + count)
  }
}

interface DirectoryLocation {
  entryCount: number
  offset: number
}

function findEndRecord(view: ByteView): number {
  const length = view.bytes.length
  const lowest = Math.max(0, length - END_RECORD_BYTES - MAX_COMMENT_BYTES)
  for (let offset = length - END_RECORD_BYTES; offset >= lowest; offset -= 1) {
    if (view.u32(offset, 'the end record') !== END_OF_CENTRAL_DIRECTORY_SIGNATURE) continue
    // The comment must run exactly to the end of the file, or this is a stray signature in data.
    if (offset + END_RECORD_BYTES + view.u16(offset + 20, 'the comment length') === length) return offset
  }
  throw view.policy.damaged('the zip archive is truncated or damaged: its end-of-central-directory record is missing')
}

function locateDirectory(view: ByteView): DirectoryLocation {
  const end = findEndRecord(view)
  if (view.u16(end + 4, 'the disk number') !== 0 || view.u16(end + 6, 'the directory disk') !== 0) {
    throw view.policy.unsupported('the zip archive spans several disks')
  }
  let entryCount: number | bigint = view.u16(end + 10, 'the entry count')
  let offset = view.u32(end + 16, 'the directory offset')
  const locator = end - 20
  if (locator >= 0 && view.u32(locator, 'the zip64 locator') === ZIP64_LOCATOR_SIGNATURE) {
    const zip64End = view.u64(locator + 8, 'the zip64 end record offset')
    if (view.u32(zip64End, 'the zip64 end record') !== ZIP64_END_SIGNATURE) {
      throw view.policy.damaged('the zip archive is damaged: its zip64 end record is missing where the locator points')
    }
    entryCount = view.bigU64(zip64End + 32, 'the zip64 entry count')
    offset = view.u64(zip64End + 48, 'the zip64 directory offset')
  }
  // Checked before walking the directory: the claim alone decides the work and the memory.
  view.policy.checkMemberCount(entryCount)
  return { entryCount: Number(entryCount), offset }
}

/** Sizes and offset of 0xffffffff mean "see the zip64 extra field", in this order. */
function applyZip64Extra(view: ByteView, extraStart: number, extraLength: number, member: ZipMemberInfo): void {
  const needsUncompressed = member.uncompressedBytes === 0xffffffff
  const needsCompressed = member.compressedBytes === 0xffffffff
  const needsOffset = member.localHeaderOffset === 0xffffffff
  if (!needsUncompressed && !needsCompressed && !needsOffset) return
  let cursor = extraStart
  while (cursor + 4 <= extraStart + extraLength) {
    const id = view.u16(cursor, 'an extra field id')
    const size = view.u16(cursor + 2, 'an extra field size')
    if (id === ZIP64_EXTRA_FIELD_ID) {
      let field = cursor + 4
      if (needsUncompressed) {
        member.uncompressedBytes = view.u64(field, 'a zip64 size')
        field += 8
      }
      if (needsCompressed) {
        member.compressedBytes = view.u64(field, 'a zip64 size')
        field += 8
      }
      if (needsOffset) member.localHeaderOffset = view.u64(field, 'a zip64 offset')
      return
    }
    cursor += 4 + size
  }
  throw view.policy.damaged(`the zip archive is damaged: member ${member.name} lacks its zip64 sizes`)
}

function readDirectory(view: ByteView): ZipMemberInfo[] {
  const { entryCount, offset } = locateDirectory(view)
  const decoder = new TextDecoder('utf-8', { fatal: false })
  const members: ZipMemberInfo[] = []
  let cursor = offset
  for (let index = 0; index < entryCount; index += 1) {
    if (view.u32(cursor, `central directory entry ${index}`) !== CENTRAL_HEADER_SIGNATURE) {
      throw view.policy.damaged(
        `the zip archive is damaged: central directory entry ${index} of ${entryCount} is not where it should be`
      )
    }
    const nameLength = view.u16(cursor + 28, 'a name length')
    const extraLength = view.u16(cursor + 30, 'an extra field length')
    const commentLength = view.u16(cursor + 32, 'a comment length')
    const member: ZipMemberInfo = {
      name: decoder.decode(view.slice(cursor + 46, nameLength, 'a member name')),
      encrypted: (view.u16(cursor + 8, 'the flags') & 1) !== 0,
      compression: view.u16(cursor + 10, 'the compression method'),
      crc32: view.u32(cursor + 16, 'a CRC-32'),
      compressedBytes: view.u32(cursor + 20, 'a compressed size'),
      uncompressedBytes: view.u32(cursor + 24, 'a size'),
      localHeaderOffset: view.u32(cursor + 42, 'a local header offset')
    }
    applyZip64Extra(view, cursor + 46 + nameLength, extraLength, member)
    members.push(member)
    cursor += 46 + nameLength + extraLength + commentLength
  }
  return members
}

/**
 * Inflate into a buffer of the declared size, a small step at a time, and stop the moment the
 * output would pass it: a member that declares 1 KB but inflates to gigabytes (a deflate bomb
 * with a lying header) costs at most one step of extra work, never the gigabytes.
 */
function inflateBounded(view: ByteView, raw: Uint8Array, declaredBytes: number, what: string): Uint8Array {
  const out = new Uint8Array(declaredBytes)
  let written = 0
  let overflow: Error | null = null
  const inflater = new Inflate((chunk) => {
    if (written + chunk.length > declaredBytes) {
      overflow = view.policy.damaged(
        `${what} inflates to more than the ${formatCount(declaredBytes)} bytes its zip directory entry declares`
      )
      throw overflow
    }
    out.set(chunk, written)
    written += chunk.length
  })
  try {
    let offset = 0
    do {
      const next = Math.min(raw.length, offset + INFLATE_STEP_BYTES)
      inflater.push(raw.subarray(offset, next), next === raw.length)
      offset = next
    } while (offset < raw.length)
  } catch (error) {
    if (overflow !== null) throw overflow
    throw view.policy.damaged(
      `${what} has corrupt compressed data (${error instanceof Error ? error.message : String(error)})`
    )
  }
  return out.subarray(0, written)
}

function extract(view: ByteView, member: ZipMemberInfo): Uint8Array {
  const what = `member ${member.name}`
  if (member.encrypted) throw view.policy.unsupported(`${what} is encrypted`)
  // Charged before anything is allocated: the declared size is what the buffer will take.
  view.policy.spendExtracted(member.uncompressedBytes, what)
  const header = member.localHeaderOffset
  if (view.u32(header, `the local header of ${what}`) !== LOCAL_HEADER_SIGNATURE) {
    throw view.policy.damaged(`the zip archive is damaged: the local header of ${what} is missing`)
  }
  // The local extra field differs from the central one: PyTorch pads it to align the data.
  const dataStart =
    header + 30 + view.u16(header + 26, 'a name length') + view.u16(header + 28, 'an extra field length')
  const raw = view.slice(dataStart, member.compressedBytes, `the data of ${what}`)
  let data: Uint8Array
  if (member.compression === COMPRESSION_STORED) {
    data = raw
  } else if (member.compression === COMPRESSION_DEFLATE) {
    data = inflateBounded(view, raw, member.uncompressedBytes, what)
  } else {
    throw view.policy.unsupported(
      `${what} uses zip compression method ${member.compression}; only stored and deflate are supported`
    )
  }
  if (data.length !== member.uncompressedBytes) {
    throw view.policy.damaged(`${what} holds ${data.length} bytes but the directory says ${member.uncompressedBytes}`)
  }
  // A stored CRC of 0 means "not computed" (newer PyTorch can skip it); any real data is checked.
  if (member.crc32 !== 0 && crc32(data) !== member.crc32) {
    throw view.policy.damaged(`${what} is corrupted: its CRC-32 does not match the archive directory`)
  }
  return data
}

/**
 * Parse the archive directory. Members are extracted and checked lazily, on read(), and not
 * kept here: the caller holds what it still needs.
 */
export function openZip(bytes: Uint8Array, policy: ZipReaderPolicy): ZipArchive {
  const view = new ByteView(bytes, policy)
  const members = readDirectory(view)
  const byName = new Map<string, ZipMemberInfo>()
  for (const member of members) {
    if (byName.has(member.name)) throw view.policy.damaged(`the zip archive holds two members named ${member.name}`)
    byName.set(member.name, member)
  }
  const memberNamed = (name: string): ZipMemberInfo => {
    const member = byName.get(name)
    if (!member) throw view.policy.damaged(`the zip archive has no member ${name}`)
    return member
  }
  return {
    members,
    has: (name) => byName.has(name),
    sizeOf: (name) => memberNamed(name).uncompressedBytes,
    read: (name) => extract(view, memberNamed(name))
  }
}
