/**
 * Test-only: the worker and main-process halves of the toy random search's descriptor (as
 * workers/*-runner.ts and services/algorithms/*.ts).
 */
import type { GaTrainingConfig, RunDetail, TrainingConfig, TrainingProgressEvent } from '../../../../../src-shared/ipc'
import { parseGateTask, SurrogateModel } from '../../../../core'
import type { AlgorithmRunner, Outgoing } from '../../../../workers/step-runner'
import { modelOf } from '../../../../workers/trainer-protocol'
import { ValidationRefusedError } from '../../../validation-voltages'
import type { ServiceAlgorithm } from '../../descriptor'
import { controlsText } from '../../text'
import { RandomSearch } from './random-search-trainer'

export interface RandomSearchConfig {
  algorithm: 'random-search'
  task: string
  modelId: string
  dataElectrodes: number[]
  inputRange: [number, number]
  samples: number
  seed?: number
}

/** Its progress event (a real algorithm adds it to TrainingProgressEvent in src-shared/ipc/events.ts). */
interface RandomSearchProgress {
  algorithm: 'random-search'
  sample: number
  totalSamples: number
  correlation: number
  bestCorrelation: number
}

export const randomSearchRunner: AlgorithmRunner = {
  id: 'random-search',
  create(setup) {
    const config = setup.config as unknown as RandomSearchConfig & { seed: number }
    const processor = new SurrogateModel(modelOf(setup))
    const search = new RandomSearch({ processor, ...config })
    return Promise.resolve({
      get done() {
        return search.done
      },
      get stepsRun() {
        return search.sample
      },
      async step(): Promise<Outgoing> {
        const sample = await search.step()
        const progress: RandomSearchProgress = { algorithm: 'random-search', sample: sample.sample, totalSamples: config.samples, correlation: sample.correlation, bestCorrelation: sample.bestCorrelation }
        return {
          type: 'step',
          report: {
            step: sample.sample,
            values: { correlation: sample.correlation, bestCorrelation: sample.bestCorrelation },
            result: sample.improved && { bestCorrelation: sample.correlation, bestControlVoltages: sample.improved.controlVoltages, bestOutputsNanoamps: sample.improved.outputsNanoamps },
            progress: progress as unknown as Extract<Outgoing, { type: 'step' }>['report']['progress']
          },
          // Stateless apart from its draws: a toy does not resume.
          checkpoint: { algorithm: 'random-search', sample: sample.sample }
        }
      },
      finish: (outcome) => Promise.resolve({ type: 'finished', outcome, result: null }),
      dispose: () => processor.dispose()
    })
  }
}

export const randomSearchService: ServiceAlgorithm = {
  id: 'random-search',
  checkConfig: (config: TrainingConfig) => ({ targets: parseGateTask((config as GaTrainingConfig).task).targets }),
  planValidation: (run: RunDetail) => {
    throw new ValidationRefusedError(`cannot validate run ${run.id} on the device: random search has no validation`)
  },
  describeValidation: () => [],
  cli: {
    progressFormat: () => 'random search |{bar}| {value}/{total} samples | best correlation {a}',
    progressValues(event: TrainingProgressEvent) {
      const progress = event as unknown as RandomSearchProgress
      return { value: progress.sample, a: progress.bestCorrelation.toFixed(4), b: '' }
    },
    describeResult: (run, seconds, { voltages, resumeHint }) => [`run ${run.id} ${run.status} after ${run.steps} samples in ${seconds.toFixed(2)} s`, ...controlsText(voltages, resumeHint)],
    resultJson: (run, history) => ({ runId: run.id, algorithm: run.algorithm, status: run.status, samples: run.steps, history, error: run.error })
  }
}
