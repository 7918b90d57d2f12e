/**
 * Datasets: sampling sessions of a device, the training data of its surrogate (migration 11).
 * Each chunk (one acquisition) is stored in one transaction as it arrives, every sample raw
 * (inputs, outputs and which outputs sat at the ADC's clipping value); `readDataset` applies the
 * post-processing (clipped samples dropped) for the training step. A chunk index is stored at most
 * once per dataset (primary key): a resume that repeated one fails instead of doubling it.
 */
import type BetterSqlite3 from 'better-sqlite3'

type Database = BetterSqlite3.Database

// The dataset's types are the IPC contract's: the Sampling view shows them as stored.
import type { DatasetDetail, DatasetSettings, DatasetStatus, DatasetSummary } from '../../src-shared/ipc/sampling'
export type { DatasetDetail, DatasetSettings, DatasetStatus, DatasetSummary }

export interface NewDatasetChunk {
  chunkIndex: number
  /** chunk samples x electrodes volts, interleaved by electrode. */
  inputsVolts: Float32Array
  /** One output per sample, nA. */
  outputsNanoamps: Float32Array
  /** One flag per sample: the output sat at the clipping value. */
  clipped: readonly boolean[]
}

/** A dataset as the training step reads it: clipped samples dropped. */
export interface DatasetArrays {
  /** N x electrodes volts, row-major. */
  inputsVolts: Float32Array
  /** N outputs, nA. */
  outputsNanoamps: Float32Array
  electrodeRanges: [number, number][]
  amplification: number
  /** The ADC's range in nA (the clipping value). */
  clipping: [number, number]
  /** Samples dropped because their output sat at the clipping value. */
  clippedDropped: number
}

interface DatasetRow {
  id: number
  profile_id: number
  calibration_id: number
  settings_json: string
  status: DatasetStatus
  chunk_count_target: number
  error: string | null
  created_at: string
  updated_at: string
  chunks_stored: number
  sample_count: number
  clipped_count: number
}

const SELECT_DATASETS = `
  SELECT d.*, count(c.chunk_index) AS chunks_stored,
         coalesce(sum(c.sample_count), 0) AS sample_count, coalesce(sum(c.clipped_count), 0) AS clipped_count
  FROM datasets d LEFT JOIN dataset_chunks c ON c.dataset_id = d.id`

function toSummary(row: DatasetRow): DatasetSummary {
  return {
    id: row.id,
    profileId: row.profile_id,
    calibrationId: row.calibration_id,
    status: row.status,
    chunkCountTarget: row.chunk_count_target,
    chunksStored: row.chunks_stored,
    sampleCount: row.sample_count,
    clippedCount: row.clipped_count,
    keptCount: row.sample_count - row.clipped_count,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }
}

function float32Of(blob: Buffer): Float32Array {
  // Copied: a Buffer from SQLite may not be 4-byte aligned.
  const bytes = new Uint8Array(blob)
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
}

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength)
}

export class DatasetsRepository {
  constructor(private readonly db: Database) {}

  create(profileId: number, calibrationId: number, settings: DatasetSettings, chunkCountTarget: number): DatasetDetail {
    if (!Number.isSafeInteger(chunkCountTarget) || chunkCountTarget < 1)
      throw new RangeError(`a dataset needs at least 1 chunk, got ${chunkCountTarget}`)
    const now = new Date().toISOString()
    const { lastInsertRowid } = this.db
      .prepare(
        `INSERT INTO datasets (profile_id, calibration_id, settings_json, status, chunk_count_target, created_at, updated_at)
         VALUES (?, ?, ?, 'sampling', ?, ?, ?)`
      )
      .run(profileId, calibrationId, JSON.stringify(settings), chunkCountTarget, now, now)
    return this.get(Number(lastInsertRowid))!
  }

  get(id: number): DatasetDetail | null {
    const row = this.db.prepare<[number], DatasetRow>(`${SELECT_DATASETS} WHERE d.id = ? GROUP BY d.id`).get(id)
    return row ? { ...toSummary(row), settings: JSON.parse(row.settings_json) as DatasetSettings } : null
  }

  /** Newest first. */
  list(): DatasetSummary[] {
    return this.db.prepare<[], DatasetRow>(`${SELECT_DATASETS} GROUP BY d.id ORDER BY d.id DESC`).all().map(toSummary)
  }

  setStatus(id: number, status: DatasetStatus, error: string | null = null): void {
    const { changes } = this.db
      .prepare('UPDATE datasets SET status = ?, error = ?, updated_at = ? WHERE id = ?')
      .run(status, error, new Date().toISOString(), id)
    if (changes !== 1) throw new Error(`no dataset ${id}`)
  }

  /**
   * At start-up: datasets left `sampling` by a process that ended mid-session become
   * `interrupted` (their complete chunks stay, a resume completes them). Returns their ids.
   */
  markSamplingAsInterrupted(message: string): number[] {
    const ids = this.db
      .prepare<[], number>(`SELECT id FROM datasets WHERE status = 'sampling' ORDER BY id`)
      .pluck()
      .all()
    const mark = this.db.prepare(`UPDATE datasets SET status = 'interrupted', error = ?, updated_at = ? WHERE id = ?`)
    const now = new Date().toISOString()
    this.db.transaction(() => ids.forEach((id) => mark.run(message, now, id)))()
    return ids
  }

  /** Stores one chunk and touches its dataset, in one transaction; a chunk index stored before fails. */
  addChunk(datasetId: number, chunk: NewDatasetChunk): void {
    const samples = chunk.outputsNanoamps.length
    if (chunk.clipped.length !== samples || samples === 0 || chunk.inputsVolts.length % samples !== 0) {
      throw new RangeError(
        `chunk ${chunk.chunkIndex}: ${chunk.inputsVolts.length} input values, ${samples} outputs and ${chunk.clipped.length} clip flags do not describe the same samples`
      )
    }
    const now = new Date().toISOString()
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO dataset_chunks (dataset_id, chunk_index, inputs_f32, outputs_f32, clipped_mask, sample_count, clipped_count, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          datasetId,
          chunk.chunkIndex,
          bytesOf(chunk.inputsVolts),
          bytesOf(chunk.outputsNanoamps),
          Buffer.from(chunk.clipped.map((clipped) => (clipped ? 1 : 0))),
          samples,
          chunk.clipped.filter(Boolean).length,
          now
        )
      this.db.prepare('UPDATE datasets SET updated_at = ? WHERE id = ?').run(now, datasetId)
    })()
  }

  /** The chunk indexes not stored yet, in order (a resume plays exactly these). */
  missingChunks(id: number): number[] {
    const dataset = this.get(id)
    if (!dataset) throw new Error(`no dataset ${id}`)
    const stored = new Set(
      this.db.prepare<[number], number>('SELECT chunk_index FROM dataset_chunks WHERE dataset_id = ?').pluck().all(id)
    )
    return Array.from({ length: dataset.chunkCountTarget }, (_, index) => index).filter((index) => !stored.has(index))
  }

  /** Stored chunk indexes, in order. */
  chunkIndexes(id: number): number[] {
    return this.db
      .prepare<[number], number>('SELECT chunk_index FROM dataset_chunks WHERE dataset_id = ? ORDER BY chunk_index')
      .pluck()
      .all(id)
  }

  /** Every stored chunk merged in chunk order, clipped samples dropped (the reference's post-processing). */
  readDataset(id: number): DatasetArrays {
    const dataset = this.get(id)
    if (!dataset) throw new Error(`no dataset ${id}`)
    const electrodes = dataset.settings.electrodeRangesVolts.length
    const kept = dataset.keptCount
    const inputsVolts = new Float32Array(kept * electrodes)
    const outputsNanoamps = new Float32Array(kept)
    const rows = this.db
      .prepare<[number], { inputs_f32: Buffer; outputs_f32: Buffer; clipped_mask: Buffer; sample_count: number }>(
        'SELECT inputs_f32, outputs_f32, clipped_mask, sample_count FROM dataset_chunks WHERE dataset_id = ? ORDER BY chunk_index'
      )
      .iterate(id)
    let at = 0
    for (const row of rows) {
      const inputs = float32Of(row.inputs_f32)
      const outputs = float32Of(row.outputs_f32)
      if (outputs.length !== row.sample_count || inputs.length !== row.sample_count * electrodes)
        throw new Error(`dataset ${id} has a chunk whose samples do not match its ${electrodes} electrodes`)
      for (let s = 0; s < row.sample_count; s++) {
        if (row.clipped_mask[s] === 1) continue
        inputsVolts.set(inputs.subarray(s * electrodes, (s + 1) * electrodes), at * electrodes)
        outputsNanoamps[at] = outputs[s]!
        at++
      }
    }
    return {
      inputsVolts,
      outputsNanoamps,
      electrodeRanges: dataset.settings.electrodeRangesVolts,
      amplification: dataset.settings.amplificationNanoampsPerVolt,
      clipping: dataset.settings.clippingNanoamps,
      clippedDropped: dataset.clippedCount
    }
  }
}
