/** The genetic algorithm's main-process half: the gate's targets, validation on the device, CLI text. */
import type {
  GaDeviceValidation,
  GaTrainingConfig,
  DeviceValidation,
  RunDetail,
  TrainingProgressEvent
} from '../../../src-shared/ipc'
import { FITNESS_FUNCTIONS, parseGateTask, pearson } from '../../core'
import {
  refused,
  trainedRows,
  type CalibrationInForce,
  type ValidationInputs,
  type ValidationPlan
} from '../validation-voltages'
import type { ServiceAlgorithm } from './descriptor'
import { controlsJson, controlsText, runHeadJson, fixed, formatNumber, utc } from './text'

type GaEvent = Extract<TrainingProgressEvent, { algorithm: 'ga' }>

/** The best genome on the gate's four inputs (fitness and correlation with the targets). */
function planGa(
  run: RunDetail,
  config: GaTrainingConfig,
  inputs: ValidationInputs,
  calibration: CalibrationInForce
): ValidationPlan {
  const controls = run.bestControlVoltages
  if (!controls) throw refused(run, 'it has no best genome yet (it ended before its first generation)')
  const task = parseGateTask(config.task)
  const rows = trainedRows(run, config, inputs, calibration, task.inputs, [controls])
  return {
    async measure(instrument) {
      const { outputs, measurementId } = await instrument.measure(
        rows,
        task.inputs.length,
        `run ${run.id}: best genome re-measured`
      )
      const outputsNanoamps = Array.from(outputs)
      const validation: GaDeviceValidation = {
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

export const gaService: ServiceAlgorithm = {
  id: 'ga',
  checkConfig(config) {
    try {
      return { targets: parseGateTask((config as GaTrainingConfig).task).targets }
    } catch (error) {
      throw new Error(`task: ${(error as Error).message}`)
    }
  },
  planValidation: (run, inputs, calibration) => planGa(run, run.config as GaTrainingConfig, inputs, calibration),
  describeValidation(stored: DeviceValidation) {
    const validation = stored as GaDeviceValidation
    return [
      `${utc(validation.measuredAt)}, measurement ${validation.measurementId}: best genome on the gate's inputs, correlation ${fixed(validation.correlation, 4)}, fitness ${fixed(validation.fitness, 4)}`,
      `  outputs, measured (in training): ${validation.outputsNanoamps
        .map((out, i) => `${fixed(out, 2)} (${fixed(validation.trainedOutputsNanoamps[i] ?? null, 2)})`)
        .join(', ')} nA`
    ]
  },
  cli: {
    progressFormat: (config) =>
      `${(config as GaTrainingConfig).task.toUpperCase()} GA |{bar}| {value}/{total} generations | best fitness {a} | correlation {b}`,
    progressValues(event) {
      const { metrics } = event as GaEvent
      return {
        value: metrics.generation,
        a: metrics.bestSoFarFitness.toFixed(4),
        b: metrics.bestSoFarCorrelation.toFixed(4)
      }
    },
    describeResult(run, seconds, { voltages, resumeHint }) {
      const outputs = (run.bestOutputsNanoamps ?? []).map((nA) => nA.toFixed(2)).join(', ')
      return [
        `run ${run.id} ${run.status} after ${run.steps} generations in ${seconds.toFixed(2)} s`,
        `best fitness ${formatNumber(run.bestFitness)}, correlation ${formatNumber(run.bestCorrelation)}`,
        `outputs (nA): ${outputs}   targets: ${run.targets.join(', ')}`,
        ...controlsText(voltages, resumeHint)
      ]
    },
    resultJson: (run, history) => ({
      ...runHeadJson(run),
      generations: run.steps,
      bestFitness: run.bestFitness,
      bestCorrelation: run.bestCorrelation,
      ...controlsJson(run, history)
    })
  }
}
