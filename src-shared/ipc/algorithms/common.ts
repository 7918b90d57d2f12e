/**
 * Value schemas several algorithms' training requests share: ranges, seeds and the simulation
 * options a surrogate run may depart from its model file with.
 */
import { z } from 'zod'

export const rangeSchema = z
  .tuple([z.number().finite(), z.number().finite()])
  .refine(([lo, hi]) => lo < hi, 'expected [min, max] with min < max')

/** Seed of a run's random generator; omitted: a random seed is drawn and stored. */
export const seedSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1)

/** The two activation electrodes that receive a task's two inputs (`what` names them in errors). */
export const twoDataElectrodesSchema = (what: string) =>
  z
    .array(z.number().int().min(0))
    .length(2, `expected exactly two data electrodes ${what}`)
    .refine((e) => e[0] !== e[1], 'expected two different electrodes')

/**
 * How a simulated run departs from the model file's device settings; stored with the run.
 * Omitted fields keep the model's own values; no noise by default.
 */
export const simulationOptionsSchema = z
  .object({
    /** Standard deviation of Gaussian noise added to the output before clipping (nA). */
    noiseStdNanoamps: z.number().finite().min(0).max(1e6).optional(),
    /** Replaces the model's amplification (nA per model output unit). */
    amplification: z
      .number()
      .finite()
      .refine((a) => a !== 0, 'must not be 0')
      .optional(),
    /** Replaces the model's clipping value [lo, hi] (nA). */
    clippingValueNanoamps: rangeSchema.optional()
  })
  .strict()
export type SimulationOptions = z.infer<typeof simulationOptionsSchema>
