/**
 * The one contract between the renderer and the main process.
 *
 * Every request channel is named `domain:verb`, has a zod schema for its request and a
 * TypeScript type for its response. Main validates each request against its schema before
 * any service sees it (Electron IPC and the browser-mode WebSocket bridge share this module),
 * and answers with an {@link Envelope} so that errors cross both transports as plain data.
 * Events flow main -> renderer only.
 */
import { z } from 'zod'

// ---------------------------------------------------------------------------------------------
// Shared value schemas

export const RUN_STATUSES = ['running', 'completed', 'stopped', 'failed', 'interrupted'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

/** Boolean gates the training view and CLI accept by name; `gate:0110` gives any truth table. */
export const GATE_NAMES = ['and', 'or', 'nand', 'nor', 'xor', 'xnor'] as const

export const FITNESS_NAMES = ['corrsig_fit', 'corr_fit'] as const
export type FitnessName = (typeof FITNESS_NAMES)[number]

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
    amplification: z.number().finite().refine((a) => a !== 0, 'must not be 0').optional(),
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
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    simulation: simulationOptionsSchema.optional()
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

const runIdSchema = z.object({ runId: z.number().int().positive() }).strict()
const modelIdSchema = z.object({ modelId: z.string().min(1) }).strict()

/** Largest model file accepted for import (lab surrogates are a few MB at most). */
export const MAX_MODEL_FILE_BYTES = 64 * 1024 * 1024

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

export interface RunSummary {
  id: number
  algorithm: 'ga'
  task: string
  modelId: string
  status: RunStatus
  seed: number
  startedAt: string
  endedAt: string | null
  /** Generations evaluated (the configured maximum is in the run's config). */
  generations: number
  bestFitness: number | null
  bestCorrelation: number | null
  computeBackend: string
}

export interface GenerationMetrics {
  /** 1-based: the count of generations evaluated when this one was. */
  generation: number
  /** Fitness and Pearson correlation of this generation's best genome. */
  bestFitness: number
  bestCorrelation: number
  /** Best fitness and its correlation over all generations so far. */
  bestSoFarFitness: number
  bestSoFarCorrelation: number
}

export interface RunDetail extends RunSummary {
  config: GaTrainingConfig & { seed: number }
  error: string | null
  /** Best genome found: control voltages per control electrode (volts). */
  bestControlVoltages: number[] | null
  controlElectrodes: number[]
  /** Outputs (nA) of the best genome for each task input, and the targets. */
  bestOutputsNanoamps: number[] | null
  targets: number[]
  metrics: GenerationMetrics[]
}

// ---------------------------------------------------------------------------------------------
// Events (main -> renderer)

export interface TrainingProgressEvent {
  runId: number
  totalGenerations: number
  metrics: GenerationMetrics
}

/** Sent after the run's final status is in the database, so `runs:get` already shows it. */
export interface TrainingFinishedEvent {
  runId: number
  status: RunStatus
  error: string | null
}

export interface EventPayloads {
  'training:progress': TrainingProgressEvent
  'training:finished': TrainingFinishedEvent
}
export type EventName = keyof EventPayloads
export const EVENT_NAMES: EventName[] = ['training:progress', 'training:finished']

// ---------------------------------------------------------------------------------------------
// Request channels

export const channels = {
  'app:info': { request: emptySchema },
  'models:list': { request: emptySchema },
  'training:start': { request: gaTrainingConfigSchema },
  'training:stop': { request: runIdSchema },
  /** The run in progress, if any (a reloaded page picks its live run up again). */
  'training:active': { request: emptySchema },
  'models:import': { request: modelImportSchema },
  'models:rename': { request: z.object({ modelId: z.string().min(1), name: z.string().min(1).max(200) }).strict() },
  'models:delete': { request: modelIdSchema },
  /** The model as JSON (`{info, layers, activation}`), the form the app reads back. */
  'models:export': { request: modelIdSchema },
  /** Per-electrode IV curves computed from the model: one electrode swept, the others at 0 V. */
  'models:iv-curves': {
    request: z.object({ modelId: z.string().min(1), pointsPerElectrode: z.number().int().min(2).max(2001).optional() }).strict()
  },
  'runs:list': { request: emptySchema },
  'runs:get': { request: runIdSchema }
} as const

export interface ChannelResponses {
  'app:info': AppInfo
  'models:list': ModelSummary[]
  'models:import': { model: ModelSummary; warnings: string[]; alreadyImported: boolean }
  'models:rename': ModelSummary
  'models:delete': { modelId: string }
  'models:export': { fileName: string; json: string }
  'models:iv-curves': { modelId: string; curves: IvCurve[] }
  'training:start': { runId: number }
  'training:stop': { runId: number; stopping: boolean }
  'training:active': { runId: number | null }
  'runs:list': RunSummary[]
  'runs:get': RunDetail
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
export function parseRequest<C extends Channel>(
  channel: C,
  request: unknown
): { ok: true; value: z.output<(typeof channels)[C]['request']> } | { ok: false; error: string } {
  const result = channels[channel].request.safeParse(request ?? {})
  if (result.success) return { ok: true, value: result.data as z.output<(typeof channels)[C]['request']> }
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'request'
    return `${where}: ${issue.message}`
  })
  return { ok: false, error: `${channel}: invalid request: ${problems.join('; ')}` }
}

// ---------------------------------------------------------------------------------------------
// The API the renderer sees (the preload's named functions, or the WebSocket client)

/** Method name -> channel. The preload exposes exactly these functions, nothing generic. */
export const API_METHODS = {
  appInfo: 'app:info',
  listModels: 'models:list',
  importModel: 'models:import',
  renameModel: 'models:rename',
  deleteModel: 'models:delete',
  exportModel: 'models:export',
  modelIvCurves: 'models:iv-curves',
  startTraining: 'training:start',
  stopTraining: 'training:stop',
  activeTraining: 'training:active',
  listRuns: 'runs:list',
  getRun: 'runs:get'
} as const satisfies Record<string, Channel>

export type ApiMethodName = keyof typeof API_METHODS

/** Raw API: each method resolves to an envelope. `lib/api.ts` unwraps it for views. */
export type RawDnpuApi = {
  [M in ApiMethodName]: (
    request: ChannelRequest<(typeof API_METHODS)[M]>
  ) => Promise<Envelope<ChannelResponse<(typeof API_METHODS)[M]>>>
} & {
  [M in EventMethodName]: (
    listener: (payload: EventPayloads[(typeof EVENT_METHODS)[M]]) => void
  ) => () => void
}

/** Subscription method name -> event. Each returns its unsubscribe function. */
export const EVENT_METHODS = {
  onTrainingProgress: 'training:progress',
  onTrainingFinished: 'training:finished'
} as const satisfies Record<string, EventName>
export type EventMethodName = keyof typeof EVENT_METHODS

/** The name under which the preload exposes {@link RawDnpuApi} on `window`. */
export const PRELOAD_GLOBAL = 'dnpu'

// ---------------------------------------------------------------------------------------------
// Browser mode: the same contract as JSON messages over one WebSocket at `/ws?token=TOKEN`

export type WsClientMessage = { kind: 'request'; id: number; channel: Channel; request: unknown }
export type WsServerMessage =
  | { kind: 'response'; id: number; envelope: Envelope<unknown> }
  | { kind: 'event'; event: EventName; payload: unknown }
