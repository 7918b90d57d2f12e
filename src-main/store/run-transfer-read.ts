/**
 * Reading runs out of the database for a bundle, with the models and calibrations they used:
 * every history column verbatim (JSON columns parsed, so the bundle reads as plain JSON and
 * writes back to the same text), in one read transaction so the parts agree.
 */
import { createHash } from 'node:crypto'
import type { Database } from './database'
import type { RunRow as StoredRunRow } from './run-queries'
import type {
  TransferCalibration,
  TransferMeasurement,
  TransferModel,
  TransferRun,
  TransferRunRecord
} from './run-transfer-types'

/** The runs table's row with the run's identity across PCs. */
interface RunRow extends StoredRunRow {
  uid: string | null
}

interface MeasurementRow {
  id: number
  kind: TransferMeasurement['kind']
  created_at: string
  profile_id: number | null
  label: string
  channel_count: number
  samples_per_channel: number
  dac_rate_hz: number
  plateau_length: number
  slope_length: number
  inputs_f32: Buffer
  readout_f32: Buffer
  plateau_mask: Buffer
  saturated: number
  meta_json: string
}

interface CalibrationRow {
  profile_name: string
  maker: string
  model: string
  serial: string
  firmware: string
  settings_json: string
  version: number
  created_at: string
  notes: string
  electrodes_json: string
  range_override_json: string | null
}

/**
 * A calibration's identity across databases: its instrument (maker, model, serial) and its ranges
 * (the stored JSON text of its electrodes and override). Version, date and notes are not part of
 * it: the same ranges saved twice are one calibration.
 */
export function calibrationContentHash(
  identity: { maker: string; model: string; serial: string },
  electrodesJson: string,
  rangeOverrideJson: string | null
): string {
  return createHash('sha256')
    .update(JSON.stringify([identity.maker, identity.model, identity.serial, electrodesJson, rangeOverrideJson]))
    .digest('hex')
}

/** The runs' history, in the order of `runIds`; throws naming a missing or still running run. */
export interface TransferExport {
  runs: TransferRun[]
  /** By the model's file hash. */
  models: Map<string, TransferModel>
  /** By the calibration's content hash. */
  calibrations: Map<string, TransferCalibration>
}

const parsed = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T))

/** A run stored before migration 10 always has a uid; this only covers a row written around it. */
function fallbackUid(row: RunRow): string {
  return createHash('sha256')
    .update(JSON.stringify([row.started_at, row.config_json, row.seed]))
    .digest('hex')
    .slice(0, 32)
}

function toRecord(row: RunRow, tags: string[]): TransferRunRecord {
  return {
    uid: row.uid ?? fallbackUid(row),
    algorithm: row.algorithm,
    task: row.task,
    modelId: row.model_id,
    config: JSON.parse(row.config_json) as Record<string, unknown>,
    seed: row.seed,
    status: row.status as TransferRunRecord['status'],
    startedAt: row.started_at,
    endedAt: row.ended_at,
    steps: row.steps,
    bestFitness: row.best_fitness,
    bestCorrelation: row.best_correlation,
    bestControlVoltages: parsed(row.best_control_voltages_json),
    error: row.error,
    computeBackend: row.compute_backend,
    appVersion: row.app_version,
    controlElectrodes: parsed(row.control_electrodes_json),
    bestOutputsNanoamps: parsed(row.best_outputs_json),
    targets: parsed(row.targets_json),
    accuracy: parsed(row.accuracy_json),
    capacity: parsed(row.capacity_json),
    surrogate: parsed(row.surrogate_json),
    validations: parsed(row.validations_json),
    name: row.name,
    starred: row.starred === 1,
    notes: row.notes,
    notesUpdatedAt: row.notes_updated_at,
    tags
  }
}

function toMeasurement(row: MeasurementRow, runProfileId: number | null): TransferMeasurement {
  return {
    id: row.id,
    kind: row.kind,
    createdAt: row.created_at,
    onRunDevice: row.profile_id !== null && row.profile_id === runProfileId,
    label: row.label,
    channelCount: row.channel_count,
    samplesPerChannel: row.samples_per_channel,
    dacRateHz: row.dac_rate_hz,
    plateauLength: row.plateau_length,
    slopeLength: row.slope_length,
    inputsF32: row.inputs_f32.toString('base64'),
    readoutF32: row.readout_f32.toString('base64'),
    plateauMask: row.plateau_mask.toString('base64'),
    saturated: row.saturated === 1,
    meta: JSON.parse(row.meta_json) as Record<string, unknown>
  }
}

/**
 * Reads the runs (and their models and calibrations) for a bundle. A run still running is refused:
 * its history is not final, and an import could not tell its later steps from a new run.
 */
export function readRunsForTransfer(db: Database, runIds: readonly number[]): TransferExport {
  return db.transaction((): TransferExport => {
    const selectRun = db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?')
    const selectTags = db.prepare<[number], string>('SELECT tag FROM run_tags WHERE run_id = ? ORDER BY tag').pluck()
    const selectSteps = db.prepare<[number], { step: number; metrics_json: string; payload_json: string | null }>(
      'SELECT step, metrics_json, payload_json FROM run_steps WHERE run_id = ? ORDER BY step'
    )
    const selectCheckpoint = db.prepare<[number], { step: number; state_json: string; written_at: string }>(
      'SELECT step, state_json, written_at FROM run_checkpoints WHERE run_id = ?'
    )
    const selectMeasurements = db.prepare<[number], MeasurementRow>(
      'SELECT * FROM measurements WHERE run_id = ? ORDER BY id'
    )
    const selectModel = db.prepare<[number], Record<string, string>>('SELECT * FROM models WHERE id = ?')
    const selectCalibration = db.prepare<[number], CalibrationRow>(`
      SELECT p.name AS profile_name, p.maker, p.model, p.serial, p.firmware, p.settings_json,
             c.version, c.created_at, c.notes, c.electrodes_json, c.range_override_json
      FROM calibrations c JOIN device_profiles p ON p.id = c.profile_id WHERE c.id = ?`)

    const models = new Map<string, TransferModel>()
    const calibrations = new Map<string, TransferCalibration>()
    const runs = runIds.map((runId): TransferRun => {
      const row = selectRun.get(runId)
      if (row === undefined) throw new Error(`run #${runId}: there is no such run`)
      if (row.status === 'running') throw new Error(`run #${runId} is still running: stop it or wait for its end`)
      let modelSha256: string | null = null
      const model = /^[1-9]\d*$/.test(row.model_id) ? selectModel.get(Number(row.model_id)) : undefined
      if (model !== undefined) {
        modelSha256 = model.source_sha256!
        models.set(modelSha256, {
          name: model.name!,
          notes: model.notes!,
          sourceFileName: model.source_file_name!,
          sourceSha256: modelSha256,
          importedAt: model.imported_at!,
          definition: JSON.parse(model.definition_json!) as unknown,
          warnings: JSON.parse(model.warnings_json!) as string[]
        })
      }
      let calibrationHash: string | null = null
      const calibration = row.calibration_id === null ? undefined : selectCalibration.get(row.calibration_id)
      if (calibration !== undefined) {
        calibrationHash = calibrationContentHash(
          calibration,
          calibration.electrodes_json,
          calibration.range_override_json
        )
        calibrations.set(calibrationHash, {
          profile: {
            name: calibration.profile_name,
            maker: calibration.maker,
            model: calibration.model,
            serial: calibration.serial,
            firmware: calibration.firmware,
            settings: JSON.parse(calibration.settings_json) as unknown
          },
          version: calibration.version,
          createdAt: calibration.created_at,
          notes: calibration.notes,
          electrodes: JSON.parse(calibration.electrodes_json) as unknown[],
          rangeOverride: parsed(calibration.range_override_json)
        })
      }
      const checkpoint = selectCheckpoint.get(runId)
      return {
        sourceRunId: runId,
        record: toRecord(row, selectTags.all(runId)),
        steps: selectSteps.all(runId).map((step) => ({
          step: step.step,
          metrics: JSON.parse(step.metrics_json) as Record<string, number | null>,
          ...(step.payload_json === null ? {} : { payload: JSON.parse(step.payload_json) as unknown })
        })),
        checkpoint:
          checkpoint === undefined
            ? null
            : {
                step: checkpoint.step,
                state: JSON.parse(checkpoint.state_json) as unknown,
                writtenAt: checkpoint.written_at
              },
        measurements: selectMeasurements.all(runId).map((m) => toMeasurement(m, row.device_profile_id)),
        modelSha256,
        calibrationHash
      }
    })
    return { runs, models, calibrations }
  })()
}
