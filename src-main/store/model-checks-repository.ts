/**
 * Consistency checks of surrogate models against the device (migration 13): each model's
 * reference batch (points measured once, played again by every check) and the history of its
 * checks. Only models stored in the `models` table have them: the foreign keys make a batch or a
 * check of an unknown model impossible, and deleting a model deletes both.
 *
 * Reads are bounded: a BLOB whose length does not match its row's point and electrode counts
 * (a damaged or hostile file) is refused, naming the row, before any array is allocated from it.
 */
import type BetterSqlite3 from 'better-sqlite3'
import type { ModelCheck, ReferenceBatchSource, ReferenceBatchSummary } from '../../src-shared/ipc/model-checks'

export type { ModelCheck, ReferenceBatchSource, ReferenceBatchSummary }

type Database = BetterSqlite3.Database

export interface NewReferenceBatch {
  /** Row-major, pointCount x electrodeCount activation voltages. */
  inputsVolts: Float32Array
  electrodeCount: number
  /** Measured on the device when the batch was stored, one per point. */
  outputsNanoamps: Float32Array
  source: ReferenceBatchSource
  profileId: number | null
  calibrationId: number | null
  createdAt?: Date
}

export interface ReferenceBatch extends ReferenceBatchSummary {
  inputsVolts: Float32Array
  outputsNanoamps: Float32Array
}

export interface NewModelCheck {
  profileId: number
  calibrationId: number
  /** Now measured vs the reference batch's measured outputs. */
  driftRmseNanoamps: number
  /** The model's prediction vs now measured. */
  modelRmseNanoamps: number
  /** The model's prediction vs the reference's measured outputs: its error when the batch was stored. */
  referenceModelRmseNanoamps: number
  /** Pearson correlation of the model's prediction with now measured; null when undefined (constant outputs). */
  correlation: number | null
  /** max - min of now measured. */
  outputRangeNanoamps: number
  /** Now measured, one per point of the reference batch. */
  outputsNanoamps: Float32Array
  note?: string
  checkedAt?: Date
}

interface BatchRow {
  model_id: number
  created_at: string
  source: ReferenceBatchSource
  point_count: number
  electrode_count: number
  inputs: Buffer
  outputs: Buffer
  profile_id: number | null
  calibration_id: number | null
}

interface CheckRow {
  id: number
  model_id: number
  checked_at: string
  profile_id: number
  calibration_id: number
  point_count: number
  drift_rmse_nanoamps: number
  model_rmse_nanoamps: number
  reference_model_rmse_nanoamps: number
  correlation: number | null
  output_range_nanoamps: number
  note: string
}

/** A batch needs no more: 512 points is what a check measures; a training test set may be bigger. */
export const MAX_REFERENCE_POINTS = 100_000
const MAX_ELECTRODES = 64

/** `"3"` -> 3; anything else (e.g. the bundled `"demo"`) is not a stored model. */
function rowId(modelId: string): number | null {
  return /^[1-9]\d*$/.test(modelId) ? Number(modelId) : null
}

function requireRowId(modelId: string): number {
  const id = rowId(modelId)
  if (id === null)
    throw new Error(
      `modelId: "${modelId}" is not a stored model (reference batches and checks are kept for imported or trained models)`
    )
  return id
}

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength)
}

/** The BLOB as float32 values, after checking it holds exactly `count` of them. */
function float32Of(blob: unknown, count: number, what: string): Float32Array {
  if (!Buffer.isBuffer(blob)) throw new Error(`${what} is not a BLOB`)
  if (blob.byteLength !== count * 4)
    throw new Error(`${what} holds ${blob.byteLength} bytes, expected ${count * 4} (${count} float32 values)`)
  // Copied: a Buffer from SQLite may not be 4-byte aligned.
  const bytes = new Uint8Array(blob)
  return new Float32Array(bytes.buffer, bytes.byteOffset, count)
}

function checkCount(value: unknown, max: number, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max)
    throw new Error(`${what} is ${String(value)}, expected a whole number in 1..${max}`)
  return value as number
}

function summaryOf(row: BatchRow): ReferenceBatchSummary {
  const where = `model_reference_batches row of model ${row.model_id}`
  return {
    modelId: String(row.model_id),
    createdAt: row.created_at,
    source: row.source,
    pointCount: checkCount(row.point_count, MAX_REFERENCE_POINTS, `${where}: point_count`),
    electrodeCount: checkCount(row.electrode_count, MAX_ELECTRODES, `${where}: electrode_count`),
    profileId: row.profile_id,
    calibrationId: row.calibration_id
  }
}

function checkOf(row: CheckRow): ModelCheck {
  return {
    id: row.id,
    modelId: String(row.model_id),
    checkedAt: row.checked_at,
    profileId: row.profile_id,
    calibrationId: row.calibration_id,
    pointCount: row.point_count,
    driftRmseNanoamps: row.drift_rmse_nanoamps,
    modelRmseNanoamps: row.model_rmse_nanoamps,
    referenceModelRmseNanoamps: row.reference_model_rmse_nanoamps,
    correlation: row.correlation,
    outputRangeNanoamps: row.output_range_nanoamps,
    note: row.note
  }
}

function finite(value: number, what: string): number {
  if (!Number.isFinite(value)) throw new Error(`${what} must be a finite number, got ${value}`)
  return value
}

export class ModelChecksRepository {
  constructor(private readonly db: Database) {}

  /**
   * Stores the model's reference batch. Refused when it already has one: every check compares
   * with the same batch, so replacing it would make the history incomparable.
   */
  saveReferenceBatch(modelId: string, batch: NewReferenceBatch): ReferenceBatchSummary {
    const id = requireRowId(modelId)
    const electrodes = checkCount(batch.electrodeCount, MAX_ELECTRODES, 'electrodeCount')
    const points = batch.outputsNanoamps.length
    checkCount(points, MAX_REFERENCE_POINTS, 'outputsNanoamps: the point count')
    if (batch.inputsVolts.length !== points * electrodes)
      throw new Error(
        `inputsVolts has ${batch.inputsVolts.length} values, expected ${points} points x ${electrodes} electrodes`
      )
    if (!batch.inputsVolts.every(Number.isFinite)) throw new Error('inputsVolts: every voltage must be finite')
    if (!batch.outputsNanoamps.every(Number.isFinite)) throw new Error('outputsNanoamps: every output must be finite')
    this.db.transaction(() => {
      if (!this.db.prepare('SELECT 1 FROM models WHERE id = ?').get(id))
        throw new Error(`modelId: no stored model ${modelId}`)
      if (this.db.prepare('SELECT 1 FROM model_reference_batches WHERE model_id = ?').get(id))
        throw new Error(
          `model ${modelId} already has a reference batch: every check compares with that one, so it is never replaced`
        )
      this.db
        .prepare(
          `INSERT INTO model_reference_batches
             (model_id, created_at, source, point_count, electrode_count, inputs, outputs, profile_id, calibration_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          id,
          (batch.createdAt ?? new Date()).toISOString(),
          batch.source,
          points,
          electrodes,
          bytesOf(batch.inputsVolts),
          bytesOf(batch.outputsNanoamps),
          batch.profileId,
          batch.calibrationId
        )
    })()
    return this.referenceBatchSummary(modelId)!
  }

  /** The batch's metadata without its arrays (what a list shows), or null. */
  referenceBatchSummary(modelId: string): ReferenceBatchSummary | null {
    const id = rowId(modelId)
    if (id === null) return null
    const row = this.db
      .prepare<[number], Omit<BatchRow, 'inputs' | 'outputs'>>(
        `SELECT model_id, created_at, source, point_count, electrode_count, profile_id, calibration_id
         FROM model_reference_batches WHERE model_id = ?`
      )
      .get(id)
    return row ? summaryOf({ ...row, inputs: Buffer.alloc(0), outputs: Buffer.alloc(0) }) : null
  }

  /** The model's reference batch, or null; refused (naming the row) when its arrays do not match its counts. */
  referenceBatch(modelId: string): ReferenceBatch | null {
    const id = rowId(modelId)
    if (id === null) return null
    // Counts and lengths first, so a hostile row cannot make us read or allocate a huge BLOB.
    const sizes = this.db
      .prepare<
        [number],
        { point_count: unknown; electrode_count: unknown; inputs_bytes: unknown; outputs_bytes: unknown }
      >(
        `SELECT point_count, electrode_count, length(inputs) AS inputs_bytes, length(outputs) AS outputs_bytes
         FROM model_reference_batches WHERE model_id = ?`
      )
      .get(id)
    if (!sizes) return null
    const where = `model_reference_batches row of model ${id}`
    const points = checkCount(sizes.point_count, MAX_REFERENCE_POINTS, `${where}: point_count`)
    const electrodes = checkCount(sizes.electrode_count, MAX_ELECTRODES, `${where}: electrode_count`)
    if (sizes.inputs_bytes !== points * electrodes * 4)
      throw new Error(
        `${where}: inputs holds ${String(sizes.inputs_bytes)} bytes, expected ${points * electrodes * 4} (${points} points x ${electrodes} electrodes, float32)`
      )
    if (sizes.outputs_bytes !== points * 4)
      throw new Error(
        `${where}: outputs holds ${String(sizes.outputs_bytes)} bytes, expected ${points * 4} (${points} points, float32)`
      )
    const row = this.db.prepare<[number], BatchRow>('SELECT * FROM model_reference_batches WHERE model_id = ?').get(id)!
    return {
      ...summaryOf(row),
      inputsVolts: float32Of(row.inputs, points * electrodes, `${where}: inputs`),
      outputsNanoamps: float32Of(row.outputs, points, `${where}: outputs`)
    }
  }

  /** Stores one check of the model against its reference batch; returns it. */
  addCheck(modelId: string, check: NewModelCheck): ModelCheck {
    const id = requireRowId(modelId)
    const batch = this.referenceBatchSummary(modelId)
    if (!batch) throw new Error(`model ${modelId} has no reference batch: a check compares with it`)
    if (check.outputsNanoamps.length !== batch.pointCount)
      throw new Error(
        `outputsNanoamps has ${check.outputsNanoamps.length} values, but the reference batch of model ${modelId} has ${batch.pointCount} points`
      )
    const correlation = check.correlation === null ? null : finite(check.correlation, 'correlation')
    const result = this.db
      .prepare(
        `INSERT INTO model_checks
           (model_id, checked_at, profile_id, calibration_id, point_count, drift_rmse_nanoamps, model_rmse_nanoamps,
            reference_model_rmse_nanoamps, correlation, output_range_nanoamps, outputs, note)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(
        id,
        (check.checkedAt ?? new Date()).toISOString(),
        check.profileId,
        check.calibrationId,
        batch.pointCount,
        finite(check.driftRmseNanoamps, 'driftRmseNanoamps'),
        finite(check.modelRmseNanoamps, 'modelRmseNanoamps'),
        finite(check.referenceModelRmseNanoamps, 'referenceModelRmseNanoamps'),
        correlation,
        finite(check.outputRangeNanoamps, 'outputRangeNanoamps'),
        bytesOf(check.outputsNanoamps),
        check.note ?? ''
      )
    return this.listChecks(modelId).find((stored) => stored.id === Number(result.lastInsertRowid))!
  }

  /** Every check of the model, newest first (the outputs BLOBs are not read: see checkOutputs). */
  listChecks(modelId: string): ModelCheck[] {
    const id = rowId(modelId)
    if (id === null) return []
    return this.db
      .prepare<[number], CheckRow>(
        `SELECT id, model_id, checked_at, profile_id, calibration_id, point_count, drift_rmse_nanoamps,
                model_rmse_nanoamps, reference_model_rmse_nanoamps, correlation, output_range_nanoamps, note
         FROM model_checks WHERE model_id = ? ORDER BY checked_at DESC, id DESC`
      )
      .all(id)
      .map(checkOf)
  }

  /** The outputs one check measured, or null; refused (naming the row) when the BLOB does not match its point count. */
  checkOutputs(checkId: number): Float32Array | null {
    const sizes = this.db
      .prepare<[number], { point_count: unknown; outputs_bytes: unknown }>(
        'SELECT point_count, length(outputs) AS outputs_bytes FROM model_checks WHERE id = ?'
      )
      .get(checkId)
    if (!sizes) return null
    const where = `model_checks row ${checkId}`
    const points = checkCount(sizes.point_count, MAX_REFERENCE_POINTS, `${where}: point_count`)
    if (sizes.outputs_bytes !== points * 4)
      throw new Error(`${where}: outputs holds ${String(sizes.outputs_bytes)} bytes, expected ${points * 4}`)
    const blob = this.db.prepare<[number], Buffer>('SELECT outputs FROM model_checks WHERE id = ?').pluck().get(checkId)
    return float32Of(blob, points, `${where}: outputs`)
  }
}
