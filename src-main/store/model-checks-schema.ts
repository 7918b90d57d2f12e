import type BetterSqlite3 from 'better-sqlite3'

type Database = BetterSqlite3.Database

/**
 * Migration 13. A model's reference batch is a fixed set of points measured once (its training
 * test set, or the first check's batch) that every later check plays again: the same points,
 * so a change of the measured outputs is drift of the device, not of the sample. One batch per
 * model (the primary key); the checks are a history, never overwritten. Both go with the model
 * (ON DELETE CASCADE): without the model, they describe nothing.
 */
export function addModelChecks(db: Database): void {
  db.exec(`
    CREATE TABLE model_reference_batches (
      model_id INTEGER PRIMARY KEY REFERENCES models (id) ON DELETE CASCADE,
      created_at TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('training-test-set', 'first-check')),
      point_count INTEGER NOT NULL CHECK (point_count >= 1),
      electrode_count INTEGER NOT NULL CHECK (electrode_count >= 1),
      inputs BLOB NOT NULL,
      outputs BLOB NOT NULL,
      profile_id INTEGER REFERENCES device_profiles (id),
      calibration_id INTEGER REFERENCES calibrations (id)
    );

    CREATE TABLE model_checks (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
      checked_at TEXT NOT NULL,
      profile_id INTEGER NOT NULL REFERENCES device_profiles (id),
      calibration_id INTEGER NOT NULL REFERENCES calibrations (id),
      point_count INTEGER NOT NULL CHECK (point_count >= 1),
      drift_rmse_nanoamps REAL NOT NULL,
      model_rmse_nanoamps REAL NOT NULL,
      reference_model_rmse_nanoamps REAL NOT NULL,
      correlation REAL,
      output_range_nanoamps REAL NOT NULL,
      outputs BLOB NOT NULL,
      note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX model_checks_by_model ON model_checks (model_id, checked_at);
  `)
}
