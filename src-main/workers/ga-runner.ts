/** A GA run on a surrogate or on the instrument (through main), as a StepRunner. */
import type { GaTrainingConfig } from '../../src-shared/ipc'
import type { RunResultUpdate } from '../../src-shared/domain'
import {
  Dnpu,
  GaTrainer,
  Rng,
  parseGateTask,
  type GaCheckpoint,
  type Processor,
  type SurrogateDefinition
} from '../core'
import { EvaluationPool } from './evaluation-pool'
import { modelOf } from './trainer-protocol'
import type { AlgorithmRunner, StepRunner, Outgoing } from './step-runner'

/** A GA run's stored state: the trainer's checkpoint and (with output noise) the noise generator's. */
export interface GaWorkerCheckpoint {
  algorithm: 'ga'
  trainer: GaCheckpoint
  noiseRngState: number[] | null
}

export const gaRunner: AlgorithmRunner = {
  id: 'ga',
  create: (setup, device) =>
    Promise.resolve(
      createGaRunner(
        setup.config as GaTrainingConfig & { seed: number },
        modelOf(setup),
        setup.checkpoint as GaWorkerCheckpoint | undefined,
        setup.workers,
        device
      )
    )
}

/** A second seed for the noise stream (golden-ratio offset keeps it apart from the GA's). */
export function noiseSeedOf(seed: number): number {
  return (seed + 0x9e3779b9) >>> 0
}

export function createGaRunner(
  config: GaTrainingConfig & { seed: number },
  definition: SurrogateDefinition,
  checkpoint: GaWorkerCheckpoint | undefined,
  /** Threads sharing each generation's forward (default: the number of cores); results do not depend on it. */
  workers?: number,
  /** The instrument, when the run is on the device: replaces the surrogate and its simulation options. */
  device?: Processor
): StepRunner {
  const simulation = device ? {} : (config.simulation ?? {})
  // Noise has its own stream, derived from the run's seed, so a noisy run repeats exactly and
  // the GA's own draws are the same as without noise; its state is checkpointed with the GA's.
  const noiseRng = simulation.noiseStdNanoamps
    ? checkpoint?.noiseRngState
      ? Rng.fromState(checkpoint.noiseRngState)
      : new Rng(noiseSeedOf(config.seed))
    : null
  const pool = device
    ? null
    : new EvaluationPool({
        definition,
        simulation: {
          amplification: simulation.amplification,
          clippingValueNanoamps: simulation.clippingValueNanoamps,
          outputNoise: noiseRng ? { stdNanoamps: simulation.noiseStdNanoamps!, rng: noiseRng } : undefined
        },
        workers
      })
  const model: Processor = device ?? pool!
  try {
    const task = parseGateTask(config.task)
    const dnpu = new Dnpu({
      activationElectrodeCount: model.activationElectrodeCount,
      voltageRangesVolts: model.voltageRangesVolts,
      dataElectrodes: config.dataElectrodes,
      inputRange: config.inputRange
    })
    const setup = {
      processor: model,
      dnpu,
      taskInputs: task.inputs,
      targets: task.targets,
      partition: config.partition,
      generations: config.generations,
      fitness: config.fitness,
      stopThreshold: config.stopThreshold,
      seed: config.seed
    }
    const trainer = checkpoint ? GaTrainer.fromCheckpoint(setup, checkpoint.trainer) : new GaTrainer(setup)
    let bestSoFarFitness = checkpoint?.trainer.best?.fitness ?? Number.NEGATIVE_INFINITY
    return {
      get done() {
        return trainer.done
      },
      get stepsRun() {
        return trainer.generation
      },
      async step(): Promise<Outgoing> {
        const result = await trainer.step()
        // The run's best is sent (and stored) only in the generation that improved it.
        let improvedBest: RunResultUpdate | null = null
        if (result.bestSoFarFitness > bestSoFarFitness) {
          bestSoFarFitness = result.bestSoFarFitness
          const best = trainer.result()
          improvedBest = {
            bestFitness: best.bestFitness,
            bestCorrelation: best.bestCorrelation,
            bestControlVoltages: best.bestControlVoltages,
            bestOutputsNanoamps: best.bestOutputsNanoamps
          }
        }
        const state: GaWorkerCheckpoint = {
          algorithm: 'ga',
          trainer: trainer.checkpoint(),
          noiseRngState: noiseRng?.getState() ?? null
        }
        const values = {
          bestFitness: result.bestFitness,
          bestCorrelation: result.bestCorrelation,
          bestSoFarFitness: result.bestSoFarFitness,
          bestSoFarCorrelation: result.bestSoFarCorrelation
        }
        return {
          type: 'step',
          report: {
            step: result.generation,
            values,
            payload: result.bestGenome,
            result: improvedBest,
            progress: {
              algorithm: 'ga',
              totalGenerations: config.generations,
              metrics: { generation: result.generation, ...values }
            }
          },
          checkpoint: { ...state }
        }
      },
      finish(outcome) {
        return Promise.resolve({ type: 'finished', outcome, result: null })
      },
      dispose() {
        void pool?.dispose()
      }
    }
  } catch (error) {
    void pool?.dispose()
    throw error
  }
}
