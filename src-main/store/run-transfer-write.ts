/**
 * Writing a bundle's runs into this database, all in ONE transaction (all of it or nothing):
 * runs get new ids; a run whose uid is already here is not added again; models are found again
 * by their file hash and calibrations by their content hash (instrument + ranges), so importing
 * the same bundle twice adds nothing. A calibration's device profile is created when this
 * database has none for its instrument (maker, model, serial); a calibration added to an existing
 * profile becomes a new version but is not activated: importing runs never changes the lab's
 * active calibration.
 */
import type { Database } from './database'
import { calibrationContentHash } from './run-transfer-read'
import type { TransferCalibration, TransferModel, TransferRun } from './run-transfer-types'

export interface TransferImportResult {
  runs: { sourceRunId: number; runId: number; added: boolean }[]
  modelsAdded: number
  modelsAlreadyPresent: number
  calibrationsAdded: number
  calibrationsAlreadyPresent: number
  notes: string[]
}

export interface TransferImport {
  runs: readonly TransferRun[]
  models: ReadonlyMap<string, TransferModel>
  calibrations: ReadonlyMap<string, TransferCalibration>
}

const json = (value: unknown): string => JSON.stringify(value)
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const jsonOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : json(value))

/** The run's validations with each measurementId mapped to the imported measurement's id. */
function remapValidations(
  validations: Record<string, unknown>[] | null,
  measurementIds: ReadonlyMap<number, number>
): Record<string, unknown>[] | null {
  if (validations === null) return null
  const remap = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(remap)
    if (value === null || typeof value !== 'object') return value
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === 'measurementId' && typeof inner === 'number' ? (measurementIds.get(inner) ?? inner) : remap(inner)
      ])
    )
  }
  return validations.map((validation) => remap(validation) as Record<string, unknown>)
}

class TransferWriter {
  readonly result: TransferImportResult = {
    runs: [],
    modelsAdded: 0,
    modelsAlreadyPresent: 0,
    calibrationsAdded: 0,
    calibrationsAlreadyPresent: 0,
    notes: []
  }
  private readonly modelIds = new Map<string, string>()
  private readonly calibrationIds = new Map<string, { profileId: number; calibrationId: number }>()

  constructor(private readonly db: Database) {}

  model(sha256: string, model: TransferModel): void {
    const existing = this.db
      .prepare<[string], number>('SELECT id FROM models WHERE source_sha256 = ?')
      .pluck()
      .get(sha256)
    if (existing !== undefined) {
      this.result.modelsAlreadyPresent++
      this.modelIds.set(sha256, String(existing))
      return
    }
    const inserted = this.db
      .prepare(
        `INSERT INTO models (name, notes, source_file_name, source_sha256, imported_at, definition_json, warnings_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`
      )
      .run(
        model.name,
        model.notes,
        model.sourceFileName,
        sha256,
        model.importedAt,
        json(model.definition),
        json(model.warnings)
      )
    this.result.modelsAdded++
    this.modelIds.set(sha256, String(inserted.lastInsertRowid))
  }

  calibration(hash: string, calibration: TransferCalibration): void {
    const { profile } = calibration
    let profileId = this.db
      .prepare<[string, string, string], number>(
        'SELECT id FROM device_profiles WHERE maker = ? AND model = ? AND serial = ?'
      )
      .pluck()
      .get(profile.maker, profile.model, profile.serial)
    if (profileId === undefined) {
      profileId = Number(
        this.db
          .prepare(
            `INSERT INTO device_profiles (name, maker, model, serial, firmware, settings_json, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
          )
          .run(
            profile.name,
            profile.maker,
            profile.model,
            profile.serial,
            profile.firmware,
            json(profile.settings),
            calibration.createdAt,
            calibration.createdAt
          ).lastInsertRowid
      )
      this.result.notes.push(
        `created device profile "${profile.name}" (${profile.maker} ${profile.model}, serial ${profile.serial}) for an imported calibration`
      )
    }
    const electrodesJson = json(calibration.electrodes)
    const overrideJson = jsonOrNull(calibration.rangeOverride)
    const candidates = this.db
      .prepare<[number], { id: number; electrodes_json: string; range_override_json: string | null }>(
        'SELECT id, electrodes_json, range_override_json FROM calibrations WHERE profile_id = ? ORDER BY version'
      )
      .all(profileId)
    const same = candidates.find(
      (row) => calibrationContentHash(profile, row.electrodes_json, row.range_override_json) === hash
    )
    if (same !== undefined) {
      this.result.calibrationsAlreadyPresent++
      this.calibrationIds.set(hash, { profileId, calibrationId: same.id })
      return
    }
    const version =
      (this.db
        .prepare<[number], number>('SELECT COALESCE(MAX(version), 0) FROM calibrations WHERE profile_id = ?')
        .pluck()
        .get(profileId) ?? 0) + 1
    const calibrationId = Number(
      this.db
        .prepare(
          `INSERT INTO calibrations (profile_id, version, created_at, notes, electrodes_json, range_override_json, measurement_id)
           VALUES (?, ?, ?, ?, ?, ?, NULL)`
        )
        .run(profileId, version, calibration.createdAt, calibration.notes, electrodesJson, overrideJson).lastInsertRowid
    )
    this.result.calibrationsAdded++
    this.calibrationIds.set(hash, { profileId, calibrationId })
  }

  run(run: TransferRun): void {
    const { record } = run
    const existing = this.db.prepare<[string], number>('SELECT id FROM runs WHERE uid = ?').pluck().get(record.uid)
    if (existing !== undefined) {
      this.result.runs.push({ sourceRunId: run.sourceRunId, runId: existing, added: false })
      return
    }
    const modelId = run.modelSha256 === null ? record.modelId : this.modelIds.get(run.modelSha256)!
    const device = run.calibrationHash === null ? null : this.calibrationIds.get(run.calibrationHash)!
    // The config names the model it trained on: it follows the model's id in this database.
    const config = record.config.modelId === record.modelId ? { ...record.config, modelId } : record.config
    // A surrogate training run's result names the model it made: the same model, under its id here.
    const surrogate = isObject(record.surrogate) ? { ...record.surrogate, modelId } : null
    const runId = Number(
      this.db
        .prepare(
          `INSERT INTO runs (uid, algorithm, task, model_id, config_json, seed, status, started_at, ended_at, steps,
             best_fitness, best_correlation, best_control_voltages_json, error, compute_backend, app_version,
             control_electrodes_json, best_outputs_json, targets_json, accuracy_json, capacity_json,
             surrogate_json, device_profile_id, calibration_id, name, starred, notes, notes_updated_at, owner_pid)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`
        )
        .run(
          record.uid,
          record.algorithm,
          record.task,
          modelId,
          json(config),
          record.seed,
          record.status,
          record.startedAt,
          record.endedAt,
          record.steps,
          record.bestFitness,
          record.bestCorrelation,
          jsonOrNull(record.bestControlVoltages),
          record.error,
          record.computeBackend,
          record.appVersion,
          jsonOrNull(record.controlElectrodes),
          jsonOrNull(record.bestOutputsNanoamps),
          jsonOrNull(record.targets),
          jsonOrNull(record.accuracy),
          jsonOrNull(record.capacity),
          jsonOrNull(surrogate),
          device?.profileId ?? null,
          device?.calibrationId ?? null,
          record.name,
          record.starred ? 1 : 0,
          record.notes,
          record.notesUpdatedAt
        ).lastInsertRowid
    )
    const insertTag = this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)')
    for (const tag of record.tags) insertTag.run(runId, tag)
    const insertStep = this.db.prepare(
      'INSERT INTO run_steps (run_id, step, metrics_json, payload_json) VALUES (?, ?, ?, ?)'
    )
    for (const step of run.steps) {
      insertStep.run(runId, step.step, json(step.metrics), step.payload === undefined ? null : json(step.payload))
    }
    if (run.checkpoint !== null) {
      this.db
        .prepare('INSERT INTO run_checkpoints (run_id, step, state_json, written_at) VALUES (?, ?, ?, ?)')
        .run(runId, run.checkpoint.step, json(run.checkpoint.state), run.checkpoint.writtenAt)
    }
    const measurementIds = new Map<number, number>()
    const insertMeasurement = this.db.prepare(
      `INSERT INTO measurements (kind, created_at, profile_id, run_id, label, channel_count, samples_per_channel,
         dac_rate_hz, plateau_length, slope_length, inputs_f32, readout_f32, plateau_mask, saturated, meta_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    )
    for (const m of run.measurements) {
      const inserted = insertMeasurement.run(
        m.kind,
        m.createdAt,
        m.onRunDevice ? (device?.profileId ?? null) : null,
        runId,
        m.label,
        m.channelCount,
        m.samplesPerChannel,
        m.dacRateHz,
        m.plateauLength,
        m.slopeLength,
        Buffer.from(m.inputsF32, 'base64'),
        Buffer.from(m.readoutF32, 'base64'),
        Buffer.from(m.plateauMask, 'base64'),
        m.saturated ? 1 : 0,
        json(m.meta)
      )
      measurementIds.set(m.id, Number(inserted.lastInsertRowid))
    }
    this.db
      .prepare('UPDATE runs SET validations_json = ? WHERE id = ?')
      .run(jsonOrNull(remapValidations(record.validations, measurementIds)), runId)
    this.result.runs.push({ sourceRunId: run.sourceRunId, runId, added: true })
  }
}

/** Writes the bundle's runs, models and calibrations in one transaction; nothing is written if any part fails. */
export function writeTransferredRuns(db: Database, bundle: TransferImport): TransferImportResult {
  return db
    .transaction((): TransferImportResult => {
      const writer = new TransferWriter(db)
      for (const [sha256, model] of bundle.models) writer.model(sha256, model)
      for (const [hash, calibration] of bundle.calibrations) writer.calibration(hash, calibration)
      for (const run of bundle.runs) writer.run(run)
      return writer.result
    })
    .immediate()
}
