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
  type MeasurementDetail,
  type MeasurementSummary,
  type PortInfo
} from './device-schemas'
import {
  MAX_MODEL_FILE_BYTES,
  type DatabaseVacuum,
  type RunDeletion,
  type RunPage,
  type RunRecord,
  type RunSummary,
  type TagCount
} from '../domain'
import { runAnnotateSchema, runDeleteSchema, runQuerySchema } from './run-history-schemas'
import { trainingConfigSchema, type DeviceValidation, type TrainingConfig } from './algorithms'
import { rerunConfigSchema, runCompareSchema, type RunComparison } from './run-comparison'
import {
  runBundleExportSchema,
  runBundleImportSchema,
  runReportSchema,
  type RunBundleFile,
  type RunBundleImport,
  type RunReport,
  type RunReportPdf
} from './run-sharing'
import type { ModelCheckHistory, ModelCheckOutcome } from './model-checks'
import {
  datasetIdSchema,
  samplingRequestSchema,
  type DatasetDetail,
  type DatasetSummary,
  type SamplingActive,
  type SamplingPlanView
} from './sampling'

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
  /**
   * 'bundled' ships with the app; 'imported' came from a lab's PyTorch file; 'trained' was
   * trained in the app from a sampled dataset (its sourceFileName is the run, `run-N`).
   */
  source: 'bundled' | 'imported' | 'trained'
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
  validations: DeviceValidation[]
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
  /** The model as a brainspy-smg torch.save file (.pt) that PyTorch and the app read back. */
  'models:export-pt': { request: modelIdSchema },
  /** Per-electrode IV curves computed from the model: one electrode swept, the others at 0 V. */
  'models:iv-curves': {
    request: z
      .object({ modelId: z.string().min(1), pointsPerElectrode: z.number().int().min(2).max(2001).optional() })
      .strict()
  },
  /**
   * Plays the model's reference batch (drawn and stored on the first check) on the connected,
   * calibrated device and stores the check: drift, model error now and at training time.
   */
  'models:check': { request: modelIdSchema },
  /** The model's reference batch (if any) and every check of it, newest first. */
  'models:checks': { request: modelIdSchema },
  'runs:list': { request: emptySchema },
  'runs:get': { request: runIdSchema },
  /**
   * The history as a notebook: one page of the runs a filter matches, sorted, with the total.
   * runs:list stays as it was (every run, an array) for the views that use it.
   */
  'runs:find': { request: runQuerySchema },
  /** Rename, star, note or tag a run; answers the run's summary as it now is. */
  'runs:annotate': { request: runAnnotateSchema },
  /** Every tag in use with its number of runs, most used first (autocompletion). */
  'runs:tags': { request: emptySchema },
  /** Deletes ended runs with their steps, checkpoints, tags and validation measurements; all or none. */
  'runs:delete': { request: runDeleteSchema },
  /** Gives free pages back to the file system (after large deletes: see runs:delete's vacuumSuggested). */
  'db:vacuum': { request: emptySchema },
  /**
   * Re-measures an ended run's result on the connected, calibrated device and stores it with the
   * run: GA, the best genome on the gate's inputs; GD, the returned controls on the ring task's
   * test set; capacity, every found labeling with its own controls.
   */
  'runs:validate': { request: runIdSchema },
  /** 2 to 6 runs side by side: the settings that differ, each run's history, outputs and controls. */
  'runs:compare': { request: runCompareSchema },
  /** A stored run's config to start again (same seed, another, or none so a new one is drawn). */
  'runs:rerun-config': { request: rerunConfigSchema },
  /** Selected runs as one `.dnpurun` file: each run with its steps, checkpoint, model and calibration. */
  'runs:bundle-export': { request: runBundleExportSchema },
  /** Adds a bundle's runs (ids remapped; models and calibrations deduplicated by content hash). */
  'runs:bundle-import': { request: runBundleImportSchema },
  /** A self-contained HTML report of one run, or of 2 to 6 runs compared (inline SVG charts). */
  'runs:report': { request: runReportSchema },
  /** The same report as PDF, printed by the app window (refused in browser mode: print the HTML). */
  'runs:report-pdf': { request: runReportSchema },
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
  'measurements:export-csv': { request: measurementIdSchema },
  /** What a sampling session of these settings would be on the connected device, with every reason it could not start. */
  'sampling:plan': { request: samplingRequestSchema },
  /** Starts sampling the connected, calibrated device into a new dataset; answers once the dataset exists. */
  'sampling:start': { request: samplingRequestSchema },
  /** Ends the session after the chunk being played; the dataset becomes `paused` (resumable). */
  'sampling:pause': { request: emptySchema },
  /** Plays the chunks an interrupted or paused dataset is missing, at its own settings. */
  'sampling:resume': { request: datasetIdSchema },
  /** The session in progress, if any (a reloaded page picks it up again). */
  'sampling:active': { request: emptySchema },
  /** Every dataset, newest first. */
  'datasets:list': { request: emptySchema },
  'datasets:get': { request: datasetIdSchema }
} as const

export interface ChannelResponses {
  'app:info': AppInfo
  'models:list': ModelSummary[]
  'models:import': { model: ModelSummary; warnings: string[]; alreadyImported: boolean }
  'models:rename': ModelSummary
  'models:set-notes': ModelSummary
  'models:delete': { modelId: string }
  'models:export': { fileName: string; json: string }
  'models:export-pt': { fileName: string; contentBase64: string }
  'models:iv-curves': { modelId: string; curves: IvCurve[] }
  'models:check': ModelCheckOutcome
  'models:checks': ModelCheckHistory
  'training:start': { runId: number }
  'training:stop': { runId: number; stopping: boolean }
  'training:pause': { runId: number; paused: boolean }
  'training:continue': { runId: number; paused: boolean }
  'training:resume': { runId: number }
  'training:active': { runId: number | null; paused: boolean }
  'runs:list': RunSummary[]
  'runs:get': RunDetail
  'runs:find': RunPage
  'runs:annotate': RunSummary
  'runs:tags': TagCount[]
  'runs:delete': RunDeletion
  'db:vacuum': DatabaseVacuum
  'runs:validate': DeviceValidation
  'runs:compare': RunComparison
  'runs:rerun-config': TrainingConfig
  'runs:bundle-export': RunBundleFile
  'runs:bundle-import': RunBundleImport
  'runs:report': RunReport
  'runs:report-pdf': RunReportPdf
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
  'sampling:plan': SamplingPlanView
  'sampling:start': { datasetId: number }
  'sampling:pause': { datasetId: number; pausing: boolean }
  'sampling:resume': { datasetId: number }
  'sampling:active': SamplingActive
  'datasets:list': DatasetSummary[]
  'datasets:get': DatasetDetail
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
