/**
 * The calibration being prepared, kept outside the view: a sweep that took minutes is not lost
 * by looking at Waveforms or Device before saving it.
 */
import type { Calibration, CalibrationSweepResult } from '../../../src-shared/ipc'
import { mergeSweep, rowsFromCalibration, type CalibrationRow } from './calibration-plan'

class CalibrationDraft {
  /** The device profile the draft belongs to. */
  profileId = $state<number | null>(null)
  /** The calibration in force when the draft was started (its ranges fill the rows not swept). */
  baseCalibrationId = $state<number | null>(null)
  sweep = $state.raw<CalibrationSweepResult | null>(null)
  rows = $state<CalibrationRow[]>([])
  notes = $state('')
  overrideConfirmed = $state(false)
  overrideReason = $state('')
  /** The version saved from this draft, until it is edited again. */
  saved = $state.raw<Calibration | null>(null)

  /** Starts over from a profile's calibration in force (none: no rows until a sweep). */
  startFrom(profileId: number, calibration: Calibration | null): void {
    this.profileId = profileId
    this.baseCalibrationId = calibration?.id ?? null
    this.sweep = null
    this.rows = rowsFromCalibration(calibration)
    this.notes = ''
    this.overrideConfirmed = false
    this.overrideReason = ''
    this.saved = null
  }

  addSweep(result: CalibrationSweepResult): void {
    this.sweep = result
    this.rows = mergeSweep(this.rows, result)
    this.saved = null
  }

  /** Something unsaved would be lost by starting over. */
  get pending(): boolean {
    return this.saved === null && this.sweep !== null
  }
}

export const calibrationDraft = new CalibrationDraft()
