/**
 * What the trainer loop drives, one generation or epoch at a time, whatever the algorithm:
 * each step returns the message that reports it (metrics + checkpoint), finish() the final one.
 */
import type { Processor } from '../core'
import type { FromTrainer, TrainerSetup } from './trainer-protocol'

/** A message without its sequence number (the loop numbers them). */
export type Outgoing = FromTrainer extends infer M ? (M extends { seq: number } ? Omit<M, 'seq'> : never) : never

export interface StepRunner {
  readonly done: boolean
  /** Steps (generations, epochs, labelings...) run so far, resumed ones included. */
  readonly stepsRun: number
  step(): Promise<Outgoing>
  finish(outcome: 'completed' | 'stopped'): Promise<Outgoing>
  dispose(): void
}

/** The worker half of an algorithm's descriptor: how its trainer starts (listed in algorithm-runners.ts). */
export interface AlgorithmRunner {
  /** Its descriptor's id (src-shared/domain/algorithms). */
  id: string
  /**
   * A runner for the setup's config, continuing `setup.checkpoint` when given (already checked to
   * be this algorithm's); `device` only for an algorithm whose descriptor trains on the instrument.
   */
  create(setup: TrainerSetup, device: Processor | undefined): Promise<StepRunner>
}
