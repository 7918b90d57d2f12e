/**
 * Sharing runs between lab PCs as one `.dnpurun` file (`runs:bundle-export`, `runs:bundle-import`,
 * `dnpu runs bundle export|import`). Export reads the runs in one transaction and zips them; import
 * reads the whole file with every bound checked (bundle-reader.ts), and only then writes it in one
 * transaction (store/run-transfer-write.ts).
 */
import type { RunBundleFile, RunBundleImport } from '../../../src-shared/ipc/run-sharing'
import { join } from 'node:path'
import { openDatabase, RunsRepository, type Database } from '../../store'
import { DATABASE_FILE_NAME } from '../data-folder'
import { writeTransferredRuns } from '../../store/run-transfer-write'
import type { TransferRun } from '../../store/run-transfer-types'
import type { ParsedBundle } from './bundle-format'
import { readRunBundle } from './bundle-reader'
import { writeRunBundle } from './bundle-writer'

export { RunBundleError, readRunBundle } from './bundle-reader'
export { writeRunBundle, bundleFileName } from './bundle-writer'
export { BUNDLE_FORMAT_VERSION, BUNDLE_LIMITS } from './bundle-format'

export function exportRunBundle(db: Database, runIds: readonly number[], appVersion: string): RunBundleFile {
  const bundle = writeRunBundle(db, runIds, appVersion)
  return {
    fileName: bundle.fileName,
    contentBase64: Buffer.from(bundle.bytes).toString('base64'),
    runCount: bundle.runCount,
    bytes: bundle.bytes.length
  }
}

function transferRuns(bundle: ParsedBundle): TransferRun[] {
  return bundle.runs.map((run) => ({
    sourceRunId: run.ref.bundleRunId,
    record: run.record,
    steps: run.steps,
    checkpoint: run.checkpoint,
    measurements: run.measurements,
    modelSha256: run.ref.model.kind === 'stored' ? run.ref.model.sha256 : null,
    calibrationHash: run.ref.calibration
  }))
}

/** Checks the whole bundle, then writes it in one transaction; throws RunBundleError for a bad bundle. */
export function importRunBundle(db: Database, fileName: string, bytes: Uint8Array): RunBundleImport {
  const bundle = readRunBundle(fileName, bytes)
  const result = writeTransferredRuns(db, {
    runs: transferRuns(bundle),
    models: bundle.models,
    calibrations: bundle.calibrations
  })
  const runs = result.runs.map(({ sourceRunId, runId, added }) => ({ bundleRunId: sourceRunId, runId, added }))
  const runsAdded = runs.filter((run) => run.added).length
  return {
    runs,
    runsAdded,
    runsAlreadyPresent: runs.length - runsAdded,
    modelsAdded: result.modelsAdded,
    modelsAlreadyPresent: result.modelsAlreadyPresent,
    calibrationsAdded: result.calibrationsAdded,
    calibrationsAlreadyPresent: result.calibrationsAlreadyPresent,
    notes: result.notes
  }
}

/**
 * Runs `use` on the database of a data folder (created when missing, as `runs list` does), after
 * the start-up recovery every runs command does: a run whose process is gone is not running.
 */
export async function withFolderDatabase<T>(dataFolder: string, use: (db: Database) => T): Promise<T> {
  const db = await openDatabase(join(dataFolder, DATABASE_FILE_NAME))
  try {
    new RunsRepository(db).markRunningAsInterrupted()
    return use(db)
  } finally {
    db.close()
  }
}
