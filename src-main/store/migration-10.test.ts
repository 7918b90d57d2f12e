/**
 * Migration 10 on a database at version 9 (the approach of migrations.test.ts): every run gets a
 * uid of its own, new runs get one at creation, and two runs can never share one.
 */
import { readdirSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from './database'
import { applyMigrations, LATEST_SCHEMA_VERSION, MIGRATIONS, readSchemaVersion } from './migrations'
import { RunsRepository } from './runs-repository'
import { makeTempFolder, sampleRun, type TempFolder } from './test-fixtures'

let temp: TempFolder | undefined
afterEach(() => temp?.remove())

describe('migration 10 on a database at version 9', () => {
  it('gives every run a distinct uid, keeps the rest, and backs the file up first', async () => {
    temp = makeTempFolder()
    const filePath = temp.file('v9.db')
    const v9 = new BetterSqlite3(filePath)
    expect(applyMigrations(v9, MIGRATIONS.slice(0, 9))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    const insertRun = v9.prepare(
      `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, compute_backend, name)
       VALUES ('ga', 'xor', 'demo', '{}', 3, 'completed', '2026-01-01T00:00:00.000Z', 'wasm', ?)`
    )
    insertRun.run('first')
    insertRun.run('second')
    v9.close()

    const db = await openDatabase(filePath)
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(readdirSync(temp.file('backups')).some((name) => name.includes(`-v9-to-v${LATEST_SCHEMA_VERSION}-`))).toBe(
      true
    )
    const rows = db.prepare<[], { name: string; uid: string }>('SELECT name, uid FROM runs ORDER BY id').all()
    expect(rows.map((row) => row.name)).toEqual(['first', 'second'])
    for (const row of rows) expect(row.uid).toMatch(/^[0-9a-f]{32}$/)
    expect(rows[0]!.uid).not.toBe(rows[1]!.uid)

    const runs = new RunsRepository(db)
    const created = runs.createRun(sampleRun())
    expect(db.prepare('SELECT uid FROM runs WHERE id = ?').pluck().get(created)).toMatch(/^[0-9a-f]{32}$/)
    expect(() => db.prepare('UPDATE runs SET uid = ? WHERE id = 2').run(rows[0]!.uid)).toThrow(/UNIQUE/)
    db.close()
  })
})
