import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  KEPT_ROTATED_LOG_FILES,
  LOG_FILE_NAME,
  MAX_LOG_FILE_BYTES,
  openLogFile,
  rotatedLogFileName,
  teeConsoleToLog
} from './log-file'

let folder: string
const at = () => new Date('2026-01-02T03:04:05.678Z')

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'dnpu-log-'))
})
afterEach(() => rmSync(folder, { recursive: true, force: true }))

function read(name: string): string {
  return readFileSync(join(folder, name), 'utf8')
}

describe('openLogFile', () => {
  it('defaults to main.log capped at 1 MiB with three rotated files', () => {
    expect(LOG_FILE_NAME).toBe('main.log')
    expect(MAX_LOG_FILE_BYTES).toBe(1_048_576)
    expect(KEPT_ROTATED_LOG_FILES).toBe(3)
    expect([0, 1, 2, 3].map(rotatedLogFileName)).toEqual(['main.log', 'main.1.log', 'main.2.log', 'main.3.log'])
  })

  it('creates the folder and appends time-stamped lines', () => {
    const logFolder = join(folder, 'nested', 'logs')
    const log = openLogFile(logFolder, { now: at })
    log.info('DNPU Lab 0.1.0 starting')
    log.error('could not start: boom')
    log.warn('careful')
    expect(log.file).toBe(join(logFolder, 'main.log'))
    expect(log.failed).toBe(false)
    expect(readFileSync(log.file, 'utf8')).toBe(
      '2026-01-02T03:04:05.678Z INFO  DNPU Lab 0.1.0 starting\n' +
        '2026-01-02T03:04:05.678Z ERROR could not start: boom\n' +
        '2026-01-02T03:04:05.678Z WARN  careful\n'
    )
  })

  it('appends to the log an earlier launch left', () => {
    openLogFile(folder, { now: at }).info('first launch')
    openLogFile(folder, { now: at }).info('second launch')
    expect(read('main.log')).toMatch(/first launch\n.*second launch\n$/)
  })

  it('rotates by size, keeping main.1..3.log and dropping the oldest', () => {
    // Each line is 24 (time) + 1 + 5 + 1 + 8 (message) + 1 = 40 bytes: two fit in 100 bytes.
    const log = openLogFile(folder, { now: at, maxFileBytes: 100, keptRotatedFiles: 3 })
    for (let index = 0; index < 10; index += 1) log.info(`line ${String(index).padStart(3, '0')}`)
    expect(readdirSync(folder).sort()).toEqual(['main.1.log', 'main.2.log', 'main.3.log', 'main.log'])
    expect(read('main.log')).toContain('line 008')
    expect(read('main.log')).toContain('line 009')
    expect(read('main.1.log')).toContain('line 006')
    expect(read('main.2.log')).toContain('line 004')
    expect(read('main.3.log')).toContain('line 002')
    // lines 000 and 001 were in the file rotated past main.3.log
    const all = ['main.log', 'main.1.log', 'main.2.log', 'main.3.log'].map(read).join('')
    expect(all).not.toContain('line 000')
    for (const name of readdirSync(folder)) expect(statSync(join(folder, name)).size).toBeLessThanOrEqual(100)
  })

  it('counts what an earlier launch wrote against the cap', () => {
    writeFileSync(join(folder, 'main.log'), 'x'.repeat(90))
    const log = openLogFile(folder, { now: at, maxFileBytes: 100 })
    log.info('line 001')
    expect(read('main.1.log')).toBe('x'.repeat(90))
    expect(read('main.log')).toContain('line 001')
  })

  it('cuts a single line longer than the cap so the cap holds', () => {
    const log = openLogFile(folder, { now: at, maxFileBytes: 100 })
    log.error('y'.repeat(500))
    const content = read('main.log')
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(100)
    expect(content.endsWith(' [cut]\n')).toBe(true)
  })

  it('never throws when the folder cannot be written, and says so once', () => {
    // A folder under a regular file cannot be made, not even by root.
    writeFileSync(join(folder, 'file'), '')
    const target = join(folder, 'file', 'logs')
    const reportFailure = vi.fn()
    const log = openLogFile(target, { reportFailure })
    expect(() => {
      log.error('one')
      log.error('two')
    }).not.toThrow()
    expect(reportFailure).toHaveBeenCalledTimes(1)
    expect(log.failed).toBe(true)
    expect(reportFailure.mock.calls[0][0]).toContain('cannot write the log file')
    expect(existsSync(join(target, 'main.log'))).toBe(false)
  })
})

describe('teeConsoleToLog', () => {
  it('writes console.error and console.warn to the log as well, and can be undone', () => {
    const log = openLogFile(folder, { now: at })
    const printed: unknown[][] = []
    const target = {
      error: (...args: unknown[]) => printed.push(['error', ...args]),
      warn: (...args: unknown[]) => printed.push(['warn', ...args])
    }
    const restore = teeConsoleToLog(log, target)
    target.error('failed: %s', 'boom', 42)
    target.warn('note', { a: 1 })
    restore()
    target.error('after restore')
    expect(printed).toEqual([
      ['error', 'failed: %s', 'boom', 42],
      ['warn', 'note', { a: 1 }],
      ['error', 'after restore']
    ])
    expect(read('main.log')).toBe(
      '2026-01-02T03:04:05.678Z ERROR failed: boom 42\n' + '2026-01-02T03:04:05.678Z WARN  note { a: 1 }\n'
    )
  })
})
