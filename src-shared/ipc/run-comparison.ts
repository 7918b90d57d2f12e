/**
 * Runs side by side (`runs:compare`) and a stored run's config to start again
 * (`runs:rerun-config`): their request schemas and the comparison's shape. The rules (which keys
 * differ, which ids are refused) are in src-main/services/run-compare.ts.
 */
import { z } from 'zod'
import type { RunAccuracy, RunSummary } from '../domain'
import { seedSchema } from './algorithms'

export const runCompareSchema = z
  .object({
    // Duplicates and unknown ids are refused by the service, which names them.
    runIds: z.array(z.number().int().positive()).min(2).max(6)
  })
  .strict()

export const rerunConfigSchema = z
  .object({
    runId: z.number().int().positive(),
    /** Replaces the stored seed. */
    seed: seedSchema.optional(),
    /** Drops the stored seed: the new run draws one (and stores it). */
    newSeed: z.boolean().optional()
  })
  .strict()
  .refine((request) => !(request.seed !== undefined && request.newSeed), {
    message: 'give a seed or newSeed, not both',
    path: ['seed']
  })

/** One run's per-step series, labelled for a chart. */
export interface RunCompareHistory {
  /** What one step is ('generation') and its plural ('generations'): the x axis's label. */
  stepName: string
  stepUnit: string
  /**
   * The step numbers the series are aligned with (their x axis); empty for an algorithm that
   * keeps no row per step (a capacity sweep, whose series are per N and whose `n` is the x axis).
   */
  steps: number[]
  /** The run's `history` as `runs show --json` has it: {fitness, correlation}, {trainLoss, valLoss}, {n, capacity}. */
  series: Record<string, number[]>
  /** Per series key: its label and unit from the algorithm's descriptor. */
  labels: Record<string, { label: string; unit: string }>
}

/** The run's best outputs against their targets (GA: the gate's inputs; GD: the evaluation set). */
export interface RunCompareOutputs {
  outputsNanoamps: number[]
  targets: number[]
  /** GD: perceptron accuracy per part of the dataset; null otherwise. */
  accuracy: RunAccuracy | null
}

/** One control electrode's trained voltage with the range that bounded it. */
export interface RunCompareControl {
  electrode: number
  volts: number
  /** The device run's calibrated range, else the model's; null when unknown. */
  rangeVolts: [number, number] | null
}

export interface RunComparison {
  /** In the order the ids were given. */
  runs: RunSummary[]
  /**
   * Settings whose values differ between the runs, one value per run (null where a run lacks the
   * key). Config keys are flattened with dots (`ring.split.train`), arrays kept whole.
   */
  differences: { key: string; values: unknown[] }[]
  /** By run id. */
  history: Record<number, RunCompareHistory>
  /** By run id; null for a run with no outputs (a capacity sweep, a run that ended before one). */
  outputs: Record<number, RunCompareOutputs | null>
  /** By run id: the best control voltages, in control-electrode order (empty when none). */
  controls: Record<number, RunCompareControl[]>
}
