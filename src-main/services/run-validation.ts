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
 * Task inputs go onto the data electrodes through the DEVICE's calibrated ranges (the surrogate
 * run used its model's ranges; the validation records both), and every control voltage must lie
 * inside the active calibration: the device is never driven outside it.
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
} from '../../src-preload/contract'
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
  /** The run's surrogate model (GD: the simulated outputs). */
  model: SurrogateDefinition | undefined
  onProgress?: (event: ValidationProgressEvent) => void
}

/** Everything checked, nothing sent yet. */
export interface ValidationPlan {
  measure(device: ValidationDevice): Promise<HardwareValidation>
}

/**
 * Checks that the run can be validated on this calibration and returns the plan; throws a
 * {@link ValidationRefusedError} naming the reason otherwise.
 */
export function planValidation(inputs: ValidationInputs, device: Pick<ValidationDevice, 'rangesVolts' | 'calibrationName'>): ValidationPlan {
  const { run } = inputs
  assertRunEnded(run)
  switch (run.config.algorithm) {
    case 'ga':
      return planGa(run, run.config, device)
    case 'gd':
      return planGd(run, run.config, inputs.model, device)
    case 'capacity':
      return planCapacity(run, run.config, inputs, device)
  }
}

/** A running run's result is not final (and a device run holds the instrument): refused. */
export function assertRunEnded(run: RunDetail): void {
  if (run.status === 'running') throw refused(run, 'it is still running; validate it once it has ended')
}

function planGa(run: RunDetail, config: GaTrainingConfig, device: Pick<ValidationDevice, 'rangesVolts' | 'calibrationName'>): ValidationPlan {
  const controls = run.bestControlVoltages
  if (!controls) throw refused(run, 'it has no best genome yet (it ended before its first generation)')
  const task = parseGateTask(config.task)
  const dnpu = deviceDnpu(run, config, controls, device)
  const rows = dnpu.assembleBatch(task.inputs, [controls])
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

function planGd(
  run: RunDetail,
  config: GdTrainingConfig,
  model: SurrogateDefinition | undefined,
  device: Pick<ValidationDevice, 'rangesVolts' | 'calibrationName'>
): ValidationPlan {
  const controls = run.bestControlVoltages
  if (!controls) throw refused(run, 'it has no control voltages yet (it ended before its first epoch)')
  if (!model) throw refused(run, `its model "${run.modelId}" is not in the model catalog, so its simulated outputs cannot be computed`)
  const { part, data } = evaluationPart(ringTaskSplit(config.ring))
  if (data.inputs.length < 2) throw refused(run, `its ${part} set has ${data.inputs.length} point(s): a perceptron needs at least 2`)
  const dnpu = deviceDnpu(run, config, controls, device)
  const rowCount = data.inputs.length
  const rows = dnpu.assembleBatch(data.inputs, [controls])
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
        controlVoltages: [...controls],
        dataRangesVolts: config.dataElectrodes.map((e) => [...device.rangesVolts[e]!] as [number, number]),
        modelDataRangesVolts: config.dataElectrodes.map((e) => [...model.voltageRangesVolts[e]!] as [number, number]),
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

interface FoundLabeling {
  labelingIndex: number
  labeling: number[]
  /** The attempt that found it: its perceptron seed judges the measured output. */
  attempt: number
  controls: number[]
}

function planCapacity(
  run: RunDetail,
  config: CapacityConfig,
  inputs: ValidationInputs,
  device: Pick<ValidationDevice, 'rangesVolts' | 'calibrationName'>
): ValidationPlan {
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
  const dnpu = deviceDnpu(run, config, null, device)
  for (const { entry, found } of perN) {
    for (const f of found) checkControls(run, dnpu, f.controls!, device, `labeling ${f.labeling.join('')} (N = ${entry.n}): `)
  }
  return {
    async measure(instrument) {
      const results: CapacityValidationAtN[] = []
      let labelingsDone = 0
      for (const { entry, found } of perN) {
        const { n } = entry
        let confirmed: boolean[] = []
        let measurementId: number | null = null
        if (found.length > 0) {
          // Every found labeling of this N in one acquisition: (labelings x N) rows, labeling-major.
          const rows = dnpu.assembleBatch(vcDimensionInputs(n), found.map((f) => f.controls!))
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

/**
 * The run's node on the device: its data electrodes get the task inputs through the calibrated
 * ranges; `controls` (when given) are checked against the calibration.
 */
function deviceDnpu(
  run: RunDetail,
  config: { dataElectrodes: number[]; inputRange: [number, number] },
  controls: number[] | null,
  device: Pick<ValidationDevice, 'rangesVolts' | 'calibrationName'>
): Dnpu {
  const electrodes = device.rangesVolts.length
  const outside = config.dataElectrodes.filter((e) => e >= electrodes)
  if (outside.length > 0) {
    throw refused(run, `its data electrode${outside.length > 1 ? 's' : ''} ${outside.join(', ')} ${outside.length > 1 ? 'do' : 'does'} not exist on the device (${device.calibrationName} has electrodes 0-${electrodes - 1})`)
  }
  const dnpu = new Dnpu({ activationElectrodeCount: electrodes, voltageRangesVolts: device.rangesVolts, dataElectrodes: config.dataElectrodes, inputRange: config.inputRange })
  if (controls) checkControls(run, dnpu, controls, device, '')
  return dnpu
}

/** Every control voltage inside its electrode's calibrated range, or a refusal naming the electrode, value and range. */
function checkControls(run: RunDetail, dnpu: Dnpu, controls: number[], device: Pick<ValidationDevice, 'calibrationName'>, what: string): void {
  if (controls.length !== dnpu.controlElectrodes.length) {
    throw refused(
      run,
      `${what}it has ${controls.length} control voltages, but the device has ${dnpu.controlElectrodes.length} control electrodes (${dnpu.activationElectrodeCount} electrodes, data on ${dnpu.dataElectrodes.join(' and ')}): it was trained for another device`
    )
  }
  const violations = controls.flatMap((volts, c) => {
    const [min, max] = dnpu.controlRangesVolts[c]!
    return Number.isFinite(volts) && volts >= min && volts <= max ? [] : [{ electrode: dnpu.controlElectrodes[c]!, volts, min, max }]
  })
  if (violations.length > 0) {
    const { electrode, volts, min, max } = violations[0]!
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more control voltage${violations.length > 2 ? 's' : ''} outside)` : ''
    throw refused(
      run,
      `${what}control electrode ${electrode} = ${volts} V is outside its calibrated range [${min}, ${max}] V (${device.calibrationName})${more}; nothing was sent`
    )
  }
}

function refused(run: RunDetail, reason: string): ValidationRefusedError {
  return new ValidationRefusedError(`cannot validate run ${run.id} (${run.config.algorithm}) on hardware: ${reason}`)
}
