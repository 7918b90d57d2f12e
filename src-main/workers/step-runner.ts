/**
 * What the trainer loop drives, one generation or epoch at a time, whatever the algorithm:
 * each step returns the message that reports it (metrics + checkpoint), finish() the final one.
 */
import type { FromTrainer } from './trainer-protocol'

/** A message without its sequence number (the loop numbers them). */
export type Outgoing = FromTrainer extends infer M ? (M extends { seq: number } ? Omit<M, 'seq'> : never) : never

export interface StepRunner {
  readonly done: boolean
  /** Generations / epochs run so far, resumed ones included. */
  readonly stepsRun: number
  step(): Promise<Outgoing>
  finish(outcome: 'completed' | 'stopped'): Promise<Outgoing>
  dispose(): void
}
