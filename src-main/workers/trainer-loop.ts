/**
 * The trainer's side of the worker protocol: runs one GA run generation by generation.
 *
 * Kept apart from the worker entry so tests can drive it over an in-process MessageChannel.
 * Between generations it yields to the event loop, which is how a `stop` message gets in.
 */
import {
  Dnpu,
  GaTrainer,
  SurrogateModel,
  initComputeBackend,
  parseGateTask,
  Rng,
  type GaGenerationResult
} from '../core'
import type { FromTrainer, MessageEndpoint, ToTrainer, TrainerSetup, ImprovedBest } from './trainer-protocol'

type Outgoing = FromTrainer extends infer M ? (M extends { seq: number } ? Omit<M, 'seq'> : never) : never

export function runTrainerLoop(port: MessageEndpoint<ToTrainer, FromTrainer>): void {
  let seq = 0
  let stopRequested = false
  let started = false
  const send = (message: Outgoing): void => port.postMessage({ ...message, seq: ++seq } as FromTrainer)

  port.on('message', (message) => {
    if (message.type === 'stop') {
      stopRequested = true
    } else if (message.type === 'start' && !started) {
      started = true
      train(message.setup).catch((error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error))
        send({ type: 'error', message: failure.message, stack: failure.stack })
      })
    }
  })

  async function train(setup: TrainerSetup): Promise<void> {
    const computeBackend = await initComputeBackend()
    const { config } = setup
    const simulation = config.simulation ?? {}
    const model = new SurrogateModel(setup.model, {
      amplification: simulation.amplification,
      clippingValueNanoamps: simulation.clippingValueNanoamps,
      // Noise has its own stream, derived from the run's seed, so a noisy run repeats exactly
      // and the GA's own draws are the same as without noise.
      outputNoise: simulation.noiseStdNanoamps
        ? { stdNanoamps: simulation.noiseStdNanoamps, rng: new Rng(noiseSeedOf(config.seed)) }
        : undefined
    })
    try {
      const task = parseGateTask(config.task)
      const dnpu = new Dnpu({
        activationElectrodeCount: model.inputCount,
        voltageRangesVolts: model.voltageRangesVolts,
        dataElectrodes: config.dataElectrodes,
        inputRange: config.inputRange
      })
      const trainerSetup = {
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
      const trainer = setup.checkpoint
        ? GaTrainer.fromCheckpoint(trainerSetup, setup.checkpoint)
        : new GaTrainer(trainerSetup)
      send({ type: 'ready', computeBackend })

      let bestSoFarFitness = Number.NEGATIVE_INFINITY
      while (!trainer.done) {
        await yieldToEventLoop()
        if (stopRequested) {
          send({ type: 'finished', outcome: 'stopped', result: trainer.result() })
          return
        }
        const result: GaGenerationResult = await trainer.step()
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
        send({ type: 'generation', result, improvedBest, checkpoint: trainer.checkpoint() })
      }
      send({ type: 'finished', outcome: 'completed', result: trainer.result() })
    } finally {
      model.dispose()
    }
  }
}

/** A second seed for the noise stream (golden-ratio offset keeps it apart from the GA's). */
function noiseSeedOf(seed: number): number {
  return (seed + 0x9e3779b9) >>> 0
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
