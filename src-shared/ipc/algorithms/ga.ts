/**
 * The genetic algorithm's part of the contract: its training request, its defaults (the lab's
 * XOR preset), its progress event and its validation on the device.
 */
import { z } from 'zod'
import { FITNESS_NAMES, type GenerationMetrics } from '../../domain'
import { rangeSchema, seedSchema, simulationOptionsSchema, twoDataElectrodesSchema } from './common'

const gateTaskSchema = z
  .string()
  .regex(
    /^(and|or|nand|nor|xor|xnor|gate:[01]{4})$/,
    'expected a gate name (and, or, nand, nor, xor, xnor) or gate:XXXX with four 0/1 targets'
  )

/** A genetic-algorithm training request. Defaults are the lab's XOR preset. */
export const gaTrainingConfigSchema = z
  .object({
    algorithm: z.literal('ga'),
    task: gateTaskSchema,
    modelId: z.string().min(1),
    /** Activation electrodes that receive the task's two inputs; the rest are controls. */
    dataElectrodes: twoDataElectrodesSchema('for a boolean gate'),
    /** Task-space input range mapped linearly onto each data electrode's voltage range. */
    inputRange: rangeSchema,
    /** [elite, offspring]; the pool holds elite + offspring genomes. */
    partition: z.tuple([z.number().int().min(1).max(500), z.number().int().min(1).max(500)]),
    generations: z.number().int().min(1).max(100000),
    fitness: z.enum(FITNESS_NAMES),
    /**
     * Stop when the best genome's Pearson correlation with the target reaches this (the
     * reference compares the correlation, not the fitness). Above 1 (up to 2) means "never stop
     * early": a correlation cannot exceed 1.
     */
    stopThreshold: z.number().finite().min(-1).max(2),
    /** Seed of the run's random generator; omitted: a random seed is drawn and stored. */
    seed: seedSchema.optional(),
    simulation: simulationOptionsSchema.optional(),
    /**
     * What evaluates the genomes: the surrogate model (default), or the connected instrument
     * within its profile's active calibration (simulation options do not apply there).
     */
    processor: z.enum(['surrogate', 'device']).optional()
  })
  .strict()
export type GaTrainingConfig = z.infer<typeof gaTrainingConfigSchema>

export const DEFAULT_GA_CONFIG: Omit<GaTrainingConfig, 'modelId'> = {
  algorithm: 'ga',
  task: 'xor',
  dataElectrodes: [1, 2],
  inputRange: [-1, 1],
  partition: [4, 22],
  generations: 100,
  fitness: 'corrsig_fit',
  stopThreshold: 0.9
}

export interface GaProgressEvent {
  runId: number
  algorithm: 'ga'
  totalGenerations: number
  metrics: GenerationMetrics
}

/** A GA run's best genome re-measured with the gate's inputs. */
export interface GaDeviceValidation {
  kind: 'ga'
  measurementId: number
  measuredAt: string
  outputsNanoamps: number[]
  correlation: number
  fitness: number
  /** The surrogate's (or the run's own) outputs for the same controls, for comparison. */
  trainedOutputsNanoamps: number[]
}
