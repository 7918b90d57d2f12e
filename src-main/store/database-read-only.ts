/**
 * A read-only connection for commands that only read (`dnpu runs list`), opened without the
 * whole-file quick_check that {@link openDatabase} runs before it may write.
 *
 * Why skipping the check is safe here: the check exists so that nothing is ever written into a
 * damaged, foreign or newer file. A read-only connection cannot write, so it cannot lose anything;
 * a damaged page it happens to read fails that query with SQLite's own "malformed" error, which
 * the caller reports with a pointer to `dnpu db check`. The check costs time in proportion to the
 * file (40 ms for 20,000 runs, more than the rest of the query), which a listing should not pay.
 *
 * Only a file that needs nothing is opened this way: DNPU Lab's, at exactly this build's schema
 * version, with no run left "running" by a process that is gone (those are marked interrupted by
 * the normal, writing open). Anything else answers null and the caller opens it the normal way,
 * which refuses, upgrades or repairs the status as it always has.
 */
import { existsSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import type { Database } from './database'
import { DNPU_LAB_APPLICATION_ID, LATEST_SCHEMA_VERSION } from './migrations'
import { isProcessAlive } from './run-lifecycle'

export interface ReadOnlyOpenOptions {
  nativeBinding?: string
  busyTimeoutMs?: number
  /** Whether a run's owner process still runs (tests replace it). */
  isOwnerAlive?: (pid: number) => boolean
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000

/** The connection, or null when the file must go through the normal open (see above). */
export function openDatabaseReadOnlyIfCurrent(filePath: string, options: ReadOnlyOpenOptions = {}): Database | null {
  if (!existsSync(filePath)) return null
  let db: Database
  try {
    db = new BetterSqlite3(filePath, {
      readonly: true,
      fileMustExist: true,
      ...(options.nativeBinding !== undefined ? { nativeBinding: options.nativeBinding } : {})
    })
  } catch {
    // The normal open names the problem.
    return null
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`)
    if (!isCurrentDnpuLabFile(db) || hasAbandonedRun(db, options.isOwnerAlive ?? isProcessAlive)) {
      db.close()
      return null
    }
    return db
  } catch {
    // Unreadable header, a busy lock that outlasted the timeout, damage in the first pages: the
    // normal open inspects the file and says which.
    db.close()
    return null
  }
}

function isCurrentDnpuLabFile(db: Database): boolean {
  return (
    db.pragma('application_id', { simple: true }) === DNPU_LAB_APPLICATION_ID &&
    db.pragma('user_version', { simple: true }) === LATEST_SCHEMA_VERSION
  )
}

/** The same rule as RunLifecycle.markRunningAsInterrupted, without the write. */
function hasAbandonedRun(db: Database, isOwnerAlive: (pid: number) => boolean): boolean {
  const owners = db.prepare("SELECT owner_pid FROM runs WHERE status = 'running'").pluck().all() as (number | null)[]
  return owners.some((pid) => pid === null || pid === process.pid || !isOwnerAlive(pid))
}
