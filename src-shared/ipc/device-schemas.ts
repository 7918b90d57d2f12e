/**
 * The instrument half of the IPC contract: device profiles, connection, calibration and
 * measurements. `channels.ts` lists the channels; the shapes they carry live here so the
 * channel list stays readable.
 */
import { z } from 'zod'
import { MAX_ACTIVATION_ELECTRODES, type InstrumentCapabilities, type InstrumentIdentity } from '../domain'

const finite = z.number().finite()
const rangeVoltsSchema = z
  .tuple([finite, finite])
  .refine(([min, max]) => min <= 0 && 0 <= max, 'a range must hold 0 V: [min <= 0, max >= 0]')

/** Where and how to reach an instrument: a serial port path, `tcp://127.0.0.1:PORT`, or the built-in simulator. */
export const portSettingsSchema = z
  .object({
    path: z.string().min(1, 'a port path is needed, e.g. /dev/ttyACM0'),
    baudRate: z.number().int().positive().default(115200)
  })
  .strict()

/** Everything a device profile says about the instrument and the DNPU wired to it. */
export const deviceSettingsSchema = z
  .object({
    port: portSettingsSchema,
    /** DAC channel that drives each activation electrode (index = electrode). */
    activationChannels: z.array(z.number().int().min(0)).min(1).max(MAX_ACTIVATION_ELECTRODES),
    /** ADC channel that reads the DNPU's output. */
    readoutChannel: z.number().int().min(0),
    /** nA per ADC volt of the current-to-voltage amplifier. */
    amplificationNanoampsPerVolt: z.number().positive().finite(),
    invertedOutput: z.boolean(),
    dacRateHz: z.number().positive().finite(),
    adcRateHz: z.number().positive().finite(),
    averaging: z.boolean(),
    /** Samples per point held on a plateau, and samples of each slope between points. */
    plateauLength: z.number().int().min(1).max(100_000),
    slopeLength: z.number().int().min(0).max(100_000)
  })
  .strict()
  .refine((s) => new Set(s.activationChannels).size === s.activationChannels.length, {
    message: 'each activation electrode needs its own DAC channel',
    path: ['activationChannels']
  })
export type DeviceSettings = z.output<typeof deviceSettingsSchema>

export interface DeviceProfile {
  id: number
  name: string
  identity: InstrumentIdentity
  settings: DeviceSettings
  activeCalibrationId: number | null
  createdAt: string
  updatedAt: string
}

/** One electrode of a saved calibration; `rangeVolts` is what the interlock and training use. */
export interface CalibrationElectrode {
  electrode: number
  rangeVolts: [number, number]
  trialRangeVolts: [number, number] | null
  suggestedRangeVolts: [number, number] | null
  saturated: boolean
}

/** A confirmed decision to use ranges beyond `SAFE_RANGE_VOLTS` (src-shared/domain/limits.ts). */
export interface RangeOverride {
  electrodes: number[]
  reason: string
  confirmedAt: string
}

export interface Calibration {
  id: number
  profileId: number
  version: number
  createdAt: string
  notes: string
  electrodes: CalibrationElectrode[]
  rangeOverride: RangeOverride | null
  /** The IV sweep this calibration came from, if any (shown in Waveforms). */
  measurementId: number | null
}

export type InstrumentConnectionState = 'disconnected' | 'connecting' | 'connected' | 'failed'

export interface DeviceStatus {
  state: InstrumentConnectionState
  portPath: string | null
  identity: InstrumentIdentity | null
  capabilities: InstrumentCapabilities | null
  profile: DeviceProfile | null
  calibration: Calibration | null
  /** Why the connection failed or was lost (timeout, port closed, garbage, an instrument error). */
  error: string | null
  /** The surrogate model the built-in Simulated DNPU plays (a Models id). */
  simulatorModelId: string
}

export interface PortInfo {
  path: string
  label: string
  manufacturer: string | null
  serialNumber: string | null
  vendorId: string | null
  productId: string | null
}

export interface IvCurvePoint {
  volts: number
  nanoamps: number
}

/** One electrode's sweep: 0 -> min -> max -> 0, the others at 0 V. */
export interface CalibrationSweepElectrode {
  electrode: number
  trialRangeVolts: [number, number]
  curve: IvCurvePoint[]
  suggestedRangeVolts: [number, number]
  saturated: boolean
}

export interface CalibrationSweepResult {
  profileId: number
  measurementId: number
  electrodes: CalibrationSweepElectrode[]
}

export type MeasurementKind = 'acquisition' | 'calibration' | 'validation'

export interface MeasurementSummary {
  id: number
  kind: MeasurementKind
  createdAt: string
  profileId: number | null
  runId: number | null
  label: string
  samplesPerChannel: number
  saturated: boolean
}

/** A stored acquisition: what went in (per electrode) and what came out. */
export interface MeasurementDetail extends MeasurementSummary {
  dacRateHz: number
  plateauLength: number
  slopeLength: number
  /** Per activation electrode, volts per sample. */
  inputsVolts: number[][]
  /** The readout in nA, one per DAC sample. */
  readoutNanoamps: number[]
  /** true where the sample is on a plateau (used for the point values). */
  plateauMask: boolean[]
  /** One mean per plateau (point), nA. */
  plateauMeansNanoamps: number[]
}

/** A capacity validation measures one N at a time; sent after each N. */
export interface ValidationProgressEvent {
  runId: number
  n: number
  /** Found labelings measured so far, and in all. */
  labelingsDone: number
  labelingsTotal: number
}

// ---------------------------------------------------------------------------------------------
// Request schemas

export const deviceConnectSchema = portSettingsSchema
export const profileSaveSchema = z
  .object({
    profileId: z.number().int().positive(),
    name: z.string().trim().min(1).max(200),
    settings: deviceSettingsSchema
  })
  .strict()
export const profileIdSchema = z.object({ profileId: z.number().int().positive() }).strict()
export const dcTestSchema = z.object({ electrode: z.number().int().min(0), volts: finite }).strict()
export const calibrationRunSchema = z
  .object({
    /** Electrodes to sweep; all when absent. */
    electrodes: z.array(z.number().int().min(0)).min(1).max(MAX_ACTIVATION_ELECTRODES).optional(),
    pointsPerLeg: z.number().int().min(4).max(5000).default(50),
    /** Trial range per electrode (index = electrode); the instrument's absolute limit when absent. */
    trialRangesVolts: z.array(rangeVoltsSchema).max(MAX_ACTIVATION_ELECTRODES).optional()
  })
  .strict()
export const calibrationSaveSchema = z
  .object({
    profileId: z.number().int().positive(),
    notes: z.string().max(10_000).default(''),
    electrodes: z
      .array(
        z
          .object({
            electrode: z.number().int().min(0),
            rangeVolts: rangeVoltsSchema,
            trialRangeVolts: rangeVoltsSchema.nullable().default(null),
            suggestedRangeVolts: rangeVoltsSchema.nullable().default(null),
            saturated: z.boolean().default(false)
          })
          .strict()
      )
      .min(1)
      .max(MAX_ACTIVATION_ELECTRODES),
    /** Required when a range goes beyond [-1.2, 1.0] V: the technician's confirmation and reason. */
    rangeOverride: z
      .object({ confirmed: z.literal(true), reason: z.string().trim().min(3).max(2000) })
      .strict()
      .optional(),
    measurementId: z.number().int().positive().nullable().default(null)
  })
  .strict()
export const calibrationIdSchema = z.object({ calibrationId: z.number().int().positive() }).strict()
export const simulatorModelSchema = z.object({ modelId: z.string().min(1) }).strict()
export const measurementIdSchema = z.object({ measurementId: z.number().int().positive() }).strict()
