/**
 * Numbered schema migrations, applied in order against `PRAGMA user_version`.
 *
 * A migration is never edited once released: a database in the field may sit at any version,
 * and the only way forward is to append a new migration. Each has a test of its own.
 */
import type BetterSqlite3 from 'better-sqlite3'
import { addModelChecks } from './model-checks-schema'

type Database = BetterSqlite3.Database

export interface Migration {
  /** The `user_version` the database has once this migration is applied. */
  version: number
  description: string
  up(db: Database): void
}

/**
 * `PRAGMA application_id` of every DNPU Lab database ('DNPU' in ASCII). It lets the app tell its
 * own files from another program's SQLite file before touching anything.
 */
export const DNPU_LAB_APPLICATION_ID = 0x444e5055

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs and their per-generation metrics',
    up(db) {
      db.pragma(`application_id = ${DNPU_LAB_APPLICATION_ID}`)
      // Timestamps are ISO 8601 UTC strings (Date#toISOString): they sort as text and read
      // unambiguously in any SQLite browser.
      db.exec(`
        CREATE TABLE runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          algorithm TEXT NOT NULL,
          task TEXT NOT NULL,
          model_id TEXT NOT NULL,
          config_json TEXT NOT NULL,
          seed INTEGER NOT NULL,
          status TEXT NOT NULL
            CHECK (status IN ('running', 'completed', 'stopped', 'failed', 'interrupted')),
          started_at TEXT NOT NULL,
          ended_at TEXT,
          generations INTEGER NOT NULL DEFAULT 0,
          best_fitness REAL,
          best_correlation REAL,
          best_control_voltages_json TEXT,
          error TEXT,
          compute_backend TEXT NOT NULL
        );

        CREATE TABLE run_generations (
          run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          generation INTEGER NOT NULL,
          best_fitness REAL,
          best_correlation REAL,
          best_so_far_fitness REAL,
          best_so_far_correlation REAL,
          best_genome_json TEXT,
          PRIMARY KEY (run_id, generation)
        );
      `)
    }
  },
  {
    version: 2,
    description: 'latest trainer checkpoint per run; electrodes, outputs and targets on runs',
    up(db) {
      // One row per run: only the latest checkpoint is needed to resume, and overwriting it
      // keeps the file from growing with every generation.
      db.exec(`
        CREATE TABLE run_checkpoints (
          run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
          generation INTEGER NOT NULL,
          state_json TEXT NOT NULL,
          written_at TEXT NOT NULL
        );

        ALTER TABLE runs ADD COLUMN control_electrodes_json TEXT;
        ALTER TABLE runs ADD COLUMN best_outputs_json TEXT;
        ALTER TABLE runs ADD COLUMN targets_json TEXT;
      `)
    }
  },
  {
    version: 3,
    description: 'process that owns a running run, so recovery leaves live runs of other processes alone',
    up(db) {
      // The app, `dnpu serve` and CLI commands may share one database at the same time: a run
      // is only abandoned when the process that drives it is gone.
      db.exec('ALTER TABLE runs ADD COLUMN owner_pid INTEGER')
    }
  },
  {
    version: 4,
    description: 'imported surrogate models',
    up(db) {
      // The definition (structure, ranges, weights) is stored as the app's JSON form, so a model
      // never needs its source file again; the file's hash tells a re-import of the same file.
      db.exec(`
        CREATE TABLE models (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          notes TEXT NOT NULL DEFAULT '',
          source_file_name TEXT NOT NULL,
          source_sha256 TEXT NOT NULL UNIQUE,
          imported_at TEXT NOT NULL,
          definition_json TEXT NOT NULL,
          warnings_json TEXT NOT NULL
        );
      `)
    }
  },
  {
    version: 5,
    description: 'gradient-descent runs (per-epoch losses, final accuracy) and capacity sweeps (result per N)',
    up(db) {
      // Epochs get their own table rather than nullable columns on run_generations: the two
      // algorithms record different metrics, and each table keeps NOT NULL where it holds.
      // runs.generations counts the steps of either kind; run_checkpoints serves both.
      db.exec(`
        CREATE TABLE run_epochs (
          run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          epoch INTEGER NOT NULL,
          train_loss REAL,
          validation_loss REAL,
          PRIMARY KEY (run_id, epoch)
        );
        ALTER TABLE runs ADD COLUMN accuracy_json TEXT;
        ALTER TABLE runs ADD COLUMN capacity_json TEXT;
      `)
    }
  },
  {
    version: 6,
    description: 'instruments: device profiles, versioned calibrations, stored measurements, runs on a device',
    up(db) {
      // One profile per instrument identity (maker, model, serial): connecting finds it again.
      // Calibrations are never edited, only added (a new version) and activated, so a run's
      // calibration_id always means the ranges it ran under. Measurements keep their raw
      // float32 samples as BLOBs: the Waveforms view replots and exports them exactly.
      db.exec(`
        CREATE TABLE device_profiles (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          maker TEXT NOT NULL,
          model TEXT NOT NULL,
          serial TEXT NOT NULL,
          firmware TEXT NOT NULL,
          settings_json TEXT NOT NULL,
          active_calibration_id INTEGER,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          UNIQUE (maker, model, serial)
        );

        CREATE TABLE calibrations (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          profile_id INTEGER NOT NULL REFERENCES device_profiles (id),
          version INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          notes TEXT NOT NULL DEFAULT '',
          electrodes_json TEXT NOT NULL,
          range_override_json TEXT,
          measurement_id INTEGER,
          UNIQUE (profile_id, version)
        );

        CREATE TABLE measurements (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL CHECK (kind IN ('acquisition', 'calibration', 'validation')),
          created_at TEXT NOT NULL,
          profile_id INTEGER REFERENCES device_profiles (id),
          run_id INTEGER REFERENCES runs (id) ON DELETE CASCADE,
          label TEXT NOT NULL,
          channel_count INTEGER NOT NULL,
          samples_per_channel INTEGER NOT NULL,
          dac_rate_hz REAL NOT NULL,
          plateau_length INTEGER NOT NULL,
          slope_length INTEGER NOT NULL,
          inputs_f32 BLOB NOT NULL,
          readout_f32 BLOB NOT NULL,
          plateau_mask BLOB NOT NULL,
          saturated INTEGER NOT NULL,
          meta_json TEXT NOT NULL DEFAULT '{}'
        );

        ALTER TABLE runs ADD COLUMN device_profile_id INTEGER REFERENCES device_profiles (id);
        ALTER TABLE runs ADD COLUMN calibration_id INTEGER REFERENCES calibrations (id);
        ALTER TABLE runs ADD COLUMN validations_json TEXT;
      `)
    }
  },
  {
    version: 7,
    description: 'runs: the DNPU Lab version that ran them',
    up(db) {
      // Part of what reproduces a run (config, seed, model, backend, app version). Runs stored
      // before this migration keep NULL: their version was not recorded.
      db.exec('ALTER TABLE runs ADD COLUMN app_version TEXT;')
    }
  },
  {
    version: 8,
    description:
      'steps of any algorithm in one table (run_steps); runs.generations and run_checkpoints.generation become steps / step',
    up: moveStepsToOneTable
  },
  {
    version: 9,
    description: 'runs as a lab notebook: name, star, notes, tags; sortable result columns and search indexes',
    up: addRunAnnotationsAndSearch
  },
  {
    version: 10,
    description: 'runs: a uid that stays with the run across lab PCs (run bundles), so an import is never doubled',
    up(db) {
      // Ids are per database; the uid is the run's identity everywhere. Existing runs get a random
      // one now, new runs at creation, an imported run keeps its origin's. Nullable only because
      // ALTER TABLE cannot add a NOT NULL column without a constant default; the index is unique.
      db.exec(`
        ALTER TABLE runs ADD COLUMN uid TEXT;
        UPDATE runs SET uid = lower(hex(randomblob(16)));
        CREATE UNIQUE INDEX runs_by_uid ON runs (uid);
      `)
    }
  },
  {
    version: 11,
    description: "datasets: a sampling session of a device (a surrogate's training data), stored chunk by chunk",
    up: addDatasets
  },
  {
    version: 12,
    description: "runs.surrogate_json: a surrogate training run's result (its model and test figures)",
    up: (db) => db.exec('ALTER TABLE runs ADD COLUMN surrogate_json TEXT')
  },
  {
    version: 13,
    description: 'models: a reference batch per model and its consistency checks against the device',
    up: addModelChecks
  }
]

/**
 * Migration 11. A dataset is one sampling session on the device; each chunk (one acquisition) is
 * a row written in one transaction as it arrives, raw float32 samples as BLOBs. The primary key
 * (dataset_id, chunk_index) makes a chunk stored twice impossible, whatever a resume does.
 * Sample counts are summed from the chunks, never kept twice.
 */
function addDatasets(db: Database): void {
  db.exec(`
    CREATE TABLE datasets (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      profile_id INTEGER NOT NULL REFERENCES device_profiles (id),
      calibration_id INTEGER NOT NULL REFERENCES calibrations (id),
      settings_json TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('sampling', 'paused', 'interrupted', 'complete')),
      chunk_count_target INTEGER NOT NULL CHECK (chunk_count_target >= 1),
      error TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );

    CREATE TABLE dataset_chunks (
      dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
      chunk_index INTEGER NOT NULL CHECK (chunk_index >= 0),
      inputs_f32 BLOB NOT NULL,
      outputs_f32 BLOB NOT NULL,
      clipped_mask BLOB NOT NULL,
      sample_count INTEGER NOT NULL,
      clipped_count INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (dataset_id, chunk_index)
    );
  `)
}

/**
 * Migration 9. Annotations are columns (one per run) and a tag table (many per run). The sorts on
 * accuracy and duration need values that lived in JSON or in two columns: they are virtual
 * generated columns, so every existing row has them at once and no writer can forget to keep
 * them up to date; their indexes store the values, so sorting on them is an index scan. Tags
 * compare without case ("Gate" and "gate" are one tag).
 */
function addRunAnnotationsAndSearch(db: Database): void {
  db.exec(`
    ALTER TABLE runs ADD COLUMN name TEXT;
    ALTER TABLE runs ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN notes_updated_at TEXT;
    ALTER TABLE runs ADD COLUMN accuracy_percent REAL GENERATED ALWAYS AS (coalesce(
      json_extract(accuracy_json, '$.testPercent'),
      json_extract(accuracy_json, '$.validationPercent'),
      json_extract(accuracy_json, '$.trainPercent'))) VIRTUAL;
    ALTER TABLE runs ADD COLUMN duration_ms INTEGER GENERATED ALWAYS AS (
      CAST(round((julianday(ended_at) - julianday(started_at)) * 86400000) AS INTEGER)) VIRTUAL;

    CREATE TABLE run_tags (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      tag TEXT NOT NULL COLLATE NOCASE,
      PRIMARY KEY (run_id, tag)
    );
    CREATE INDEX run_tags_by_tag ON run_tags (tag);

    CREATE INDEX runs_by_started_at ON runs (started_at);
    CREATE INDEX runs_by_best_fitness ON runs (best_fitness);
    CREATE INDEX runs_by_best_correlation ON runs (best_correlation);
    CREATE INDEX runs_by_accuracy ON runs (accuracy_percent);
    CREATE INDEX runs_by_duration ON runs (duration_ms);
    CREATE INDEX runs_by_algorithm ON runs (algorithm, started_at);
    CREATE INDEX runs_by_task ON runs (task, started_at);
    CREATE INDEX runs_by_model ON runs (model_id, started_at);
    CREATE INDEX runs_by_status ON runs (status, started_at);
    CREATE INDEX runs_by_device_profile ON runs (device_profile_id, started_at);
    CREATE INDEX runs_by_calibration ON runs (calibration_id, started_at);
    CREATE INDEX runs_starred ON runs (started_at) WHERE starred = 1;
    CREATE INDEX measurements_by_run ON measurements (run_id) WHERE run_id IS NOT NULL;
  `)
}

/**
 * Migration 8. GA generations and GD epochs had a table each, with a column per metric, so every
 * new algorithm needed a table. Now a step is (run, number, metrics by name as JSON, payload):
 * the metric names are the ones the algorithms' descriptors declare. Rows are copied in
 * JavaScript, not with SQLite's json_object, which would write REALs with 15 significant digits
 * (a double needs 17 to read back exactly); NULL becomes JSON null, read back as before.
 * The rows are read whole (`all`): better-sqlite3 refuses a write while an iterator is open.
 */
function moveStepsToOneTable(db: Database): void {
  db.exec(`
    CREATE TABLE run_steps (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      metrics_json TEXT NOT NULL,
      payload_json TEXT,
      PRIMARY KEY (run_id, step)
    );
  `)
  const insert = db.prepare<[number, number, string, string | null]>(
    'INSERT INTO run_steps (run_id, step, metrics_json, payload_json) VALUES (?, ?, ?, ?)'
  )
  const generations = db.prepare<
    [],
    {
      run_id: number
      generation: number
      best_fitness: number | null
      best_correlation: number | null
      best_so_far_fitness: number | null
      best_so_far_correlation: number | null
      best_genome_json: string | null
    }
  >('SELECT * FROM run_generations ORDER BY run_id, generation')
  for (const row of generations.all()) {
    const metrics = {
      bestFitness: row.best_fitness,
      bestCorrelation: row.best_correlation,
      bestSoFarFitness: row.best_so_far_fitness,
      bestSoFarCorrelation: row.best_so_far_correlation
    }
    insert.run(row.run_id, row.generation, JSON.stringify(metrics), row.best_genome_json)
  }
  const epochs = db.prepare<
    [],
    { run_id: number; epoch: number; train_loss: number | null; validation_loss: number | null }
  >('SELECT * FROM run_epochs ORDER BY run_id, epoch')
  for (const row of epochs.all()) {
    insert.run(
      row.run_id,
      row.epoch,
      JSON.stringify({ trainLoss: row.train_loss, validationLoss: row.validation_loss }),
      null
    )
  }
  db.exec(`
    DROP TABLE run_generations;
    DROP TABLE run_epochs;
    ALTER TABLE runs RENAME COLUMN generations TO steps;
    ALTER TABLE run_checkpoints RENAME COLUMN generation TO step;
  `)
}

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1].version

export function readSchemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

/** Tables other than SQLite's own, sorted by name. */
export function readUserTableNames(db: Database): string[] {
  return db
    .prepare<[], string>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    .pluck()
    .all()
}

/**
 * The database is at version 0 yet holds tables: another program's SQLite file, found while
 * holding the write lock, so no DNPU Lab process can be half-way through creating it.
 */
export class ForeignTablesError extends Error {
  readonly tableNames: string[]

  constructor(tableNames: string[]) {
    super(`the database already holds tables DNPU Lab did not create (${tableNames.join(', ')})`)
    this.name = 'ForeignTablesError'
    this.tableNames = tableNames
  }
}

/**
 * Brings `db` up to the last version in `migrations` and returns the versions it applied.
 *
 * Each migration runs in its own transaction together with its `user_version` bump, so a
 * failure leaves the database at the last version that completed, never in between.
 * `migrations` is a parameter so tests can stop at an older version.
 */
export function applyMigrations(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration list is broken: entry ${index} has version ${migration.version}, expected ${index + 1}`
      )
    }
  })

  const currentVersion = readSchemaVersion(db)
  const targetVersion = migrations.length
  if (currentVersion > targetVersion) {
    throw new Error(
      `the database is at schema version ${currentVersion}, newer than the ${targetVersion} this version of DNPU Lab knows`
    )
  }

  // SQLite's advice for schema changes: with foreign keys enforced, a future migration that
  // rebuilds a table (create new, copy, drop old, rename) would cascade-delete child rows on the
  // drop. Enforcement is off while migrating and every migration is checked before it commits.
  // The pragma cannot change inside a transaction, hence here rather than per migration.
  const foreignKeysWereOn = db.pragma('foreign_keys', { simple: true }) === 1
  db.pragma('foreign_keys = OFF')
  const applied: number[] = []
  try {
    for (const migration of migrations.slice(currentVersion)) {
      // IMMEDIATE takes the write lock before reading the version: two DNPU Lab processes
      // opening a new database at once (the app and a CLI command) then apply each migration
      // once, the second one finding it done, instead of both trying to create the same tables.
      const didApply = db
        .transaction((): boolean => {
          const version = readSchemaVersion(db)
          if (version >= migration.version) return false
          // Checked again here, under the write lock: a file that was missing or empty when it was
          // inspected may have been created since, by another DNPU Lab process (then its version is
          // above 0 by now) or by another program (then version 0 and tables: leave it alone).
          if (version === 0) {
            const tableNames = readUserTableNames(db)
            if (tableNames.length > 0) throw new ForeignTablesError(tableNames)
          }
          migration.up(db)
          const violations = db.pragma('foreign_key_check') as unknown[]
          if (violations.length > 0) {
            throw new Error(
              `migration ${migration.version} (${migration.description}) left ${violations.length} foreign key violation(s)`
            )
          }
          // Integer interpolation is safe; PRAGMA does not take bound parameters.
          db.pragma(`user_version = ${migration.version}`)
          return true
        })
        .immediate()
      if (didApply) applied.push(migration.version)
    }
  } finally {
    if (foreignKeysWereOn) db.pragma('foreign_keys = ON')
  }
  return applied
}
