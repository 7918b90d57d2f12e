/** Gradient descent's main-process half: batching check, validation on the device, CLI text. */
import type {
  GdDeviceValidation,
  GdTrainingConfig,
  DeviceValidation,
  RunDetail,
  TrainingProgressEvent
} from '../../../src-shared/ipc'
import {
  checkGdBatching,
  evaluationPart,
  generateRingData,
  pearson,
  ringTaskSplit,
  splitDataset,
  SurrogateModel,
  taskAccuracyPercent
} from '../../core'
import {
  refused,
  trainedRanges,
  trainedRows,
  type CalibrationInForce,
  type ValidationInputs,
  type ValidationPlan
} from '../validation-voltages'
import type { ServiceAlgorithm } from './descriptor'
import { controlsJson, controlsText, runHeadJson, fixed, percent, utc } from './text'

type GdEvent = Extract<TrainingProgressEvent, { algorithm: 'gd' }>

/**
 * The returned controls (lowest validation loss) on the ring task's test set (else validation,
 * else training), regenerated from the run's data seed and split; perceptron accuracy measured
 * vs the surrogate's on exactly the same voltages, and vs the run's own.
 */
function planGd(
  run: RunDetail,
  config: GdTrainingConfig,
  inputs: ValidationInputs,
  calibration: CalibrationInForce
): ValidationPlan {
  const controls = run.bestControlVoltages
  if (!controls) throw refused(run, 'it has no control voltages yet (it ended before its first epoch)')
  const model = inputs.model
  if (!model)
    throw refused(
      run,
      `its model "${run.modelId}" is not in the model catalog, so its simulated outputs cannot be computed`
    )
  const { part, data: whole } = evaluationPart(ringTaskSplit(config.ring))
  if (whole.inputs.length < 2)
    throw refused(run, `its ${part} set has ${whole.inputs.length} point(s): a perceptron needs at least 2`)
  // The split interleaves the classes, so a prefix is balanced: a huge set costs minutes, not hours.
  const data = {
    inputs: whole.inputs.slice(0, MAX_GD_VALIDATION_POINTS),
    targets: whole.targets.slice(0, MAX_GD_VALIDATION_POINTS)
  }
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
      const { outputs, measurementId } = await instrument.measure(
        rows,
        rowCount,
        `run ${run.id}: controls on the ring ${part} set (${rowCount} points)`
      )
      const measured = Array.from(outputs)
      const validation: GdDeviceValidation = {
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

/** "150 points", or "the first 2000 of its 30000 points" when the set was larger than what is measured. */
export function gdPoints(validation: GdDeviceValidation): string {
  const measured = validation.outputsNanoamps.length
  return measured < validation.setPointCount
    ? `the first ${measured} of its ${validation.setPointCount} points`
    : `${measured} points`
}

export const gdService: ServiceAlgorithm = {
  id: 'gd',
  checkConfig(config) {
    const gd = config as GdTrainingConfig
    const { sampleCount, gap, split, dataSeed } = gd.ring
    const trainCount = splitDataset(generateRingData({ sampleCount, gap, seed: dataSeed }), split, dataSeed).train
      .inputs.length
    try {
      checkGdBatching(gd.loss, trainCount, gd.batchSize)
    } catch (error) {
      throw new Error(`batchSize: ${(error as Error).message}`)
    }
    // Its targets depend on the evaluation set and are stored when the run ends.
    return { targets: [] }
  },
  planValidation: (run, inputs, calibration) => planGd(run, run.config as GdTrainingConfig, inputs, calibration),
  describeValidation(stored: DeviceValidation) {
    const validation = stored as GdDeviceValidation
    return [
      `${utc(validation.measuredAt)}, measurement ${validation.measurementId}: controls on the ${validation.set} set, ${gdPoints(validation)}`,
      `  perceptron accuracy: measured ${percent(validation.accuracyPercent)}, simulated ${percent(validation.simulatedAccuracyPercent)} (the surrogate on the same voltages), in training ${percent(validation.trainedAccuracyPercent)}`,
      `  measured vs simulated outputs: correlation ${fixed(validation.correlation, 4)}`
    ]
  },
  cli: {
    progressFormat: (config) =>
      `${(config as GdTrainingConfig).task.toUpperCase()} GD |{bar}| {value}/{total} epochs | train loss {a} | validation loss {b}`,
    progressValues(event) {
      const { epoch } = event as GdEvent
      return { value: epoch.epoch, a: epoch.trainLoss.toPrecision(5), b: epoch.validationLoss?.toPrecision(5) ?? '-' }
    },
    describeResult(run, seconds, { voltages, resumeHint }) {
      const last = run.epochs.at(-1)
      return [
        `run ${run.id} ${run.status} after ${run.steps} epochs in ${seconds.toFixed(2)} s`,
        `last train loss ${last ? last.trainLoss.toPrecision(5) : '-'}, validation loss ${last?.validationLoss?.toPrecision(5) ?? '-'}`,
        `perceptron accuracy: train ${percent(run.accuracy?.trainPercent)}, validation ${percent(run.accuracy?.validationPercent)}, test ${percent(run.accuracy?.testPercent)}`,
        ...controlsText(voltages, resumeHint)
      ]
    },
    resultJson: (run, history) => ({
      ...runHeadJson(run),
      epochs: run.steps,
      ...controlsJson(run, history)
    })
  }
}
