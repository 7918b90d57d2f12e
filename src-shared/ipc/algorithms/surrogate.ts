/**
 * Surrogate training's part of the contract: its training request (a sampled dataset in, a
 * model out), its defaults (the reference's network), and its progress event. It has no
 * validation on the device of its own: a trained model is checked against the device from the
 * Models view (`models:check`).
 */
import { z } from 'zod'
import { ACTIVATION_NAMES, type EpochMetrics } from '../../domain'
import { seedSchema } from './common'

export const surrogateSplitSchema = z
  .object({ train: z.number().gt(0).lt(1), validation: z.number().gt(0).lt(1), test: z.number().gt(0).lt(1) })
  .strict()
  .refine(
    ({ train, validation, test }) => Math.abs(train + validation + test - 1) < 1e-9,
    'train + validation + test must be 1'
  )

export const surrogateTrainingConfigSchema = z
  .object({
    algorithm: z.literal('surrogate'),
    /** The sampled dataset (`dnpu sample`, the Sampling view) it learns from; it must be complete. */
    datasetId: z.number().int().positive(),
    /** Hidden layer sizes, input side first. */
    hiddenSizes: z.array(z.number().int().min(1).max(1024)).min(1).max(16),
    activation: z.enum(ACTIVATION_NAMES),
    epochs: z.number().int().min(1).max(100_000),
    batchSize: z.number().int().min(1).max(65_536),
    /** Adam's learning rate. */
    learningRate: z.number().finite().gt(0).max(1),
    /** Stop after this many epochs without a lower validation loss; null: run every epoch. */
    patience: z.number().int().min(1).max(100_000).nullable(),
    /** Fractions of the samples for training, validation and test (a seeded shuffle). */
    split: surrogateSplitSchema,
    /** Seeds the split, the initial weights and the shuffles; omitted: a random one, stored. */
    seed: seedSchema.optional(),
    /** The trained model's name in the model store (default: "Surrogate of dataset N"). */
    modelName: z.string().trim().min(1).max(200).optional()
  })
  .strict()
export type SurrogateTrainingConfig = z.infer<typeof surrogateTrainingConfigSchema>

/**
 * The reference's network (7 -> 6 x 90 -> 1, ReLU) and optimiser (Adam, lr 1e-3); batch 256 and
 * 100 epochs with a patience of 20 train a few minutes of samples in minutes on a lab PC.
 */
export const DEFAULT_SURROGATE_CONFIG: Omit<SurrogateTrainingConfig, 'datasetId'> = {
  algorithm: 'surrogate',
  hiddenSizes: [90, 90, 90, 90, 90, 90],
  activation: 'relu',
  epochs: 100,
  batchSize: 256,
  learningRate: 1e-3,
  patience: 20,
  split: { train: 0.8, validation: 0.1, test: 0.1 }
}

export interface SurrogateProgressEvent {
  runId: number
  algorithm: 'surrogate'
  totalEpochs: number
  epoch: EpochMetrics
  /** The epoch whose weights are kept so far (lowest validation loss). */
  bestEpoch: number
}
