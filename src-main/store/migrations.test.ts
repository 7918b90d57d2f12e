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
import { makeTempFolder, sampleRun, type TempFolder } from './test-fixtures'

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
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(
      MIGRATIONS.map((_, index) => index + 1)
    )
    expect(LATEST_SCHEMA_VERSION).toBe(7)
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
    expect(applyMigrations(db)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(db.pragma('application_id', { simple: true })).toBe(DNPU_LAB_APPLICATION_ID)
    expect(tablesOf(db)).toEqual(['calibrations', 'device_profiles', 'measurements', 'models', 'run_checkpoints', 'run_epochs', 'run_generations', 'runs'])
    expect(columnsOf(db, 'runs')).toEqual([
      ...RUNS_V1_COLUMNS,
      'control_electrodes_json',
      'best_outputs_json',
      'targets_json',
      'owner_pid',
      'accuracy_json',
      'capacity_json',
      'device_profile_id',
      'calibration_id',
      'validations_json',
      'app_version'
    ])
    expect(columnsOf(db, 'run_epochs')).toEqual(['run_id', 'epoch', 'train_loss', 'validation_loss'])
    expect(columnsOf(db, 'run_generations')).toEqual([
      'run_id',
      'generation',
      'best_fitness',
      'best_correlation',
      'best_so_far_fitness',
      'best_so_far_correlation',
      'best_genome_json'
    ])
    expect(columnsOf(db, 'run_checkpoints')).toEqual([
      'run_id',
      'generation',
      'state_json',
      'written_at'
    ])
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

  it('deleting a run cascades to its generations and checkpoint', async () => {
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
    runs.recordGeneration(
      runId,
      { generation: 0, bestFitness: 1, bestCorrelation: 0.5, bestSoFarFitness: 1, bestSoFarCorrelation: 0.5, bestGenome: [0.1] },
      null,
      { rng: [1, 2, 3] }
    )
    db.prepare('DELETE FROM runs WHERE id = ?').run(runId)
    expect(db.prepare('SELECT count(*) FROM run_generations').pluck().get()).toBe(0)
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
    const insertGeneration = v1.prepare(
      `INSERT INTO run_generations VALUES (1, ?, ?, ?, ?, ?, '[0.1,-0.2]')`
    )
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
      (runsBefore as object[]).map((row) => ({
        ...row,
        control_electrodes_json: null,
        best_outputs_json: null,
        targets_json: null,
        owner_pid: null,
        accuracy_json: null,
        capacity_json: null,
        device_profile_id: null,
        calibration_id: null,
        validations_json: null,
        app_version: null
      }))
    )
    expect(db.prepare('SELECT * FROM run_generations ORDER BY generation').all()).toEqual(generationsBefore)

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
      (before as object[]).map((row) => ({ ...row, device_profile_id: null, calibration_id: null, validations_json: null }))
    )
    expect(columnsOf(db, 'calibrations')).toEqual([
      'id', 'profile_id', 'version', 'created_at', 'notes', 'electrodes_json', 'range_override_json', 'measurement_id'
    ])
    // The kind column admits only the three kinds of measurement.
    expect(() =>
      db.prepare(
        `INSERT INTO measurements (kind, created_at, label, channel_count, samples_per_channel, dac_rate_hz,
           plateau_length, slope_length, inputs_f32, readout_f32, plateau_mask, saturated)
         VALUES ('other', 'now', '', 1, 1, 1, 1, 0, x'', x'', x'', 0)`
      ).run()
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
    expect(applyMigrations(db)).toEqual([7])
    expect(db.prepare('SELECT * FROM runs').all()).toEqual((before as object[]).map((row) => ({ ...row, app_version: null })))
    db.pragma('foreign_keys = ON')
    const runs = new RunsRepository(db)
    expect(runs.getRun(1)?.appVersion).toBeNull()
    const runId = runs.createRun(sampleRun({ appVersion: '9.8.7' }))
    expect(runs.getRun(runId)?.appVersion).toBe('9.8.7')
    expect(runs.listRuns().find((run) => run.id === runId)?.appVersion).toBe('9.8.7')
    db.close()
  })
})
