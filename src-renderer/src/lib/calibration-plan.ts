/**
 * The calibration being edited: one row per electrode with the range the technician will
 * save, where it came from (this sweep, or the calibration in force), and the checks that
 * decide whether it can be saved and whether it needs the recorded safe-range override.
 */
import {
  SAFE_RANGE_VOLTS,
  type Calibration,
  type CalibrationSweepResult,
  type ChannelRequest,
  type IvCurvePoint
} from '../../../src-shared/ipc'

export interface CalibrationRow {
  electrode: number
  /** What will be saved; null while the input is empty. */
  minVolts: number | null
  maxVolts: number | null
  trialRangeVolts: [number, number] | null
  suggestedRangeVolts: [number, number] | null
  saturated: boolean
  /** 'sweep': measured just now; 'saved': carried over from the calibration in force. */
  source: 'sweep' | 'saved'
}

/** Trial range offered first: the safe range, inside the instrument's absolute limit. */
export function defaultTrialRangeVolts(absoluteLimitVolts: [number, number] | null): [number, number] {
  const [safeMin, safeMax] = SAFE_RANGE_VOLTS
  if (!absoluteLimitVolts) return [safeMin, safeMax]
  return [Math.max(safeMin, absoluteLimitVolts[0]), Math.min(safeMax, absoluteLimitVolts[1])]
}

/** True when a range reaches past [-1.2, 1.0] V (saving it needs a confirmed override). */
export function beyondSafeRange(minVolts: number, maxVolts: number): boolean {
  return minVolts < SAFE_RANGE_VOLTS[0] || maxVolts > SAFE_RANGE_VOLTS[1]
}

export function rowsFromCalibration(calibration: Calibration | null): CalibrationRow[] {
  if (!calibration) return []
  return calibration.electrodes
    .map((e) => ({
      electrode: e.electrode,
      minVolts: e.rangeVolts[0],
      maxVolts: e.rangeVolts[1],
      trialRangeVolts: e.trialRangeVolts,
      suggestedRangeVolts: e.suggestedRangeVolts,
      saturated: e.saturated,
      source: 'saved' as const
    }))
    .sort((a, b) => a.electrode - b.electrode)
}

/**
 * A suggested range as the technician edits it: to the mV, rounded toward 0 V so the rounding
 * never widens it (the suggestion itself is stored unrounded).
 */
export function roundedInwardVolts([min, max]: [number, number]): [number, number] {
  // The 1e-9 absorbs float noise (-0.8200000000000001 is -0.82, not -0.819).
  return [Math.ceil(min * 1000 - 1e-9) / 1000 || 0, Math.floor(max * 1000 + 1e-9) / 1000 || 0]
}

/** The swept electrodes take their suggested range; the others keep what they had. */
export function mergeSweep(rows: readonly CalibrationRow[], sweep: CalibrationSweepResult): CalibrationRow[] {
  const byElectrode = new Map(rows.map((row) => [row.electrode, row]))
  for (const e of sweep.electrodes) {
    const [minVolts, maxVolts] = roundedInwardVolts(e.suggestedRangeVolts)
    byElectrode.set(e.electrode, {
      electrode: e.electrode,
      minVolts,
      maxVolts,
      trialRangeVolts: e.trialRangeVolts,
      suggestedRangeVolts: e.suggestedRangeVolts,
      saturated: e.saturated,
      source: 'sweep'
    })
  }
  return [...byElectrode.values()].sort((a, b) => a.electrode - b.electrode)
}

export interface CalibrationCheck {
  /** Per electrode, what is wrong with its range. */
  errors: Record<number, string>
  /** Electrodes whose range reaches past the safe range. */
  beyondSafe: number[]
  /** Electrodes of the device that no row covers. */
  missing: number[]
}

export function checkCalibrationRows(
  rows: readonly CalibrationRow[],
  electrodeCount: number,
  absoluteLimitVolts: [number, number] | null
): CalibrationCheck {
  const errors: Record<number, string> = {}
  const beyondSafe: number[] = []
  for (const row of rows) {
    const { minVolts: min, maxVolts: max } = row
    if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) {
      errors[row.electrode] = 'give both ends of the range, in V'
    } else if (!(min <= 0 && 0 <= max)) {
      errors[row.electrode] = 'the range must hold 0 V (min ≤ 0 ≤ max)'
    } else if (min === max) {
      errors[row.electrode] = 'the range is empty (min = max)'
    } else if (absoluteLimitVolts && (min < absoluteLimitVolts[0] || max > absoluteLimitVolts[1])) {
      errors[row.electrode] =
        `outside the instrument's absolute limit ${absoluteLimitVolts[0]} to ${absoluteLimitVolts[1]} V`
    } else if (beyondSafeRange(min, max)) {
      beyondSafe.push(row.electrode)
    }
  }
  const covered = new Set(rows.map((row) => row.electrode))
  const missing = Array.from({ length: electrodeCount }, (_, i) => i).filter((i) => !covered.has(i))
  return { errors, beyondSafe, missing }
}

/** The `calibration:save` request for checked rows (their ranges are all numbers). */
export function calibrationSaveRequest(options: {
  profileId: number
  rows: readonly CalibrationRow[]
  notes: string
  overrideReason: string | null
  measurementId: number | null
}): ChannelRequest<'calibration:save'> {
  const { profileId, rows, notes, overrideReason, measurementId } = options
  const request: ChannelRequest<'calibration:save'> = {
    profileId,
    notes,
    measurementId,
    electrodes: rows.map((row) => {
      if (row.minVolts === null || row.maxVolts === null)
        throw new Error(`electrode ${row.electrode}: the range is incomplete`)
      return {
        electrode: row.electrode,
        rangeVolts: [row.minVolts, row.maxVolts],
        trialRangeVolts: row.trialRangeVolts,
        suggestedRangeVolts: row.suggestedRangeVolts,
        saturated: row.saturated
      }
    })
  }
  if (overrideReason !== null) request.rangeOverride = { confirmed: true, reason: overrideReason }
  return request
}

/**
 * A sweep 0 -> min -> max -> 0 as two curves ordered by voltage, so that hysteresis shows:
 * rising (the min -> max leg) and falling (0 -> min, then max -> 0). A voltage met twice in one
 * curve keeps the mean of its currents.
 */
export function splitSweepLegs(curve: readonly IvCurvePoint[]): { rising: IvCurvePoint[]; falling: IvCurvePoint[] } {
  const rising: IvCurvePoint[] = []
  const falling: IvCurvePoint[] = []
  let minIndex = 0
  let maxIndex = 0
  curve.forEach((point, i) => {
    if (point.volts < curve[minIndex].volts) minIndex = i
    if (point.volts > curve[maxIndex].volts) maxIndex = i
  })
  curve.forEach((point, i) => {
    if (minIndex <= maxIndex && i >= minIndex && i <= maxIndex) rising.push(point)
    else falling.push(point)
  })
  return { rising: sortedByVolts(rising), falling: sortedByVolts(falling) }
}

function sortedByVolts(points: IvCurvePoint[]): IvCurvePoint[] {
  const groups = new Map<number, number[]>()
  for (const p of points) groups.set(p.volts, [...(groups.get(p.volts) ?? []), p.nanoamps])
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([volts, currents]) => ({ volts, nanoamps: currents.reduce((sum, c) => sum + c, 0) / currents.length }))
}

/**
 * Null when a trial range can be swept, else why not: it must hold 0 V and stay inside the
 * safe range (main refuses wider sweeps; a wider saved range needs the recorded override).
 */
export function trialRangeProblem(
  minVolts: number | null,
  maxVolts: number | null,
  absoluteLimitVolts: [number, number] | null
): string | null {
  if (minVolts === null || maxVolts === null || !Number.isFinite(minVolts) || !Number.isFinite(maxVolts))
    return 'give both ends, in V'
  if (!(minVolts < 0 && 0 < maxVolts)) return 'the sweep must go below and above 0 V (min < 0 < max)'
  const [lo, hi] = defaultTrialRangeVolts(absoluteLimitVolts)
  if (minVolts < lo || maxVolts > hi) return `sweeps stay within ${lo} to ${hi} V`
  return null
}
