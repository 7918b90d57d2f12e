/**
 * Migration 9 on a database at version 8 (the approach of migrations.test.ts: migrate a file to
 * the older version with the released migrations, write rows as that version did, then open it
 * the way the app does).
 */
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from './database'
import { applyMigrations, LATEST_SCHEMA_VERSION, MIGRATIONS, readSchemaVersion } from './migrations'
import { RunsRepository } from './runs-repository'
import { makeTempFolder, type TempFolder } from './test-fixtures'

let temp: TempFolder | undefined
afterEach(() => temp?.remove())

describe('migration 9 on a database at version 8', () => {
  it('keeps every run, adds empty annotations, and fills the sort columns from the stored results', async () => {
    temp = makeTempFolder()
    const filePath = temp.file('v8.db')
    const v8 = new BetterSqlite3(filePath)
    expect(applyMigrations(v8, MIGRATIONS.slice(0, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const insertRun = v8.prepare(
      `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, ended_at, steps,
                         best_fitness, compute_backend, accuracy_json, app_version)
       VALUES (?, ?, 'demo', '{}', 3, ?, ?, ?, 2, ?, 'wasm', ?, '0.9.0')`
    )
    insertRun.run('ga', 'xor', 'completed', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:30.250Z', 0.75, null)
    insertRun.run(
      'gd',
      'ring',
      'stopped',
      '2026-01-02T00:00:00.000Z',
      '2026-01-02T00:00:02.000Z',
      null,
      '{"trainPercent":90,"validationPercent":85,"testPercent":null}'
    )
    insertRun.run('ga', 'nand', 'running', '2026-01-03T00:00:00.000Z', null, null, null)
    v8.prepare("INSERT INTO run_steps VALUES (1, 1, '{}', NULL)").run()
    v8.close()

    const db = await openDatabase(filePath)
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(
      db.prepare('SELECT id, name, starred, notes, notes_updated_at, accuracy_percent, duration_ms FROM runs').all()
    ).toEqual([
      { id: 1, name: null, starred: 0, notes: '', notes_updated_at: null, accuracy_percent: null, duration_ms: 90_250 },
      { id: 2, name: null, starred: 0, notes: '', notes_updated_at: null, accuracy_percent: 85, duration_ms: 2000 },
      { id: 3, name: null, starred: 0, notes: '', notes_updated_at: null, accuracy_percent: null, duration_ms: null }
    ])
    expect(db.prepare('SELECT count(*) FROM run_tags').pluck().get()).toBe(0)
    expect(db.prepare('SELECT count(*) FROM run_steps').pluck().get()).toBe(1)
    const indexes = db
      .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all()
    expect(indexes).toEqual(
      expect.arrayContaining(['run_tags_by_tag', 'runs_by_started_at', 'runs_by_accuracy', 'runs_by_duration'])
    )

    const runs = new RunsRepository(db)
    expect(runs.findRuns({ sort: 'accuracy' }).runs.map((run) => run.id)).toEqual([2, 3, 1])
    expect(runs.findRuns({ sort: 'duration' }).runs.map((run) => run.id)).toEqual([1, 2, 3])
    expect(runs.getRun(1)).toMatchObject({ bestFitness: 0.75, tags: [], starred: false, notes: '', steps: 2 })
    // A tag dies with its run (the foreign key cascades, as the explicit delete does).
    runs.annotateRun(2, { addTags: ['kept'] })
    db.prepare('DELETE FROM runs WHERE id = 2').run()
    expect(db.prepare('SELECT count(*) FROM run_tags').pluck().get()).toBe(0)
    db.close()
  })
})
