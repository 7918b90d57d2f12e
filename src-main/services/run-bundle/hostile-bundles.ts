/**
 * Hostile run bundles, each made from a valid one and refused with the message `error` matches
 * (after the file name): the service tests and the CLI tests both run every one of them.
 */
import { createHash } from 'node:crypto'
import { deflatePieces, rawZip } from '../../core/torch-file/__fixtures__/hostile-files'
import { bytesOf, textOf, unzipBundle, zipBundle } from './test-support'

const MIB = 1024 * 1024

export interface HostileBundle {
  bundle: (valid: Uint8Array) => Uint8Array
  error: RegExp
}

/** A name that would land outside the data folder if a name were ever used as a path. */
export const ESCAPE_NAME = `dnpu-bundle-escape-${process.pid}.json`

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** The valid bundle with one entry's text replaced, the manifest's hash kept right unless `keepHash`. */
function withEntry(
  valid: Uint8Array,
  name: string,
  edit: (text: string) => string,
  options: { keepHash?: boolean; level?: 0 | 6 } = {}
): Uint8Array {
  const files = unzipBundle(valid)
  const old = files[name]!
  files[name] = bytesOf(edit(textOf(old)))
  if (!options.keepHash) {
    files['manifest.json'] = bytesOf(textOf(files['manifest.json']).replace(sha256(old), sha256(files[name]!)))
  }
  return zipBundle(files, options.level)
}

function editJson(valid: Uint8Array, name: string, edit: (value: Record<string, unknown>) => unknown): Uint8Array {
  return withEntry(valid, name, (text) => JSON.stringify(edit(JSON.parse(text) as Record<string, unknown>)))
}

function withoutEntry(valid: Uint8Array, name: string): Uint8Array {
  const files = unzipBundle(valid)
  delete files[name]
  return zipBundle(files)
}

/** A stored (uncompressed) copy of the valid bundle with one byte of the manifest's data flipped. */
function crcMismatch(valid: Uint8Array): Uint8Array {
  const bytes = zipBundle(unzipBundle(valid), 0).slice()
  const at = Buffer.from(bytes).indexOf('"format"')
  bytes[at + 2] ^= 0x01
  return bytes
}

export const HOSTILE_BUNDLES: Record<string, HostileBundle> = {
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
    bundle: (valid) =>
      editJson(valid, 'manifest.json', (manifest) => {
        const runs = manifest.runs as { record: { name: string } }[]
        runs[0]!.record.name = `../${ESCAPE_NAME}`
        runs[1]!.record.name = `/tmp/${ESCAPE_NAME}`
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
    bundle: (valid) => valid.slice(0, Math.floor(valid.length / 2)),
    error: /not a readable run bundle: the zip archive is truncated or damaged/
  },
  'a manifest naming a missing entry': {
    bundle: (valid) => withoutEntry(valid, 'runs/2/steps.json'),
    error: /entry runs\/2\/steps\.json: the manifest lists it but the bundle does not hold it/
  },
  'an entry whose hash differs from the manifest': {
    bundle: (valid) =>
      withEntry(valid, 'runs/1/run.json', (text) => text.replace('looks good', 'looks bad'), { keepHash: true }),
    error: /entry runs\/1\/run\.json: its SHA-256 is [0-9a-f]{64}, not the [0-9a-f]{64} the manifest lists/
  },
  'bad JSON': {
    bundle: (valid) => withEntry(valid, 'runs/1/steps.json', (text) => text.slice(0, -3)),
    error: /entry runs\/1\/steps\.json: it is not valid JSON/
  },
  'a wrong type in a run record': {
    bundle: (valid) => editJson(valid, 'runs/1/run.json', (run) => ({ ...run, seed: 'twelve' })),
    error: /entry runs\/1\/run\.json: seed: Invalid input: expected number, received string/
  },
  'a running run': {
    bundle: (valid) => editJson(valid, 'runs/1/run.json', (run) => ({ ...run, status: 'running' })),
    error: /entry runs\/1\/run\.json: status: Invalid option/
  },
  'JSON nested too deep': {
    bundle: (valid) =>
      editJson(valid, 'runs/1/checkpoint.json', (checkpoint) => ({
        ...checkpoint,
        state: JSON.parse('['.repeat(100) + ']'.repeat(100)) as unknown
      })),
    error: /entry runs\/1\/checkpoint\.json: refused: its JSON nests deeper than 64 levels/
  },
  'a JSON flood (too many values)': {
    bundle: (valid) => withEntry(valid, 'runs/1/steps.json', () => `[${'0,'.repeat(2_500_000)}0]`, { level: 0 }),
    error: /entry runs\/1\/steps\.json: refused: its JSON holds more than 2,000,000 values \(limit per entry\)/
  },
  'a tag the notebook would refuse': {
    bundle: (valid) => editJson(valid, 'runs/1/run.json', (run) => ({ ...run, tags: ['a;b'] })),
    error: /entry runs\/1\/run\.json: tags\.0: tag "a;b" may hold only letters, digits/
  },
  'a model whose hash is not the one listed': {
    bundle: (valid) => editJson(valid, 'models/1.json', (model) => ({ ...model, sourceSha256: 'b2'.repeat(32) })),
    error: /entry models\/1\.json: sourceSha256 is not the a1a1[0-9a-f]+ the manifest lists/
  },
  'a model whose definition is not a surrogate': {
    bundle: (valid) =>
      editJson(valid, 'models/1.json', (model) => ({ ...model, definition: { format: 'something else' } })),
    error: /entry models\/1\.json: definition: /
  },
  'a calibration whose ranges were changed': {
    bundle: (valid) => withEntry(valid, 'calibrations/1.json', (text) => text.replace('-0.5', '-0.6')),
    error: /entry calibrations\/1\.json: its content hash is [0-9a-f]{64}, not the [0-9a-f]{64} the manifest lists/
  },
  'not a zip': {
    bundle: () => bytesOf('{"format":"dnpurun"}'),
    error: /not a readable run bundle: the zip archive is truncated or damaged/
  }
}
