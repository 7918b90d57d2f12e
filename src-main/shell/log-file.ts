/**
 * The desktop app's log: started from a desktop icon, main has no console, so what went wrong at
 * start-up, a fatal error and its last-resort exit must be somewhere a user can send us.
 *
 * `main.log` in the log folder, rotated by size: when a line would take it past
 * MAX_LOG_FILE_BYTES it becomes `main.1.log` (the older ones move up to `main.3.log`, the oldest
 * is dropped), so the logs never take more than 4 MB. Writes are synchronous on purpose: the
 * last line before an exit must be on disk when the process ends. Writing never throws: a full
 * disk or a read-only folder must not take the app down; the first failure is said on stderr.
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { format } from 'node:util'

export const LOG_FILE_NAME = 'main.log'
export const MAX_LOG_FILE_BYTES = 1024 * 1024
/** How many rotated files are kept beside main.log: main.1.log (newest) .. main.3.log. */
export const KEPT_ROTATED_LOG_FILES = 3

export type LogLevel = 'info' | 'warn' | 'error'

export interface LogFile {
  readonly file: string
  /** True once a write failed: the file may not hold what was logged. */
  readonly failed: boolean
  write(level: LogLevel, message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export interface LogFileOptions {
  maxFileBytes?: number
  keptRotatedFiles?: number
  now?: () => Date
  /** Where a failure to write the log is said, once. */
  reportFailure?: (message: string) => void
}

/** `main.N.log` for N >= 1, `main.log` for 0. */
export function rotatedLogFileName(index: number): string {
  return index === 0 ? LOG_FILE_NAME : LOG_FILE_NAME.replace(/\.log$/, `.${index}.log`)
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export function openLogFile(folder: string, options: LogFileOptions = {}): LogFile {
  const maxFileBytes = options.maxFileBytes ?? MAX_LOG_FILE_BYTES
  const keptRotatedFiles = options.keptRotatedFiles ?? KEPT_ROTATED_LOG_FILES
  const now = options.now ?? (() => new Date())
  const reportFailure = options.reportFailure ?? ((message: string) => process.stderr.write(`${message}\n`))
  const file = join(folder, LOG_FILE_NAME)
  let reported = false
  const fail = (error: unknown): void => {
    if (reported) return
    reported = true
    reportFailure(`DNPU Lab: cannot write the log file ${file}: ${errorText(error)}`)
  }
  try {
    mkdirSync(folder, { recursive: true })
  } catch (error) {
    fail(error)
  }
  let sizeBytes = sizeOf(file)

  const rotate = (): void => {
    // Oldest first, so each rename lands on a name already moved on (rename replaces the oldest).
    for (let index = keptRotatedFiles; index >= 1; index -= 1) {
      const from = join(folder, rotatedLogFileName(index - 1))
      try {
        renameSync(from, join(folder, rotatedLogFileName(index)))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    sizeBytes = 0
  }

  const write = (level: LogLevel, message: string): void => {
    let line = `${now().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`
    let lineBytes = Buffer.byteLength(line)
    if (lineBytes > maxFileBytes) {
      // One huge message (a dump) must not break the cap; its start says what it was.
      const marker = ' [cut]\n'
      line =
        Buffer.from(line)
          .subarray(0, maxFileBytes - Buffer.byteLength(marker))
          .toString() + marker
      lineBytes = Buffer.byteLength(line)
    }
    try {
      if (sizeBytes > 0 && sizeBytes + lineBytes > maxFileBytes) rotate()
      appendFileSync(file, line)
      sizeBytes += lineBytes
    } catch (error) {
      fail(error)
    }
  }

  return {
    file,
    get failed() {
      return reported
    },
    write,
    info: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message) => write('error', message)
  }
}

/**
 * Copies main's console.error and console.warn into the log (they still print as before), so
 * what the services report on the console is in the log too. Returns the function that undoes it.
 */
export function teeConsoleToLog(log: LogFile, target: Pick<Console, 'error' | 'warn'> = console): () => void {
  const originalError = target.error
  const originalWarn = target.warn
  target.error = (...args: unknown[]) => {
    originalError.apply(target, args)
    log.error(format(...args))
  }
  target.warn = (...args: unknown[]) => {
    originalWarn.apply(target, args)
    log.warn(format(...args))
  }
  return () => {
    target.error = originalError
    target.warn = originalWarn
  }
}
