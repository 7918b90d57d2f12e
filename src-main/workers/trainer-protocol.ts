/**
 * Messages between the training service (main thread) and a trainer worker.
 *
 * A typed union with a per-sender sequence number, so the receiver can detect a lost or
 * reordered message; errors cross as plain data, never as thrown objects (docs/architecture.md, rule 7).
 */
import type { RunResultUpdate, StepReport, TrainingConfig, TrainingProgressBody } from '../../src-shared/ipc'
import type { SurrogateDefinition } from '../core'

/**
 * What is stored after every step and continues a run exactly: the algorithm's id and whatever
 * its runner needs (each runner declares its own shape: GA's trainer state and noise generator,
 * GD's trainer state, a capacity sweep's state).
 */
export interface WorkerCheckpoint {
  algorithm: string
  [state: string]: unknown
}

export interface TrainerSetup {
  config: TrainingConfig & { seed: number }
  /** The surrogate an algorithm trains controls on (GA, GD, capacity); absent for surrogate training. */
  model?: SurrogateDefinition
  /** Surrogate training: the sampled dataset it learns from (clipped samples already dropped). */
  dataset?: TrainerDataset
  /** Continue from this checkpoint instead of a fresh start. */
  checkpoint?: WorkerCheckpoint
  /** End as 'stopped' (resumable) once this many generations / epochs have run in total. */
  stopAfter?: number
  /** Threads sharing each GA generation's forward or GD batch's forward and gradient (default: the number of cores). */
  workers?: number
  /**
   * GA on the instrument: genomes are measured by main (which owns the port) through
   * `measure` messages, within these calibrated ranges; `model` then only names the shape.
   */
  device?: DeviceProcessorSpec
}

/** A sampled dataset as a surrogate trainer gets it (typed arrays cross the thread boundary as copies). */
export interface TrainerDataset {
  datasetId: number
  /** count x electrodes volts, row-major. */
  inputsVolts: Float32Array
  /** count outputs, nA. */
  outputsNanoamps: Float32Array
  electrodeRangesVolts: [number, number][]
  /** nA per model output unit: outputs are divided by it for training, as the reference does. */
  amplification: number
  clippingNanoamps: [number, number]
}

/** What a surrogate training run hands main when it ends: the model to store and the batch its checks re-measure. */
export interface SurrogateArtifact {
  definition: SurrogateDefinition
  /** Test samples as measured at training time: the reference batch of the model's consistency checks. */
  referenceBatch: { inputsVolts: Float32Array; outputsNanoamps: Float32Array; electrodeCount: number }
}

/** The surrogate an algorithm's runner trains on; a clear error for a setup without one. */
export function modelOf(setup: TrainerSetup): SurrogateDefinition {
  if (!setup.model) throw new Error(`a ${setup.config.algorithm} run needs a surrogate model`)
  return setup.model
}

export interface DeviceProcessorSpec {
  activationElectrodeCount: number
  voltageRangesVolts: [number, number][]
  /** Readings at or beyond these currents (the ADC range in nA) are saturated. */
  clippingValueNanoamps: [number, number]
}

export type ToTrainer =
  | { seq: number; type: 'start'; setup: TrainerSetup }
  | { seq: number; type: 'stop' }
  | { seq: number; type: 'pause' }
  | { seq: number; type: 'continue' }
  /** Main has written one more step (generation, epoch or labeling) to the database. */
  | { seq: number; type: 'recorded' }
  /** The answer to a `measure` request: one output (nA) per row, or why it failed. */
  | { seq: number; type: 'measured'; requestId: number; outputsNanoamps: Float32Array }
  | { seq: number; type: 'measure-failed'; requestId: number; message: string }

export type FromTrainer =
  | { seq: number; type: 'ready'; computeBackend: string }
  /** One step of any algorithm (a generation, an epoch, a labeling...): main records it, then emits its progress. */
  | { seq: number; type: 'step'; report: StepReport<TrainingProgressBody>; checkpoint: WorkerCheckpoint }
  | { seq: number; type: 'paused'; paused: boolean }
  /** Asks main to measure rows of activation voltages on the instrument. */
  | { seq: number; type: 'measure'; requestId: number; inputsVolts: Float32Array; rowCount: number }
  /**
   * `result`: fields of the run's result computed at its end (a GD run's evaluation), else null;
   * `artifact`: what main stores elsewhere before the result (a trained surrogate: the model store).
   */
  | {
      seq: number
      type: 'finished'
      outcome: 'completed' | 'stopped'
      result: RunResultUpdate | null
      artifact?: unknown
    }
  | { seq: number; type: 'error'; message: string; stack?: string }

/** The part of a MessagePort / Worker / parentPort both sides need. */
export interface MessageEndpoint<Incoming, Outgoing> {
  postMessage(message: Outgoing): void
  on(event: 'message', listener: (message: Incoming) => void): unknown
}

/** Checkpoints stored before schema version 5 are a bare GA checkpoint without noise state. */
export function toWorkerCheckpoint(stored: unknown): WorkerCheckpoint {
  if (typeof stored === 'object' && stored !== null && 'algorithm' in stored) return stored as WorkerCheckpoint
  return { algorithm: 'ga', trainer: stored, noiseRngState: null }
}
