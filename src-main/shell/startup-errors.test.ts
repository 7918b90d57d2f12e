import { describe, expect, it } from 'vitest'
import { describeStartupError } from './startup-errors'

const LOG = '/home/u/.config/DNPU Lab/logs/main.log'

/** What the store throws (duck-typed by name: the shell does not import the store). */
function databaseError(message: string, reason: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as Error & { reason: string }
  error.name = 'DatabaseOpenError'
  error.reason = reason
  return error
}

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code })
}

describe('describeStartupError', () => {
  it('explains a refused database, keeps the store message with its path, and names the log file', () => {
    const message =
      '/data/dnpu-lab.db was written by a newer version of DNPU Lab (schema version 12; this version knows up to 9). ' +
      'It was left unchanged; open it with the newer version of DNPU Lab.'
    const dialog = describeStartupError(databaseError(message, 'newer-schema'), LOG)
    expect(dialog.kind).toBe('database')
    expect(dialog.title).toBe('DNPU Lab could not start')
    expect(dialog.message).toBe(
      'The database was written by a newer version of DNPU Lab. It was left as it is: open it with that version.' +
        `\n\n${message}\n\nDetails are in the log file: ${LOG}`
    )
  })

  it.each([
    ['damaged', 'is damaged'],
    ['not-dnpu-lab', 'not a DNPU Lab database'],
    ['backup-failed', 'safety copy'],
    ['upgrade-failed', 'upgrade was undone'],
    ['unreadable', 'could not be opened'],
    ['some-future-reason', 'could not be opened']
  ])('has plain words for a database refused as %s', (reason, words) => {
    const dialog = describeStartupError(databaseError('could not open /data/dnpu-lab.db: x', reason), LOG)
    expect(dialog.kind).toBe('database')
    expect(dialog.message.split('\n\n')[0]).toContain(words)
    expect(dialog.message).toContain('could not open /data/dnpu-lab.db: x')
  })

  it('recognises a native module built for another Node.js, even wrapped as a database error', () => {
    const dlopen = codedError(
      "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
        'was compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\n' +
        'NODE_MODULE_VERSION 140. Please try re-compiling or re-installing\nthe module.',
      'ERR_DLOPEN_FAILED'
    )
    const wrapped = databaseError(`could not open /data/dnpu-lab.db: ${dlopen.message}`, 'unreadable', dlopen)
    const dialog = describeStartupError(wrapped, LOG)
    expect(dialog.kind).toBe('native-module')
    expect(dialog.message).toMatch(/^A part of DNPU Lab \(better-sqlite3\) could not be loaded/)
    expect(dialog.message).toContain('npm start')
    expect(dialog.message).toContain('NODE_MODULE_VERSION 115')
    expect(dialog.message).toContain(LOG)
  })

  it.each([
    [codedError("Cannot find module 'better-sqlite3'", 'MODULE_NOT_FOUND'), 'better-sqlite3'],
    [new Error("Cannot find module '@serialport/bindings-cpp'"), '@serialport/bindings-cpp'],
    [new Error('Could not locate the bindings file. Tried: build/better_sqlite3.node'), 'better-sqlite3'],
    [codedError('libfoo.so: cannot open shared object file', 'ERR_DLOPEN_FAILED'), null],
    [new Error('\\\\?\\C:\\app\\better_sqlite3.node is not a valid Win32 application.'), 'better-sqlite3']
  ])('recognises a native module that cannot load: %s', (error, name) => {
    const dialog = describeStartupError(error, LOG)
    expect(dialog.kind).toBe('native-module')
    if (name) expect(dialog.message).toContain(`(${name})`)
    else expect(dialog.message).toMatch(/^A part of DNPU Lab could not be loaded/)
  })

  it('recognises a port in use', () => {
    const dialog = describeStartupError(
      codedError('listen EADDRINUSE: address already in use 127.0.0.1:5025', 'EADDRINUSE'),
      LOG
    )
    expect(dialog.kind).toBe('port-in-use')
    expect(dialog.message).toMatch(/^A network port DNPU Lab needs is already in use/)
    expect(dialog.message).toContain('127.0.0.1:5025')
  })

  it('shows anything else as it is, and says when there is no log file', () => {
    const dialog = describeStartupError('a string thrown', null)
    expect(dialog).toEqual({
      kind: 'other',
      title: 'DNPU Lab could not start',
      message:
        'An unexpected error stopped DNPU Lab while it was starting.\n\na string thrown\n\nThe log file could not be written.'
    })
  })

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown }
    const b = new Error('b', { cause: a })
    a.cause = b
    expect(describeStartupError(a, LOG).kind).toBe('other')
  })
})
