/**
 * Messages between the training service (main thread) and a trainer worker.
 *
 * A typed union with a per-sender sequence number, so the receiver can detect a lost or
 * reordered message; errors cross as plain data, never as thrown objects (docs/architecture.md, rule 7).
 */
import type { CapacityAtN, EpochMetrics, GdRunOutcome, TrainingConfig } from '../../src-shared/ipc'
import type { CapacityCheckpoint, GaCheckpoint, GaGenerationResult, GdCheckpoint, SurrogateDefinition } from '../core'

/**
 * What is stored after every step and continues a run exactly: the trainer's own checkpoint,
 * plus (GA with output noise) the noise generator's state.
 */
export type WorkerCheckpoint =
  | { algorithm: 'ga'; trainer: GaCheckpoint; noiseRngState: number[] | null }
  | { algorithm: 'gd'; trainer: GdCheckpoint }
  | { algorithm: 'capacity'; sweep: CapacityCheckpoint }

export interface TrainerSetup {
  config: TrainingConfig & { seed: number }
  model: SurrogateDefinition
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

export interface DeviceProcessorSpec {
  activationElectrodeCount: number
  voltageRangesVolts: [number, number][]
  /** Readings at or beyond these currents (the ADC range in nA) are saturated. */
  clippingValueNanoamps: [number, number]
}

/** The best genome so far, sent only in the generation where it improved. */
export interface ImprovedBest {
  fitness: number
  correlation: number
  controlVoltages: number[]
  outputsNanoamps: number[]
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
  | {
      seq: number
      type: 'generation'
      result: GaGenerationResult
      improvedBest: ImprovedBest | null
      checkpoint: WorkerCheckpoint
    }
  | {
      seq: number
      type: 'epoch'
      metrics: EpochMetrics
      /** The best-on-validation controls, when this epoch improved on them (every epoch without validation). */
      improvedControls: number[] | null
      checkpoint: WorkerCheckpoint
    }
  | {
      seq: number
      type: 'labeling'
      n: number
      labeling: number[]
      found: boolean
      sweepDone: number
      sweepTotal: number
      capacity: CapacityAtN[]
      checkpoint: WorkerCheckpoint
    }
  | { seq: number; type: 'paused'; paused: boolean }
  /** Asks main to measure rows of activation voltages on the instrument. */
  | { seq: number; type: 'measure'; requestId: number; inputsVolts: Float32Array; rowCount: number }
  | { seq: number; type: 'finished'; outcome: 'completed' | 'stopped'; gdOutcome: GdRunOutcome | null }
  | { seq: number; type: 'error'; message: string; stack?: string }

/** The part of a MessagePort / Worker / parentPort both sides need. */
export interface MessageEndpoint<Incoming, Outgoing> {
  postMessage(message: Outgoing): void
  on(event: 'message', listener: (message: Incoming) => void): unknown
}

/** Checkpoints stored before schema version 5 are a bare GA checkpoint without noise state. */
export function toWorkerCheckpoint(stored: unknown): WorkerCheckpoint {
  if (typeof stored === 'object' && stored !== null && 'algorithm' in stored) return stored as WorkerCheckpoint
  return { algorithm: 'ga', trainer: stored as GaCheckpoint, noiseRngState: null }
}
