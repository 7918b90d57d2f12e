/**
 * Validation on hardware of a stored run: what is measured for each algorithm and how the
 * outcome is judged. The device service supplies the active calibration and a `measure` that
 * plays rows through its safety check; this module decides what to play, refuses anything
 * outside the calibration before a single stream is built, and scores what comes back.
 *
 * - GA: the best genome on the gate's four inputs (fitness and correlation with the targets).
 * - GD: the returned controls (lowest validation loss) on the ring task's test set (else
 *   validation, else training), regenerated from the run's data seed and split; perceptron
 *   accuracy measured vs the surrogate's on exactly the same voltages, and vs the run's own.
 * - Capacity: every found labeling with its own best controls on its N points, judged by the
 *   sweep's rule (perceptron, the attempt's own seed); one acquisition per N.
 *
 * The device gets the voltages the run trained with: task inputs mapped onto the data
 * electrodes with the ranges of training (a surrogate run: its model's; a device run: the
 * calibration it ran with), controls as found. So a validation asks "does the device do what
 * training found, at the same voltages"; re-mapping onto other ranges would move the points and
 * test another problem. Every one of those voltages must lie inside the ACTIVE calibration,
 * else the validation is refused, naming the electrode, the value and the range: the device is
 * never driven outside it.
 */
import type {
  CapacityConfig,
  CapacityHardwareValidation,
  CapacityValidationAtN,
  GaHardwareValidation,
  GaTrainingConfig,
  GdHardwareValidation,
  GdTrainingConfig,
  HardwareValidation,
  RunDetail,
  ValidationProgressEvent
} from '../../src-shared/ipc'
import {
  capacityPerceptronSeed,
  Dnpu,
  evaluationPart,
  FITNESS_FUNCTIONS,
  judgeCapacityOutput,
  parseGateTask,
  pearson,
  ringTaskSplit,
  SurrogateModel,
  taskAccuracyPercent,
  vcDimensionInputs,
  type CapacityCheckpoint,
  type SurrogateDefinition
} from '../core'
import type { RunCheckpoint } from '../store'
import { toWorkerCheckpoint } from '../workers/trainer-protocol'

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
  measure(inputsVolts: Float32Array, rowCount: number, label: string): Promise<{ outputs: Float32Array; measurementId: number }>
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

type CalibrationInForce = Pick<ValidationDevice, 'rangesVolts' | 'calibrationName'>

/** Everything checked, nothing sent yet. */
export interface ValidationPlan {
  measure(device: ValidationDevice): Promise<HardwareValidation>
}

/**
 * Checks that the run can be validated on this calibration and returns the plan; throws a
 * {@link ValidationRefusedError} naming the reason otherwise.
 */
export function planValidation(inputs: ValidationInputs, calibration: CalibrationInForce): ValidationPlan {
  const { run } = inputs
  assertRunEnded(run)
  switch (run.config.algorithm) {
    case 'ga':
      return planGa(run, run.config, inputs, calibration)
    case 'gd':
      return planGd(run, run.config, inputs, calibration)
    case 'capacity':
      return planCapacity(run, run.config, inputs, calibration)
  }
}

/** A running run's result is not final (and a device run holds the instrument): refused. */
export function assertRunEnded(run: RunDetail): void {
  if (run.status === 'running') throw refused(run, 'it is still running; validate it once it has ended')
}

function planGa(run: RunDetail, config: GaTrainingConfig, inputs: ValidationInputs, calibration: CalibrationInForce): ValidationPlan {
  const controls = run.bestControlVoltages
  if (!controls) throw refused(run, 'it has no best genome yet (it ended before its first generation)')
  const task = parseGateTask(config.task)
  const rows = trainedRows(run, config, inputs, calibration, task.inputs, [controls])
  return {
    async measure(instrument) {
      const { outputs, measurementId } = await instrument.measure(rows, task.inputs.length, `run ${run.id}: best genome re-measured`)
      const outputsNanoamps = Array.from(outputs)
      const validation: GaHardwareValidation = {
        kind: 'ga',
        measurementId,
        measuredAt: new Date().toISOString(),
        outputsNanoamps,
        correlation: pearson(outputsNanoamps, task.targets)[0]!,
        fitness: FITNESS_FUNCTIONS[config.fitness](outputsNanoamps, task.targets, { defaultValue: false }),
        trainedOutputsNanoamps: run.bestOutputsNanoamps ?? []
      }
      return validation
    }
  }
}

function planGd(run: RunDetail, config: GdTrainingConfig, inputs: ValidationInputs, calibration: CalibrationInForce): ValidationPlan {
  const controls = run.bestControlVoltages
  if (!controls) throw refused(run, 'it has no control voltages yet (it ended before its first epoch)')
  const model = inputs.model
  if (!model) throw refused(run, `its model "${run.modelId}" is not in the model catalog, so its simulated outputs cannot be computed`)
  const { part, data: whole } = evaluationPart(ringTaskSplit(config.ring))
  if (whole.inputs.length < 2) throw refused(run, `its ${part} set has ${whole.inputs.length} point(s): a perceptron needs at least 2`)
  // The split interleaves the classes, so a prefix is balanced: a huge set costs minutes, not hours.
  const data = { inputs: whole.inputs.slice(0, MAX_GD_VALIDATION_POINTS), targets: whole.targets.slice(0, MAX_GD_VALIDATION_POINTS) }
  const rowCount = data.inputs.length
  const rows = trainedRows(run, config, inputs, calibration, data.inputs, [controls])
  const dataRangesVolts = config.dataElectrodes.map((e) => [...trainedRanges(run, inputs)[e]!] as [number, number])
  return {
    async measure(instrument) {
      // The surrogate first: a model that cannot be evaluated stops the validation before anything is sent.
      const surrogate = new SurrogateModel(model, {
        amplification: config.simulation?.amplification,
        clippingValueNanoamps: config.simulation?.clippingValueNanoamps
      })
      let simulated: number[]
      try {
        simulated = Array.from(await surrogate.forwardNanoamps(rows, rowCount))
      } finally {
        surrogate.dispose()
      }
      const { outputs, measurementId } = await instrument.measure(rows, rowCount, `run ${run.id}: controls on the ring ${part} set (${rowCount} points)`)
      const measured = Array.from(outputs)
      const validation: GdHardwareValidation = {
        kind: 'gd',
        measurementId,
        measuredAt: new Date().toISOString(),
        set: part,
        setPointCount: whole.inputs.length,
        controlVoltages: [...controls],
        dataRangesVolts,
        targets: [...data.targets],
        outputsNanoamps: measured,
        simulatedOutputsNanoamps: simulated,
        accuracyPercent: taskAccuracyPercent(measured, data.targets, run.seed),
        simulatedAccuracyPercent: taskAccuracyPercent(simulated, data.targets, run.seed),
        trainedAccuracyPercent: run.accuracy?.[`${part}Percent`] ?? null,
        correlation: pearson(measured, simulated)[0]!
      }
      return validation
    }
  }
}

/**
 * Points of a GD run's set measured at most (the first ones): 30 s of playback at the default
 * plateau and slope at 1 kHz. The default ring task's test set has 150.
 */
export const MAX_GD_VALIDATION_POINTS = 2000

interface FoundLabeling {
  labelingIndex: number
  labeling: number[]
  /** The attempt that found it: its perceptron seed judges the measured output. */
  attempt: number
  controls: number[]
}

function planCapacity(run: RunDetail, config: CapacityConfig, inputs: ValidationInputs, calibration: CalibrationInForce): ValidationPlan {
  const stored = inputs.checkpoint ? toWorkerCheckpoint(inputs.checkpoint.state) : null
  const sweep: CapacityCheckpoint | null = stored?.algorithm === 'capacity' ? stored.sweep : null
  if (!sweep || sweep.perN.every((entry) => entry.evaluated === 0)) throw refused(run, 'it has no decided labeling yet')
  const perN = sweep.perN.map((entry) => ({
    entry,
    found: entry.results.flatMap((result, labelingIndex): (Omit<FoundLabeling, 'controls'> & { controls: number[] | undefined })[] =>
      result.found ? [{ labelingIndex, labeling: result.labeling, attempt: result.attempts, controls: result.controlVoltages }] : []
    )
  }))
  const all = perN.flatMap(({ found }) => found)
  const withoutControls = all.filter((f) => f.controls === undefined).length
  if (withoutControls > 0) {
    throw refused(
      run,
      `it was stored by an older DNPU Lab that did not keep each labeling's control voltages (${withoutControls} of its ${all.length} found labelings have none), so there is nothing to re-measure; run the sweep again to validate it on hardware`
    )
  }
  if (all.length === 0) throw refused(run, 'it found no labeling, so there is nothing to re-measure')
  // Every row of every N is built and checked now: nothing is sent unless all of it may be.
  const batches = perN.map(({ entry, found }) => {
    const label = (row: number): string => `labeling ${found[Math.floor(row / entry.n)]!.labeling.join('')} (N = ${entry.n}): `
    const rows = found.length > 0 ? trainedRows(run, config, inputs, calibration, vcDimensionInputs(entry.n), found.map((f) => f.controls!), label) : null
    return { entry, found: found as FoundLabeling[], rows }
  })
  return {
    async measure(instrument) {
      const results: CapacityValidationAtN[] = []
      let labelingsDone = 0
      for (const { entry, found, rows } of batches) {
        const { n } = entry
        let confirmed: boolean[] = []
        let measurementId: number | null = null
        if (rows) {
          // Every found labeling of this N in one acquisition: (labelings x N) rows, labeling-major.
          const measured = await instrument.measure(rows, found.length * n, `run ${run.id}: ${found.length} found labeling${found.length > 1 ? 's' : ''} of N = ${n} re-measured`)
          measurementId = measured.measurementId
          confirmed = found.map((f, k) => {
            const outputs = Array.from(measured.outputs.subarray(k * n, (k + 1) * n))
            const seed = capacityPerceptronSeed(sweep.seed, n, f.labelingIndex, f.attempt)
            return judgeCapacityOutput(outputs, f.labeling, config.thresholdParameter, seed).found
          })
        }
        const confirmedCount = confirmed.filter(Boolean).length
        results.push({
          n,
          evaluated: entry.evaluated,
          foundOnSurrogate: found.length,
          confirmedOnDevice: confirmedCount,
          capacityOnSurrogate: entry.evaluated > 0 ? found.length / entry.evaluated : 0,
          capacityMeasured: entry.evaluated > 0 ? confirmedCount / entry.evaluated : 0,
          notConfirmed: found.filter((_, k) => !confirmed[k]).map((f) => [...f.labeling]),
          measurementId
        })
        labelingsDone += found.length
        inputs.onProgress?.({ runId: run.id, n, labelingsDone, labelingsTotal: all.length })
      }
      const validation: CapacityHardwareValidation = { kind: 'capacity', measuredAt: new Date().toISOString(), perN: results }
      return validation
    }
  }
}

/** The ranges the run's task inputs were mapped with in training: its calibration's (a device run) or its model's. */
function trainedRanges(run: RunDetail, inputs: ValidationInputs): [number, number][] {
  if (run.device) {
    if (!inputs.runCalibrationRangesVolts) throw refused(run, `the calibration it ran with (#${run.device.calibrationId}) cannot be read, so its input voltages are unknown`)
    return inputs.runCalibrationRangesVolts
  }
  if (!inputs.model) throw refused(run, `its model "${run.modelId}" is not in the model catalog, so its input voltages are unknown`)
  return inputs.model.voltageRangesVolts
}

/**
 * Rows of activation voltages as in training (electrode order, one block of task points per
 * controls), every value checked against the active calibration as the instrument holds it
 * (float32).
 */
function trainedRows(
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
    throw refused(run, `it was trained for ${ranges.length} activation electrodes, but the device has ${electrodes} (${calibration.calibrationName})`)
  }
  const dnpu = new Dnpu({ activationElectrodeCount: electrodes, voltageRangesVolts: ranges, dataElectrodes: config.dataElectrodes, inputRange: config.inputRange })
  const controlCount = dnpu.controlElectrodes.length
  const wrongCount = controlSets.find((controls) => controls.length !== controlCount)
  if (wrongCount) {
    throw refused(run, `it has ${wrongCount.length} control voltages, but the device has ${controlCount} control electrodes (${electrodes} electrodes, data on ${dnpu.dataElectrodes.join(' and ')})`)
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
    return d >= 0 ? data[row % points]![d]! : controlSets[Math.floor(row / points)]![dnpu.controlElectrodes.indexOf(electrode)]!
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
  throw refused(run, `${rowLabel(row)}${what} is outside its calibrated range [${min}, ${max}] V (${calibration.calibrationName})${more}; nothing was sent`)
}

function refused(run: RunDetail, reason: string): ValidationRefusedError {
  return new ValidationRefusedError(`cannot validate run ${run.id} (${run.config.algorithm}) on hardware: ${reason}`)
}
