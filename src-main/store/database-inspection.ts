/**
 * What a database file is, found without writing to it: the check that runs before the app
 * touches an existing file, and the body of `dnpu db check`.
 *
 * The connection is read-only. A read-write connection would write even if asked only to read:
 * it replays a `-wal` left by a crash and, closing last, checkpoints that log into the main file
 * and deletes it, so a file the app then refuses would no longer be the file it was given.
 * (SQLite does create an empty `-wal` and the `-shm` index next to a WAL-mode file for a
 * read-only reader; neither holds data, and the main file and an existing `-wal` stay as they are.)
 *
 * Everything is read in one read transaction: another DNPU Lab process may be creating or
 * migrating the same file at this moment, and version, tables and check must describe the same
 * state of it. Read separately, a migration landing in between made a brand-new file look like
 * "version 0 with tables in it", i.e. another program's file.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { DatabaseOpenError, errorMessage, retryWhileBusy, sqliteErrorCode } from './database-open-error'
import { DNPU_LAB_APPLICATION_ID, LATEST_SCHEMA_VERSION, readUserTableNames } from './migrations'

/** `quick_check` is O(file size) and runs at every open; `integrity_check` also compares indexes with their tables. */
export type IntegrityCheckKind = 'quick_check' | 'integrity_check'

/** At most this many of SQLite's messages are kept: the first ones say what is wrong. */
export const MAX_INTEGRITY_PROBLEMS = 20

export interface DatabaseInspection {
  schemaVersion: number
  applicationId: number
  /** Tables other than SQLite's own, sorted by name. */
  tableNames: string[]
  pageSizeBytes: number
  pageCount: number
  integrityCheck: IntegrityCheckKind
  /** SQLite's messages, at most {@link MAX_INTEGRITY_PROBLEMS}; empty when the file passed. */
  integrityProblems: string[]
  /** From the start of the inspection (read-ahead included) to the end of the check. */
  checkSeconds: number
  /** Rows in each of the tables asked for in {@link InspectOptions.countRowsOf} that exist. */
  rowCounts: Record<string, number>
}

export interface InspectOptions {
  nativeBinding?: string
  busyTimeoutMs: number
  check: IntegrityCheckKind
  /** Tables whose rows to count (skipped if the file has no such table). */
  countRowsOf?: readonly string[]
}

// SQLite says NOTADB when the header is not SQLite's, CORRUPT when pages are not what the header
// promises (a damaged database rather than a foreign file).
function refusalForReadError(filePath: string, error: unknown): DatabaseOpenError {
  const code = sqliteErrorCode(error)
  if (code === 'SQLITE_NOTADB') {
    return new DatabaseOpenError(filePath, `${filePath} is not a DNPU Lab database: ${errorMessage(error)}`, {
      cause: error,
      reason: 'not-dnpu-lab'
    })
  }
  if (code?.startsWith('SQLITE_CORRUPT'))
    return damagedFile(filePath, `SQLite could not read it (${errorMessage(error)})`, error)
  return new DatabaseOpenError(filePath, `could not read ${filePath}: ${errorMessage(error)}`, { cause: error })
}

/** Files up to this size are read ahead before the check; a larger one would not stay cached. */
const READ_AHEAD_LIMIT_BYTES = 1024 ** 3
const READ_AHEAD_CHUNK_BYTES = 1024 ** 2
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')

/**
 * Reads the file front to back in 1 MiB chunks, so the check that follows finds it in the OS
 * page cache. The check visits pages in b-tree order, one 4 KiB read each: on a cold cache
 * that was 3.5 s for 100 MB (25,000 small reads), against 0.3 s after this read-ahead (measured
 * by scripts/bench-quick-check.mjs). Only a hint: a failure here is left to the check to report.
 */
function readAhead(filePath: string): void {
  let fd: number | undefined
  try {
    if (statSync(filePath).size > READ_AHEAD_LIMIT_BYTES) return
    fd = openSync(filePath, 'r')
    const chunk = Buffer.allocUnsafe(READ_AHEAD_CHUNK_BYTES)
    for (let position = 0, read = 1; read > 0; position += read) {
      read = readSync(fd, chunk, 0, chunk.length, position)
      // Not worth reading a file that is not SQLite's to the end: it is refused at its header.
      if (position === 0 && !chunk.subarray(0, Math.min(read, SQLITE_HEADER.length)).equals(SQLITE_HEADER)) return
    }
  } catch {
    // The open below says what is wrong with the file, if anything.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Opens `filePath` (which must exist) read-only and reads it in one transaction. */
export function inspectDatabaseFile(filePath: string, options: InspectOptions): DatabaseInspection {
  const started = performance.now()
  readAhead(filePath)
  let db: BetterSqlite3.Database
  try {
    db = new BetterSqlite3(filePath, {
      readonly: true,
      fileMustExist: true,
      ...(options.nativeBinding !== undefined ? { nativeBinding: options.nativeBinding } : {})
    })
  } catch (error) {
    throw new DatabaseOpenError(filePath, `could not open ${filePath}: ${errorMessage(error)}`, { cause: error })
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`)
    return retryWhileBusy(options.busyTimeoutMs, () =>
      inOneReadTransaction(db, () => readEverything(db, options, started))
    )
  } catch (error) {
    throw refusalForReadError(filePath, error)
  } finally {
    db.close()
  }
}

/**
 * BEGIN ... ROLLBACK: a read transaction has nothing to commit, and after SQLite reports damage a
 * COMMIT fails again with the same error, hiding what was read.
 */
function inOneReadTransaction<T>(db: BetterSqlite3.Database, read: () => T): T {
  db.exec('BEGIN')
  try {
    return read()
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK')
  }
}

function readEverything(
  db: BetterSqlite3.Database,
  { check, countRowsOf = [] }: InspectOptions,
  started: number
): DatabaseInspection {
  const schemaVersion = db.pragma('user_version', { simple: true }) as number
  const applicationId = db.pragma('application_id', { simple: true }) as number
  const tableNames = readUserTableNames(db)
  const pageSizeBytes = db.pragma('page_size', { simple: true }) as number
  const pageCount = db.pragma('page_count', { simple: true }) as number
  const integrityProblems = runIntegrityCheck(db, check)
  const checkSeconds = (performance.now() - started) / 1000
  const rowCounts: Record<string, number> = {}
  for (const table of countRowsOf.filter((name) => tableNames.includes(name))) {
    try {
      // The name is one of the file's own tables, quoted as an identifier.
      rowCounts[table] = db
        .prepare(`SELECT count(*) FROM "${table.replace(/"/g, '""')}"`)
        .pluck()
        .get() as number
    } catch (error) {
      // A damaged table may not count; the check above has already said so.
      if (integrityProblems.length === 0) throw error
    }
  }
  return {
    schemaVersion,
    applicationId,
    tableNames,
    pageSizeBytes,
    pageCount,
    integrityCheck: check,
    integrityProblems,
    checkSeconds,
    rowCounts
  }
}

/** SQLite's messages, empty when the file passed. */
function runIntegrityCheck(db: BetterSqlite3.Database, check: IntegrityCheckKind): string[] {
  let rows: Record<string, unknown>[]
  try {
    // The pragma name comes from the IntegrityCheckKind union, never from user text.
    rows = db.pragma(`${check}(${MAX_INTEGRITY_PROBLEMS})`) as Record<string, unknown>[]
  } catch (error) {
    // Some damage stops the check itself (a page that is not a b-tree page at all): that is its
    // finding, not a failure to read the file.
    if (sqliteErrorCode(error)?.startsWith('SQLITE_CORRUPT')) return [errorMessage(error)]
    throw error
  }
  // One message per line (SQLite may join several in one row), without its "*** in database
  // main ***" heading: each problem then fits on one line of a report or an error.
  const messages = rows
    .flatMap((row) => String(Object.values(row)[0]).split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^\*\*\* in database \w+ \*\*\*$/.test(line))
  return messages.length === 1 && messages[0] === 'ok' ? [] : messages.slice(0, MAX_INTEGRITY_PROBLEMS)
}

/** Where the copies made before each schema upgrade go: `backups/` next to the database. */
export function backupFolderFor(databasePath: string): string {
  return join(dirname(databasePath), 'backups')
}

function damagedFile(filePath: string, what: string, cause?: unknown): DatabaseOpenError {
  const backups = backupFolderFor(filePath)
  let hasBackups = false
  try {
    hasBackups = existsSync(backups) && readdirSync(backups).some((name) => name.endsWith('.db'))
  } catch {
    // Not a folder, or unreadable: the message simply does not point at it.
  }
  const restore = hasBackups
    ? `restore a backup (the copies DNPU Lab made before each upgrade are in ${backups}) or move the file aside to start an empty database`
    : 'restore a backup of it or move the file aside to start an empty database'
  return new DatabaseOpenError(
    filePath,
    `${filePath} is damaged: ${what}. DNPU Lab did not open it and left it unchanged; ${restore}. ` +
      '`dnpu db check` lists the problems.',
    { cause, reason: 'damaged' }
  )
}

/** The reason the app must not open (let alone migrate) an inspected file, or null if it may. */
export function refusalFor(filePath: string, inspection: DatabaseInspection): DatabaseOpenError | null {
  const { applicationId, schemaVersion, tableNames, integrityProblems } = inspection
  if (applicationId !== 0 && applicationId !== DNPU_LAB_APPLICATION_ID) {
    return new DatabaseOpenError(
      filePath,
      `${filePath} is not a DNPU Lab database: it belongs to another application (application_id 0x${(applicationId >>> 0).toString(16)}). It was left unchanged.`,
      { reason: 'not-dnpu-lab' }
    )
  }
  if (integrityProblems.length > 0) {
    const count =
      integrityProblems.length >= MAX_INTEGRITY_PROBLEMS
        ? `${MAX_INTEGRITY_PROBLEMS} or more problems`
        : `${integrityProblems.length} problem${integrityProblems.length === 1 ? '' : 's'}`
    return damagedFile(
      filePath,
      `SQLite's ${inspection.integrityCheck} found ${count} (first: ${integrityProblems[0]})`
    )
  }
  if (schemaVersion > LATEST_SCHEMA_VERSION) {
    return new DatabaseOpenError(
      filePath,
      `${filePath} was written by a newer version of DNPU Lab (schema version ${schemaVersion}; this version knows up to ${LATEST_SCHEMA_VERSION}). ` +
        'It was left unchanged; open it with the newer version of DNPU Lab.',
      { reason: 'newer-schema' }
    )
  }
  // Version 0 with tables in it is some other program's SQLite file: migrating it would add
  // our tables to someone else's data.
  if (schemaVersion === 0 && tableNames.length > 0) return foreignTables(filePath, tableNames)
  return null
}

export function foreignTables(filePath: string, tableNames: readonly string[]): DatabaseOpenError {
  return new DatabaseOpenError(
    filePath,
    `${filePath} is not a DNPU Lab database: it already holds tables DNPU Lab did not create (${tableNames.join(', ')}). It was left unchanged.`,
    { reason: 'not-dnpu-lab' }
  )
}
