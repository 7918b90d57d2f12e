/** A GA run on a surrogate or on the instrument (through main), as a StepRunner. */
import type { GaTrainingConfig } from '../../src-shared/ipc'
import { Dnpu, GaTrainer, Rng, parseGateTask, type Processor, type SurrogateDefinition } from '../core'
import { EvaluationPool } from './evaluation-pool'
import type { StepRunner, Outgoing } from './step-runner'
import type { ImprovedBest, WorkerCheckpoint } from './trainer-protocol'

/** A second seed for the noise stream (golden-ratio offset keeps it apart from the GA's). */
export function noiseSeedOf(seed: number): number {
  return (seed + 0x9e3779b9) >>> 0
}

export function createGaRunner(
  config: GaTrainingConfig & { seed: number },
  definition: SurrogateDefinition,
  checkpoint: Extract<WorkerCheckpoint, { algorithm: 'ga' }> | undefined,
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
        let improvedBest: ImprovedBest | null = null
        if (result.bestSoFarFitness > bestSoFarFitness) {
          bestSoFarFitness = result.bestSoFarFitness
          const best = trainer.result()
          improvedBest = {
            fitness: best.bestFitness,
            correlation: best.bestCorrelation,
            controlVoltages: best.bestControlVoltages,
            outputsNanoamps: best.bestOutputsNanoamps
          }
        }
        const state: WorkerCheckpoint = { algorithm: 'ga', trainer: trainer.checkpoint(), noiseRngState: noiseRng?.getState() ?? null }
        return { type: 'generation', result, improvedBest, checkpoint: state }
      },
      finish(outcome) {
        return Promise.resolve({ type: 'finished', outcome, gdOutcome: null })
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
