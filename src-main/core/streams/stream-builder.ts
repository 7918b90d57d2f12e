// The pure half of the instrument processor: points (rows x activation electrodes, volts) become
// activation streams for the instrument, and the readout comes back as one value per point
// (plateau averaging) or every plateau sample (raw plateaus).
//
// The waveform layout is functions/waveform.ts's (ramp up from 0 V, plateau per point, ramps
// between points, ramp back to exactly 0 V), built by its pointsToWaveform.
//
// Slope lengthening (slew limit). A ramp of s samples from 0 V to p (or from p to 0 V) steps
// |p| / s per sample; a ramp of s samples between points a and b steps |b - a| / (s + 1). The
// instrument refuses any step above slew / dacRate, so the slope length is raised (never
// lowered) to the smallest s for which every step of the stream is within it:
//   s >= ceil(|p| / maxStep) for the first and the last point of each acquisition,
//   s >= ceil(|b - a| / maxStep) - 1 for consecutive points of an acquisition.
// One slope length serves the whole point set, so every acquisition has the same shape and the
// same mask rule (generateMask). A set that fits one acquisition gets the smallest such s. A set
// split into several acquisitions gets the s that makes *every* point safe to start or end
// an acquisition at (s >= ceil(max |p| / maxStep)); the split depends on s, so this avoids
// a circular choice, at the price of slopes possibly longer than one acquisition alone needs.
// With s = 0 (no slope) the stream starts and ends at the first and last point, which is only
// allowed when those are exactly 0 V; the rule above gives s >= 1 otherwise.
//
// Points are rounded to float32 before the ramps are computed, so plateaus are exactly what is
// sent and every ramp sample, rounded to float32, stays between the two float32 values it
// joins (float32 rounding is monotonic): a point inside its float32-rounded range keeps the
// whole stream inside it.

import { pointsToPlateaus, pointsToWaveform } from '../functions/waveform.js'
import { maxStepVolts } from './stream-safety.js'

export interface PlateauShape {
  /** Samples each point is held (>= 1). */
  plateauLength: number
  /** Samples of every ramp (>= 0); may be lengthened to respect the slew limit. */
  slopeLength: number
}

export interface BuildStreamsOptions {
  /** Activation channels (electrodes); each point row has this many volts. */
  channelCount: number
  shape: PlateauShape
  dacRateHz: number
  slewVoltsPerSecond: number
  /** Most samples per channel in one acquisition (`WAV:POIN:MAX?`). */
  maxSamplesPerChannel: number
}

/** A half-open sample range [start, end) of one plateau within an acquisition. */
export interface PlateauRange {
  start: number
  end: number
}

/** One upload + INIT + FETC? cycle. */
export interface Acquisition {
  /** Samples interleaved by channel (s0ch0, s0ch1, ..., s1ch0, ...); first and last sample 0 V. */
  stream: Float32Array
  /** Samples per channel. */
  sampleCount: number
  /** True on plateau samples (the "real" ones). */
  mask: boolean[]
  /** One range per point, in point order. */
  plateaus: PlateauRange[]
  /** Index (in the whole point set) of this acquisition's first point. */
  firstPoint: number
  pointCount: number
}

export interface StreamPlan {
  channelCount: number
  pointCount: number
  /** The shape actually used (slopeLength possibly lengthened). */
  shape: PlateauShape
  /** The slope length asked for. */
  requestedSlopeLength: number
  /** True when slopeLength was raised to respect the slew limit. */
  slopeLengthened: boolean
  acquisitions: Acquisition[]
  /** Samples per channel over all acquisitions. */
  totalSamples: number
  /** Playback time over all acquisitions at the DAC rate. */
  playbackSeconds: number
}

export type ReadoutMode = 'average' | 'raw'

function checkPositiveInteger(value: number, what: string, min = 1): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${what} must be an integer >= ${min}, got ${value}`)
}

function checkPositive(value: number, what: string): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${what} must be a positive number, got ${value}`)
}

function checkShape(shape: PlateauShape): void {
  if (typeof shape !== 'object' || shape === null) throw new RangeError('shape must be { plateauLength, slopeLength }')
  checkPositiveInteger(shape.plateauLength, 'plateauLength', 1)
  checkPositiveInteger(shape.slopeLength, 'slopeLength', 0)
}

/** Samples per channel of an acquisition of `pointCount` points. */
export function acquisitionLength(pointCount: number, { plateauLength, slopeLength }: PlateauShape): number {
  return slopeLength + pointCount * (plateauLength + slopeLength)
}

/** Rows (float32-rounded) of a row-major Float32Array or nested array, checked finite and rectangular. */
function toRows(
  pointsVolts: Float32Array | readonly (readonly number[])[],
  rowCount: number,
  channelCount: number
): number[][] {
  const rows: number[][] = []
  if (pointsVolts instanceof Float32Array) {
    if (pointsVolts.length !== rowCount * channelCount) {
      throw new RangeError(
        `points hold ${pointsVolts.length} values, expected ${rowCount} rows x ${channelCount} electrodes = ${rowCount * channelCount}`
      )
    }
    for (let r = 0; r < rowCount; r += 1)
      rows.push(Array.from(pointsVolts.subarray(r * channelCount, (r + 1) * channelCount)))
  } else {
    if (!Array.isArray(pointsVolts) || pointsVolts.length !== rowCount) {
      throw new RangeError(
        `points must have ${rowCount} rows, got ${Array.isArray(pointsVolts) ? pointsVolts.length : typeof pointsVolts}`
      )
    }
    pointsVolts.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== channelCount)
        throw new RangeError(`point ${r} must have ${channelCount} voltages (one per electrode)`)
      rows.push(row.map((v) => Math.fround(v)))
    })
  }
  rows.forEach((row, r) =>
    row.forEach((v, c) => {
      if (!Number.isFinite(v)) throw new RangeError(`point ${r} electrode ${c} is ${v} V, not a finite voltage`)
    })
  )
  return rows
}

/** Smallest slope length (>= 0) whose ramps never step more than maxStep (see the top comment). */
function slewSlopeLength(rows: readonly (readonly number[])[], maxStep: number, everyPointIsAnEnd: boolean): number {
  let s = 0
  const needFromZero = (row: readonly number[]): void => {
    for (const v of row) s = Math.max(s, Math.ceil(Math.abs(v) / maxStep))
  }
  if (everyPointIsAnEnd) rows.forEach(needFromZero)
  else {
    needFromZero(rows[0]!)
    needFromZero(rows[rows.length - 1]!)
  }
  for (let r = 1; r < rows.length; r += 1) {
    const a = rows[r - 1]!
    const b = rows[r]!
    for (let c = 0; c < a.length; c += 1) s = Math.max(s, Math.ceil(Math.abs(b[c]! - a[c]!) / maxStep) - 1)
  }
  return s
}

function buildAcquisition(
  rows: readonly (readonly number[])[],
  firstPoint: number,
  shape: PlateauShape,
  channelCount: number
): Acquisition {
  const wave = pointsToWaveform(rows, shape)
  const sampleCount = wave.length
  const stream = new Float32Array(sampleCount * channelCount)
  wave.forEach((row, i) => stream.set(row, i * channelCount))
  const mask = new Array<boolean>(sampleCount).fill(false)
  const plateaus: PlateauRange[] = []
  const { plateauLength: p, slopeLength: s } = shape
  for (let k = 0; k < rows.length; k += 1) {
    const start = s + k * (p + s)
    plateaus.push({ start, end: start + p })
    mask.fill(true, start, start + p)
  }
  return { stream, sampleCount, mask, plateaus, firstPoint, pointCount: rows.length }
}

/**
 * Points (rowCount rows x channelCount volts, row-major Float32Array or nested rows) -> the
 * acquisitions that play them: slopes lengthened to respect the slew limit, split into
 * acquisitions of at most maxSamplesPerChannel samples, each starting and ending at 0 V.
 * Ranges are not checked here: run every stream through assertStreamSafe before sending it.
 */
export function buildStreams(
  pointsVolts: Float32Array | readonly (readonly number[])[],
  rowCount: number,
  options: BuildStreamsOptions
): StreamPlan {
  const { channelCount, shape, dacRateHz, slewVoltsPerSecond, maxSamplesPerChannel } = options
  checkPositiveInteger(channelCount, 'channelCount')
  checkPositiveInteger(rowCount, 'rowCount (points)')
  checkShape(shape)
  checkPositive(dacRateHz, 'dacRateHz')
  checkPositive(slewVoltsPerSecond, 'slewVoltsPerSecond')
  checkPositiveInteger(maxSamplesPerChannel, 'maxSamplesPerChannel')
  const rows = toRows(pointsVolts, rowCount, channelCount)
  const maxStep = maxStepVolts(slewVoltsPerSecond, dacRateHz)
  const p = shape.plateauLength

  let s = Math.max(shape.slopeLength, slewSlopeLength(rows, maxStep, false))
  let perAcquisition = rowCount
  if (acquisitionLength(rowCount, { plateauLength: p, slopeLength: s }) > maxSamplesPerChannel) {
    s = Math.max(shape.slopeLength, slewSlopeLength(rows, maxStep, true))
    perAcquisition = Math.floor((maxSamplesPerChannel - s) / (p + s))
    if (perAcquisition < 1) {
      throw new RangeError(
        `one point needs ${acquisitionLength(1, { plateauLength: p, slopeLength: s })} samples (plateau ${p}, slopes ${s}), ` +
          `more than the ${maxSamplesPerChannel} samples of one acquisition: shorten the plateau or raise the slew limit or DAC rate`
      )
    }
  }
  const used: PlateauShape = { plateauLength: p, slopeLength: s }
  const acquisitions: Acquisition[] = []
  for (let first = 0; first < rowCount; first += perAcquisition) {
    acquisitions.push(buildAcquisition(rows.slice(first, first + perAcquisition), first, used, channelCount))
  }
  const totalSamples = acquisitions.reduce((sum, a) => sum + a.sampleCount, 0)
  return {
    channelCount,
    pointCount: rowCount,
    shape: used,
    requestedSlopeLength: shape.slopeLength,
    slopeLengthened: s > shape.slopeLength,
    acquisitions,
    totalSamples,
    playbackSeconds: totalSamples / dacRateHz
  }
}

export interface ReadoutOptions {
  /** Readout (ADC) channels interleaved in the readout block. */
  readoutChannelCount: number
  /**
   * ADC readings per DAC sample (1 with `SENS:AVER ON`, else ADC rate / DAC rate). Every
   * reading of a plateau sample counts as a plateau reading.
   */
  readingsPerSample?: number | undefined
}

/**
 * One acquisition's readout (float32 volts interleaved by readout channel) -> its plateau
 * values, row-major rows x readout channels:
 * - 'average': one row per point, the mean over its plateau (brains-py's average_plateaus);
 * - 'raw': every plateau reading in time order (plateauLength x readingsPerSample rows per
 *   point); line targets up with repeatTargetsPerPlateauSample.
 */
export function readoutToPoints(
  readout: Float32Array,
  acquisition: Pick<Acquisition, 'sampleCount' | 'plateaus'>,
  mode: ReadoutMode,
  options: ReadoutOptions
): Float32Array {
  const { readoutChannelCount: m } = options
  const ratio = options.readingsPerSample ?? 1
  checkPositiveInteger(m, 'readoutChannelCount')
  checkPositiveInteger(ratio, 'readingsPerSample')
  if (mode !== 'average' && mode !== 'raw')
    throw new RangeError(`readout mode must be 'average' or 'raw', got ${String(mode)}`)
  const expected = acquisition.sampleCount * ratio * m
  if (readout.length !== expected) {
    throw new RangeError(
      `the readout has ${readout.length} values, expected ${acquisition.sampleCount} samples x ${ratio} readings x ${m} readout channels = ${expected}`
    )
  }
  const plateauReadings = acquisition.plateaus.reduce((sum, { start, end }) => sum + (end - start) * ratio, 0)
  const out = new Float32Array((mode === 'average' ? acquisition.plateaus.length : plateauReadings) * m)
  let row = 0
  for (const { start, end } of acquisition.plateaus) {
    const first = start * ratio
    const stop = end * ratio
    if (mode === 'raw') {
      out.set(readout.subarray(first * m, stop * m), row * m)
      row += stop - first
      continue
    }
    for (let c = 0; c < m; c += 1) {
      // Summed in float64; float32 only for the result.
      let sum = 0
      for (let k = first; k < stop; k += 1) sum += readout[k * m + c]!
      out[row * m + c] = sum / (stop - first)
    }
    row += 1
  }
  return out
}

/** Every acquisition's readout (in plan order) -> plateau values of the whole point set, concatenated. */
export function readoutsToPoints(
  readouts: readonly Float32Array[],
  plan: Pick<StreamPlan, 'acquisitions'>,
  mode: ReadoutMode,
  options: ReadoutOptions
): Float32Array {
  if (readouts.length !== plan.acquisitions.length) {
    throw new RangeError(`got ${readouts.length} readouts for ${plan.acquisitions.length} acquisitions`)
  }
  const parts = plan.acquisitions.map((acquisition, i) => readoutToPoints(readouts[i]!, acquisition, mode, options))
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * Targets (rowCount rows x columns, row-major) with each row repeated once per raw plateau
 * reading, so they line up with readoutToPoints(..., 'raw') (brains-py repeats targets
 * plateau_length times when average_plateaus is off).
 */
export function repeatTargetsPerPlateauSample(
  targets: Float32Array,
  columns: number,
  plateauLength: number,
  readingsPerSample = 1
): Float32Array {
  checkPositiveInteger(columns, 'columns')
  checkPositiveInteger(plateauLength, 'plateauLength')
  checkPositiveInteger(readingsPerSample, 'readingsPerSample')
  if (targets.length % columns !== 0)
    throw new RangeError(`targets hold ${targets.length} values, not a multiple of ${columns} columns`)
  const rows: number[][] = []
  for (let r = 0; r < targets.length / columns; r += 1)
    rows.push(Array.from(targets.subarray(r * columns, (r + 1) * columns)))
  if (rows.length === 0) return new Float32Array(0)
  const repeated = pointsToPlateaus(rows, { plateauLength: plateauLength * readingsPerSample, slopeLength: 0 })
  return Float32Array.from(repeated.flat())
}

/**
 * Readout volts -> nA: volts * amplification * (inverted ? -1 : 1) (docs/instrument-protocol.md,
 * "Host-side rules (driver)"). `amplification` is one value, or one per readout channel for a readout
 * interleaved by channel.
 */
export function voltsToNanoamps(volts: number, amplification: number, inverted: boolean): number
export function voltsToNanoamps(
  volts: Float32Array,
  amplification: number | readonly number[],
  inverted: boolean
): Float32Array
export function voltsToNanoamps(
  volts: number | Float32Array,
  amplification: number | readonly number[],
  inverted: boolean
): number | Float32Array {
  const gains = typeof amplification === 'number' ? [amplification] : amplification
  if (!Array.isArray(gains) || gains.length === 0)
    throw new RangeError('amplification must be a number or a non-empty array (one per readout channel)')
  gains.forEach((gain, c) => {
    if (!Number.isFinite(gain) || gain === 0)
      throw new RangeError(
        `amplification${gains.length > 1 ? ` of readout channel ${c}` : ''} must be a finite non-zero number, got ${gain}`
      )
  })
  const sign = inverted ? -1 : 1
  if (typeof volts === 'number') {
    if (gains.length !== 1) throw new RangeError('a single reading needs a single amplification')
    return volts * gains[0]! * sign
  }
  if (volts.length % gains.length !== 0)
    throw new RangeError(`${volts.length} readings are not a multiple of the ${gains.length} readout channels`)
  const out = new Float32Array(volts.length)
  for (let i = 0; i < volts.length; i += 1) out[i] = volts[i]! * gains[i % gains.length]! * sign
  return out
}
