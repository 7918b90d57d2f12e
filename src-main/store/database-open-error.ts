/** Why a database could not be opened, and the SQLite error details the store acts on. */

/**
 * - `unreadable`: the file could not be opened or read at all (permissions, a lock held too long).
 * - `not-dnpu-lab`: not an SQLite file, or another program's.
 * - `damaged`: SQLite's integrity check failed, or SQLite found the file malformed while reading.
 * - `newer-schema`: written by a newer DNPU Lab.
 * - `backup-failed`: the copy made before an upgrade failed, so the upgrade did not run.
 * - `upgrade-failed`: a migration failed (and was rolled back).
 * In every case except `upgrade-failed` nothing was written to the file.
 */
export type DatabaseRefusalReason =
  'unreadable' | 'not-dnpu-lab' | 'damaged' | 'newer-schema' | 'backup-failed' | 'upgrade-failed'

/** Why a database could not be opened; the message names the file. */
export class DatabaseOpenError extends Error {
  readonly filePath: string
  readonly reason: DatabaseRefusalReason

  constructor(filePath: string, message: string, options: { cause?: unknown; reason?: DatabaseRefusalReason } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'DatabaseOpenError'
    this.filePath = filePath
    this.reason = options.reason ?? 'unreadable'
  }
}

export function sqliteErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4))

/**
 * Runs `action`, trying again while SQLite answers BUSY, up to `timeoutMs`. SQLite returns
 * SQLITE_BUSY without calling the busy handler in a few places, all of them moments when another
 * process is setting the file up (switching a new file to WAL, rebuilding the WAL index after a
 * crash): several DNPU Lab processes starting together meet them. The wait is synchronous
 * because opening a database is.
 */
export function retryWhileBusy<T>(timeoutMs: number, action: () => T): T {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return action()
    } catch (error) {
      if (!sqliteErrorCode(error)?.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw error
      Atomics.wait(SLEEPER, 0, 0, 20)
    }
  }
}
