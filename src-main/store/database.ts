/**
 * Opens (creating if needed) the app's SQLite database and brings its schema up to date.
 *
 * Nothing here writes to the file before it is known to be a DNPU Lab database at a version
 * this build understands: a foreign or newer file is refused byte-for-byte untouched.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import {
  applyMigrations,
  DNPU_LAB_APPLICATION_ID,
  LATEST_SCHEMA_VERSION,
  readSchemaVersion
} from './migrations'

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

/** Why a database could not be opened; the message names the file. */
export class DatabaseOpenError extends Error {
  readonly filePath: string

  constructor(filePath: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DatabaseOpenError'
    this.filePath = filePath
  }
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000

// SQLite reports a file that is not a database as NOTADB, and one whose header looks like
// SQLite but whose pages do not as CORRUPT; both mean "not something we can use".
const NOT_A_DATABASE_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT'])

function isInMemory(filePath: string): boolean {
  return filePath === ':memory:' || filePath === ''
}

function sqliteErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Reads only the header pragmas and the schema table, which never writes, and refuses any file
 * the app must not alter.
 */
function refuseForeignOrNewerFile(db: Database, filePath: string): void {
  let userVersion: number
  let applicationId: number
  let userTables: string[]
  try {
    userVersion = readSchemaVersion(db)
    applicationId = db.pragma('application_id', { simple: true }) as number
    userTables = db
      .prepare<[], string>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      )
      .pluck()
      .all()
  } catch (error) {
    const code = sqliteErrorCode(error)
    if (code !== undefined && NOT_A_DATABASE_CODES.has(code)) {
      throw new DatabaseOpenError(
        filePath,
        `${filePath} is not a DNPU Lab database: ${errorMessage(error)}`,
        { cause: error }
      )
    }
    throw new DatabaseOpenError(filePath, `could not read ${filePath}: ${errorMessage(error)}`, {
      cause: error
    })
  }

  if (applicationId !== 0 && applicationId !== DNPU_LAB_APPLICATION_ID) {
    throw new DatabaseOpenError(
      filePath,
      `${filePath} is not a DNPU Lab database: it belongs to another application (application_id 0x${(applicationId >>> 0).toString(16)})`
    )
  }
  if (userVersion > LATEST_SCHEMA_VERSION) {
    throw new DatabaseOpenError(
      filePath,
      `${filePath} was written by a newer version of DNPU Lab (schema version ${userVersion}; this version knows up to ${LATEST_SCHEMA_VERSION}). ` +
        'It was left unchanged; open it with the newer version of DNPU Lab.'
    )
  }
  // Version 0 with tables in it is some other program's SQLite file: migrating it would add
  // our tables to someone else's data.
  if (userVersion === 0 && userTables.length > 0) {
    throw new DatabaseOpenError(
      filePath,
      `${filePath} is not a DNPU Lab database: it already holds tables DNPU Lab did not create (${userTables.join(', ')})`
    )
  }
}

/**
 * Opens the database at `filePath` (`':memory:'` for a throwaway one), creating the file and its
 * folder if missing, and migrates it to {@link LATEST_SCHEMA_VERSION}.
 *
 * Rule 8 of the design: the main process holds the only writing connection.
 */
/**
 * Switches a new file to WAL (the mode is stored in the file, so later opens find it set).
 * SQLite answers SQLITE_BUSY at once, without the busy handler, when another connection is
 * switching the same new file at that moment (several DNPU Lab processes creating the database
 * together): wait and try again, up to the busy timeout.
 */
function useWriteAheadLog(db: Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL')
      return
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error
      Atomics.wait(SLEEPER, 0, 0, 20) // a synchronous 20 ms pause: openDatabase is synchronous
    }
  }
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4))

export function openDatabase(filePath: string, options: OpenDatabaseOptions = {}): Database {
  if (!isInMemory(filePath)) mkdirSync(dirname(filePath), { recursive: true })

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
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`)
    refuseForeignOrNewerFile(db, filePath)

    // WAL lets readers (a second process running `dnpu runs`) see committed generations while a
    // run is writing. With WAL, synchronous=NORMAL still never corrupts the file or splits a
    // transaction; a power cut can lose only the last few commits, and it saves an fsync per
    // generation.
    useWriteAheadLog(db, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)
    db.pragma('synchronous = NORMAL')

    const versionBefore = readSchemaVersion(db)
    try {
      applyMigrations(db)
    } catch (error) {
      throw new DatabaseOpenError(
        filePath,
        `could not upgrade ${filePath} from schema version ${versionBefore} to ${LATEST_SCHEMA_VERSION}: ${errorMessage(error)}`,
        { cause: error }
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
