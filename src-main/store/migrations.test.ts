import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import {
  applyMigrations,
  DNPU_LAB_APPLICATION_ID,
  ForeignTablesError,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  readSchemaVersion,
  type Migration
} from './migrations'
import { openDatabase } from './database'
import { RunsRepository } from './runs-repository'
import { makeTempFolder, recordGeneration, sampleRun, type TempFolder } from './test-fixtures'

type Db = BetterSqlite3.Database

function columnsOf(db: Db, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).map((column) => column.name)
}

function tablesOf(db: Db): string[] {
  return db
    .prepare<[], string>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    .pluck()
    .all()
}

const RUNS_V1_COLUMNS = [
  'id',
  'algorithm',
  'task',
  'model_id',
  'config_json',
  'seed',
  'status',
  'started_at',
  'ended_at',
  'generations',
  'best_fitness',
  'best_correlation',
  'best_control_voltages_json',
  'error',
  'compute_backend'
]

describe('migration list', () => {
  it('is numbered 1..N and LATEST_SCHEMA_VERSION is its last entry', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, index) => index + 1))
    expect(LATEST_SCHEMA_VERSION).toBe(13)
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length)
  })

  it('rejects a list with a gap', () => {
    const db = new BetterSqlite3(':memory:')
    const gapped: Migration[] = [MIGRATIONS[0], { ...MIGRATIONS[1], version: 3 }]
    expect(() => applyMigrations(db, gapped)).toThrow(/entry 1 has version 3, expected 2/)
    expect(readSchemaVersion(db)).toBe(0)
    db.close()
  })
})

describe('migrations on an empty database', () => {
  it('reach LATEST_SCHEMA_VERSION with every table and column', () => {
    const db = new BetterSqlite3(':memory:')
    expect(applyMigrations(db)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(db.pragma('application_id', { simple: true })).toBe(DNPU_LAB_APPLICATION_ID)
    expect(tablesOf(db)).toEqual([
      'calibrations',
      'dataset_chunks',
      'datasets',
      'device_profiles',
      'measurements',
      'model_checks',
      'model_reference_batches',
      'models',
      'run_checkpoints',
      'run_steps',
      'run_tags',
      'runs'
    ])
    expect(columnsOf(db, 'runs')).toEqual([
      ...RUNS_V1_COLUMNS.map((column) => (column === 'generations' ? 'steps' : column)),
      'control_electrodes_json',
      'best_outputs_json',
      'targets_json',
      'owner_pid',
      'accuracy_json',
      'capacity_json',
      'device_profile_id',
      'calibration_id',
      'validations_json',
      'app_version',
      'name',
      'starred',
      'notes',
      'notes_updated_at',
      'uid',
      'surrogate_json'
    ])
    expect(columnsOf(db, 'run_steps')).toEqual(['run_id', 'step', 'metrics_json', 'payload_json'])
    expect(columnsOf(db, 'run_checkpoints')).toEqual(['run_id', 'step', 'state_json', 'written_at'])
    // A second pass is a no-op.
    expect(applyMigrations(db)).toEqual([])
    db.close()
  })

  it('runs.status accepts only the known statuses', () => {
    const db = new BetterSqlite3(':memory:')
    applyMigrations(db)
    const insert = db.prepare(
      `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, compute_backend)
       VALUES ('ga', 'xor', 'm', '{}', 1, ?, '2025-01-01T00:00:00.000Z', 'cpu')`
    )
    expect(() => insert.run('paused')).toThrow(/CHECK constraint failed/)
    expect(() => insert.run('running')).not.toThrow()
    db.close()
  })

  it('deleting a run cascades to its steps and checkpoint', async () => {
    const db = await openDatabase(':memory:')
    const runs = new RunsRepository(db)
    const runId = runs.createRun({
      algorithm: 'ga',
      task: 'xor',
      modelId: 'm',
      config: {
        algorithm: 'ga',
        task: 'xor',
        modelId: 'm',
        dataElectrodes: [1, 2],
        inputRange: [-1, 1],
        partition: [1, 1],
        generations: 1,
        fitness: 'corr_fit',
        stopThreshold: 0.9
      },
      seed: 1,
      computeBackend: 'cpu',
      appVersion: '0.1.0',
      controlElectrodes: [0],
      targets: [0, 1, 1, 0]
    })
    recordGeneration(
      runs,
      runId,
      {
        generation: 0,
        bestFitness: 1,
        bestCorrelation: 0.5,
        bestSoFarFitness: 1,
        bestSoFarCorrelation: 0.5,
        bestGenome: [0.1]
      },
      null,
      { rng: [1, 2, 3] }
    )
    db.prepare('DELETE FROM runs WHERE id = ?').run(runId)
    expect(db.prepare('SELECT count(*) FROM run_steps').pluck().get()).toBe(0)
    expect(db.prepare('SELECT count(*) FROM run_checkpoints').pluck().get()).toBe(0)
    db.close()
  })
})

describe('a version-0 database that holds tables when the first migration takes the write lock', () => {
  it("is another program's file: refused with the table names, nothing added", () => {
    // openDatabase inspects a file before it opens it for writing; this is the check that still
    // holds if another program creates the file between that inspection and the migration.
    const db = new BetterSqlite3(':memory:')
    db.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada')")
    expect(() => applyMigrations(db)).toThrow(new ForeignTablesError(['contacts']))
    expect(tablesOf(db)).toEqual(['contacts'])
    expect(readSchemaVersion(db)).toBe(0)
    expect(db.pragma('application_id', { simple: true })).toBe(0)
    db.close()
  })
})

describe('a failing migration', () => {
  it('rolls back entirely and leaves user_version at the last good version', () => {
    const db = new BetterSqlite3(':memory:')
    const broken: Migration = {
      version: MIGRATIONS.length + 1,
      description: 'breaks halfway',
      up(database) {
        database.exec('CREATE TABLE half_done (x INTEGER)')
        throw new Error('boom')
      }
    }
    expect(() => applyMigrations(db, [...MIGRATIONS, broken])).toThrow('boom')
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(tablesOf(db)).not.toContain('half_done')
    db.close()
  })
})

describe('migrations 2 and 3 on a database created at version 1', () => {
  let temp: TempFolder | undefined
  afterEach(() => temp?.remove())

  it('keeps every run and generation row and adds the new columns and table', async () => {
    temp = makeTempFolder()
    const filePath = temp.file('v1.db')
    const v1 = new BetterSqlite3(filePath)
    expect(applyMigrations(v1, MIGRATIONS.slice(0, 1))).toEqual([1])
    expect(readSchemaVersion(v1)).toBe(1)
    expect(columnsOf(v1, 'runs')).toEqual(RUNS_V1_COLUMNS)
    expect(tablesOf(v1)).not.toContain('run_checkpoints')

    const config = { algorithm: 'ga', task: 'xor', modelId: 'old-model', seed: 7 }
    v1.prepare(
      `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, ended_at,
                         generations, best_fitness, best_correlation, best_control_voltages_json,
                         error, compute_backend)
       VALUES ('ga', 'xor', 'old-model', ?, 7, 'completed', '2024-12-31T23:00:00.000Z',
               '2024-12-31T23:05:00.000Z', 2, 0.8, 0.95, '[0.1,-0.2]', NULL, 'wasm')`
    ).run(JSON.stringify(config))
    const insertGeneration = v1.prepare(`INSERT INTO run_generations VALUES (1, ?, ?, ?, ?, ?, '[0.1,-0.2]')`)
    insertGeneration.run(0, 0.5, 0.7, 0.5, 0.7)
    insertGeneration.run(1, 0.8, 0.95, 0.8, 0.95)
    const runsBefore = v1.prepare('SELECT * FROM runs').all()
    const generationsBefore = v1.prepare('SELECT * FROM run_generations ORDER BY generation').all()
    v1.close()

    // The real start-up path: openDatabase migrates the old file.
    const db = await openDatabase(filePath)
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(tablesOf(db)).toContain('run_checkpoints')
    const runsAfter = db.prepare('SELECT * FROM runs').all()
    expect(runsAfter).toEqual(
      (runsBefore as { generations: number }[]).map(({ generations, ...row }) => ({
        ...row,
        steps: generations,
        control_electrodes_json: null,
        best_outputs_json: null,
        targets_json: null,
        owner_pid: null,
        accuracy_json: null,
        capacity_json: null,
        surrogate_json: null,
        device_profile_id: null,
        calibration_id: null,
        validations_json: null,
        app_version: null,
        // Migration 9: no annotations yet; the generated sort columns read the stored times.
        name: null,
        starred: 0,
        notes: '',
        notes_updated_at: null,
        accuracy_percent: null,
        duration_ms: 300_000,
        // Migration 10: every run gets a uid of its own.
        uid: expect.stringMatching(/^[0-9a-f]{32}$/)
      }))
    )
    expect(db.prepare('SELECT run_id, step, metrics_json, payload_json FROM run_steps ORDER BY step').all()).toEqual(
      (
        generationsBefore as {
          run_id: number
          generation: number
          best_fitness: number
          best_correlation: number
          best_so_far_fitness: number
          best_so_far_correlation: number
          best_genome_json: string
        }[]
      ).map((row) => ({
        run_id: row.run_id,
        step: row.generation,
        metrics_json: JSON.stringify({
          bestFitness: row.best_fitness,
          bestCorrelation: row.best_correlation,
          bestSoFarFitness: row.best_so_far_fitness,
          bestSoFarCorrelation: row.best_so_far_correlation
        }),
        payload_json: row.best_genome_json
      }))
    )

    // And the repository reads the old run with the fields it lacks defaulted.
    const run = new RunsRepository(db).getRun(1)
    expect(run).toMatchObject({
      id: 1,
      status: 'completed',
      modelId: 'old-model',
      generations: 2,
      bestControlVoltages: [0.1, -0.2],
      controlElectrodes: [],
      bestOutputsNanoamps: null,
      targets: [],
      config
    })
    expect(run?.metrics.map((metric) => metric.generation)).toEqual([0, 1])
    db.close()
  })
})

describe('migration 6 on a database at version 5', () => {
  it('keeps the runs and adds device profiles, calibrations and measurements', () => {
    const db = new BetterSqlite3(':memory:')
    applyMigrations(db, MIGRATIONS.slice(0, 5))
    db.prepare(
      `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, generations, compute_backend)
       VALUES ('gd', 'ring', 'demo', '{}', 3, 'completed', '2026-01-01T00:00:00.000Z', 5, 'wasm')`
    ).run()
    const before = db.prepare('SELECT * FROM runs').all()
    expect(applyMigrations(db, MIGRATIONS.slice(0, 6))).toEqual([6])
    expect(db.prepare('SELECT * FROM runs').all()).toEqual(
      (before as object[]).map((row) => ({
        ...row,
        device_profile_id: null,
        calibration_id: null,
        validations_json: null
      }))
    )
    expect(columnsOf(db, 'calibrations')).toEqual([
      'id',
      'profile_id',
      'version',
      'created_at',
      'notes',
      'electrodes_json',
      'range_override_json',
      'measurement_id'
    ])
    // The kind column admits only the three kinds of measurement.
    expect(() =>
      db
        .prepare(
          `INSERT INTO measurements (kind, created_at, label, channel_count, samples_per_channel, dac_rate_hz,
           plateau_length, slope_length, inputs_f32, readout_f32, plateau_mask, saturated)
         VALUES ('other', 'now', '', 1, 1, 1, 1, 0, x'', x'', x'', 0)`
        )
        .run()
    ).toThrow(/CHECK constraint/)
    db.close()
  })
})

describe('migration 7 on a database at version 6', () => {
  it('keeps the runs, with no app version for the runs stored before it, and new runs record theirs', () => {
    const db = new BetterSqlite3(':memory:')
    applyMigrations(db, MIGRATIONS.slice(0, 6))
    db.prepare(
      `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, generations, compute_backend)
       VALUES ('ga', 'xor', 'demo', '{}', 3, 'completed', '2026-01-01T00:00:00.000Z', 5, 'wasm')`
    ).run()
    const before = db.prepare('SELECT * FROM runs').all()
    expect(applyMigrations(db, MIGRATIONS.slice(0, 7))).toEqual([7])
    expect(db.prepare('SELECT * FROM runs').all()).toEqual(
      (before as object[]).map((row) => ({ ...row, app_version: null }))
    )
    applyMigrations(db)
    db.pragma('foreign_keys = ON')
    const runs = new RunsRepository(db)
    expect(runs.getRun(1)?.appVersion).toBeNull()
    const runId = runs.createRun(sampleRun({ appVersion: '9.8.7' }))
    expect(runs.getRun(runId)?.appVersion).toBe('9.8.7')
    expect(runs.listRuns().find((run) => run.id === runId)?.appVersion).toBe('9.8.7')
    db.close()
  })
})

describe('migration 8 on a database at version 7', () => {
  let temp: TempFolder | undefined
  afterEach(() => temp?.remove())

  it('moves GA generations and GD epochs into run_steps exactly, renames the step columns, and the runs read back unchanged', async () => {
    temp = makeTempFolder()
    const filePath = temp.file('v7.db')
    const v7 = new BetterSqlite3(filePath)
    expect(applyMigrations(v7, MIGRATIONS.slice(0, 7))).toEqual([1, 2, 3, 4, 5, 6, 7])
    const insertRun = v7.prepare(
      `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, generations, best_fitness,
                         best_correlation, best_control_voltages_json, compute_backend, capacity_json, app_version)
       VALUES (?, ?, 'demo', '{}', 3, 'stopped', '2026-01-01T00:00:00.000Z', ?, ?, ?, ?, 'wasm', ?, '0.9.0')`
    )
    insertRun.run('ga', 'xor', 2, 0.1 + 0.2, 1 / 3, '[0.1,-0.2]', null)
    insertRun.run('gd', 'ring', 2, null, null, '[0.3]', null)
    insertRun.run(
      'capacity',
      'vc',
      5,
      null,
      null,
      null,
      '[{"n":4,"labelings":14,"evaluated":5,"found":4,"capacity":0.8}]'
    )
    // Full-precision doubles (a 15-digit copy would lose the last digits), a NaN stored as NULL.
    const insertGeneration = v7.prepare('INSERT INTO run_generations VALUES (1, ?, ?, ?, ?, ?, ?)')
    insertGeneration.run(1, 0.1 + 0.2, 1 / 3, 0.1 + 0.2, 1 / 3, '[0.1,-0.2]')
    insertGeneration.run(2, 0.25, null, 0.1 + 0.2, 1 / 3, '[0.5,0.5]')
    const insertEpoch = v7.prepare('INSERT INTO run_epochs VALUES (2, ?, ?, ?)')
    insertEpoch.run(1, 2.5, 2 / 3)
    insertEpoch.run(2, 1e-7, null)
    v7.prepare('INSERT INTO run_checkpoints VALUES (1, 2, \'{"algorithm":"ga"}\', \'2026-01-01T00:01:00.000Z\')').run()
    v7.prepare(
      'INSERT INTO run_checkpoints VALUES (3, 5, \'{"algorithm":"capacity"}\', \'2026-01-01T00:01:00.000Z\')'
    ).run()
    v7.close()

    // The real start-up path: openDatabase backs the file up and migrates it.
    const db = await openDatabase(filePath)
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(tablesOf(db)).not.toContain('run_generations')
    expect(tablesOf(db)).not.toContain('run_epochs')
    expect(db.prepare('SELECT id, steps FROM runs ORDER BY id').all()).toEqual([
      { id: 1, steps: 2 },
      { id: 2, steps: 2 },
      { id: 3, steps: 5 }
    ])
    expect(db.prepare('SELECT run_id, step FROM run_checkpoints ORDER BY run_id').all()).toEqual([
      { run_id: 1, step: 2 },
      { run_id: 3, step: 5 }
    ])
    expect(db.prepare('SELECT payload_json FROM run_steps WHERE run_id = 1 ORDER BY step').pluck().all()).toEqual([
      '[0.1,-0.2]',
      '[0.5,0.5]'
    ])

    const runs = new RunsRepository(db)
    const ga = runs.getRun(1)!
    expect(ga).toMatchObject({
      steps: 2,
      generations: 2,
      stepName: 'generation',
      stepUnit: 'generations',
      bestFitness: 0.1 + 0.2,
      resumable: true
    })
    expect(ga.metrics).toEqual([
      {
        generation: 1,
        bestFitness: 0.1 + 0.2,
        bestCorrelation: 1 / 3,
        bestSoFarFitness: 0.1 + 0.2,
        bestSoFarCorrelation: 1 / 3
      },
      {
        generation: 2,
        bestFitness: 0.25,
        bestCorrelation: Number.NaN,
        bestSoFarFitness: 0.1 + 0.2,
        bestSoFarCorrelation: 1 / 3
      }
    ])
    expect(ga.epochs).toEqual([])
    const gd = runs.getRun(2)!
    expect(gd).toMatchObject({ steps: 2, stepName: 'epoch', stepUnit: 'epochs', metrics: [] })
    expect(gd.epochs).toEqual([
      { epoch: 1, trainLoss: 2.5, validationLoss: 2 / 3 },
      { epoch: 2, trainLoss: 1e-7, validationLoss: null }
    ])
    expect(runs.getRun(3)).toMatchObject({
      steps: 5,
      stepName: 'labeling',
      recordedSteps: [],
      capacity: [{ n: 4, found: 4 }]
    })
    expect(runs.getCheckpoint(3)).toEqual({ step: 5, state: { algorithm: 'capacity' } })
    db.close()
  })
})
