#!/usr/bin/env node
/**
 * Draws the DNPU Lab icon and writes every file the installers need, from one drawing:
 *
 *   resources/icon.svg              the drawing as SVG (for documents and the web)
 *   resources/icons/NxN.png         16..1024 px (Linux: AppImage, deb, the window icon)
 *   resources/icon.png              1024 px
 *   resources/icon.ico              Windows: PNG entries 16..256 px (PNG-in-ICO, Vista and later)
 *   resources/icon.icns             macOS: PNG entries icp4..ic14 (16..1024 px)
 *
 * Usage: node scripts/make-icons.mjs [outputFolder]   (default: resources/); commit the result.
 *
 * No image tool is needed (none is guaranteed on a build machine): the shapes are rasterised here
 * from signed distance functions, one anti-aliased sample per pixel (coverage = how far the pixel
 * centre lies inside the edge, in pixels), and written as PNG with zlib. The same shape list
 * writes the SVG, so the raster and vector icons cannot drift apart.
 *
 * The picture: a dopant-network processing unit seen from above. A silicon disc (teal) with its
 * dopant network (dark dots and links) and eight gold electrodes around it; the one at the bottom,
 * the readout, is red.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

export const PNG_SIZES_PX = [16, 24, 32, 48, 64, 128, 256, 512, 1024]
export const ICO_SIZES_PX = [16, 24, 32, 48, 64, 128, 256]
/** macOS icon types whose data is a PNG, and their size in pixels. */
export const ICNS_ENTRIES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512]
]

// ---- The drawing, in a unit square (x right, y down). --------------------------------------

const BACKGROUND_TOP = [0x1d, 0x3d, 0x5f]
const BACKGROUND_BOTTOM = [0x0b, 0x1b, 0x2e]
const SILICON = [0x3c, 0xc8, 0xb4]
const NETWORK = [0x0f, 0x2a, 0x3a]
const ELECTRODE = [0xf2, 0xb1, 0x34]
const READOUT = [0xf0, 0x5a, 0x4f]

// macOS's grid: the rounded square covers 824 of 1024 px; the other platforms use it as is.
const TILE_MARGIN = 100 / 1024
const TILE_CORNER_RADIUS = 185 / 1024
const DISC_RADIUS = 0.2
const ELECTRODE_INNER_RADIUS = 0.255
const ELECTRODE_OUTER_RADIUS = 0.34
const ELECTRODE_HALF_WIDTH = 0.028
// Dopant sites inside the disc (fixed, so every run draws the same icon) and the hops between them.
const DOPANT_SITES = [
  [-0.1, -0.09],
  [0.04, -0.12],
  [0.12, -0.01],
  [-0.02, 0.01],
  [-0.12, 0.06],
  [0.06, 0.11],
  [0.13, -0.1]
]
const DOPANT_HOPS = [
  [0, 1],
  [1, 2],
  [1, 3],
  [3, 4],
  [3, 5],
  [2, 5],
  [0, 4],
  [1, 6]
]

/** The shapes, back to front: each a signed distance function (negative inside) and a paint. */
export function iconShapes() {
  const centre = [0.5, 0.5]
  const shapes = [
    {
      kind: 'roundedSquare',
      min: TILE_MARGIN,
      max: 1 - TILE_MARGIN,
      radius: TILE_CORNER_RADIUS,
      paint: { gradient: [BACKGROUND_TOP, BACKGROUND_BOTTOM] }
    }
  ]
  for (let index = 0; index < 8; index += 1) {
    // Electrode 0 points down (the readout); the others follow clockwise every 45 degrees.
    const angle = Math.PI / 2 + (index * Math.PI) / 4
    const along = [Math.cos(angle), Math.sin(angle)]
    shapes.push({
      kind: 'capsule',
      from: [centre[0] + along[0] * ELECTRODE_INNER_RADIUS, centre[1] + along[1] * ELECTRODE_INNER_RADIUS],
      to: [centre[0] + along[0] * ELECTRODE_OUTER_RADIUS, centre[1] + along[1] * ELECTRODE_OUTER_RADIUS],
      radius: ELECTRODE_HALF_WIDTH,
      paint: { solid: index === 0 ? READOUT : ELECTRODE }
    })
  }
  shapes.push({ kind: 'disc', centre, radius: DISC_RADIUS, paint: { solid: SILICON } })
  const site = (index) => [centre[0] + DOPANT_SITES[index][0], centre[1] + DOPANT_SITES[index][1]]
  for (const [from, to] of DOPANT_HOPS) {
    shapes.push({ kind: 'capsule', from: site(from), to: site(to), radius: 0.009, paint: { solid: NETWORK } })
  }
  for (let index = 0; index < DOPANT_SITES.length; index += 1) {
    shapes.push({ kind: 'disc', centre: site(index), radius: 0.026, paint: { solid: NETWORK } })
  }
  return shapes
}

function signedDistance(shape, x, y) {
  if (shape.kind === 'disc') return Math.hypot(x - shape.centre[0], y - shape.centre[1]) - shape.radius
  if (shape.kind === 'capsule') {
    const [ax, ay] = shape.from
    const [bx, by] = shape.to
    const t = Math.max(
      0,
      Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2))
    )
    return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) - shape.radius
  }
  // Rounded square: the box shrunk by the radius, then grown back round.
  const half = (shape.max - shape.min) / 2 - shape.radius
  const dx = Math.abs(x - (shape.min + shape.max) / 2) - half
  const dy = Math.abs(y - (shape.min + shape.max) / 2) - half
  return Math.hypot(Math.max(dx, 0), Math.max(dy, 0)) + Math.min(Math.max(dx, dy), 0) - shape.radius
}

function paintAt(paint, y) {
  if (paint.solid) return paint.solid
  const [top, bottom] = paint.gradient
  const t = Math.max(0, Math.min(1, (y - TILE_MARGIN) / (1 - 2 * TILE_MARGIN)))
  return top.map((channel, index) => channel + (bottom[index] - channel) * t)
}

/** RGBA pixels (straight alpha, row by row) of the icon at sizePx x sizePx. */
export function rasterise(sizePx, shapes = iconShapes()) {
  const pixels = new Uint8Array(sizePx * sizePx * 4)
  for (let row = 0; row < sizePx; row += 1) {
    for (let column = 0; column < sizePx; column += 1) {
      const x = (column + 0.5) / sizePx
      const y = (row + 0.5) / sizePx
      let red = 0
      let green = 0
      let blue = 0
      let alpha = 0
      for (const shape of shapes) {
        const coverage = Math.max(0, Math.min(1, 0.5 - signedDistance(shape, x, y) * sizePx))
        if (coverage === 0) continue
        const [r, g, b] = paintAt(shape.paint, y)
        // "Over" compositing in premultiplied form.
        red = r * coverage + red * (1 - coverage)
        green = g * coverage + green * (1 - coverage)
        blue = b * coverage + blue * (1 - coverage)
        alpha = coverage + alpha * (1 - coverage)
      }
      const offset = (row * sizePx + column) * 4
      pixels[offset] = alpha > 0 ? Math.round(red / alpha) : 0
      pixels[offset + 1] = alpha > 0 ? Math.round(green / alpha) : 0
      pixels[offset + 2] = alpha > 0 ? Math.round(blue / alpha) : 0
      pixels[offset + 3] = Math.round(alpha * 255)
    }
  }
  return pixels
}

// ---- File formats. -------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1
  return crc >>> 0
})

function crc32(bytes) {
  let crc = 0xffffffff
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function pngChunk(type, data) {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, crc])
}

/** An 8-bit RGBA PNG (colour type 6), every row with filter 0. */
export function encodePng(sizePx, pixels) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(sizePx, 0)
  header.writeUInt32BE(sizePx, 4)
  header.set([8, 6, 0, 0, 0], 8) // bit depth, colour type RGBA, deflate, adaptive filters, no interlace
  const rowBytes = sizePx * 4
  const raw = Buffer.alloc((rowBytes + 1) * sizePx)
  for (let row = 0; row < sizePx; row += 1) {
    raw[row * (rowBytes + 1)] = 0
    raw.set(pixels.subarray(row * rowBytes, (row + 1) * rowBytes), row * (rowBytes + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0))
  ])
}

/** An ICO whose entries are PNG files (`pngs`: [sizePx, bytes][]); a 256 px entry stores size 0. */
export function encodeIco(pngs) {
  const header = Buffer.alloc(6)
  header.writeUInt16LE(0, 0)
  header.writeUInt16LE(1, 2) // 1 = icon
  header.writeUInt16LE(pngs.length, 4)
  const directory = Buffer.alloc(16 * pngs.length)
  let offset = header.length + directory.length
  pngs.forEach(([sizePx, bytes], index) => {
    const entry = index * 16
    directory[entry] = sizePx >= 256 ? 0 : sizePx
    directory[entry + 1] = sizePx >= 256 ? 0 : sizePx
    directory[entry + 2] = 0 // no palette
    directory[entry + 3] = 0
    directory.writeUInt16LE(1, entry + 4) // colour planes
    directory.writeUInt16LE(32, entry + 6) // bits per pixel
    directory.writeUInt32LE(bytes.length, entry + 8)
    directory.writeUInt32LE(offset, entry + 12)
    offset += bytes.length
  })
  return Buffer.concat([header, directory, ...pngs.map(([, bytes]) => bytes)])
}

/** An ICNS of PNG entries (`entries`: [type, bytes][]): 'icns', total length, then type + length + data. */
export function encodeIcns(entries) {
  const blocks = entries.map(([type, bytes]) => {
    const blockHeader = Buffer.alloc(8)
    blockHeader.write(type, 0, 'latin1')
    blockHeader.writeUInt32BE(bytes.length + 8, 4)
    return Buffer.concat([blockHeader, bytes])
  })
  const header = Buffer.alloc(8)
  header.write('icns', 0, 'latin1')
  header.writeUInt32BE(8 + blocks.reduce((total, block) => total + block.length, 0), 4)
  return Buffer.concat([header, ...blocks])
}

// ---- SVG, from the same shapes. ----------------------------------------------------------------

const SVG_SIZE_PX = 1024
const hex = (rgb) => `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`
const px = (unit) => Number((unit * SVG_SIZE_PX).toFixed(2))

export function iconSvg(shapes = iconShapes()) {
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SVG_SIZE_PX}" height="${SVG_SIZE_PX}" viewBox="0 0 ${SVG_SIZE_PX} ${SVG_SIZE_PX}">`,
    '  <!-- Generated by scripts/make-icons.mjs: edit the drawing there, not here. -->'
  ]
  for (const shape of shapes) {
    const fill = shape.paint.solid ? hex(shape.paint.solid) : 'url(#tile)'
    if (shape.paint.gradient) {
      const [top, bottom] = shape.paint.gradient
      lines.push(
        `  <defs><linearGradient id="tile" x1="0" y1="0" x2="0" y2="1">` +
          `<stop offset="0" stop-color="${hex(top)}"/><stop offset="1" stop-color="${hex(bottom)}"/>` +
          `</linearGradient></defs>`
      )
    }
    if (shape.kind === 'roundedSquare') {
      const side = px(shape.max - shape.min)
      lines.push(
        `  <rect x="${px(shape.min)}" y="${px(shape.min)}" width="${side}" height="${side}" rx="${px(shape.radius)}" fill="${fill}"/>`
      )
    } else if (shape.kind === 'disc') {
      lines.push(
        `  <circle cx="${px(shape.centre[0])}" cy="${px(shape.centre[1])}" r="${px(shape.radius)}" fill="${fill}"/>`
      )
    } else {
      lines.push(
        `  <line x1="${px(shape.from[0])}" y1="${px(shape.from[1])}" x2="${px(shape.to[0])}" y2="${px(shape.to[1])}" ` +
          `stroke="${fill}" stroke-width="${px(2 * shape.radius)}" stroke-linecap="round"/>`
      )
    }
  }
  lines.push('</svg>', '')
  return lines.join('\n')
}

// ---- Writing the files. ------------------------------------------------------------------------

export function writeIcons(outputFolder) {
  const shapes = iconShapes()
  const sizes = [...new Set([...PNG_SIZES_PX, ...ICO_SIZES_PX, ...ICNS_ENTRIES.map(([, sizePx]) => sizePx)])]
  const pngBySize = new Map(sizes.map((sizePx) => [sizePx, encodePng(sizePx, rasterise(sizePx, shapes))]))
  mkdirSync(join(outputFolder, 'icons'), { recursive: true })
  for (const sizePx of PNG_SIZES_PX) {
    writeFileSync(join(outputFolder, 'icons', `${sizePx}x${sizePx}.png`), pngBySize.get(sizePx))
  }
  writeFileSync(join(outputFolder, 'icon.png'), pngBySize.get(1024))
  writeFileSync(
    join(outputFolder, 'icon.ico'),
    encodeIco(ICO_SIZES_PX.map((sizePx) => [sizePx, pngBySize.get(sizePx)]))
  )
  writeFileSync(
    join(outputFolder, 'icon.icns'),
    encodeIcns(ICNS_ENTRIES.map(([type, sizePx]) => [type, pngBySize.get(sizePx)]))
  )
  writeFileSync(join(outputFolder, 'icon.svg'), iconSvg(shapes))
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outputFolder = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'resources'))
  writeIcons(outputFolder)
  process.stdout.write(`icons written to ${outputFolder}\n`)
}
