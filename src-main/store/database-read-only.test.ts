/**
 * The read-only open of `runs list`: taken only for a current DNPU Lab file with nothing to mark,
 * and it never writes (the file's bytes are compared before and after).
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from './database'
import { openDatabaseReadOnlyIfCurrent } from './database-read-only'
import { applyMigrations, LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations'
import { RunsRepository } from './runs-repository'
import { makeTempFolder, sampleRun, type TempFolder } from './test-fixtures'

let temp: TempFolder | undefined
afterEach(() => temp?.remove())

const fingerprint = (filePath: string) => createHash('sha256').update(readFileSync(filePath)).digest('hex')

/** A current database with one run, closed (so the file alone holds it). */
async function currentDatabase(filePath: string, status: 'completed' | 'running', ownerPid?: number): Promise<void> {
  const db = await openDatabase(filePath)
  const runs = new RunsRepository(db)
  const runId = runs.createRun(sampleRun(ownerPid === undefined ? {} : { ownerPid }))
  if (status === 'completed') runs.finishRun(runId, 'completed')
  db.close()
}

describe('openDatabaseReadOnlyIfCurrent', () => {
  it('opens a current DNPU Lab file read-only: reads work, writes are refused, the file is unchanged', async () => {
    temp = makeTempFolder()
    const filePath = temp.file('dnpu-lab.db')
    await currentDatabase(filePath, 'completed')
    const before = fingerprint(filePath)

    const db = openDatabaseReadOnlyIfCurrent(filePath)
    expect(db).not.toBeNull()
    expect(db!.readonly).toBe(true)
    const page = new RunsRepository(db!).findRuns({ limit: 10 })
    expect(page.total).toBe(1)
    expect(() => db!.exec('DELETE FROM runs')).toThrow(/readonly/)
    db!.close()
    expect(fingerprint(filePath)).toBe(before)
  })

  it('answers null for a missing file, and creates none', () => {
    temp = makeTempFolder()
    expect(openDatabaseReadOnlyIfCurrent(temp.file('none.db'))).toBeNull()
  })

  it('answers null for an older schema (the normal open upgrades it)', () => {
    temp = makeTempFolder()
    const filePath = temp.file('old.db')
    const old = new BetterSqlite3(filePath)
    applyMigrations(old, MIGRATIONS.slice(0, LATEST_SCHEMA_VERSION - 1))
    old.close()
    expect(openDatabaseReadOnlyIfCurrent(filePath)).toBeNull()
  })

  it("answers null for another program's file and for a newer schema (the normal open refuses them)", () => {
    temp = makeTempFolder()
    const foreign = temp.file('foreign.db')
    const other = new BetterSqlite3(foreign)
    other.exec('CREATE TABLE runs (id INTEGER PRIMARY KEY)')
    other.pragma(`user_version = ${LATEST_SCHEMA_VERSION}`)
    other.close()
    expect(openDatabaseReadOnlyIfCurrent(foreign)).toBeNull()

    const newer = temp.file('newer.db')
    const db = new BetterSqlite3(newer)
    applyMigrations(db)
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`)
    db.close()
    expect(openDatabaseReadOnlyIfCurrent(newer)).toBeNull()
  })

  it('answers null when a run is left running by a process that is gone, and opens when its owner lives', async () => {
    temp = makeTempFolder()
    const filePath = temp.file('dnpu-lab.db')
    await currentDatabase(filePath, 'running', 4242)
    expect(openDatabaseReadOnlyIfCurrent(filePath, { isOwnerAlive: () => false })).toBeNull()
    const db = openDatabaseReadOnlyIfCurrent(filePath, { isOwnerAlive: (pid) => pid === 4242 })
    expect(db).not.toBeNull()
    db!.close()
  })

  it('answers null for a file that is not SQLite at all', () => {
    temp = makeTempFolder()
    const filePath = temp.file('text.db')
    writeFileSync(filePath, 'not a database, just text '.repeat(100))
    expect(openDatabaseReadOnlyIfCurrent(filePath)).toBeNull()
  })
})
