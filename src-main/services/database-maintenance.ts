/**
 * `dnpu db check` and `dnpu db backup`: look at the database and copy it without opening it the
 * way the app does. Neither migrates nor writes to it (both read through a read-only
 * connection), so they work on a damaged file and on one written by a newer DNPU Lab.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  backUpDatabase,
  DatabaseOpenError,
  DNPU_LAB_APPLICATION_ID,
  inspectDatabaseFile,
  LATEST_SCHEMA_VERSION,
  refusalFor,
  type DatabaseCopy,
  type IntegrityCheckKind
} from '../store'
import { DATABASE_FILE_NAME } from './data-folder'

const BUSY_TIMEOUT_MS = 5000

export interface DatabaseCheckReport {
  path: string
  /** An intact DNPU Lab database (it may still be too new for this version: see `refusal`). */
  ok: boolean
  check: IntegrityCheckKind
  checkSeconds: number | null
  /** SQLite's messages (at most 20), or why the file could not be read at all. */
  problems: string[]
  /** Why this version of DNPU Lab would not open the file, or null if it would. */
  refusal: string | null
  schemaVersion: number | null
  latestSchemaVersion: number
  /** As hex, e.g. 0x444e5055 ('DNPU'). */
  applicationId: string | null
  pageSizeBytes: number | null
  pageCount: number | null
  fileSizeBytes: number
  /** Commits not yet copied into the file sit here; 0 when there is no -wal. */
  walSizeBytes: number
  runs: number | null
  models: number | null
}

export function databasePathIn(dataFolder: string): string {
  return join(dataFolder, DATABASE_FILE_NAME)
}

function sizeOf(filePath: string): number {
  return existsSync(filePath) ? statSync(filePath).size : 0
}

/** Inspects the database at `databasePath` (which must exist) with SQLite's quick or full check. */
export function checkDatabase(databasePath: string, check: IntegrityCheckKind): DatabaseCheckReport {
  // Sized before the inspection: a reader of a WAL-mode file may create an empty -wal.
  const fileSizeBytes = sizeOf(databasePath)
  const walSizeBytes = sizeOf(`${databasePath}-wal`)
  let inspection
  try {
    inspection = inspectDatabaseFile(databasePath, {
      busyTimeoutMs: BUSY_TIMEOUT_MS,
      check,
      countRowsOf: ['runs', 'models']
    })
  } catch (error) {
    if (!(error instanceof DatabaseOpenError)) throw error
    return {
      path: databasePath,
      ok: false,
      check,
      checkSeconds: null,
      problems: [error.message],
      refusal: error.message,
      schemaVersion: null,
      latestSchemaVersion: LATEST_SCHEMA_VERSION,
      applicationId: null,
      pageSizeBytes: null,
      pageCount: null,
      fileSizeBytes,
      walSizeBytes,
      runs: null,
      models: null
    }
  }
  const refusal = refusalFor(databasePath, inspection)
  return {
    path: databasePath,
    // Too new for this version is still intact.
    ok: refusal === null || refusal.reason === 'newer-schema',
    check,
    checkSeconds: inspection.checkSeconds,
    problems: inspection.integrityProblems,
    refusal: refusal?.message ?? null,
    schemaVersion: inspection.schemaVersion,
    latestSchemaVersion: LATEST_SCHEMA_VERSION,
    applicationId: `0x${(inspection.applicationId >>> 0).toString(16)}`,
    pageSizeBytes: inspection.pageSizeBytes,
    pageCount: inspection.pageCount,
    fileSizeBytes,
    walSizeBytes,
    runs: inspection.rowCounts.runs ?? null,
    models: inspection.rowCounts.models ?? null
  }
}

export function isDnpuLabApplicationId(hex: string | null): boolean {
  return hex === `0x${DNPU_LAB_APPLICATION_ID.toString(16)}`
}

/** Copies the database with SQLite's online backup API and checks the copy (quick_check). */
export function backUpDatabaseFile(databasePath: string, outputPath: string, replace: boolean): Promise<DatabaseCopy> {
  return backUpDatabase(databasePath, outputPath, { busyTimeoutMs: BUSY_TIMEOUT_MS, replace })
}

export { BackupExistsError, describeBackupError, MAX_INTEGRITY_PROBLEMS } from '../store'
export type { DatabaseCopy } from '../store'
