/**
 * The request channels of the one contract between the renderer and the main process.
 *
 * Every request channel is named `domain:verb`, has a zod schema for its request and a
 * TypeScript type for its response. Main validates each request against its schema before
 * any service sees it (Electron IPC and the browser-mode WebSocket bridge share this module),
 * and answers with an {@link Envelope} so that errors cross both transports as plain data.
 * Events flow main -> renderer only.
 */
import { z } from 'zod'
import {
  calibrationIdSchema,
  calibrationRunSchema,
  calibrationSaveSchema,
  dcTestSchema,
  deviceConnectSchema,
  measurementIdSchema,
  profileSaveSchema,
  profileIdSchema,
  simulatorModelSchema,
  type Calibration,
  type CalibrationSweepResult,
  type DeviceProfile,
  type DeviceStatus,
  type HardwareValidation,
  type MeasurementDetail,
  type MeasurementSummary,
  type PortInfo
} from './device-schemas'
import {
  FITNESS_NAMES,
  GD_CONSTRAINT_NAMES,
  GD_LOSS_NAMES,
  GD_OPTIMIZER_NAMES,
  GD_TASK_NAMES,
  MAX_MODEL_FILE_BYTES,
  VC_DIMENSION_RANGE,
  type RunRecord,
  type RunSummary
} from '../domain'

// ---------------------------------------------------------------------------------------------
// Shared value schemas

const taskSchema = z
  .string()
  .regex(
    /^(and|or|nand|nor|xor|xnor|gate:[01]{4})$/,
    'expected a gate name (and, or, nand, nor, xor, xnor) or gate:XXXX with four 0/1 targets'
  )

const rangeSchema = z
  .tuple([z.number().finite(), z.number().finite()])
  .refine(([lo, hi]) => lo < hi, 'expected [min, max] with min < max')

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

/** A genetic-algorithm training request. Defaults are the lab's XOR preset. */
export const gaTrainingConfigSchema = z
  .object({
    algorithm: z.literal('ga'),
    task: taskSchema,
    modelId: z.string().min(1),
    /** Activation electrodes that receive the task's two inputs; the rest are controls. */
    dataElectrodes: z
      .array(z.number().int().min(0))
      .length(2, 'expected exactly two data electrodes for a boolean gate')
      .refine((e) => e[0] !== e[1], 'expected two different electrodes'),
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
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
    simulation: simulationOptionsSchema.optional(),
    /**
     * What evaluates the genomes: the surrogate model (default), or the connected instrument
     * within its profile's active calibration (simulation options do not apply there).
     */
    processor: z.enum(['surrogate', 'device']).optional()
  })
  .strict()
export type GaTrainingConfig = z.infer<typeof gaTrainingConfigSchema>

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
    dataSeed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
  })
  .strict()
export type RingTaskSettings = z.infer<typeof ringTaskSchema>

/** A gradient-descent training request on a surrogate. Defaults are the lab's ring preset. */
export const gdTrainingConfigSchema = z
  .object({
    algorithm: z.literal('gd'),
    task: z.enum(GD_TASK_NAMES),
    modelId: z.string().min(1),
    dataElectrodes: z
      .array(z.number().int().min(0))
      .length(2, 'expected exactly two data electrodes for the ring task')
      .refine((e) => e[0] !== e[1], 'expected two different electrodes'),
    inputRange: rangeSchema,
    ring: ringTaskSchema,
    epochs: z.number().int().min(1).max(100_000),
    learningRate: z.number().finite().gt(0).max(10),
    batchSize: z.number().int().min(1).max(1_000_000),
    optimizer: z.enum(GD_OPTIMIZER_NAMES),
    /** clip: controls clipped into their ranges after every step; regul: a penalty pulls them back. */
    constraint: z.enum(GD_CONSTRAINT_NAMES),
    loss: z.enum(GD_LOSS_NAMES),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
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
    dataElectrodes: z
      .array(z.number().int().min(0))
      .length(2, "expected exactly two data electrodes (the points' x and y)")
      .refine((e) => e[0] !== e[1], 'expected two different electrodes'),
    inputRange: rangeSchema,
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
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

export const trainingConfigSchema = z.discriminatedUnion('algorithm', [
  gaTrainingConfigSchema,
  gdTrainingConfigSchema,
  capacityConfigSchema
])
export type TrainingConfig = z.infer<typeof trainingConfigSchema>

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

const runIdSchema = z.object({ runId: z.number().int().positive() }).strict()
const modelIdSchema = z.object({ modelId: z.string().min(1) }).strict()

export const modelImportSchema = z
  .object({
    fileName: z.string().min(1).max(1024),
    /** The file's bytes, base64 (JSON-safe over both transports). */
    contentBase64: z
      .string()
      .min(1, 'the file is empty')
      .max(Math.ceil(MAX_MODEL_FILE_BYTES / 3) * 4, `the file is larger than ${MAX_MODEL_FILE_BYTES / 1024 / 1024} MB`)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64'),
    name: z.string().max(200).optional(),
    notes: z.string().max(10_000).optional()
  })
  .strict()
const emptySchema = z.object({}).strict()

// ---------------------------------------------------------------------------------------------
// Response types

export interface AppInfo {
  version: string
  /** The tensor backend the trainers use: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  computeBackend: string
  dataFolder: string
  /** 'electron' or 'browser': only for display, views must not branch on it. */
  mode: 'electron' | 'browser'
}

export interface ModelSummary {
  id: string
  name: string
  /** 'bundled' ships with the app; 'imported' came from a lab's PyTorch file. */
  source: 'bundled' | 'imported'
  sourceFileName: string | null
  importedAt: string | null
  notes: string
  /** Defaults the importer applied (keys missing from the file), shown to the user. */
  warnings: string[]
  inputCount: number
  outputCount: number
  hiddenSizes: number[]
  activation: string
  /** Per activation electrode [min, max] in volts. */
  voltageRangesVolts: [number, number][]
  amplification: number
  clippingValueNanoamps: [number, number]
}

export interface IvCurve {
  electrode: number
  voltagesVolts: number[]
  currentsNanoamps: number[]
}

/** A stored run: its record (src-shared/domain/runs.ts) with the parts the contract types. */
export interface RunDetail extends RunRecord {
  config: TrainingConfig & { seed: number }
  /** The device profile and calibration a run on the instrument used (null: a surrogate run). */
  device: { profileId: number; calibrationId: number; rangesVolts?: [number, number][] } | null
  /** Re-measurements of the run's result on the device, oldest first. */
  validations: HardwareValidation[]
}

// ---------------------------------------------------------------------------------------------
// Request channels

export const channels = {
  'app:info': { request: emptySchema },
  'models:list': { request: emptySchema },
  'training:start': { request: trainingConfigSchema },
  'training:stop': { request: runIdSchema },
  /** Pause / continue the run in progress between two generations or epochs. */
  'training:pause': { request: runIdSchema },
  'training:continue': { request: runIdSchema },
  /** Continue a stopped or interrupted run from its last checkpoint, in the same run. */
  'training:resume': { request: runIdSchema },
  /** The run in progress, if any (a reloaded page picks its live run up again). */
  'training:active': { request: emptySchema },
  'models:import': { request: modelImportSchema },
  'models:rename': { request: z.object({ modelId: z.string().min(1), name: z.string().min(1).max(200) }).strict() },
  'models:set-notes': { request: z.object({ modelId: z.string().min(1), notes: z.string().max(10_000) }).strict() },
  'models:delete': { request: modelIdSchema },
  /** The model as JSON (`{info, layers, activation}`), the form the app reads back. */
  'models:export': { request: modelIdSchema },
  /** Per-electrode IV curves computed from the model: one electrode swept, the others at 0 V. */
  'models:iv-curves': {
    request: z
      .object({ modelId: z.string().min(1), pointsPerElectrode: z.number().int().min(2).max(2001).optional() })
      .strict()
  },
  'runs:list': { request: emptySchema },
  'runs:get': { request: runIdSchema },
  /**
   * Re-measures an ended run's result on the connected, calibrated device and stores it with the
   * run: GA, the best genome on the gate's inputs; GD, the returned controls on the ring task's
   * test set; capacity, every found labeling with its own controls.
   */
  'runs:validate': { request: runIdSchema },
  /** Serial ports (with USB ids) plus the built-in simulated instrument. */
  'device:ports': { request: emptySchema },
  'device:status': { request: emptySchema },
  /** Connects, identifies the instrument, finds (or creates) its profile and applies the active calibration's interlock. */
  'device:connect': { request: deviceConnectSchema },
  /** Drives every output to 0 V and closes the port. */
  'device:disconnect': { request: emptySchema },
  'device:profiles': { request: emptySchema },
  /** Puts another surrogate model in the built-in Simulated DNPU (disconnecting it first if connected). */
  'device:simulator-model': { request: simulatorModelSchema },
  'device:save-profile': { request: profileSaveSchema },
  /** Manual test: one electrode at a DC voltage inside its calibrated range, the others at 0 V; reads the output. */
  'device:set-dc': { request: dcTestSchema },
  /** IV sweeps of the connected device's electrodes; stores the sweep, does not change the calibration. */
  'calibration:run': { request: calibrationRunSchema },
  /** Saves a new calibration version for the profile and makes it the active one. */
  'calibration:save': { request: calibrationSaveSchema },
  'calibration:list': { request: profileIdSchema },
  'calibration:activate': { request: calibrationIdSchema },
  'measurements:list': { request: emptySchema },
  'measurements:get': { request: measurementIdSchema },
  'measurements:export-csv': { request: measurementIdSchema }
} as const

export interface ChannelResponses {
  'app:info': AppInfo
  'models:list': ModelSummary[]
  'models:import': { model: ModelSummary; warnings: string[]; alreadyImported: boolean }
  'models:rename': ModelSummary
  'models:set-notes': ModelSummary
  'models:delete': { modelId: string }
  'models:export': { fileName: string; json: string }
  'models:iv-curves': { modelId: string; curves: IvCurve[] }
  'training:start': { runId: number }
  'training:stop': { runId: number; stopping: boolean }
  'training:pause': { runId: number; paused: boolean }
  'training:continue': { runId: number; paused: boolean }
  'training:resume': { runId: number }
  'training:active': { runId: number | null; paused: boolean }
  'runs:list': RunSummary[]
  'runs:get': RunDetail
  'runs:validate': HardwareValidation
  'device:ports': PortInfo[]
  'device:status': DeviceStatus
  'device:connect': DeviceStatus
  'device:disconnect': DeviceStatus
  'device:profiles': DeviceProfile[]
  'device:simulator-model': DeviceStatus
  'device:save-profile': DeviceProfile
  'device:set-dc': { electrode: number; volts: number; readoutNanoamps: number; saturated: boolean }
  'calibration:run': CalibrationSweepResult
  'calibration:save': Calibration
  'calibration:list': Calibration[]
  'calibration:activate': Calibration
  'measurements:list': MeasurementSummary[]
  'measurements:get': MeasurementDetail
  'measurements:export-csv': { fileName: string; csv: string }
}

export type Channel = keyof typeof channels
export type ChannelRequest<C extends Channel> = z.input<(typeof channels)[C]['request']>
export type ChannelResponse<C extends Channel> = ChannelResponses[C]

/** What crosses the wire for every request: never a thrown exception. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: string }

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name)
}

/**
 * Validates a request; the error names the channel and every offending field, e.g.
 * `training:start: partition.1: Too small: expected number to be >=1`.
 */
const MAX_PROBLEMS_NAMED = 5

export function parseRequest<C extends Channel>(
  channel: C,
  request: unknown
): { ok: true; value: z.output<(typeof channels)[C]['request']> } | { ok: false; error: string } {
  const result = channels[channel].request.safeParse(request ?? {})
  if (result.success) return { ok: true, value: result.data as z.output<(typeof channels)[C]['request']> }
  // A hostile request can break a rule in every one of thousands of elements: name the first
  // few, count the rest, so the answer stays short.
  const issues = result.error.issues
  const problems = issues.slice(0, MAX_PROBLEMS_NAMED).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.slice(0, 8).join('.') : 'request'
    return `${where}: ${issue.message}`
  })
  const more = issues.length > MAX_PROBLEMS_NAMED ? ` (and ${issues.length - MAX_PROBLEMS_NAMED} more problems)` : ''
  return { ok: false, error: `${channel}: invalid request: ${problems.join('; ')}${more}` }
}
