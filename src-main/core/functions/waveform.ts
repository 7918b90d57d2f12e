// Waveforms for the instrument: each point is held for plateauLength samples, linear ramps of
// slopeLength samples join the plateaus, and the stream ramps up from 0 V at the start and
// back down to 0 V at the end. Data is rows (samples) x columns (electrodes); ramps run per column.
//
// Layout for n points p0..p(n-1), s = slopeLength, P = plateauLength:
//   ramp 0 -> p0:      s samples p0 * k / s, k = 0..s-1 (starts at exactly 0, excludes p0)
//   plateau i:         P copies of p_i
//   ramp p_i -> p_i+1: s samples p_i + (p_i+1 - p_i) * k / (s + 1), k = 1..s (excludes both ends)
//   ramp p_last -> 0:  s samples p_last * (s - k) / s, k = 1..s (excludes p_last, ends at exactly 0)
// Length s + n * (P + s), the length brains-py's generate_mask assumes. brains-py builds its ramps
// with np.linspace(a, b, s), which repeats both ends (so a plateau is really P + 2 samples
// long, and with s = 1 the "ramp" is just one endpoint); the semantics page fixes the endpoint
// rules above instead, and we follow it. P = 1, s = 0 is the identity ("no waveform").

import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs'
import { fromTensor, toRowMatrix, type Signal } from './columns.js'

export interface WaveformShape {
  plateauLength: number
  slopeLength: number
  /**
   * How ramps are sampled. 'exclusive' (default): the semantics page's rules above (a ramp
   * excludes the points it joins; the stream ends at exactly 0 V). 'linspace': brains-py's
   * WaveformManager bit for bit, np.linspace(a, b, slopeLength), which repeats both ends (and
   * with slopeLength 1 ends the stream at the last point, not at 0 V). Only the ramp samples
   * differ; plateaus and masks are the same.
   */
  ramps?: 'exclusive' | 'linspace' | undefined
}

/** Samples x electrodes, or one flat column when the input was one (flat array or 1-D tensor). */
export interface Waveform<Data extends number[] | number[][] = number[][]> {
  data: Data
  /** True on plateau samples (the "real" ones), false on ramps. */
  mask: boolean[]
}

function checkShape({ plateauLength, slopeLength, ramps }: WaveformShape): void {
  if (ramps !== undefined && ramps !== 'exclusive' && ramps !== 'linspace') {
    throw new RangeError(`ramps must be 'exclusive' or 'linspace', got ${String(ramps)}`)
  }
  if (!Number.isInteger(plateauLength) || plateauLength < 1) {
    throw new RangeError(`plateauLength must be a positive integer, got ${plateauLength}`)
  }
  if (!Number.isInteger(slopeLength) || slopeLength < 0) {
    throw new RangeError(`slopeLength must be a non-negative integer, got ${slopeLength}`)
  }
}

function checkPlateauRows(data: readonly (readonly number[])[], plateauLength: number): void {
  if (data.length % plateauLength !== 0) {
    throw new RangeError(`${data.length} plateau samples is not a multiple of the plateau length ${plateauLength}`)
  }
}

/** Rows back in the caller's form: one flat column if that is what came in. */
function shaped(rows: number[][], flat: boolean): number[] | number[][] {
  return flat ? rows.map((row) => row[0]!) : rows
}

// The implementations below work on rows x columns (validated, rectangular, non-empty).

function pointsToPlateauRows(points: readonly (readonly number[])[], { plateauLength }: WaveformShape): number[][] {
  const out: number[][] = []
  for (const row of points) for (let k = 0; k < plateauLength; k += 1) out.push(Array.from(row))
  return out
}

function plateauRowsToWaveform(plateaus: readonly (readonly number[])[], shape: WaveformShape): Waveform {
  checkPlateauRows(plateaus, shape.plateauLength)
  if (shape.ramps === 'linspace') return plateauRowsToLinspaceWaveform(plateaus, shape)
  const { plateauLength: p, slopeLength: s } = shape
  const data: number[][] = []
  const mask: boolean[] = []
  const ramp = (row: number[]): void => {
    data.push(row)
    mask.push(false)
  }
  const first = plateaus[0]!
  // k = 0 is written as 0 directly: first * 0 would give -0 for a negative voltage.
  for (let k = 0; k < s; k += 1) ramp(first.map((v) => (k === 0 ? 0 : (v * k) / s)))
  const count = plateaus.length / p
  for (let i = 0; i < count; i += 1) {
    for (let k = 0; k < p; k += 1) {
      data.push(Array.from(plateaus[i * p + k]!))
      mask.push(true)
    }
    if (i < count - 1) {
      const from = plateaus[i * p + p - 1]!
      const to = plateaus[(i + 1) * p]!
      for (let k = 1; k <= s; k += 1) ramp(from.map((a, c) => a + ((to[c]! - a) * k) / (s + 1)))
    }
  }
  const last = plateaus[plateaus.length - 1]!
  for (let k = 1; k <= s; k += 1) ramp(last.map((v) => (k === s ? 0 : (v * (s - k)) / s)))
  return { data, mask }
}

/** numpy.linspace(a, b, count) per column: start + k * step, the last value exactly b. */
function linspaceRows(from: readonly number[], to: readonly number[], count: number): number[][] {
  return Array.from({ length: count }, (_, k) =>
    from.map((a, c) => {
      const b = to[c]!
      if (count > 1 && k === count - 1) return b
      return count > 1 ? a + k * ((b - a) / (count - 1)) : a
    })
  )
}

// brains-py's plateaus_to_waveform: linspace(0, first) + plateau + linspace(last of plateau,
// first of next) ... + plateau + linspace(last, 0).
function plateauRowsToLinspaceWaveform(
  plateaus: readonly (readonly number[])[],
  { plateauLength: p, slopeLength: s }: WaveformShape
): Waveform {
  const data: number[][] = []
  const mask: boolean[] = []
  const ramp = (rows: number[][]): void => {
    data.push(...rows)
    rows.forEach(() => mask.push(false))
  }
  const zeros = plateaus[0]!.map(() => 0)
  ramp(linspaceRows(zeros, plateaus[0]!, s))
  const count = plateaus.length / p
  for (let i = 0; i < count; i += 1) {
    for (let k = 0; k < p; k += 1) {
      data.push(Array.from(plateaus[i * p + k]!))
      mask.push(true)
    }
    if (i < count - 1) ramp(linspaceRows(plateaus[i * p + p - 1]!, plateaus[(i + 1) * p]!, s))
  }
  ramp(linspaceRows(plateaus[plateaus.length - 1]!, zeros, s))
  return { data, mask }
}

function plateauRowsToPoints(
  plateaus: readonly (readonly number[])[],
  { plateauLength: p }: WaveformShape
): number[][] {
  checkPlateauRows(plateaus, p)
  const width = plateaus[0]!.length
  const out: number[][] = []
  for (let start = 0; start < plateaus.length; start += p) {
    const sums = new Array<number>(width).fill(0)
    for (let k = 0; k < p; k += 1) plateaus[start + k]!.forEach((v, c) => (sums[c] = sums[c]! + v))
    out.push(sums.map((sum) => sum / p))
  }
  return out
}

function waveformRowsToPlateaus(
  waveform: readonly (readonly number[])[],
  shape: WaveformShape,
  mask: readonly boolean[] | Tensor | undefined
): number[][] {
  const keep = mask === undefined ? generateMask(waveform.length, shape) : toMask(mask)
  if (keep.length !== waveform.length)
    throw new RangeError(`mask has ${keep.length} entries but the waveform ${waveform.length} samples`)
  return waveform.filter((_, i) => keep[i]).map((row) => Array.from(row))
}

/** A mask given as booleans, or as a 1-D tensor (bool or 0/1 numbers, as a torch mask). */
function toMask(mask: readonly boolean[] | Tensor): readonly boolean[] {
  const values = fromTensor(mask, 'mask')
  if (values.some((v) => Array.isArray(v))) throw new RangeError('mask must be one-dimensional')
  return (values as readonly (boolean | number)[]).map(Boolean)
}

type Mask = readonly boolean[] | Tensor

/**
 * A transform that answers in the rank it was given, as brains-py's functions do: a flat array
 * or 1-D tensor (one electrode) gives a flat array, rows x electrodes give rows x electrodes.
 */
export interface RankPreserving<Extra extends unknown[] = []> {
  (signal: readonly number[] | Tensor1D, shape: WaveformShape, ...extra: Extra): number[]
  (signal: readonly (readonly number[])[] | Tensor2D, shape: WaveformShape, ...extra: Extra): number[][]
  (signal: Signal, shape: WaveformShape, ...extra: Extra): number[] | number[][]
}

/** Wraps a rows -> rows implementation: checks the shape, reads the signal, answers in its rank. */
function rankPreserving<Extra extends unknown[] = []>(
  what: string,
  transform: (rows: number[][], shape: WaveformShape, ...extra: Extra) => number[][]
): RankPreserving<Extra> {
  const apply = (signal: Signal, shape: WaveformShape, ...extra: Extra): number[] | number[][] => {
    checkShape(shape)
    const { rows, flat } = toRowMatrix(signal, what)
    return shaped(transform(rows, shape, ...extra), flat)
  }
  // One implementation serves the three signatures; TypeScript cannot tie the output rank to
  // the input's through a union, so the overloads are asserted here, once.
  return apply as RankPreserving<Extra>
}

/** Each point repeated plateauLength times (targets lined up with raw plateau samples). */
export const pointsToPlateaus = rankPreserving('points', pointsToPlateauRows)

/** Plateau samples (n * plateauLength rows) -> full waveform with ramps, plus the plateau mask. */
export function plateausToWaveform(plateaus: readonly number[] | Tensor1D, shape: WaveformShape): Waveform<number[]>
export function plateausToWaveform(plateaus: readonly (readonly number[])[] | Tensor2D, shape: WaveformShape): Waveform
export function plateausToWaveform(plateaus: Signal, shape: WaveformShape): Waveform<number[] | number[][]>
export function plateausToWaveform(plateaus: Signal, shape: WaveformShape): Waveform<number[] | number[][]> {
  checkShape(shape)
  const { rows, flat } = toRowMatrix(plateaus, 'plateaus')
  const { data, mask } = plateauRowsToWaveform(rows, shape)
  return { data: shaped(data, flat), mask }
}

/** Points -> waveform samples (the stream sent to the instrument: first and last sample exactly 0 V). */
export const pointsToWaveform = rankPreserving(
  'points',
  (rows, shape) => plateauRowsToWaveform(pointsToPlateauRows(rows, shape), shape).data
)

/** Mean over each plateau: n * plateauLength rows -> n rows. */
export const plateausToPoints = rankPreserving('plateaus', plateauRowsToPoints)

/**
 * The plateau mask of a waveform of `length` samples: slopeLength false, then per point
 * plateauLength true and slopeLength false. Only lengths s + n * (P + s) with n >= 1 are
 * waveforms; any other length is refused (brains-py silently truncates n).
 */
export function generateMask(length: number, shape: WaveformShape): boolean[] {
  checkShape(shape)
  const { plateauLength: p, slopeLength: s } = shape
  const count = (length - s) / (p + s)
  if (!Number.isInteger(length) || !Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `${length} samples is not a waveform length for plateau ${p} and slope ${s}: ` +
        `it must be ${s} + n * ${p + s} for a whole number n >= 1 of points`
    )
  }
  const mask: boolean[] = new Array<boolean>(s).fill(false)
  for (let i = 0; i < count; i += 1) {
    for (let k = 0; k < p; k += 1) mask.push(true)
    for (let k = 0; k < s; k += 1) mask.push(false)
  }
  return mask
}

/**
 * Keep only the plateau samples of a waveform. The mask (booleans, or a 1-D tensor) is
 * generated from the length when not given.
 */
export const waveformToPlateaus = rankPreserving<[mask?: Mask]>('waveform', waveformRowsToPlateaus)

/** waveformToPlateaus then plateausToPoints. */
export const waveformToPoints = rankPreserving<[mask?: Mask]>('waveform', (rows, shape, mask) => {
  const plateaus = waveformRowsToPlateaus(rows, shape, mask)
  if (plateaus.length === 0) throw new RangeError('the mask selects no plateau samples')
  return plateauRowsToPoints(plateaus, shape)
})
