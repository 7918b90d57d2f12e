import { describe, expect, it } from 'vitest'
import { openDatabase } from './database'
import { ModelChecksRepository } from './model-checks-repository'
import { ModelsRepository } from './models-repository'
import { RunsRepository } from './runs-repository'
import { sampleRun } from './test-fixtures'

async function store() {
  const db = await openDatabase(':memory:')
  const models = new ModelsRepository(db)
  models.add({ name: 'chip 7', sourceFileName: 'a.pt', sourceSha256: 'aa', definition: {}, warnings: [] })
  models.add({ name: 'chip 8', sourceFileName: 'b.pt', sourceSha256: 'bb', definition: {}, warnings: [] })
  // Checks name the profile and calibration they were measured with (foreign keys).
  db.prepare(
    `INSERT INTO device_profiles (name, maker, model, serial, firmware, settings_json, created_at, updated_at)
     VALUES ('bench', 'm', 'x', 's', 'f', '{}', '2026-01-01', '2026-01-01')`
  ).run()
  db.prepare(
    `INSERT INTO calibrations (profile_id, version, created_at, notes, electrodes_json)
     VALUES (1, 1, '2026-01-01', '', '[]')`
  ).run()
  return { db, models, checks: new ModelChecksRepository(db) }
}

const batch = {
  inputsVolts: Float32Array.of(0.1, -0.2, 0.3, 0.4, 0.5, -0.6),
  electrodeCount: 2,
  outputsNanoamps: Float32Array.of(5, 6, 7),
  source: 'first-check' as const,
  profileId: 1,
  calibrationId: 1
}

function check(driftRmseNanoamps: number, checkedAt: string) {
  return {
    profileId: 1,
    calibrationId: 1,
    driftRmseNanoamps,
    modelRmseNanoamps: 0.5,
    referenceModelRmseNanoamps: 0.4,
    correlation: 0.99,
    outputRangeNanoamps: 2,
    outputsNanoamps: Float32Array.of(5.1, 6.1, 7.1),
    checkedAt: new Date(checkedAt)
  }
}

describe('ModelChecksRepository', () => {
  it('stores one reference batch per model, exactly as given, and refuses a second', async () => {
    const { checks } = await store()
    expect(checks.referenceBatch('1')).toBeNull()
    const summary = checks.saveReferenceBatch('1', batch)
    expect(summary).toMatchObject({ modelId: '1', source: 'first-check', pointCount: 3, electrodeCount: 2 })
    const read = checks.referenceBatch('1')!
    expect(Array.from(read.inputsVolts)).toEqual(Array.from(batch.inputsVolts))
    expect(Array.from(read.outputsNanoamps)).toEqual([5, 6, 7])
    expect(() => checks.saveReferenceBatch('1', { ...batch, source: 'training-test-set' })).toThrow(
      'model 1 already has a reference batch: every check compares with that one, so it is never replaced'
    )
    expect(checks.referenceBatch('2')).toBeNull()
  })

  it('refuses a batch of an unknown or bundled model, or with arrays that do not match', async () => {
    const { checks } = await store()
    expect(() => checks.saveReferenceBatch('9', batch)).toThrow('modelId: no stored model 9')
    expect(() => checks.saveReferenceBatch('demo', batch)).toThrow(/"demo" is not a stored model/)
    expect(() => checks.saveReferenceBatch('1', { ...batch, electrodeCount: 4 })).toThrow(
      'inputsVolts has 6 values, expected 3 points x 4 electrodes'
    )
    expect(() => checks.saveReferenceBatch('1', { ...batch, outputsNanoamps: Float32Array.of(1, NaN, 2) })).toThrow(
      'outputsNanoamps: every output must be finite'
    )
    expect(checks.referenceBatch('1')).toBeNull()
  })

  it('keeps every check, newest first, and refuses one whose outputs do not match the batch', async () => {
    const { checks } = await store()
    expect(() => checks.addCheck('1', check(0, '2026-02-01T00:00:00Z'))).toThrow(/has no reference batch/)
    checks.saveReferenceBatch('1', batch)
    checks.addCheck('1', check(0, '2026-02-01T00:00:00Z'))
    const second = checks.addCheck('1', { ...check(0.3, '2026-02-02T00:00:00Z'), correlation: null, note: 'n' })
    expect(second).toMatchObject({ modelId: '1', pointCount: 3, driftRmseNanoamps: 0.3, correlation: null, note: 'n' })
    expect(checks.listChecks('1').map((c) => c.driftRmseNanoamps)).toEqual([0.3, 0])
    expect(Array.from(checks.checkOutputs(second.id)!)).toEqual(Array.from(Float32Array.of(5.1, 6.1, 7.1)))
    expect(() =>
      checks.addCheck('1', { ...check(0, '2026-02-03T00:00:00Z'), outputsNanoamps: Float32Array.of(1) })
    ).toThrow('outputsNanoamps has 1 values, but the reference batch of model 1 has 3 points')
    expect(() => checks.addCheck('1', { ...check(NaN, '2026-02-03T00:00:00Z') })).toThrow(
      'driftRmseNanoamps must be a finite number, got NaN'
    )
    expect(checks.listChecks('2')).toEqual([])
  })

  it('refuses a damaged row naming it, before allocating anything from its BLOBs', async () => {
    const { db, checks } = await store()
    checks.saveReferenceBatch('1', batch)
    const stored = checks.addCheck('1', check(0, '2026-02-01T00:00:00Z'))
    db.prepare('UPDATE model_reference_batches SET point_count = 1000000 WHERE model_id = 1').run()
    expect(() => checks.referenceBatch('1')).toThrow(
      'model_reference_batches row of model 1: point_count is 1000000, expected a whole number in 1..100000'
    )
    db.prepare('UPDATE model_reference_batches SET point_count = 4 WHERE model_id = 1').run()
    expect(() => checks.referenceBatch('1')).toThrow(
      'model_reference_batches row of model 1: inputs holds 24 bytes, expected 32 (4 points x 2 electrodes, float32)'
    )
    db.prepare('UPDATE model_reference_batches SET point_count = 3, outputs = zeroblob(5) WHERE model_id = 1').run()
    expect(() => checks.referenceBatch('1')).toThrow(
      'model_reference_batches row of model 1: outputs holds 5 bytes, expected 12'
    )
    db.prepare('UPDATE model_checks SET outputs = zeroblob(400000000) WHERE id = ?').run(stored.id)
    expect(() => checks.checkOutputs(stored.id)).toThrow(
      `model_checks row ${stored.id}: outputs holds 400000000 bytes, expected 12`
    )
  })

  it('goes with its model: a deleted model takes its batch and checks; a model a run uses stays', async () => {
    const { db, models, checks } = await store()
    checks.saveReferenceBatch('1', batch)
    checks.addCheck('1', check(0, '2026-02-01T00:00:00Z'))
    checks.saveReferenceBatch('2', batch)
    new RunsRepository(db).createRun(sampleRun({ modelId: '2' }))
    expect(() => models.delete('2')).toThrow(/used by run 1/)
    models.delete('1')
    expect(checks.referenceBatch('1')).toBeNull()
    expect(checks.listChecks('1')).toEqual([])
    expect(db.prepare('SELECT count(*) FROM model_checks').pluck().get()).toBe(0)
    expect(checks.referenceBatch('2')).not.toBeNull()
  })
})
