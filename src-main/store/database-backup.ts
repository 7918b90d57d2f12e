/**
 * Copies of the database made with SQLite's online backup API: `dnpu db backup`, and the copy
 * the app takes before every schema upgrade.
 *
 * A copy is written to a hidden partial file next to its destination, checked, and only then
 * given its name, so a destination never holds half a copy. The source is read through a
 * read-only connection: backing up never writes to the database.
 */
import { randomBytes } from 'node:crypto'
import {
  constants,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync
} from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { errorMessage, sqliteErrorCode } from './database-open-error'
import { backupFolderFor, inspectDatabaseFile } from './database-inspection'

export interface DatabaseCopy {
  path: string
  sizeBytes: number
  /** The copy's `user_version`. */
  schemaVersion: number
}

export interface BackupOptions {
  nativeBinding?: string
  busyTimeoutMs: number
  /** Replace an existing destination; without it an existing file is never touched. */
  replace: boolean
}

/** The destination exists and replacing it was not asked for. */
export class BackupExistsError extends Error {
  readonly destinationPath: string

  constructor(destinationPath: string) {
    super(`${destinationPath} already exists`)
    this.name = 'BackupExistsError'
    this.destinationPath = destinationPath
  }
}

/** Copies the database at `sourcePath` to `destinationPath` and checks the copy. */
export async function backUpDatabase(
  sourcePath: string,
  destinationPath: string,
  options: BackupOptions
): Promise<DatabaseCopy> {
  const folder = dirname(destinationPath)
  if (!existsSync(folder)) throw new Error(`the folder ${folder} does not exist`)
  if (!options.replace && existsSync(destinationPath)) throw new BackupExistsError(destinationPath)
  const partial = join(folder, `.${basename(destinationPath)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`)
  try {
    await copyPages(sourcePath, partial, options)
    const schemaVersion = checkCopy(partial, options)
    place(partial, destinationPath, options.replace)
    return { path: destinationPath, sizeBytes: statSync(destinationPath).size, schemaVersion }
  } finally {
    for (const leftover of [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`])
      rmSync(leftover, { force: true })
  }
}

async function copyPages(sourcePath: string, partial: string, options: BackupOptions): Promise<void> {
  const binding = options.nativeBinding !== undefined ? { nativeBinding: options.nativeBinding } : {}
  const source = new BetterSqlite3(sourcePath, { readonly: true, fileMustExist: true, ...binding })
  try {
    source.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`)
    // Everything left in one step: copied a few pages at a time, the backup starts over whenever
    // another process commits (a training run commits every generation) and might never end.
    await source.backup(partial, { progress: ({ totalPages }) => Math.max(totalPages, 1) })
  } finally {
    source.close()
  }
}

/**
 * Makes the copy a self-contained file (rollback journal: read, a WAL-mode copy would grow
 * -wal and -shm files next to it) and runs SQLite's quick_check on it. Returns its version.
 */
function checkCopy(partial: string, options: BackupOptions): number {
  const binding = options.nativeBinding !== undefined ? { nativeBinding: options.nativeBinding } : {}
  const copy = new BetterSqlite3(partial, { fileMustExist: true, ...binding })
  try {
    copy.pragma('journal_mode = DELETE')
  } finally {
    copy.close()
  }
  const inspection = inspectDatabaseFile(partial, { ...options, check: 'quick_check' })
  if (inspection.integrityProblems.length > 0) {
    throw new Error(`the copy failed SQLite's quick_check (${inspection.integrityProblems[0]})`)
  }
  return inspection.schemaVersion
}

function place(partial: string, destinationPath: string, replace: boolean): void {
  if (replace) {
    renameSync(partial, destinationPath)
    return
  }
  // A hard link fails if the destination exists, atomically: no check-then-write race.
  try {
    linkSync(partial, destinationPath)
    return
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupExistsError(destinationPath)
  }
  // A file system without hard links (FAT, some network shares): an exclusive copy refuses an
  // existing file as well.
  try {
    copyFileSync(partial, destinationPath, constants.COPYFILE_EXCL)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupExistsError(destinationPath)
    throw error
  }
}

/** How many of the copies made before upgrades are kept (the newest ones). */
export const KEPT_UPGRADE_BACKUPS = 5

// <stem>-v<from>-to-v<to>-<UTC time with - for : and .>[-<n>].db
const UPGRADE_BACKUP_NAME = /^(.*)-v(\d+)-to-v(\d+)-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z)(?:-(\d+))?\.db$/

/**
 * Copies the database at `databasePath` into {@link backupFolderFor} before an upgrade from
 * `fromVersion` to `toVersion`, named with both versions and the time, and keeps the newest
 * {@link KEPT_UPGRADE_BACKUPS} of them. Returns the copy, or null when another process upgraded
 * the file to `toVersion` meanwhile (nothing left for this one to upgrade).
 */
export async function backUpBeforeUpgrade(
  databasePath: string,
  fromVersion: number,
  toVersion: number,
  options: Omit<BackupOptions, 'replace'>
): Promise<DatabaseCopy | null> {
  const folder = backupFolderFor(databasePath)
  mkdirSync(folder, { recursive: true })
  const stem = basename(databasePath, extname(databasePath))
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const nameFor = (version: number, attempt: number): string =>
    join(folder, `${stem}-v${version}-to-v${toVersion}-${stamp}${attempt === 1 ? '' : `-${attempt}`}.db`)

  let copy: DatabaseCopy | undefined
  // Several processes starting together on an old file each take a copy in the same millisecond.
  for (let attempt = 1; copy === undefined; attempt++) {
    try {
      copy = await backUpDatabase(databasePath, nameFor(fromVersion, attempt), { ...options, replace: false })
    } catch (error) {
      if (!(error instanceof BackupExistsError) || attempt >= 20) throw error
    }
  }
  if (copy.schemaVersion !== fromVersion) {
    // Another DNPU Lab process upgraded the file between the inspection and the copy.
    if (copy.schemaVersion >= toVersion) {
      rmSync(copy.path, { force: true })
      return null
    }
    const renamed = nameFor(copy.schemaVersion, 1)
    renameSync(copy.path, renamed)
    copy = { ...copy, path: renamed }
  }
  try {
    pruneUpgradeBackups(folder, stem, copy.path)
  } catch {
    // The folder could not be listed: the old copies stay; the new one is made.
  }
  return copy
}

/** Deletes all but the newest {@link KEPT_UPGRADE_BACKUPS} upgrade copies of `stem`; never `keep`. */
function pruneUpgradeBackups(folder: string, stem: string, keep: string): void {
  const backups = readdirSync(folder)
    .map((name) => ({ name, match: UPGRADE_BACKUP_NAME.exec(name) }))
    .filter(({ match }) => match !== null && match[1] === stem)
    .map(({ name, match }) => ({ name, order: `${match![4]}-${(match![5] ?? '1').padStart(4, '0')}` }))
    .sort((a, b) => (a.order < b.order ? 1 : a.order > b.order ? -1 : 0))
  for (const { name } of backups.slice(KEPT_UPGRADE_BACKUPS)) {
    const path = join(folder, name)
    if (path === keep) continue
    try {
      rmSync(path, { force: true })
    } catch {
      // Deleted by a later upgrade instead: an old copy is never a reason to refuse this one.
    }
  }
}

export function describeBackupError(error: unknown): string {
  const code = sqliteErrorCode(error) ?? (error as NodeJS.ErrnoException | null)?.code
  const message = errorMessage(error)
  return code === 'SQLITE_FULL' || code === 'ENOSPC' ? `the disk is full (${message})` : message
}
