/**
 * The committed icon files: valid PNG, ICO and ICNS containers with every size the platforms ask
 * for, and the same picture scripts/make-icons.mjs draws (so nobody edits one and not the other).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ICNS_ENTRIES, ICO_SIZES_PX, PNG_SIZES_PX, rasterise } from '../../scripts/make-icons.mjs'
import { REPO_ROOT } from './test-support'

const RESOURCES = join(REPO_ROOT, 'resources')
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

interface PngImage {
  widthPx: number
  heightPx: number
  colourType: number
  /** The IDAT data, inflated: each row is a filter byte and the row's RGBA bytes. */
  rows: Buffer
}

function readPng(bytes: Buffer): PngImage {
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature').toBe(true)
  let offset = 8
  const idat: Buffer[] = []
  let header: Buffer | null = null
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset)
    const type = bytes.toString('latin1', offset + 4, offset + 8)
    const data = bytes.subarray(offset + 8, offset + 8 + length)
    if (type === 'IHDR') header = data
    if (type === 'IDAT') idat.push(data)
    offset += 12 + length
    if (type === 'IEND') break
  }
  expect(header, 'IHDR chunk').not.toBeNull()
  return {
    widthPx: header!.readUInt32BE(0),
    heightPx: header!.readUInt32BE(4),
    colourType: header![9],
    rows: inflateSync(Buffer.concat(idat))
  }
}

/** The RGBA pixels of a PNG written with filter 0 on every row (as make-icons.mjs writes them). */
function unfilteredPixels(image: PngImage): Uint8Array {
  const rowBytes = image.widthPx * 4
  const pixels = new Uint8Array(rowBytes * image.heightPx)
  for (let row = 0; row < image.heightPx; row += 1) {
    expect(image.rows[row * (rowBytes + 1)], 'filter type of the row').toBe(0)
    pixels.set(image.rows.subarray(row * (rowBytes + 1) + 1, (row + 1) * (rowBytes + 1)), row * rowBytes)
  }
  return pixels
}

describe('icons (resources/, written by scripts/make-icons.mjs)', () => {
  it('has an RGBA PNG for every Linux size, 16 to 1024 px', () => {
    expect(PNG_SIZES_PX).toEqual(expect.arrayContaining([16, 32, 48, 64, 128, 256, 512, 1024]))
    for (const sizePx of PNG_SIZES_PX) {
      const image = readPng(readFileSync(join(RESOURCES, 'icons', `${sizePx}x${sizePx}.png`)))
      expect([image.widthPx, image.heightPx, image.colourType]).toEqual([sizePx, sizePx, 6])
    }
    expect(readPng(readFileSync(join(RESOURCES, 'icon.png'))).widthPx).toBe(1024)
  })

  it('icon.ico holds PNG entries 16 to 256 px, as its directory says', () => {
    const ico = readFileSync(join(RESOURCES, 'icon.ico'))
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, ICO_SIZES_PX.length])
    expect(Math.max(...ICO_SIZES_PX)).toBe(256) // electron-builder's NSIS target needs a 256 px icon
    ICO_SIZES_PX.forEach((sizePx, index) => {
      const entry = 6 + index * 16
      expect(ico[entry] || 256, 'directory width').toBe(sizePx)
      const length = ico.readUInt32LE(entry + 8)
      const offset = ico.readUInt32LE(entry + 12)
      expect(readPng(ico.subarray(offset, offset + length)).widthPx).toBe(sizePx)
    })
  })

  it('icon.icns holds the PNG entries icp4..ic14 (16 to 1024 px)', () => {
    const icns = readFileSync(join(RESOURCES, 'icon.icns'))
    expect(icns.toString('latin1', 0, 4)).toBe('icns')
    expect(icns.readUInt32BE(4)).toBe(icns.length)
    const found: [string, number][] = []
    for (let offset = 8; offset < icns.length; offset += icns.readUInt32BE(offset + 4)) {
      const length = icns.readUInt32BE(offset + 4)
      found.push([
        icns.toString('latin1', offset, offset + 4),
        readPng(icns.subarray(offset + 8, offset + length)).widthPx
      ])
    }
    expect(found).toEqual(ICNS_ENTRIES)
    expect(found.map(([type]) => type)).toEqual(expect.arrayContaining(['ic07', 'ic08', 'ic09', 'ic10']))
  })

  it('the committed pixels are what the script draws today', () => {
    for (const sizePx of [16, 32, 64]) {
      const committed = unfilteredPixels(readPng(readFileSync(join(RESOURCES, 'icons', `${sizePx}x${sizePx}.png`))))
      const drawn = rasterise(sizePx)
      // One step of rounding apart at most: Math's last bits may differ between JavaScript engines.
      const largestDifference = committed.reduce(
        (largest, value, index) => Math.max(largest, Math.abs(value - drawn[index])),
        0
      )
      expect(largestDifference, `${sizePx} px`).toBeLessThanOrEqual(1)
    }
  })
})
