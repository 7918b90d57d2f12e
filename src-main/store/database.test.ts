import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DatabaseOpenError, openDatabase } from './database'
import { LATEST_SCHEMA_VERSION, readSchemaVersion } from './migrations'
import { damagedDatabase, makeTempFolder, type TempFolder } from './test-fixtures'

let temp: TempFolder
beforeEach(() => {
  temp = makeTempFolder()
})
afterEach(() => temp.remove())

/** sha256 of a file, or 'absent'. */
function fingerprint(filePath: string): string {
  return existsSync(filePath) ? createHash('sha256').update(readFileSync(filePath)).digest('hex') : 'absent'
}

async function refusal(filePath: string): Promise<DatabaseOpenError> {
  const error = await Promise.resolve()
    .then(() => openDatabase(filePath))
    .then(
      (db) => {
        db.close()
        return undefined
      },
      (thrown: unknown) => thrown
    )
  expect(error).toBeInstanceOf(DatabaseOpenError)
  return error as DatabaseOpenError
}

describe('openDatabase', () => {
  it('creates the file, its missing parent folders, and migrates it', async () => {
    const filePath = temp.file('nested/deeper/dnpu-lab.db')
    const db = await openDatabase(filePath)
    expect(existsSync(filePath)).toBe(true)
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    db.close()
    // Nothing to back up in a new file.
    expect(existsSync(temp.file('nested/deeper/backups'))).toBe(false)
  })

  it('uses WAL, foreign keys and a busy timeout on a real file', async () => {
    const filePath = temp.file('dnpu-lab.db')
    const db = await openDatabase(filePath)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0)
    db.close()
    // WAL is persistent: a plain connection sees it too.
    const plain = new BetterSqlite3(filePath, { readonly: true })
    expect(plain.pragma('journal_mode', { simple: true })).toBe('wal')
    plain.close()
  })

  it('opens an in-memory database for tests', async () => {
    const db = await openDatabase(':memory:')
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    db.close()
  })

  it('reopens its own database without changing the schema version or backing it up', async () => {
    const filePath = temp.file('dnpu-lab.db')
    ;(await openDatabase(filePath)).close()
    const db = await openDatabase(filePath)
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    db.close()
    expect(existsSync(temp.file('backups'))).toBe(false)
  })

  it('refuses a database written by a newer version and leaves it byte-for-byte unchanged', async () => {
    const filePath = temp.file('from-the-future.db')
    const future = new BetterSqlite3(filePath)
    future.exec('CREATE TABLE runs (id INTEGER PRIMARY KEY, something_new TEXT)')
    future.prepare("INSERT INTO runs (something_new) VALUES ('keep me')").run()
    future.pragma('user_version = 99')
    future.close()
    const bytesBefore = readFileSync(filePath)

    const thrown = await refusal(filePath)
    expect(thrown.reason).toBe('newer-schema')
    expect(thrown.message).toContain(filePath)
    expect(thrown.message).toContain(
      `newer version of DNPU Lab (schema version 99; this version knows up to ${LATEST_SCHEMA_VERSION})`
    )
    expect(thrown.message).toContain('It was left unchanged')

    expect(readFileSync(filePath).equals(bytesBefore)).toBe(true)
    expect(existsSync(`${filePath}-wal`)).toBe(false)
    const check = new BetterSqlite3(filePath, { readonly: true })
    expect(readSchemaVersion(check)).toBe(99)
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete')
    expect(check.prepare('SELECT something_new FROM runs').pluck().all()).toEqual(['keep me'])
    check.close()
  })

  it('refuses a newer database whose last commits are still in its -wal, and leaves the file and the -wal unchanged', async () => {
    const filePath = temp.file('dnpu-lab.db')
    // The state a newer DNPU Lab leaves when it is killed: commits in the -wal, not yet
    // checkpointed into the file. The copies are taken while its connection is still open (its
    // close would checkpoint and delete the log).
    const newer = new BetterSqlite3(temp.file('newer.db'))
    newer.pragma('journal_mode = WAL')
    newer.pragma('wal_autocheckpoint = 0')
    newer.exec("CREATE TABLE runs (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO runs (note) VALUES ('checkpointed')")
    newer.pragma('wal_checkpoint(TRUNCATE)')
    newer.pragma('user_version = 99')
    newer.exec(
      "INSERT INTO runs (note) VALUES ('only in the log 1'); INSERT INTO runs (note) VALUES ('only in the log 2')"
    )
    copyFileSync(temp.file('newer.db'), filePath)
    copyFileSync(temp.file('newer.db-wal'), `${filePath}-wal`)
    newer.close()
    expect(statSync(`${filePath}-wal`).size).toBeGreaterThan(0)
    const mainBefore = fingerprint(filePath)
    const walBefore = fingerprint(`${filePath}-wal`)
    // The main file's own header still says version 0 (user_version: 4 bytes at offset 60):
    // the version and the last rows are only in the log.
    expect(readFileSync(filePath).readUInt32BE(60)).toBe(0)

    const thrown = await refusal(filePath)
    expect(fingerprint(filePath)).toBe(mainBefore)
    expect(fingerprint(`${filePath}-wal`)).toBe(walBefore)
    expect(thrown.reason).toBe('newer-schema')
    expect(thrown.message).toContain('schema version 99')
  })

  it('refuses a file that is not SQLite, naming the path, and does not modify it', async () => {
    const filePath = temp.file('notes.db')
    const content = 'voltage sweep notes, definitely not a database\n'.repeat(200)
    writeFileSync(filePath, content)

    const thrown = await refusal(filePath)
    expect(thrown.message).toMatch(
      new RegExp(`^${filePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a DNPU Lab database: `)
    )
    expect(thrown.reason).toBe('not-dnpu-lab')
    expect(readFileSync(filePath, 'utf8')).toBe(content)
    expect(existsSync(`${filePath}-wal`)).toBe(false)
    expect(existsSync(`${filePath}-journal`)).toBe(false)
  })

  it("refuses another program's SQLite file instead of adding tables to it", async () => {
    const filePath = temp.file('someone-else.db')
    const other = new BetterSqlite3(filePath)
    other.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada')")
    other.close()
    const bytesBefore = readFileSync(filePath)

    expect((await refusal(filePath)).message).toBe(
      `${filePath} is not a DNPU Lab database: it already holds tables DNPU Lab did not create (contacts). It was left unchanged.`
    )
    expect(readFileSync(filePath).equals(bytesBefore)).toBe(true)
  })

  it('refuses a SQLite file stamped with another application id', async () => {
    const filePath = temp.file('other-app.db')
    const other = new BetterSqlite3(filePath)
    other.pragma('application_id = 42')
    other.close()
    const bytesBefore = readFileSync(filePath)

    expect((await refusal(filePath)).message).toMatch(/belongs to another application \(application_id 0x2a\)/)
    expect(readFileSync(filePath).equals(bytesBefore)).toBe(true)
  })
})

describe('openDatabase on a damaged file', () => {
  it.each(['wal', 'delete'] as const)(
    'refuses a database with a page of garbage in a table (%s mode) and leaves it, and its -wal, unchanged',
    async (journalMode) => {
      const filePath = temp.file('dnpu-lab.db')
      await damagedDatabase(filePath, journalMode)
      const before = fingerprint(filePath)
      expect(readdirSync(temp.path).sort()).toEqual(['dnpu-lab.db'])

      const thrown = await refusal(filePath)
      expect(thrown.reason).toBe('damaged')
      expect(thrown.message).toMatch(
        new RegExp(
          `^${filePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged: SQLite's quick_check found 1 problem \\(`
        )
      )
      expect(thrown.message).toContain('DNPU Lab did not open it and left it unchanged')

      expect(fingerprint(filePath)).toBe(before)
      // A read-only reader of a WAL-mode file may leave an empty -wal (and the -shm index) behind;
      // nothing can ever be checkpointed from it. A rollback-journal file is never switched to WAL.
      const walSizeBytes = existsSync(`${filePath}-wal`) ? statSync(`${filePath}-wal`).size : 0
      expect(walSizeBytes).toBe(0)
      if (journalMode === 'delete') expect(readdirSync(temp.path).sort()).toEqual(['dnpu-lab.db'])
    }
  )
})
