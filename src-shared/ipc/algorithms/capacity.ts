/**
 * The capacity sweep's part of the contract: its request, its defaults, its progress event and
 * its validation on the device.
 */
import { z } from 'zod'
import { VC_DIMENSION_RANGE, type CapacityAtN } from '../../domain'
import { rangeSchema, seedSchema, simulationOptionsSchema, twoDataElectrodesSchema } from './common'

/**
 * A VC-dimension capacity sweep: for each N, a GA per non-constant labeling of N points (up to
 * `attempts` runs each); capacity(N) = labelings found / labelings tried. Stored as a run.
 */
export const capacityConfigSchema = z
  .object({
    algorithm: z.literal('capacity'),
    task: z.literal('vc-dimension'),
    modelId: z.string().min(1),
    fromN: z.number().int().min(VC_DIMENSION_RANGE[0]).max(VC_DIMENSION_RANGE[1]),
    toN: z.number().int().min(VC_DIMENSION_RANGE[0]).max(VC_DIMENSION_RANGE[1]),
    /** GA runs per labeling at most; the first success ends them. */
    attempts: z.number().int().min(1).max(50),
    /** Generations per GA run at most. */
    generations: z.number().int().min(1).max(10_000),
    /** A labeling is found when the perceptron accuracy reaches 1 - thresholdParameter / N. */
    thresholdParameter: z.number().finite().min(0),
    partition: z.tuple([z.number().int().min(1).max(500), z.number().int().min(1).max(500)]),
    dataElectrodes: twoDataElectrodesSchema("(the points' x and y)"),
    inputRange: rangeSchema,
    seed: seedSchema.optional(),
    simulation: simulationOptionsSchema
      .refine(
        (s) => !s.noiseStdNanoamps,
        'noiseStdNanoamps: the capacity sweep runs on the noise-free surrogate; remove the noise'
      )
      .optional()
  })
  .strict()
  .refine((c) => c.fromN <= c.toN, { message: 'fromN must not be greater than toN', path: ['fromN'] })
  .refine((c) => c.thresholdParameter < c.fromN, {
    message: 'must be below fromN (else every labeling counts as found)',
    path: ['thresholdParameter']
  })
export type CapacityConfig = z.infer<typeof capacityConfigSchema>

export const DEFAULT_CAPACITY_CONFIG: Omit<CapacityConfig, 'modelId'> = {
  algorithm: 'capacity',
  task: 'vc-dimension',
  fromN: 4,
  toN: 6,
  attempts: 3,
  generations: 100,
  thresholdParameter: 0.5,
  partition: [4, 22],
  dataElectrodes: [1, 2],
  inputRange: [-1, 1]
}

export interface CapacityProgressEvent {
  runId: number
  algorithm: 'capacity'
  /** Labelings decided so far and in all. */
  sweepDone: number
  sweepTotal: number
  /** The labeling just decided. */
  n: number
  labeling: number[]
  found: boolean
  capacity: CapacityAtN[]
}

/** One N of a capacity sweep re-measured: its found labelings, each with its own best controls. */
export interface CapacityValidationAtN {
  n: number
  /** Labelings the sweep decided at this N (all 2^N - 2 unless it was stopped). */
  evaluated: number
  foundOnSurrogate: number
  /** Found labelings the device confirmed (the sweep's rule: perceptron accuracy >= 1 - X/N). */
  confirmedOnDevice: number
  /** foundOnSurrogate / evaluated and confirmedOnDevice / evaluated. */
  capacityOnSurrogate: number
  capacityMeasured: number
  /** The found labelings the device did not confirm (one 0/1 per point). */
  notConfirmed: number[][]
  /** The acquisition of this N's labelings (null when none was found, so nothing was measured). */
  measurementId: number | null
}

export interface CapacityDeviceValidation {
  kind: 'capacity'
  measuredAt: string
  perN: CapacityValidationAtN[]
}
