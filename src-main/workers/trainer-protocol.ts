/**
 * Messages between the training service (main thread) and a trainer worker.
 *
 * A typed union with a per-sender sequence number, so the receiver can detect a lost or
 * reordered message; errors cross as plain data, never as thrown objects (DESIGN.md rule 7).
 */
import type { GaTrainingConfig } from '../../src-preload/contract'
import type { GaCheckpoint, GaGenerationResult, GaResult, SurrogateDefinition } from '../core'

export interface TrainerSetup {
  config: GaTrainingConfig & { seed: number }
  model: SurrogateDefinition
  /** Continue from this checkpoint instead of a fresh pool. */
  checkpoint?: GaCheckpoint
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

export type FromTrainer =
  | { seq: number; type: 'ready'; computeBackend: string }
  | {
      seq: number
      type: 'generation'
      result: GaGenerationResult
      improvedBest: ImprovedBest | null
      checkpoint: GaCheckpoint
    }
  | { seq: number; type: 'finished'; outcome: 'completed' | 'stopped'; result: GaResult }
  | { seq: number; type: 'error'; message: string; stack?: string }

/** The part of a MessagePort / Worker / parentPort both sides need. */
export interface MessageEndpoint<Incoming, Outgoing> {
  postMessage(message: Outgoing): void
  on(event: 'message', listener: (message: Incoming) => void): unknown
}
