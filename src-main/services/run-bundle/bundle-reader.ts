/**
 * Reading an untrusted `.dnpurun` file into a checked bundle, or refusing it with a
 * RunBundleError that names the entry and the problem. Nothing here touches the database or the
 * file system: the importer writes only what this returned whole.
 *
 * Order of the checks: the file's size (before anything else), the zip directory (entry count,
 * duplicate names: the shared bounded reader), the manifest (format, then version, then schema),
 * then for each entry the manifest names: present, its declared size and compression ratio, the
 * running total, then extraction (CRC-checked, bomb-safe), its SHA-256 against the manifest's,
 * its JSON nesting (scanned before parsing) and its schema.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { parseSurrogateJson } from '../../core/surrogate-definition'
import { openZip, type ZipArchive, type ZipMemberInfo } from '../../core/zip/zip-reader'
import { calibrationContentHash } from '../../store/run-transfer-read'
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_LIMITS,
  MANIFEST_ENTRY,
  calibrationSchema,
  checkpointSchema,
  manifestSchema,
  measurementsSchema,
  modelSchema,
  runRecordSchema,
  stepsSchema,
  type BundleRun,
  type CalibrationRecord,
  type EntryRef,
  type ModelRecord,
  type ParsedBundle
} from './bundle-format'

/** A bundle refused as bad input (the CLI exits 2): the message names the entry and the problem. */
export class RunBundleError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunBundleError'
  }
}

const MIB = 1024 * 1024
const formatBytes = (bytes: number): string =>
  bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${bytes.toLocaleString('en-US')} bytes`

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!
  const path = issue.path.length === 0 ? 'the value' : issue.path.map(String).join('.')
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problems)` : ''
  return `${path}: ${issue.message}${more}`
}

/**
 * What parsing JSON text would build, counted without parsing (brackets and commas outside
 * strings) and stopping at the first limit passed: 'depth' (nesting) or 'values' (array elements
 * and object members, roughly), else null. A million `[` or ten million `0,` are refused in one
 * pass, before JSON.parse allocates anything.
 */
export function jsonShapeOverLimit(text: string, depthLimit: number, valueLimit: number): 'depth' | 'values' | null {
  let depth = 0
  let values = 1
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x2c) {
      if (++values > valueLimit) return 'values'
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > depthLimit) return 'depth'
      if (++values > valueLimit) return 'values'
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return null
}

class BundleEntries {
  private extractedBytes = 0

  constructor(
    private readonly zip: ZipArchive,
    private readonly fileName: string
  ) {}

  fail(entry: string, problem: string): RunBundleError {
    return new RunBundleError(`${this.fileName}: entry ${entry}: ${problem}`)
  }

  private member(name: string): ZipMemberInfo {
    if (!this.zip.has(name)) throw this.fail(name, 'the manifest lists it but the bundle does not hold it')
    return this.zip.members.find((member) => member.name === name)!
  }

  /** The entry's bytes, every bound checked before they are extracted. */
  bytes(name: string): Uint8Array {
    const member = this.member(name)
    const size = member.uncompressedBytes
    if (size > BUNDLE_LIMITS.entryBytes) {
      throw this.fail(
        name,
        `refused: it unpacks to ${formatBytes(size)} (limit: ${formatBytes(BUNDLE_LIMITS.entryBytes)} per entry)`
      )
    }
    if (
      size > BUNDLE_LIMITS.ratioFloorBytes &&
      size > BUNDLE_LIMITS.compressionRatio * Math.max(1, member.compressedBytes)
    ) {
      throw this.fail(
        name,
        `refused: it unpacks ${Math.round(size / Math.max(1, member.compressedBytes))} times its packed size (limit: ${BUNDLE_LIMITS.compressionRatio}), as a zip bomb does`
      )
    }
    if (this.extractedBytes + size > BUNDLE_LIMITS.totalBytes) {
      throw this.fail(
        name,
        `refused: it brings the bundle's unpacked bytes to ${formatBytes(this.extractedBytes + size)} (limit: ${formatBytes(BUNDLE_LIMITS.totalBytes)})`
      )
    }
    this.extractedBytes += size
    try {
      return this.zip.read(name)
    } catch (error) {
      throw this.fail(name, error instanceof Error ? error.message : String(error))
    }
  }

  /** The entry as a value of `schema`: its hash checked against the manifest, its JSON bounded, then validated. */
  json<T>(ref: EntryRef | string, schema: z.ZodType<T>): T {
    const name = typeof ref === 'string' ? ref : ref.name
    const bytes = this.bytes(name)
    if (typeof ref !== 'string') {
      const actual = createHash('sha256').update(bytes).digest('hex')
      if (actual !== ref.sha256)
        throw this.fail(name, `its SHA-256 is ${actual}, not the ${ref.sha256} the manifest lists`)
    }
    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch {
      throw this.fail(name, 'it is not UTF-8 text')
    }
    const over = jsonShapeOverLimit(text, BUNDLE_LIMITS.jsonDepth, BUNDLE_LIMITS.jsonValuesPerEntry)
    if (over === 'depth') throw this.fail(name, `refused: its JSON nests deeper than ${BUNDLE_LIMITS.jsonDepth} levels`)
    if (over === 'values') {
      throw this.fail(
        name,
        `refused: its JSON holds more than ${BUNDLE_LIMITS.jsonValuesPerEntry.toLocaleString('en-US')} values (limit per entry)`
      )
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      throw this.fail(name, `it is not valid JSON (${error instanceof Error ? error.message : String(error)})`)
    }
    const parsed = schema.safeParse(value)
    if (!parsed.success) throw this.fail(name, firstIssue(parsed.error))
    return parsed.data
  }
}

/** The manifest's format and version, checked before its schema: a newer bundle is refused by its version. */
function checkFormat(value: unknown, entries: BundleEntries): void {
  const head = z.object({ format: z.unknown(), formatVersion: z.unknown() }).safeParse(value)
  const format = head.success ? head.data.format : undefined
  if (format !== BUNDLE_FORMAT) {
    throw entries.fail(MANIFEST_ENTRY, `format is ${JSON.stringify(format) ?? 'missing'}, expected "${BUNDLE_FORMAT}"`)
  }
  const version = head.success ? head.data.formatVersion : undefined
  if (typeof version === 'number' && Number.isInteger(version) && version > BUNDLE_FORMAT_VERSION) {
    throw entries.fail(
      MANIFEST_ENTRY,
      `the bundle has format version ${version}, newer than the version ${BUNDLE_FORMAT_VERSION} this DNPU Lab reads: update DNPU Lab to import it`
    )
  }
}

/** Reads and checks a whole bundle; throws a RunBundleError naming the entry and the problem. */
export function readRunBundle(fileName: string, bytes: Uint8Array): ParsedBundle {
  if (bytes.length > BUNDLE_LIMITS.fileBytes) {
    throw new RunBundleError(
      `${fileName}: refused: the file is ${formatBytes(bytes.length)} (limit: ${formatBytes(BUNDLE_LIMITS.fileBytes)})`
    )
  }
  if (bytes.length === 0) throw new RunBundleError(`${fileName}: the file is empty`)
  let zip: ZipArchive
  try {
    zip = openZip(bytes, {
      checkMemberCount: (count) => {
        if (count > BUNDLE_LIMITS.entries)
          throw new Error(`refused: the bundle lists ${count} entries (limit: ${BUNDLE_LIMITS.entries})`)
      },
      // Each entry's size and the running total are checked by BundleEntries before it reads.
      spendExtracted: () => {},
      damaged: (reason) => new Error(reason),
      unsupported: (reason) => new Error(reason)
    })
  } catch (error) {
    throw new RunBundleError(
      `${fileName}: not a readable run bundle: ${error instanceof Error ? error.message : String(error)}`
    )
  }
  const entries = new BundleEntries(zip, fileName)
  const rawManifest = entries.json(MANIFEST_ENTRY, z.unknown())
  checkFormat(rawManifest, entries)
  const parsedManifest = manifestSchema.safeParse(rawManifest)
  if (!parsedManifest.success) throw entries.fail(MANIFEST_ENTRY, firstIssue(parsedManifest.error))
  const manifest = parsedManifest.data

  const models = new Map<string, ModelRecord>()
  for (const { sha256, entry } of manifest.models) {
    if (models.has(sha256)) throw entries.fail(MANIFEST_ENTRY, `model ${sha256} is listed twice`)
    const model = entries.json(entry, modelSchema)
    // Checked as a model import checks it: the app lists and runs a stored model from this form.
    try {
      parseSurrogateJson(model.definition)
    } catch (error) {
      throw entries.fail(entry.name, `definition: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (model.sourceSha256 !== sha256)
      throw entries.fail(entry.name, `sourceSha256 is not the ${sha256} the manifest lists`)
    models.set(sha256, model)
  }
  const calibrations = new Map<string, CalibrationRecord>()
  for (const { hash, entry } of manifest.calibrations) {
    if (calibrations.has(hash)) throw entries.fail(MANIFEST_ENTRY, `calibration ${hash} is listed twice`)
    const calibration = entries.json(entry, calibrationSchema)
    const actual = calibrationContentHash(
      calibration.profile,
      JSON.stringify(calibration.electrodes),
      calibration.rangeOverride === null ? null : JSON.stringify(calibration.rangeOverride)
    )
    if (actual !== hash)
      throw entries.fail(entry.name, `its content hash is ${actual}, not the ${hash} the manifest lists`)
    calibrations.set(hash, calibration)
  }

  const uids = new Set<string>()
  const runs = manifest.runs.map((ref): BundleRun => {
    const what = `run #${ref.bundleRunId}`
    if (uids.has(ref.uid)) throw entries.fail(MANIFEST_ENTRY, `${what}: uid ${ref.uid} is listed twice`)
    uids.add(ref.uid)
    if (ref.model.kind === 'stored' && !models.has(ref.model.sha256))
      throw entries.fail(MANIFEST_ENTRY, `${what} uses model ${ref.model.sha256}, which the bundle does not hold`)
    if (ref.calibration !== null && !calibrations.has(ref.calibration))
      throw entries.fail(
        MANIFEST_ENTRY,
        `${what} ran under calibration ${ref.calibration}, which the bundle does not hold`
      )
    const record = entries.json(ref.record, runRecordSchema)
    if (record.uid !== ref.uid) throw entries.fail(ref.record.name, `uid is not the ${ref.uid} the manifest lists`)
    return {
      ref,
      record,
      steps: entries.json(ref.steps, stepsSchema),
      checkpoint: ref.checkpoint === null ? null : entries.json(ref.checkpoint, checkpointSchema),
      measurements: ref.measurements === null ? [] : entries.json(ref.measurements, measurementsSchema)
    }
  })
  return { manifest, runs, models, calibrations }
}
