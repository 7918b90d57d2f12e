/**
 * What every validation on the device shares, whatever the algorithm: the inputs and the plan it
 * returns, the voltages of training rebuilt for the device, and the check that each lies inside
 * the ACTIVE calibration before anything is sent (see run-validation.ts for the why).
 */
import type { DeviceValidation, RunDetail, ValidationProgressEvent } from '../../src-shared/ipc'
import { Dnpu, type SurrogateDefinition } from '../core'
import type { RunCheckpoint } from '../store'

/** A validation refused before anything was sent (the run, its controls or the calibration do not allow it). */
export class ValidationRefusedError extends Error {
  override readonly name = 'ValidationRefusedError'
}

export interface ValidationDevice {
  /** The active calibration's range per activation electrode (index = electrode). */
  rangesVolts: [number, number][]
  /** Names the calibration in messages, e.g. `calibration v2 of device profile "Bench"`. */
  calibrationName: string
  /** Plays rows of activation voltages (electrode order), stored as a validation measurement of the run. */
  measure(
    inputsVolts: Float32Array,
    rowCount: number,
    label: string
  ): Promise<{ outputs: Float32Array; measurementId: number }>
}

export interface ValidationInputs {
  run: RunDetail
  /** The run's checkpoint: a capacity sweep's labelings (and their controls) live there. */
  checkpoint: RunCheckpoint | null
  /** The run's surrogate model: its ranges (a surrogate run) and, for GD, the simulated outputs. */
  model: SurrogateDefinition | undefined
  /** A run on the device: the ranges of the calibration it ran with (null if that calibration is unknown). */
  runCalibrationRangesVolts: [number, number][] | null
  onProgress?: (event: ValidationProgressEvent) => void
}

export type CalibrationInForce = Pick<ValidationDevice, 'rangesVolts' | 'calibrationName'>

/** Everything checked, nothing sent yet. */
export interface ValidationPlan {
  measure(device: ValidationDevice): Promise<DeviceValidation>
}

/** The ranges the run's task inputs were mapped with in training: its calibration's (a device run) or its model's. */
export function trainedRanges(run: RunDetail, inputs: ValidationInputs): [number, number][] {
  if (run.device) {
    if (!inputs.runCalibrationRangesVolts)
      throw refused(
        run,
        `the calibration it ran with (#${run.device.calibrationId}) cannot be read, so its input voltages are unknown`
      )
    return inputs.runCalibrationRangesVolts
  }
  if (!inputs.model)
    throw refused(run, `its model "${run.modelId}" is not in the model catalog, so its input voltages are unknown`)
  return inputs.model.voltageRangesVolts
}

/**
 * Rows of activation voltages as in training (electrode order, one block of task points per
 * controls), every value checked against the active calibration as the instrument holds it
 * (float32).
 */
export function trainedRows(
  run: RunDetail,
  config: { dataElectrodes: number[]; inputRange: [number, number] },
  inputs: ValidationInputs,
  calibration: CalibrationInForce,
  taskInputs: number[][],
  controlSets: number[][],
  rowLabel: (row: number) => string = () => ''
): Float32Array {
  const ranges = trainedRanges(run, inputs)
  const electrodes = calibration.rangesVolts.length
  if (ranges.length !== electrodes) {
    throw refused(
      run,
      `it was trained for ${ranges.length} activation electrodes, but the device has ${electrodes} (${calibration.calibrationName})`
    )
  }
  const dnpu = new Dnpu({
    activationElectrodeCount: electrodes,
    voltageRangesVolts: ranges,
    dataElectrodes: config.dataElectrodes,
    inputRange: config.inputRange
  })
  const controlCount = dnpu.controlElectrodes.length
  const wrongCount = controlSets.find((controls) => controls.length !== controlCount)
  if (wrongCount) {
    throw refused(
      run,
      `it has ${wrongCount.length} control voltages, but the device has ${controlCount} control electrodes (${electrodes} electrodes, data on ${dnpu.dataElectrodes.join(' and ')})`
    )
  }
  // Not Dnpu.assembleBatch: a 'regul' GD run may end with controls just outside its model's
  // ranges; what matters here is the calibration, checked below.
  const data = dnpu.dataVoltages(taskInputs)
  const points = data.length
  const rows = new Float32Array(controlSets.length * points * electrodes)
  controlSets.forEach((controls, block) => {
    for (let p = 0; p < points; p++) {
      const row = (block * points + p) * electrodes
      dnpu.dataElectrodes.forEach((electrode, d) => (rows[row + electrode] = data[p]![d]!))
      dnpu.controlElectrodes.forEach((electrode, c) => (rows[row + electrode] = controls[c]!))
    }
  })
  // The message names the value as stored (float64), not its float32 rounding.
  const storedValue = (row: number, electrode: number): number => {
    const d = dnpu.dataElectrodes.indexOf(electrode)
    return d >= 0
      ? data[row % points]![d]!
      : controlSets[Math.floor(row / points)]![dnpu.controlElectrodes.indexOf(electrode)]!
  }
  checkInsideCalibration(run, dnpu, rows, calibration, rowLabel, storedValue)
  return rows
}

/** Every value inside its electrode's calibrated range, or a refusal naming the first electrode, value and range. */
function checkInsideCalibration(
  run: RunDetail,
  dnpu: Dnpu,
  rows: Float32Array,
  calibration: CalibrationInForce,
  rowLabel: (row: number) => string,
  storedValue: (row: number, electrode: number) => number
): void {
  const electrodes = dnpu.activationElectrodeCount
  const lows = calibration.rangesVolts.map(([min]) => Math.fround(min))
  const highs = calibration.rangesVolts.map(([, max]) => Math.fround(max))
  let first: { row: number; electrode: number } | null = null
  const outside = new Set<string>()
  for (let at = 0; at < rows.length; at++) {
    const electrode = at % electrodes
    const volts = rows[at]!
    if (Number.isFinite(volts) && volts >= lows[electrode]! && volts <= highs[electrode]!) continue
    const row = Math.floor(at / electrodes)
    first ??= { row, electrode }
    outside.add(`${rowLabel(row)}${electrode}`)
  }
  if (!first) return
  const { row, electrode } = first
  const volts = storedValue(row, electrode)
  const [min, max] = calibration.rangesVolts[electrode]!
  const d = dnpu.dataElectrodes.indexOf(electrode)
  const what =
    d >= 0
      ? `data electrode ${electrode} would get ${volts} V (task input ${d + 1} mapped onto the range it trained with, [${dnpu.voltageRangesVolts[electrode]!.join(', ')}] V)`
      : `control electrode ${electrode} = ${volts} V`
  const more = outside.size > 1 ? ` (and ${outside.size - 1} more outside it)` : ''
  throw refused(
    run,
    `${rowLabel(row)}${what} is outside its calibrated range [${min}, ${max}] V (${calibration.calibrationName})${more}; nothing was sent`
  )
}

export function refused(run: RunDetail, reason: string): ValidationRefusedError {
  return new ValidationRefusedError(`cannot validate run ${run.id} (${run.config.algorithm}) on the device: ${reason}`)
}
