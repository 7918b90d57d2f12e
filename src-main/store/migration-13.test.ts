/**
 * Migration 13 on a database at version 12 (the approach of migration-10.test.ts): the model
 * check tables appear, what was stored stays, and a model's batch and checks go with the model.
 */
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from './database'
import { applyMigrations, LATEST_SCHEMA_VERSION, MIGRATIONS, readSchemaVersion } from './migrations'
import { ModelChecksRepository } from './model-checks-repository'
import { ModelsRepository } from './models-repository'
import { makeTempFolder, type TempFolder } from './test-fixtures'

let temp: TempFolder | undefined
afterEach(() => temp?.remove())

describe('migration 13 on a database at version 12', () => {
  it('adds the reference batch and check tables, keeps the models, and cascades a model deletion', async () => {
    temp = makeTempFolder()
    const filePath = temp.file('v12.db')
    const v12 = new BetterSqlite3(filePath)
    expect(applyMigrations(v12, MIGRATIONS.slice(0, 12))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    v12
      .prepare(
        `INSERT INTO models (name, notes, source_file_name, source_sha256, imported_at, definition_json, warnings_json)
         VALUES ('chip 7', '', 'chip7.pt', 'aa', '2026-01-01T00:00:00.000Z', '{}', '[]')`
      )
      .run()
    v12
      .prepare(
        `INSERT INTO device_profiles (name, maker, model, serial, firmware, settings_json, created_at, updated_at)
         VALUES ('bench', 'm', 'x', 's', 'f', '{}', '2026-01-01', '2026-01-01')`
      )
      .run()
    v12.close()

    const db = await openDatabase(filePath)
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(new ModelsRepository(db).list().map((model) => model.name)).toEqual(['chip 7'])
    const checks = new ModelChecksRepository(db)
    expect(checks.referenceBatch('1')).toBeNull()
    expect(checks.listChecks('1')).toEqual([])
    checks.saveReferenceBatch('1', {
      inputsVolts: Float32Array.of(0.1, -0.2, 0.3, 0.4),
      electrodeCount: 2,
      outputsNanoamps: Float32Array.of(5, 6),
      source: 'first-check',
      profileId: 1,
      calibrationId: null
    })
    expect(checks.referenceBatch('1')).toMatchObject({ pointCount: 2, electrodeCount: 2, source: 'first-check' })
    // The source is one of two values, whatever writes the row.
    expect(() => db.prepare("UPDATE model_reference_batches SET source = 'guess'").run()).toThrow(/CHECK/)

    new ModelsRepository(db).delete('1')
    expect(db.prepare('SELECT count(*) FROM model_reference_batches').pluck().get()).toBe(0)
    db.close()
  })
})
