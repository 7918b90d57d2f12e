/** A VC-dimension capacity sweep on a surrogate, as a StepRunner: one labeling per step. */
import type { CapacityAtN, CapacityConfig } from '../../src-shared/ipc'
import { CapacitySweep, SurrogateModel, type CapacityCheckpoint, type SurrogateDefinition } from '../core'
import { modelOf } from './trainer-protocol'
import type { AlgorithmRunner, StepRunner } from './step-runner'

export interface CapacityWorkerCheckpoint {
  algorithm: 'capacity'
  sweep: CapacityCheckpoint
}

export const capacityRunner: AlgorithmRunner = {
  id: 'capacity',
  create: (setup) =>
    Promise.resolve(
      createCapacityRunner(
        setup.config as CapacityConfig & { seed: number },
        modelOf(setup),
        setup.checkpoint as CapacityWorkerCheckpoint | undefined
      )
    )
}

export function capacityAtN(checkpoint: CapacityCheckpoint): CapacityAtN[] {
  return checkpoint.perN.map(({ n, labelings, evaluated, found, capacity }) => ({
    n,
    labelings,
    evaluated,
    found,
    capacity
  }))
}

export function createCapacityRunner(
  config: CapacityConfig & { seed: number },
  definition: SurrogateDefinition,
  checkpoint: CapacityWorkerCheckpoint | undefined
): StepRunner {
  // Each GA generation evaluates (elite + offspring) x N <= a few thousand rows: one thread.
  const model = new SurrogateModel(definition, {
    amplification: config.simulation?.amplification,
    clippingValueNanoamps: config.simulation?.clippingValueNanoamps
  })
  try {
    const sweep = new CapacitySweep(
      {
        processor: model,
        fromN: config.fromN,
        toN: config.toN,
        attempts: config.attempts,
        generations: config.generations,
        thresholdParameter: config.thresholdParameter,
        partition: config.partition,
        dataElectrodes: config.dataElectrodes,
        inputRange: config.inputRange,
        seed: config.seed
      },
      checkpoint?.sweep
    )
    return {
      get done() {
        return sweep.done
      },
      get stepsRun() {
        return sweep.sweepDone
      },
      async step() {
        const progress = await sweep.step()
        if (progress === null) throw new Error('capacity sweep: a labeling was stopped before it was decided')
        const state = sweep.checkpoint()
        const capacity = capacityAtN(state)
        const checkpoint: CapacityWorkerCheckpoint = { algorithm: 'capacity', sweep: state }
        return {
          type: 'step',
          report: {
            step: progress.sweepDone,
            // No row per labeling: the result per N (on the run) is the sweep's record.
            values: null,
            result: { capacity },
            progress: {
              algorithm: 'capacity',
              sweepDone: progress.sweepDone,
              sweepTotal: progress.sweepTotal,
              n: progress.n,
              labeling: progress.result.labeling,
              found: progress.result.found,
              capacity
            }
          },
          checkpoint: { ...checkpoint }
        }
      },
      finish(outcome) {
        return Promise.resolve({ type: 'finished', outcome, result: null })
      },
      dispose() {
        model.dispose()
      }
    }
  } catch (error) {
    model.dispose()
    throw error
  }
}
