/**
 * Opens (creating if needed) the app's SQLite database and brings its schema up to date.
 *
 * Nothing here writes to the file before it is known to be an intact DNPU Lab database at a
 * version this build understands: a damaged, foreign or newer file is refused byte-for-byte
 * untouched, and an older one is backed up before it is upgraded.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { backUpBeforeUpgrade, describeBackupError } from './database-backup'
import { backupFolderFor, foreignTables, inspectDatabaseFile, refusalFor } from './database-inspection'
import { DatabaseOpenError, errorMessage, retryWhileBusy } from './database-open-error'
import { applyMigrations, ForeignTablesError, LATEST_SCHEMA_VERSION, readSchemaVersion } from './migrations'

export { DatabaseOpenError } from './database-open-error'
export type { DatabaseRefusalReason } from './database-open-error'

export type Database = BetterSqlite3.Database

export interface OpenDatabaseOptions {
  /**
   * Path of a `better_sqlite3.node` built for the running runtime. Electron has a different
   * native ABI from Node, so the shell points this at its rebuilt binding while the CLI and
   * tests use the default one.
   */
  nativeBinding?: string
  /** How long a statement waits for another connection's lock before failing. */
  busyTimeoutMs?: number
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000

function isInMemory(filePath: string): boolean {
  return filePath === ':memory:' || filePath === ''
}

/**
 * Switches a new file to WAL (the mode is stored in the file, so later opens find it set).
 * SQLite answers SQLITE_BUSY at once, without the busy handler, when another connection is
 * switching the same new file at that moment (several DNPU Lab processes creating the database
 * together): {@link retryWhileBusy} waits and tries again.
 */
function useWriteAheadLog(db: Database, timeoutMs: number): void {
  retryWhileBusy(timeoutMs, () => {
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL')
  })
}

/**
 * Opens the database at `filePath` (`':memory:'` for a throwaway one), creating the file and its
 * folder if missing, and migrates it to {@link LATEST_SCHEMA_VERSION}.
 *
 * An existing file is first inspected read-only ({@link inspectDatabaseFile}: version, owner,
 * SQLite's quick_check) and refused, unwritten, if it is damaged, another program's or from a
 * newer DNPU Lab. A file about to be upgraded is first copied into `backups/` next to it; if the
 * copy fails, it is not upgraded. Rule 8 of the design: the main process holds the only writing
 * connection.
 */
export async function openDatabase(filePath: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))
  if (!isInMemory(filePath)) {
    mkdirSync(dirname(filePath), { recursive: true })
    // A missing file is created below; should another process create it first, the migration
    // re-checks under its write lock (applyMigrations).
    if (existsSync(filePath)) await inspectBeforeWriting(filePath, { ...options, busyTimeoutMs })
  }
  return openAndMigrate(filePath, { ...options, busyTimeoutMs })
}

async function inspectBeforeWriting(
  filePath: string,
  options: OpenDatabaseOptions & { busyTimeoutMs: number }
): Promise<void> {
  const inspection = inspectDatabaseFile(filePath, { ...options, check: 'quick_check' })
  const refusal = refusalFor(filePath, inspection)
  if (refusal) throw refusal
  const fromVersion = inspection.schemaVersion
  // Version 0 is a new, empty file: nothing to lose, nothing to copy.
  if (fromVersion === 0 || fromVersion >= LATEST_SCHEMA_VERSION) return
  try {
    await backUpBeforeUpgrade(filePath, fromVersion, LATEST_SCHEMA_VERSION, options)
  } catch (error) {
    throw new DatabaseOpenError(
      filePath,
      `${filePath} needs an upgrade from schema version ${fromVersion} to ${LATEST_SCHEMA_VERSION}, but the copy DNPU Lab makes first ` +
        `(in ${backupFolderFor(filePath)}) failed: ${describeBackupError(error)}. It was not upgraded and was left unchanged.`,
      { cause: error, reason: 'backup-failed' }
    )
  }
}

function openAndMigrate(filePath: string, options: OpenDatabaseOptions & { busyTimeoutMs: number }): Database {
  let db: Database
  try {
    db = new BetterSqlite3(
      filePath,
      options.nativeBinding !== undefined ? { nativeBinding: options.nativeBinding } : {}
    )
  } catch (error) {
    throw new DatabaseOpenError(filePath, `could not open ${filePath}: ${errorMessage(error)}`, {
      cause: error
    })
  }

  try {
    // Must come first: a busy file is not "not a database".
    db.pragma(`busy_timeout = ${options.busyTimeoutMs}`)

    // WAL lets readers (a second process running `dnpu runs`) see committed generations while a
    // run is writing. With WAL, synchronous=NORMAL still never corrupts the file or splits a
    // transaction; a power cut can lose only the last few commits, and it saves an fsync per
    // generation.
    useWriteAheadLog(db, options.busyTimeoutMs)
    db.pragma('synchronous = NORMAL')

    const versionBefore = readSchemaVersion(db)
    try {
      applyMigrations(db)
    } catch (error) {
      if (error instanceof ForeignTablesError) throw foreignTables(filePath, error.tableNames)
      throw new DatabaseOpenError(
        filePath,
        `could not upgrade ${filePath} from schema version ${versionBefore} to ${LATEST_SCHEMA_VERSION}: ${errorMessage(error)}`,
        { cause: error, reason: 'upgrade-failed' }
      )
    }

    // Off by default in SQLite, per connection; the ON DELETE CASCADE clauses depend on it.
    db.pragma('foreign_keys = ON')
    return db
  } catch (error) {
    db.close()
    throw error
  }
}
