import { describe, expect, it } from 'vitest'
import { zipSync } from 'fflate'
import { crc32 } from '../zip/crc32.js'
import { openZipArchive, looksLikeZip } from './zip-archive.js'
import { readFixture } from './__fixtures__/read-fixture.js'
import { zipMembers } from './__fixtures__/torch-file-builder.js'
import { errorOf } from './__fixtures__/error-of.js'

const text = (value: string) => new TextEncoder().encode(value)

/** Offsets of every central directory header (signature PK\x01\x02). */
function centralHeaders(bytes: Uint8Array): number[] {
  const found: number[] = []
  for (let i = 0; i + 3 < bytes.length; i += 1) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x01 && bytes[i + 3] === 0x02) found.push(i)
  }
  return found
}

function setU16(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint16(offset, value, true)
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(text('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
  })
})

describe('openZipArchive', () => {
  it('reads a PyTorch archive, which carries zip64 end records', () => {
    const bytes = readFixture('small-elu.pt')
    const hasZip64Locator = bytes.some(
      (_, i) => bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x06 && bytes[i + 3] === 0x07
    )
    expect(hasZip64Locator).toBe(true)
    const archive = openZipArchive(bytes)
    expect(archive.members.map((member) => member.name)).toEqual([
      'small-elu/data.pkl',
      'small-elu/data/0',
      'small-elu/data/1',
      'small-elu/data/2',
      'small-elu/data/3',
      'small-elu/version'
    ])
    expect(new TextDecoder().decode(archive.read('small-elu/version'))).toBe('3\n')
    expect(archive.read('small-elu/data/0')).toHaveLength(224)
  })

  it('inflates deflated members and checks them', () => {
    const archive = openZipArchive(readFixture('small-elu-deflated.pt'))
    expect(archive.members.every((member) => member.compression === 8)).toBe(true)
    expect(archive.read('small-elu/data.pkl')).toEqual(
      openZipArchive(readFixture('small-elu.pt')).read('small-elu/data.pkl')
    )
  })

  it('reports a corrupt deflate stream', () => {
    const bytes = zipSync({ 'a/data.pkl': [new Uint8Array(500).fill(7), { level: 9 }] })
    const archive = openZipArchive(bytes)
    const start = 30 + 'a/data.pkl'.length
    bytes[start] = 0xff // an invalid block type
    expect(errorOf(() => archive.read('a/data.pkl')).reason).toMatch(
      /^member a\/data\.pkl (has corrupt compressed data|is corrupted|holds)/
    )
  })

  it('refuses encrypted members and unknown compression methods', () => {
    const encrypted = zipMembers({ 'a/x': text('hello') })
    setU16(encrypted, centralHeaders(encrypted)[0]! + 8, 1)
    expect(errorOf(() => openZipArchive(encrypted).read('a/x')).reason).toBe('member a/x is encrypted')

    const bzip2 = zipMembers({ 'a/x': text('hello') })
    setU16(bzip2, centralHeaders(bzip2)[0]! + 10, 12)
    expect(errorOf(() => openZipArchive(bzip2).read('a/x')).reason).toBe(
      'member a/x uses zip compression method 12; only stored and deflate are supported'
    )
  })

  it('reports duplicate member names', () => {
    const bytes = zipMembers({ 'a/x': text('1'), 'a/y': text('2') })
    const second = centralHeaders(bytes)[1]!
    bytes[second + 46 + 2] = 'x'.charCodeAt(0)
    expect(errorOf(() => openZipArchive(bytes)).reason).toBe('the zip archive holds two members named a/x')
  })

  it('skips the CRC check when the stored CRC is 0 (not computed)', () => {
    const bytes = zipMembers({ 'a/x': text('hello') })
    new DataView(bytes.buffer).setUint32(centralHeaders(bytes)[0]! + 16, 0, true)
    expect(openZipArchive(bytes).read('a/x')).toEqual(text('hello'))
  })

  it('reports a member whose data lies outside the file', () => {
    const bytes = zipMembers({ 'a/x': text('hello') })
    new DataView(bytes.buffer).setUint32(centralHeaders(bytes)[0]! + 20, 1_000_000, true)
    expect(errorOf(() => openZipArchive(bytes).read('a/x')).reason).toMatch(
      /truncated or damaged: the data of member a\/x lies outside the file/
    )
  })

  it('recognises zip starts, including files cut inside the signature', () => {
    expect(looksLikeZip(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0]))).toBe(true)
    expect(looksLikeZip(Uint8Array.from([0x50, 0x4b]))).toBe(true)
    expect(looksLikeZip(Uint8Array.from([0x80, 0x02]))).toBe(false)
  })
})
