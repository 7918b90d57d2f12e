import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DatabaseOpenError, openDatabase } from './database'
import { LATEST_SCHEMA_VERSION, readSchemaVersion } from './migrations'
import { makeTempFolder, type TempFolder } from './test-fixtures'

let temp: TempFolder
beforeEach(() => {
  temp = makeTempFolder()
})
afterEach(() => temp.remove())

describe('openDatabase', () => {
  it('creates the file, its missing parent folders, and migrates it', () => {
    const filePath = temp.file('nested/deeper/dnpu-lab.db')
    const db = openDatabase(filePath)
    expect(existsSync(filePath)).toBe(true)
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    db.close()
  })

  it('uses WAL, foreign keys and a busy timeout on a real file', () => {
    const filePath = temp.file('dnpu-lab.db')
    const db = openDatabase(filePath)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0)
    db.close()
    // WAL is persistent: a plain connection sees it too.
    const plain = new BetterSqlite3(filePath, { readonly: true })
    expect(plain.pragma('journal_mode', { simple: true })).toBe('wal')
    plain.close()
  })

  it('opens an in-memory database for tests', () => {
    const db = openDatabase(':memory:')
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    db.close()
  })

  it('reopens its own database without changing the schema version', () => {
    const filePath = temp.file('dnpu-lab.db')
    openDatabase(filePath).close()
    const db = openDatabase(filePath)
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    db.close()
  })

  it('refuses a database written by a newer version and leaves it byte-for-byte unchanged', () => {
    const filePath = temp.file('from-the-future.db')
    const future = new BetterSqlite3(filePath)
    future.exec('CREATE TABLE runs (id INTEGER PRIMARY KEY, something_new TEXT)')
    future.prepare("INSERT INTO runs (something_new) VALUES ('keep me')").run()
    future.pragma('user_version = 99')
    future.close()
    const bytesBefore = readFileSync(filePath)

    let thrown: unknown
    try {
      openDatabase(filePath)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(DatabaseOpenError)
    expect((thrown as Error).message).toContain(filePath)
    expect((thrown as Error).message).toContain(`newer version of DNPU Lab (schema version 99; this version knows up to ${LATEST_SCHEMA_VERSION})`)

    expect(readFileSync(filePath).equals(bytesBefore)).toBe(true)
    expect(existsSync(`${filePath}-wal`)).toBe(false)
    const check = new BetterSqlite3(filePath, { readonly: true })
    expect(readSchemaVersion(check)).toBe(99)
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete')
    expect(check.prepare('SELECT something_new FROM runs').pluck().all()).toEqual(['keep me'])
    check.close()
  })

  it('refuses a file that is not SQLite, naming the path, and does not modify it', () => {
    const filePath = temp.file('notes.db')
    const content = 'voltage sweep notes, definitely not a database\n'.repeat(200)
    writeFileSync(filePath, content)

    expect(() => openDatabase(filePath)).toThrow(
      new RegExp(`^${filePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a DNPU Lab database: `)
    )
    expect(readFileSync(filePath, 'utf8')).toBe(content)
    expect(existsSync(`${filePath}-wal`)).toBe(false)
    expect(existsSync(`${filePath}-journal`)).toBe(false)
  })

  it("refuses another program's SQLite file instead of adding tables to it", () => {
    const filePath = temp.file('someone-else.db')
    const other = new BetterSqlite3(filePath)
    other.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada')")
    other.close()
    const bytesBefore = readFileSync(filePath)

    expect(() => openDatabase(filePath)).toThrow(
      `${filePath} is not a DNPU Lab database: it already holds tables DNPU Lab did not create (contacts)`
    )
    expect(readFileSync(filePath).equals(bytesBefore)).toBe(true)
  })

  it('refuses a SQLite file stamped with another application id', () => {
    const filePath = temp.file('other-app.db')
    const other = new BetterSqlite3(filePath)
    other.pragma('application_id = 42')
    other.close()
    const bytesBefore = readFileSync(filePath)

    expect(() => openDatabase(filePath)).toThrow(/belongs to another application \(application_id 0x2a\)/)
    expect(readFileSync(filePath).equals(bytesBefore)).toBe(true)
  })
})
