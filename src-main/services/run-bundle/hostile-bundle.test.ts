/**
 * Hostile bundles get the .pt treatment: each is refused with a message naming the entry and the
 * problem, bounds are checked before allocating, names never become paths, and the database is
 * unchanged (real SQLite file in a temp folder).
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deflatePieces, rawZip } from '../../core/torch-file/__fixtures__/hostile-files'
import type { Database } from '../../store'
import { makeTempFolder, type TempFolder } from '../../store/test-fixtures'
import { BUNDLE_LIMITS } from './bundle-format'
import { importRunBundle, RunBundleError, writeRunBundle } from './index'
import {
  bytesOf,
  makeSourceRuns,
  openFolderDatabase,
  tableCounts,
  textOf,
  unzipBundle,
  zipBundle
} from './test-support'

const MIB = 1024 * 1024
let folderA: TempFolder
let folderB: TempFolder
let target: Database
let valid: Uint8Array
let before: Record<string, number>

beforeAll(async () => {
  folderA = makeTempFolder()
  folderB = makeTempFolder()
  const source = await makeSourceRuns(folderA.path)
  valid = writeRunBundle(source.db, [source.gateRun, source.deviceRun], '1.0.0-test').bytes
  source.db.close()
  target = await openFolderDatabase(folderB.path)
  before = tableCounts(target)
})

afterAll(() => {
  target.close()
  folderA.remove()
  folderB.remove()
})

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** The valid bundle with one entry's text replaced, the manifest's hash kept right unless `keepHash`. */
function withEntry(name: string, edit: (text: string) => string, options: { keepHash?: boolean } = {}): Uint8Array {
  const files = unzipBundle(valid)
  const old = files[name]!
  files[name] = bytesOf(edit(textOf(old)))
  if (!options.keepHash) {
    files['manifest.json'] = bytesOf(textOf(files['manifest.json']).replace(sha256(old), sha256(files[name]!)))
  }
  return zipBundle(files)
}

function editJson(name: string, edit: (value: Record<string, unknown>) => unknown): Uint8Array {
  return withEntry(name, (text) => JSON.stringify(edit(JSON.parse(text) as Record<string, unknown>)))
}

function withoutEntry(name: string): Uint8Array {
  const files = unzipBundle(valid)
  delete files[name]
  return zipBundle(files)
}

/** A stored (uncompressed) copy of the valid bundle with one byte of the manifest's data flipped. */
function crcMismatch(): Uint8Array {
  const bytes = zipBundle(unzipBundle(valid), 0).slice()
  const at = Buffer.from(bytes).indexOf('"format"')
  bytes[at + 2] ^= 0x01
  return bytes
}

const escapeName = `dnpu-bundle-escape-${process.pid}.json`

const HOSTILE: Record<string, { bundle: () => Uint8Array; error: RegExp }> = {
  'a zip bomb (by ratio)': {
    bundle: () => zipBundle({ 'manifest.json': new Uint8Array(8 * MIB).fill(0x20) }),
    error: /entry manifest\.json: refused: it unpacks \d+ times its packed size \(limit: 200\), as a zip bomb does/
  },
  'too many entries': {
    bundle: () => rawZip([], { claimedEntryCount: 60_000, zip64: true }),
    error: /not a readable run bundle: refused: the bundle lists 60000 entries \(limit: 1201\)/
  },
  'an oversized entry (declared)': {
    bundle: () => rawZip([{ name: 'manifest.json', data: bytesOf('{}'), declaredBytes: 100 * MIB }]),
    error: /entry manifest\.json: refused: it unpacks to 100\.0 MiB \(limit: 64\.0 MiB per entry\)/
  },
  'an entry that inflates past its declared size': {
    bundle: () => {
      const content = deflatePieces([{ bytes: new Uint8Array(4096).fill(0x20), repeat: 64 }])
      return rawZip([{ name: 'manifest.json', data: content.deflated, deflated: content, declaredBytes: 1000 }])
    },
    error: /entry manifest\.json: member manifest\.json inflates to more than the 1,000 bytes/
  },
  'path-like entry names': {
    bundle: () =>
      editJson('manifest.json', (manifest) => {
        const runs = manifest.runs as { record: { name: string } }[]
        runs[0]!.record.name = `../${escapeName}`
        runs[1]!.record.name = `/tmp/${escapeName}`
        return manifest
      }),
    error: /entry manifest\.json: runs\.0\.record\.name: expected an entry name like runs\/1\/run\.json/
  },
  'duplicate names': {
    bundle: () =>
      rawZip([
        { name: 'manifest.json', data: bytesOf('{}') },
        { name: 'manifest.json', data: bytesOf('{}') }
      ]),
    error: /not a readable run bundle: the zip archive holds two members named manifest\.json/
  },
  'a CRC mismatch': {
    bundle: crcMismatch,
    error: /entry manifest\.json: member manifest\.json is corrupted: its CRC-32 does not match/
  },
  'a truncated file': {
    bundle: () => valid.slice(0, Math.floor(valid.length / 2)),
    error: /not a readable run bundle: the zip archive is truncated or damaged/
  },
  'a manifest naming a missing entry': {
    bundle: () => withoutEntry('runs/2/steps.json'),
    error: /entry runs\/2\/steps\.json: the manifest lists it but the bundle does not hold it/
  },
  'an entry whose hash differs from the manifest': {
    bundle: () => withEntry('runs/1/run.json', (text) => text.replace('looks good', 'looks bad'), { keepHash: true }),
    error: /entry runs\/1\/run\.json: its SHA-256 is [0-9a-f]{64}, not the [0-9a-f]{64} the manifest lists/
  },
  'bad JSON': {
    bundle: () => withEntry('runs/1/steps.json', (text) => text.slice(0, -3)),
    error: /entry runs\/1\/steps\.json: it is not valid JSON/
  },
  'a wrong type in a run record': {
    bundle: () => editJson('runs/1/run.json', (run) => ({ ...run, seed: 'twelve' })),
    error: /entry runs\/1\/run\.json: seed: Invalid input: expected number, received string/
  },
  'a running run': {
    bundle: () => editJson('runs/1/run.json', (run) => ({ ...run, status: 'running' })),
    error: /entry runs\/1\/run\.json: status: Invalid option/
  },
  'JSON nested too deep': {
    bundle: () =>
      editJson('runs/1/checkpoint.json', (checkpoint) => ({
        ...checkpoint,
        state: JSON.parse('['.repeat(100) + ']'.repeat(100)) as unknown
      })),
    error: /entry runs\/1\/checkpoint\.json: refused: its JSON nests deeper than 64 levels/
  },
  'a model whose hash is not the one listed': {
    bundle: () => editJson('models/1.json', (model) => ({ ...model, sourceSha256: 'b2'.repeat(32) })),
    error: /entry models\/1\.json: sourceSha256 is not the a1a1[0-9a-f]+ the manifest lists/
  },
  'a model whose definition is not a surrogate': {
    bundle: () => editJson('models/1.json', (model) => ({ ...model, definition: { format: 'something else' } })),
    error: /entry models\/1\.json: definition: /
  },
  'a calibration whose ranges were changed': {
    bundle: () => withEntry('calibrations/1.json', (text) => text.replace('-0.5', '-0.6')),
    error: /entry calibrations\/1\.json: its content hash is [0-9a-f]{64}, not the [0-9a-f]{64} the manifest lists/
  },
  'not a zip': {
    bundle: () => bytesOf('{"format":"dnpurun"}'),
    error: /not a readable run bundle: the zip archive is truncated or damaged/
  }
}

describe('a hostile bundle', () => {
  it.each(Object.keys(HOSTILE))('is refused: %s, and the database is unchanged', (name) => {
    const { bundle, error } = HOSTILE[name]!
    let thrown: unknown
    try {
      importRunBundle(target, 'hostile.dnpurun', bundle())
    } catch (caught) {
      thrown = caught
    }
    expect(thrown).toBeInstanceOf(RunBundleError)
    expect((thrown as Error).message).toMatch(/^hostile\.dnpurun: /)
    expect((thrown as Error).message).toMatch(error)
    expect(tableCounts(target)).toEqual(before)
  })

  it('never turns an entry name into a file', () => {
    expect(existsSync(resolve(escapeName))).toBe(false)
    expect(existsSync(join(folderB.path, '..', escapeName))).toBe(false)
    expect(existsSync(join('/tmp', escapeName))).toBe(false)
  })

  it('is refused by size before it is read', () => {
    const huge = new Uint8Array(BUNDLE_LIMITS.fileBytes + 1)
    expect(() => importRunBundle(target, 'huge.dnpurun', huge)).toThrow(
      /^huge\.dnpurun: refused: the file is 256\.0 MiB \(limit: 256\.0 MiB\)$/
    )
  })
})
