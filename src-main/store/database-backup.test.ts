import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BackupExistsError, backUpDatabase, KEPT_UPGRADE_BACKUPS } from './database-backup'
import { DatabaseOpenError, openDatabase } from './database'
import { applyMigrations, LATEST_SCHEMA_VERSION, MIGRATIONS, readSchemaVersion } from './migrations'
import { makeTempFolder, type TempFolder } from './test-fixtures'

let temp: TempFolder
beforeEach(() => {
  temp = makeTempFolder()
})
afterEach(() => temp.remove())

const OLD_VERSION = 5
const OPTIONS = { busyTimeoutMs: 5000 }

function fingerprint(filePath: string): string {
  return createHash('sha256').update(readFileSync(filePath)).digest('hex')
}

/** A database as an older DNPU Lab left it: WAL mode, schema version 5, one run. */
function oldDatabase(filePath: string): void {
  const db = new BetterSqlite3(filePath)
  db.pragma('journal_mode = WAL')
  applyMigrations(db, MIGRATIONS.slice(0, OLD_VERSION))
  db.prepare(
    `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, generations, compute_backend)
     VALUES ('ga', 'xor', 'demo', '{}', 3, 'completed', '2026-01-01T00:00:00.000Z', 5, 'wasm')`
  ).run()
  db.close()
}

function upgradeBackups(): string[] {
  const folder = temp.file('backups')
  return existsSync(folder)
    ? readdirSync(folder)
        .filter((name) => name.endsWith('.db'))
        .sort()
    : []
}

describe('the copy made before a schema upgrade', () => {
  it('is written to backups/ with both versions and the time in its name, before the upgrade, and holds the old data', async () => {
    const filePath = temp.file('dnpu-lab.db')
    oldDatabase(filePath)

    const db = await openDatabase(filePath)
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    db.close()

    const backups = upgradeBackups()
    expect(backups).toHaveLength(1)
    expect(backups[0]).toMatch(
      new RegExp(
        `^dnpu-lab-v${OLD_VERSION}-to-v${LATEST_SCHEMA_VERSION}-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-\\d{3}Z\\.db$`
      )
    )
    // The copy is the database as it was: old version, its run, intact, and a single file.
    const copy = new BetterSqlite3(temp.file(`backups/${backups[0]}`), { readonly: true })
    expect(readSchemaVersion(copy)).toBe(OLD_VERSION)
    expect(copy.prepare('SELECT task, seed FROM runs').all()).toEqual([{ task: 'xor', seed: 3 }])
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete')
    expect(copy.pragma('quick_check', { simple: true })).toBe('ok')
    copy.close()
    // No partial copy left behind.
    expect(readdirSync(temp.file('backups'))).toEqual(backups)
  })

  it(`keeps only the newest ${KEPT_UPGRADE_BACKUPS} upgrade copies, and nothing else in the folder is touched`, async () => {
    const filePath = temp.file('dnpu-lab.db')
    oldDatabase(filePath)
    mkdirSync(temp.file('backups'))
    const older = [1, 2, 3, 4, 5, 6].map((day) => `dnpu-lab-v4-to-v5-2020-01-0${day}T10-00-00-000Z.db`)
    for (const name of older) writeFileSync(temp.file(`backups/${name}`), 'an old copy')
    writeFileSync(temp.file('backups/my-own-copy.db'), 'kept by the user')

    ;(await openDatabase(filePath)).close()

    const remaining = upgradeBackups()
    const made = remaining.filter((name) => name.startsWith(`dnpu-lab-v${OLD_VERSION}-to-v${LATEST_SCHEMA_VERSION}-`))
    expect(made).toHaveLength(1)
    expect(remaining.sort()).toEqual([...older.slice(-(KEPT_UPGRADE_BACKUPS - 1)), made[0], 'my-own-copy.db'].sort())
  })

  it('when the copy cannot be made, the database is not upgraded and stays byte-for-byte unchanged', async () => {
    const filePath = temp.file('dnpu-lab.db')
    oldDatabase(filePath)
    // A file where the backups folder should be: the copy has nowhere to go.
    writeFileSync(temp.file('backups'), 'not a folder')
    const before = fingerprint(filePath)

    const error = await Promise.resolve()
      .then(() => openDatabase(filePath))
      .then(
        (db) => db.close(),
        (thrown: unknown) => thrown
      )
    expect(error).toBeInstanceOf(DatabaseOpenError)
    expect((error as DatabaseOpenError).reason).toBe('backup-failed')
    expect((error as Error).message).toContain(
      `${filePath} needs an upgrade from schema version ${OLD_VERSION} to ${LATEST_SCHEMA_VERSION}, but the copy DNPU Lab makes first (in ${temp.file('backups')}) failed: `
    )
    expect((error as Error).message).toContain('It was not upgraded and was left unchanged.')
    expect(fingerprint(filePath)).toBe(before)
    const check = new BetterSqlite3(filePath, { readonly: true })
    expect(readSchemaVersion(check)).toBe(OLD_VERSION)
    check.close()
  })
})

describe('backUpDatabase', () => {
  it('copies the commits still in the -wal, never overwrites without replace, and replaces with it', async () => {
    const source = temp.file('dnpu-lab.db')
    const writer = new BetterSqlite3(source)
    writer.pragma('journal_mode = WAL')
    writer.pragma('wal_autocheckpoint = 0')
    writer.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('in the log')")

    const destination = temp.file('copy.db')
    writeFileSync(destination, 'precious')
    await expect(backUpDatabase(source, destination, { ...OPTIONS, replace: false })).rejects.toBeInstanceOf(
      BackupExistsError
    )
    expect(readFileSync(destination, 'utf8')).toBe('precious')

    const copy = await backUpDatabase(source, destination, { ...OPTIONS, replace: true })
    writer.close()
    expect(copy).toEqual({ path: destination, sizeBytes: readFileSync(destination).length, schemaVersion: 0 })
    const reader = new BetterSqlite3(destination, { readonly: true })
    expect(reader.prepare('SELECT text FROM notes').pluck().all()).toEqual(['in the log'])
    reader.close()
    expect(readdirSync(temp.path).filter((name) => name.includes('partial'))).toEqual([])
  })

  it('writes a new file without replace, and refuses a missing folder', async () => {
    const source = temp.file('dnpu-lab.db')
    oldDatabase(source)
    const before = fingerprint(source)
    const copy = await backUpDatabase(source, temp.file('new-copy.db'), { ...OPTIONS, replace: false })
    expect(copy.schemaVersion).toBe(OLD_VERSION)
    expect(fingerprint(source)).toBe(before)
    await expect(
      backUpDatabase(source, temp.file('no/such/folder/copy.db'), { ...OPTIONS, replace: false })
    ).rejects.toThrow(`the folder ${temp.file('no/such/folder')} does not exist`)
  })
})
