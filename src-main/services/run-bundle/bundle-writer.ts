/**
 * Writing runs as a `.dnpurun` bundle: the runs' history read in one transaction
 * (store/run-transfer-read.ts), one JSON entry per part, each listed in the manifest with its
 * SHA-256, deflated by fflate. Entry names are fixed patterns with the run's position in the
 * bundle: nothing from the database becomes part of a name.
 */
import { createHash } from 'node:crypto'
import { writeZip } from '../../core/zip/zip-writer'
import { RUN_BUNDLE_EXTENSION } from '../../../src-shared/ipc/run-sharing'
import type { Database } from '../../store'
import { readRunsForTransfer } from '../../store/run-transfer-read'
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_LIMITS,
  MANIFEST_ENTRY,
  type BundleManifest,
  type EntryRef,
  type ManifestRun
} from './bundle-format'

export interface WrittenBundle {
  fileName: string
  bytes: Uint8Array
  runCount: number
}

/** `dnpu-runs-12-15-17.dnpurun` (the first ids, then `-and-N-more` past five). */
export function bundleFileName(runIds: readonly number[]): string {
  const shown = runIds.slice(0, 5).join('-')
  const more = runIds.length > 5 ? `-and-${runIds.length - 5}-more` : ''
  return `dnpu-run${runIds.length > 1 ? 's' : ''}-${shown}${more}${RUN_BUNDLE_EXTENSION}`
}

const MIB = 1024 * 1024

/** A bundle this app would refuse to import is refused at export, naming what is too large. */
function tooLarge(what: string, bytes: number, limit: number): Error {
  return new Error(
    `${what} would take ${(bytes / MIB).toFixed(1)} MiB, more than the ${limit / MIB} MiB a bundle may hold: export fewer runs`
  )
}

class EntryCollector {
  readonly files: Record<string, Uint8Array> = {}
  private totalBytes = 0

  add(name: string, value: unknown, owner = 'the bundle'): EntryRef {
    const bytes = new TextEncoder().encode(JSON.stringify(value))
    if (bytes.length > BUNDLE_LIMITS.entryBytes)
      throw tooLarge(`${owner}: entry ${name}`, bytes.length, BUNDLE_LIMITS.entryBytes)
    this.totalBytes += bytes.length
    if (this.totalBytes > BUNDLE_LIMITS.totalBytes)
      throw tooLarge('the runs unpacked', this.totalBytes, BUNDLE_LIMITS.totalBytes)
    this.files[name] = bytes
    return { name, sha256: createHash('sha256').update(bytes).digest('hex') }
  }
}

/** The runs (in the order given, duplicates dropped) as a bundle; throws naming a missing or running run. */
export function writeRunBundle(
  db: Database,
  runIds: readonly number[],
  appVersion: string,
  now = new Date()
): WrittenBundle {
  const ids = [...new Set(runIds)]
  const transfer = readRunsForTransfer(db, ids)
  const entries = new EntryCollector()
  const models = [...transfer.models].map(([sha256, model], index) => ({
    sha256,
    entry: entries.add(`models/${index + 1}.json`, model)
  }))
  const calibrations = [...transfer.calibrations].map(([hash, calibration], index) => ({
    hash,
    entry: entries.add(`calibrations/${index + 1}.json`, calibration)
  }))
  const runs = transfer.runs.map((run, index): ManifestRun => {
    const folder = `runs/${index + 1}`
    const owner = `run #${run.sourceRunId}`
    return {
      bundleRunId: run.sourceRunId,
      uid: run.record.uid,
      model:
        run.modelSha256 === null
          ? { kind: 'bundled', id: run.record.modelId }
          : { kind: 'stored', sha256: run.modelSha256 },
      calibration: run.calibrationHash,
      record: entries.add(`${folder}/run.json`, run.record, owner),
      steps: entries.add(`${folder}/steps.json`, run.steps, owner),
      checkpoint: run.checkpoint === null ? null : entries.add(`${folder}/checkpoint.json`, run.checkpoint, owner),
      measurements:
        run.measurements.length === 0 ? null : entries.add(`${folder}/measurements.json`, run.measurements, owner)
    }
  })
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    appVersion,
    exportedAt: now.toISOString(),
    runs,
    models,
    calibrations
  }
  // The manifest first, so a person opening the zip sees it at the top.
  const bytes = writeZip(
    [[MANIFEST_ENTRY, new TextEncoder().encode(JSON.stringify(manifest, null, 2))], ...Object.entries(entries.files)],
    { maxRatio: BUNDLE_LIMITS.compressionRatio, ratioFloorBytes: BUNDLE_LIMITS.ratioFloorBytes }
  )
  if (bytes.length > BUNDLE_LIMITS.fileBytes) throw tooLarge('the bundle file', bytes.length, BUNDLE_LIMITS.fileBytes)
  return { fileName: bundleFileName(ids), bytes, runCount: runs.length }
}
