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

export * from './common'
export * from './ga'
export * from './gd'
export * from './capacity'

export const trainingConfigSchema = z.discriminatedUnion('algorithm', [
  gaTrainingConfigSchema,
  gdTrainingConfigSchema,
  capacityConfigSchema
])
export type TrainingConfig = z.infer<typeof trainingConfigSchema>

/** What a trainer reports after each step, with its run id. */
export type TrainingProgressEvent = GaProgressEvent | GdProgressEvent | CapacityProgressEvent

/**
 * A run's result re-measured on the connected device, stored with the run (`runs.validations_json`,
 * a JSON list, oldest first). One kind per algorithm; validations stored before GD and capacity
 * runs could be validated have no `kind` and are read back as `'ga'`.
 */
export type DeviceValidation = GaDeviceValidation | GdDeviceValidation | CapacityDeviceValidation
