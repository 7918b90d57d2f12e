export { openDatabase, DatabaseOpenError } from './database'
export type { Database, OpenDatabaseOptions, DatabaseRefusalReason } from './database'
export { inspectDatabaseFile, refusalFor, backupFolderFor, MAX_INTEGRITY_PROBLEMS } from './database-inspection'
export type { DatabaseInspection, IntegrityCheckKind } from './database-inspection'
export {
  backUpDatabase,
  backUpBeforeUpgrade,
  BackupExistsError,
  describeBackupError,
  KEPT_UPGRADE_BACKUPS
} from './database-backup'
export type { DatabaseCopy, BackupOptions } from './database-backup'
export {
  applyMigrations,
  readSchemaVersion,
  readUserTableNames,
  ForeignTablesError,
  MIGRATIONS,
  LATEST_SCHEMA_VERSION,
  DNPU_LAB_APPLICATION_ID
} from './migrations'
export type { Migration } from './migrations'
export { RunsRepository, INTERRUPTED_RUN_ERROR } from './runs-repository'
export type { NewRun, StepRecord, FinishedRunStatus, RunCheckpoint, RunsRepositoryOptions } from './runs-repository'
export { ModelsRepository } from './models-repository'
export type { StoredModel, NewModel } from './models-repository'
export { DeviceRepository } from './device-repository'
export type { NewCalibration } from './device-repository'
export { MeasurementsRepository, KEPT_ACQUISITIONS, plateauMeans } from './measurements-repository'
export type { NewMeasurement } from './measurements-repository'
export { DatasetsRepository } from './datasets-repository'
export type {
  DatasetArrays,
  DatasetDetail,
  DatasetSettings,
  DatasetStatus,
  DatasetSummary,
  NewDatasetChunk
} from './datasets-repository'
export { ModelChecksRepository, MAX_REFERENCE_POINTS } from './model-checks-repository'
export type {
  ModelCheck,
  NewModelCheck,
  NewReferenceBatch,
  ReferenceBatch,
  ReferenceBatchSource,
  ReferenceBatchSummary
} from './model-checks-repository'
