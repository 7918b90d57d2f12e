/**
 * A run as it moves between databases (a `.dnpurun` bundle, src-main/services/run-bundle/): every
 * column that is part of its history, with the JSON columns as values, and without what only
 * means something in one database (its id, owner process, the ids of its model, device profile
 * and calibration: those travel as references and are mapped on import).
 */
import type { RunStatus } from '../../src-shared/ipc'

export interface TransferRunRecord {
  /** The run's identity in every database (migration 10). */
  uid: string
  algorithm: string
  task: string
  /** The model id in the exporting database (a bundled id stays; a stored one is remapped). */
  modelId: string
  config: Record<string, unknown>
  seed: number
  status: Exclude<RunStatus, 'running'>
  startedAt: string
  endedAt: string | null
  steps: number
  bestFitness: number | null
  bestCorrelation: number | null
  bestControlVoltages: (number | null)[] | null
  error: string | null
  computeBackend: string
  appVersion: string | null
  controlElectrodes: (number | null)[] | null
  bestOutputsNanoamps: (number | null)[] | null
  targets: (number | null)[] | null
  accuracy: unknown
  capacity: unknown[] | null
  /** A surrogate training run's result; absent from bundles written before it existed. */
  surrogate?: unknown
  validations: Record<string, unknown>[] | null
  name: string | null
  starred: boolean
  notes: string
  notesUpdatedAt: string | null
  tags: string[]
}

export interface TransferStep {
  step: number
  metrics: Record<string, number | null>
  /** Absent when the step has none (the column is NULL). */
  payload?: unknown
}

export interface TransferCheckpoint {
  step: number
  state: unknown
  writtenAt: string
}

export interface TransferMeasurement {
  /** Its id in the exporting database: the run's validations refer to it by this id. */
  id: number
  kind: 'acquisition' | 'calibration' | 'validation'
  createdAt: string
  /** Taken on the run's device profile: linked to the imported profile (else to none). */
  onRunDevice: boolean
  label: string
  channelCount: number
  samplesPerChannel: number
  dacRateHz: number
  plateauLength: number
  slopeLength: number
  inputsF32: string
  readoutF32: string
  plateauMask: string
  saturated: boolean
  meta: Record<string, unknown>
}

export interface TransferModel {
  name: string
  notes: string
  sourceFileName: string
  /** The SHA-256 of the model's source file: its identity across databases (models.source_sha256). */
  sourceSha256: string
  importedAt: string
  definition: unknown
  warnings: string[]
}

export interface TransferCalibration {
  profile: { name: string; maker: string; model: string; serial: string; firmware: string; settings: unknown }
  version: number
  createdAt: string
  notes: string
  electrodes: unknown[]
  rangeOverride: unknown
}

/** One run with everything that belongs to it. */
export interface TransferRun {
  /** The run's id in the exporting database. */
  sourceRunId: number
  record: TransferRunRecord
  steps: TransferStep[]
  checkpoint: TransferCheckpoint | null
  measurements: TransferMeasurement[]
  /** The stored model it used (by file hash), or null for a bundled model. */
  modelSha256: string | null
  /** The calibration it ran under (by content hash), or null for a run on the surrogate. */
  calibrationHash: string | null
}
