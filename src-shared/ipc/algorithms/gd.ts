/**
 * Gradient descent's part of the contract: its training request (the ring task), its defaults
 * (the lab's ring preset), its progress event and its validation on the device.
 */
import { z } from 'zod'
import { GD_CONSTRAINT_NAMES, GD_LOSS_NAMES, GD_OPTIMIZER_NAMES, GD_TASK_NAMES, type EpochMetrics } from '../../domain'
import { rangeSchema, seedSchema, simulationOptionsSchema, twoDataElectrodesSchema } from './common'

/** The ring task's dataset: generated from its own seed, so runs with other seeds share it. */
export const ringTaskSchema = z
  .object({
    /** Points in all (half per class); even. */
    sampleCount: z
      .number()
      .int()
      .min(20)
      .max(200_000)
      .refine((n) => n % 2 === 0, 'must be even (half the points per class)'),
    /** Width of the empty band between the two classes, in task units. */
    gap: z.number().finite().min(0).max(0.9),
    /** Fractions of the points for training, validation and test; they must add up to 1. */
    split: z
      .object({ train: z.number().gt(0).max(1), validation: z.number().min(0).max(1), test: z.number().min(0).max(1) })
      .strict()
      .refine(
        ({ train, validation, test }) => Math.abs(train + validation + test - 1) < 1e-9,
        'train + validation + test must be 1'
      ),
    /** Seed of the dataset (not of the training). */
    dataSeed: seedSchema
  })
  .strict()
export type RingTaskSettings = z.infer<typeof ringTaskSchema>

/** A gradient-descent training request on a surrogate. Defaults are the lab's ring preset. */
export const gdTrainingConfigSchema = z
  .object({
    algorithm: z.literal('gd'),
    task: z.enum(GD_TASK_NAMES),
    modelId: z.string().min(1),
    dataElectrodes: twoDataElectrodesSchema('for the ring task'),
    inputRange: rangeSchema,
    ring: ringTaskSchema,
    epochs: z.number().int().min(1).max(100_000),
    learningRate: z.number().finite().gt(0).max(10),
    batchSize: z.number().int().min(1).max(1_000_000),
    optimizer: z.enum(GD_OPTIMIZER_NAMES),
    /** clip: controls clipped into their ranges after every step; regul: a penalty pulls them back. */
    constraint: z.enum(GD_CONSTRAINT_NAMES),
    loss: z.enum(GD_LOSS_NAMES),
    seed: seedSchema.optional(),
    /** Amplification / clipping overrides; GD trains on the noise-free surrogate. */
    simulation: simulationOptionsSchema
      .refine(
        (s) => !s.noiseStdNanoamps,
        'noiseStdNanoamps: gradient descent trains on the noise-free surrogate; remove the noise'
      )
      .optional()
  })
  .strict()
export type GdTrainingConfig = z.infer<typeof gdTrainingConfigSchema>

export const DEFAULT_GD_CONFIG: Omit<GdTrainingConfig, 'modelId'> = {
  algorithm: 'gd',
  task: 'ring',
  dataElectrodes: [1, 2],
  inputRange: [-1, 1],
  ring: { sampleCount: 1000, gap: 0.4, split: { train: 0.7, validation: 0.15, test: 0.15 }, dataSeed: 0 },
  epochs: 40,
  learningRate: 0.01,
  batchSize: 64,
  optimizer: 'adam',
  constraint: 'clip',
  // fisher, not corrsig: on the demo surrogate (600 points, 40 epochs, seeds 1-5) fisher reached
  // 87-100 % test accuracy, corrsig 57-98 % (its 1/sigmoid(separation) term is ~1e25 in nA
  // units until the classes separate, which makes its steps erratic). See docs/training.md.
  loss: 'fisher'
}

export interface GdProgressEvent {
  runId: number
  algorithm: 'gd'
  totalEpochs: number
  epoch: EpochMetrics
}

/**
 * A GD run's returned controls (lowest validation loss) measured on the ring task's evaluation set
 * (test, else validation, else training; its first 2000 points at most), regenerated from the
 * run's data seed and split.
 */
export interface GdDeviceValidation {
  kind: 'gd'
  measurementId: number
  measuredAt: string
  set: 'test' | 'validation' | 'train'
  /** Points in that set; the first 2000 at most are measured (`outputsNanoamps` has one per point measured). */
  setPointCount: number
  controlVoltages: number[]
  /**
   * The data electrodes' ranges the task inputs were mapped onto: the ones the run trained with
   * (its model's), so the device gets the voltages training used; each inside the calibration.
   */
  dataRangesVolts: [number, number][]
  targets: number[]
  outputsNanoamps: number[]
  /** The run's surrogate (with its simulation options) on exactly the voltages sent to the device. */
  simulatedOutputsNanoamps: number[]
  /** Perceptron accuracy (%) of the measured and the simulated outputs; null for a flat output. */
  accuracyPercent: number | null
  simulatedAccuracyPercent: number | null
  /** The accuracy the run itself stored for that set when it ended (null: none stored). */
  trainedAccuracyPercent: number | null
  /** Pearson correlation of the measured with the simulated outputs (NaN for a flat one: null in JSON). */
  correlation: number
}
