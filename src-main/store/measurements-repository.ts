/**
 * Stored acquisitions: the activation stream that went out and the readout that came back, as
 * float32 BLOBs (exactly what crossed the wire), for the Waveforms view and its CSV export.
 * Calibration sweeps and validations on the device are kept; plain acquisitions (manual tests, the
 * last measurement) are pruned to the newest {@link KEPT_ACQUISITIONS}.
 */
import type BetterSqlite3 from 'better-sqlite3'
import type { MeasurementDetail, MeasurementKind, MeasurementSummary } from '../../src-shared/ipc'

type Database = BetterSqlite3.Database

export const KEPT_ACQUISITIONS = 50

export interface NewMeasurement {
  kind: MeasurementKind
  profileId: number | null
  runId: number | null
  label: string
  dacRateHz: number
  plateauLength: number
  slopeLength: number
  /** Activation electrodes' volts, interleaved by electrode (sample 0 of every electrode, then sample 1...). */
  inputsVolts: Float32Array
  electrodeCount: number
  /** One reading per DAC sample, nA. */
  readoutNanoamps: Float32Array
  plateauMask: readonly boolean[]
  saturated: boolean
  meta?: Record<string, unknown>
}

interface MeasurementRow {
  id: number
  kind: MeasurementKind
  created_at: string
  profile_id: number | null
  run_id: number | null
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

const SUMMARY_COLUMNS = 'id, kind, created_at, profile_id, run_id, label, samples_per_channel, saturated'

function toSummary(
  row: Pick<
    MeasurementRow,
    'id' | 'kind' | 'created_at' | 'profile_id' | 'run_id' | 'label' | 'samples_per_channel' | 'saturated'
  >
): MeasurementSummary {
  return {
    id: row.id,
    kind: row.kind,
    createdAt: row.created_at,
    profileId: row.profile_id,
    runId: row.run_id,
    label: row.label,
    samplesPerChannel: row.samples_per_channel,
    saturated: row.saturated === 1
  }
}

function float32Of(blob: Buffer): Float32Array {
  // Copy: a Buffer from SQLite may not be 4-byte aligned.
  const bytes = new Uint8Array(blob)
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
}

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength)
}

/** The mean of each contiguous run of plateau samples, in order. */
export function plateauMeans(readout: ArrayLike<number>, mask: readonly boolean[]): number[] {
  const means: number[] = []
  let sum = 0
  let count = 0
  for (let i = 0; i <= mask.length; i++) {
    if (i < mask.length && mask[i]) {
      sum += readout[i]!
      count++
    } else if (count > 0) {
      means.push(sum / count)
      sum = 0
      count = 0
    }
  }
  return means
}

export class MeasurementsRepository {
  constructor(private readonly db: Database) {}

  add(measurement: NewMeasurement): MeasurementSummary {
    const samples = measurement.readoutNanoamps.length
    if (measurement.inputsVolts.length !== samples * measurement.electrodeCount) {
      throw new Error(
        `measurement: ${measurement.inputsVolts.length} input samples do not make ${measurement.electrodeCount} electrodes x ${samples} readings`
      )
    }
    if (measurement.plateauMask.length !== samples) {
      throw new Error(
        `measurement: the plateau mask has ${measurement.plateauMask.length} entries for ${samples} readings`
      )
    }
    return this.db.transaction(() => {
      const result = this.db
        .prepare(
          `INSERT INTO measurements (kind, created_at, profile_id, run_id, label, channel_count, samples_per_channel,
             dac_rate_hz, plateau_length, slope_length, inputs_f32, readout_f32, plateau_mask, saturated, meta_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          measurement.kind,
          new Date().toISOString(),
          measurement.profileId,
          measurement.runId,
          measurement.label,
          measurement.electrodeCount,
          samples,
          measurement.dacRateHz,
          measurement.plateauLength,
          measurement.slopeLength,
          bytesOf(measurement.inputsVolts),
          bytesOf(measurement.readoutNanoamps),
          Buffer.from(measurement.plateauMask.map((on) => (on ? 1 : 0))),
          measurement.saturated ? 1 : 0,
          JSON.stringify(measurement.meta ?? {})
        )
      if (measurement.kind === 'acquisition') {
        this.db
          .prepare(
            `DELETE FROM measurements WHERE kind = 'acquisition' AND id NOT IN
               (SELECT id FROM measurements WHERE kind = 'acquisition' ORDER BY id DESC LIMIT ?)`
          )
          .run(KEPT_ACQUISITIONS)
      }
      return this.summary(Number(result.lastInsertRowid))!
    })()
  }

  private summary(id: number): MeasurementSummary | null {
    const row = this.db
      .prepare<[number], MeasurementRow>(`SELECT ${SUMMARY_COLUMNS} FROM measurements WHERE id = ?`)
      .get(id)
    return row ? toSummary(row) : null
  }

  /** Newest first. */
  list(limit = 200): MeasurementSummary[] {
    return this.db
      .prepare<[number], MeasurementRow>(`SELECT ${SUMMARY_COLUMNS} FROM measurements ORDER BY id DESC LIMIT ?`)
      .all(limit)
      .map(toSummary)
  }

  get(id: number): MeasurementDetail | null {
    const row = this.db.prepare<[number], MeasurementRow>('SELECT * FROM measurements WHERE id = ?').get(id)
    if (!row) return null
    const interleaved = float32Of(row.inputs_f32)
    const electrodes = row.channel_count
    const samples = row.samples_per_channel
    const inputsVolts = Array.from({ length: electrodes }, (_, electrode) => {
      const series = new Array<number>(samples)
      for (let s = 0; s < samples; s++) series[s] = interleaved[s * electrodes + electrode]!
      return series
    })
    const readoutNanoamps = Array.from(float32Of(row.readout_f32))
    const plateauMask = Array.from(row.plateau_mask, (byte) => byte === 1)
    return {
      ...toSummary(row),
      dacRateHz: row.dac_rate_hz,
      plateauLength: row.plateau_length,
      slopeLength: row.slope_length,
      inputsVolts,
      readoutNanoamps,
      plateauMask,
      plateauMeansNanoamps: plateauMeans(readoutNanoamps, plateauMask)
    }
  }
}
