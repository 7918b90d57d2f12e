// Writing a zip archive (fflate, deflated): the entries in the order given, each with the same
// fixed time, so the same content gives the same bytes on any PC and at any hour.
import { zipSync, type Zippable } from 'fflate'

const FIXED_ENTRY_TIME = new Date('2000-01-01T00:00:00Z')

/** `level`: deflate level 0 (stored) to 9; 6 is zlib's default balance. */
export function writeZip(entries: Iterable<readonly [string, Uint8Array]>, level: 0 | 6 | 9 = 6): Uint8Array {
  const zippable: Zippable = {}
  for (const [name, bytes] of entries) {
    if (Object.hasOwn(zippable, name)) throw new Error(`zip: two entries named ${name}`)
    zippable[name] = bytes
  }
  return zipSync(zippable, { level, mtime: FIXED_ENTRY_TIME })
}
