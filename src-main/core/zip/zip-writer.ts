// Writing a zip archive (fflate, deflated): the entries in the order given, each with the same
// fixed time, so the same content gives the same bytes on any PC and at any hour.
import { deflateSync, zipSync, type Zippable } from 'fflate'

const FIXED_ENTRY_TIME = new Date('2000-01-01T00:00:00Z')

export interface ZipWriterOptions {
  /** Deflate level 0 (stored) to 9; 6 is zlib's default balance. */
  level?: 0 | 6 | 9
  /**
   * A reader that refuses entries deflated more than this many times (as a zip bomb defence)
   * must still read what we write: an entry above `ratioFloorBytes` that would deflate further
   * is stored instead (larger, but never refused).
   */
  maxRatio?: number
  ratioFloorBytes?: number
}

export function writeZip(entries: Iterable<readonly [string, Uint8Array]>, options: ZipWriterOptions = {}): Uint8Array {
  const level = options.level ?? 6
  const zippable: Zippable = {}
  for (const [name, bytes] of entries) {
    if (Object.hasOwn(zippable, name)) throw new Error(`zip: two entries named ${name}`)
    const tooCompressible =
      options.maxRatio !== undefined &&
      level > 0 &&
      bytes.length > (options.ratioFloorBytes ?? 0) &&
      bytes.length > options.maxRatio * deflateSync(bytes, { level }).length
    zippable[name] = tooCompressible ? [bytes, { level: 0 }] : bytes
  }
  return zipSync(zippable, { level, mtime: FIXED_ENTRY_TIME })
}
