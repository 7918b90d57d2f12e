/**
 * Each algorithm's part of the contract (training request schema and defaults, progress event,
 * validation on the device) lives in its own file here; this one joins them into the unions the
 * channels and events speak. Adding an algorithm is a file next to these and its three entries
 * below.
 */
import { z } from 'zod'
import { capacityConfigSchema, type CapacityDeviceValidation, type CapacityProgressEvent } from './capacity'
import { gaTrainingConfigSchema, type GaDeviceValidation, type GaProgressEvent } from './ga'
import { gdTrainingConfigSchema, type GdDeviceValidation, type GdProgressEvent } from './gd'
import { surrogateTrainingConfigSchema, type SurrogateProgressEvent } from './surrogate'

export * from './common'
export * from './ga'
export * from './gd'
export * from './capacity'
export * from './surrogate'

export const trainingConfigSchema = z.discriminatedUnion('algorithm', [
  gaTrainingConfigSchema,
  gdTrainingConfigSchema,
  capacityConfigSchema,
  surrogateTrainingConfigSchema
])
export type TrainingConfig = z.infer<typeof trainingConfigSchema>
/** A run that trains control voltages on a model (or the device): every algorithm but surrogate training. */
export type ControlTrainingConfig = Exclude<TrainingConfig, { algorithm: 'surrogate' }>

/** Whether the run trains control voltages (it has a model, a task and data electrodes). */
export function trainsControls(config: TrainingConfig): config is ControlTrainingConfig {
  return config.algorithm !== 'surrogate'
}

/** What a trainer reports after each step, with its run id. */
export type TrainingProgressEvent = GaProgressEvent | GdProgressEvent | CapacityProgressEvent | SurrogateProgressEvent

/**
 * A run's result re-measured on the connected device, stored with the run (`runs.validations_json`,
 * a JSON list, oldest first). One kind per algorithm; validations stored before GD and capacity
 * runs could be validated have no `kind` and are read back as `'ga'`.
 */
export type DeviceValidation = GaDeviceValidation | GdDeviceValidation | CapacityDeviceValidation
