/**
 * The `.dnpurun` bundle: a zip holding `manifest.json` and one JSON entry per part (a run's
 * record, its steps, its checkpoint, its validation measurements; each surrogate model and each
 * calibration once). The manifest lists every entry with its SHA-256, so a bundle whose entries
 * do not match is refused before anything is written.
 *
 * Everything here is the schema of untrusted input (zod, strict, every array bounded) and the
 * limits the reader enforces before allocating. Entry names are only ever looked up as keys in
 * the archive: they are never joined to a path.
 */
import { z } from 'zod'
import { MAX_BUNDLE_FILE_BYTES, MAX_RUNS_PER_BUNDLE } from '../../../src-shared/ipc/run-sharing'
import { MAX_RUN_NAME_CHARS, MAX_RUN_NOTES_CHARS, MAX_TAGS_PER_RUN, normalizeTag } from '../../../src-shared/domain'

export const BUNDLE_FORMAT = 'dnpurun'
/** Bumped when a reader of the previous version would misread a bundle; older ones are still read. */
export const BUNDLE_FORMAT_VERSION = 1
export const MANIFEST_ENTRY = 'manifest.json'

const MIB = 1024 * 1024

/** Every bound the reader checks, each before it allocates what it bounds. */
export const BUNDLE_LIMITS = {
  /** Bytes of the bundle file, checked before it is decoded or unzipped. */
  fileBytes: MAX_BUNDLE_FILE_BYTES,
  /** Entries in the zip directory: a manifest, 4 per run, models and calibrations, with room. */
  entries: 1 + 4 * MAX_RUNS_PER_BUNDLE + 2 * MAX_RUNS_PER_BUNDLE,
  /** Uncompressed bytes of one entry (a long run's steps, a large model). */
  entryBytes: 64 * MIB,
  /** Uncompressed bytes of all entries read, added up. */
  totalBytes: 512 * MIB,
  /** Uncompressed / compressed bytes of one entry above `ratioFloorBytes` (JSON deflates ~10-30x). */
  compressionRatio: 200,
  /** Entries smaller than this may have any ratio (a tiny entry cannot hurt). */
  ratioFloorBytes: 1 * MIB,
  /** Nesting of any JSON entry (the deepest real one, a checkpoint, has under 10 levels). */
  jsonDepth: 64,
  /**
   * Values (array elements, object members) in one JSON entry, counted before parsing: what
   * JSON.parse would allocate. ~150,000 GA generations with their genomes; real runs have thousands.
   */
  jsonValuesPerEntry: 2_000_000,
  /** Steps of one run (a GA run of 100,000 generations is far beyond real ones). */
  stepsPerRun: 1_000_000,
  /** Validation measurements of one run. */
  measurementsPerRun: 1_000,
  /** Distinct models and calibrations in one bundle: at most one of each per run. */
  modelsPerBundle: MAX_RUNS_PER_BUNDLE,
  calibrationsPerBundle: MAX_RUNS_PER_BUNDLE
} as const

/** Any JSON value (the record's free-form parts: config, checkpoint state, a model's definition). */
const jsonValue: z.ZodType<unknown> = z.unknown()

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 in lower-case hex')
/** Names the writer uses; the reader looks them up in the archive and never uses them as paths. */
const entryName = z.string().regex(/^[a-z0-9][a-z0-9._/-]{0,199}$/, 'expected an entry name like runs/1/run.json')
const isoTime = z.string().min(1).max(40)
const numbers = z.array(z.number().nullable()).max(1_000_000)

export const entryRefSchema = z.object({ name: entryName, sha256 }).strict()
export type EntryRef = z.infer<typeof entryRefSchema>

/** The model a run used: one of the app's bundled models (by id) or a stored one (by file hash). */
export const modelRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bundled'), id: z.string().min(1).max(200) }).strict(),
  z.object({ kind: z.literal('stored'), sha256 }).strict()
])
export type ModelRef = z.infer<typeof modelRefSchema>

export const manifestRunSchema = z
  .object({
    /** The run's id in the database it was exported from (for messages and the import report). */
    bundleRunId: z.number().int().positive(),
    uid: z.string().regex(/^[0-9a-zA-Z_-]{8,64}$/, 'expected a run uid'),
    model: modelRefSchema,
    /** The calibration's content hash, or null for a run on the surrogate. */
    calibration: sha256.nullable(),
    record: entryRefSchema,
    steps: entryRefSchema,
    checkpoint: entryRefSchema.nullable(),
    measurements: entryRefSchema.nullable()
  })
  .strict()
export type ManifestRun = z.infer<typeof manifestRunSchema>

export const manifestSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    formatVersion: z.number().int().positive(),
    appVersion: z.string().max(100),
    exportedAt: isoTime,
    runs: z.array(manifestRunSchema).min(1).max(MAX_RUNS_PER_BUNDLE),
    models: z.array(z.object({ sha256, entry: entryRefSchema }).strict()).max(BUNDLE_LIMITS.modelsPerBundle),
    calibrations: z
      .array(z.object({ hash: sha256, entry: entryRefSchema }).strict())
      .max(BUNDLE_LIMITS.calibrationsPerBundle)
  })
  .strict()
export type BundleManifest = z.infer<typeof manifestSchema>

/** A stored run: every column that is part of its history (not its id, owner or foreign keys). */
export const runRecordSchema = z
  .object({
    uid: z.string(),
    algorithm: z.string().min(1).max(100),
    task: z.string().min(1).max(1000),
    /** The model id in the exporting database (a bundled id stays; a stored one is remapped). */
    modelId: z.string().min(1).max(200),
    config: z.record(z.string(), jsonValue),
    seed: z.number().int(),
    status: z.enum(['completed', 'stopped', 'failed', 'interrupted']),
    startedAt: isoTime,
    endedAt: isoTime.nullable(),
    steps: z.number().int().nonnegative(),
    bestFitness: z.number().nullable(),
    bestCorrelation: z.number().nullable(),
    bestControlVoltages: numbers.nullable(),
    error: z.string().max(100_000).nullable(),
    computeBackend: z.string().min(1).max(100),
    appVersion: z.string().max(100).nullable(),
    controlElectrodes: numbers.nullable(),
    bestOutputsNanoamps: numbers.nullable(),
    targets: numbers.nullable(),
    accuracy: jsonValue.nullable(),
    capacity: z.array(jsonValue).max(100_000).nullable(),
    /** A surrogate training run's result (bundles written before it have none). */
    surrogate: jsonValue.nullable().optional(),
    validations: z.array(z.record(z.string(), jsonValue)).max(BUNDLE_LIMITS.measurementsPerRun).nullable(),
    name: z.string().max(MAX_RUN_NAME_CHARS).nullable(),
    starred: z.boolean(),
    notes: z.string().max(MAX_RUN_NOTES_CHARS),
    notesUpdatedAt: isoTime.nullable(),
    tags: z
      .array(
        z.string().superRefine((tag, context) => {
          // The notebook's own rule (letters, digits, a few signs; trimmed), so filters and chips read it.
          const normal = normalizeTag(tag)
          if (!normal.ok) context.addIssue({ code: 'custom', message: normal.error })
          else if (normal.tag !== tag)
            context.addIssue({ code: 'custom', message: `tag "${tag}" has spaces around it` })
        })
      )
      .max(MAX_TAGS_PER_RUN)
  })
  .strict()
export type RunRecord = z.infer<typeof runRecordSchema>

export const stepsSchema = z
  .array(
    z
      .object({
        step: z.number().int().nonnegative(),
        metrics: z.record(z.string(), z.number().nullable()),
        /** Absent when the step has none (the column is NULL). */
        payload: jsonValue.optional()
      })
      .strict()
  )
  .max(BUNDLE_LIMITS.stepsPerRun)
export type StepRows = z.infer<typeof stepsSchema>

export const checkpointSchema = z
  .object({ step: z.number().int().nonnegative(), state: jsonValue, writtenAt: isoTime })
  .strict()
export type CheckpointRow = z.infer<typeof checkpointSchema>

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64')

export const measurementsSchema = z
  .array(
    z
      .object({
        /** Its id in the exporting database: the run's validations refer to it. */
        id: z.number().int().positive(),
        kind: z.enum(['acquisition', 'calibration', 'validation']),
        createdAt: isoTime,
        /** Whether it was taken on the run's device profile (then it is linked to the imported one). */
        onRunDevice: z.boolean(),
        label: z.string().max(1000),
        channelCount: z.number().int().nonnegative(),
        samplesPerChannel: z.number().int().nonnegative(),
        dacRateHz: z.number(),
        plateauLength: z.number().int().nonnegative(),
        slopeLength: z.number().int().nonnegative(),
        inputsF32: base64,
        readoutF32: base64,
        plateauMask: base64,
        saturated: z.boolean(),
        meta: z.record(z.string(), jsonValue)
      })
      .strict()
  )
  .max(BUNDLE_LIMITS.measurementsPerRun)
export type MeasurementRows = z.infer<typeof measurementsSchema>

export const modelSchema = z
  .object({
    name: z.string().min(1).max(1000),
    notes: z.string().max(MAX_RUN_NOTES_CHARS),
    sourceFileName: z.string().max(1024),
    sourceSha256: sha256,
    importedAt: isoTime,
    definition: jsonValue,
    warnings: z.array(z.string().max(10_000)).max(1000)
  })
  .strict()
export type ModelRecord = z.infer<typeof modelSchema>

export const calibrationSchema = z
  .object({
    profile: z
      .object({
        name: z.string().min(1).max(1000),
        maker: z.string().max(200),
        model: z.string().max(200),
        serial: z.string().max(200),
        firmware: z.string().max(200),
        settings: jsonValue
      })
      .strict(),
    version: z.number().int().positive(),
    createdAt: isoTime,
    notes: z.string().max(MAX_RUN_NOTES_CHARS),
    electrodes: z.array(jsonValue).max(1000),
    rangeOverride: jsonValue.nullable()
  })
  .strict()
export type CalibrationRecord = z.infer<typeof calibrationSchema>

/** Everything a bundle holds, read, hash-checked and validated: what the importer writes. */
export interface BundleRun {
  ref: ManifestRun
  record: RunRecord
  steps: StepRows
  checkpoint: CheckpointRow | null
  measurements: MeasurementRows
}

export interface ParsedBundle {
  manifest: BundleManifest
  runs: BundleRun[]
  /** By the model's file hash. */
  models: Map<string, ModelRecord>
  /** By the calibration's content hash. */
  calibrations: Map<string, CalibrationRecord>
}
