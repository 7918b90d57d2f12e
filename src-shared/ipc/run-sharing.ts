/**
 * Runs leaving the app: as a `.dnpurun` bundle for another lab PC (`runs:bundle-export`,
 * `runs:bundle-import`) and as a self-contained HTML report (`runs:report`, and its PDF in the
 * app window, `runs:report-pdf`). The bundle format and its limits are in
 * src-main/services/run-bundle/; the report in src-main/services/run-report/.
 */
import { z } from 'zod'
import { MAX_MODEL_FILE_BYTES } from '../domain'

/**
 * A bundle file is refused above this size: before it is decoded, unzipped or parsed. Room for
 * one model at its largest plus as much again for runs (a lab's surrogates are a few MB, a run's
 * steps and checkpoint kilobytes); it also bounds browser mode's largest WebSocket message.
 */
export const MAX_BUNDLE_FILE_BYTES = 2 * MAX_MODEL_FILE_BYTES
/** One bundle carries at most this many runs. */
export const MAX_RUNS_PER_BUNDLE = 200
/** A report shows one run, or 2 to 6 runs compared. */
export const MAX_RUNS_PER_REPORT = 6
/** The bundle's file extension (with its dot). */
export const RUN_BUNDLE_EXTENSION = '.dnpurun'

const runIdsSchema = (max: number) =>
  z.array(z.number().int().positive()).min(1, 'select at least one run').max(max, `at most ${max} runs at once`)

export const runBundleExportSchema = z.object({ runIds: runIdsSchema(MAX_RUNS_PER_BUNDLE) }).strict()

export const runBundleImportSchema = z
  .object({
    fileName: z.string().min(1).max(1024),
    /** The bundle's bytes, base64 (JSON-safe over both transports). */
    contentBase64: z
      .string()
      .min(1, 'the file is empty')
      .max(
        Math.ceil(MAX_BUNDLE_FILE_BYTES / 3) * 4,
        `the file is larger than ${MAX_BUNDLE_FILE_BYTES / 1024 / 1024} MB`
      )
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64')
  })
  .strict()

export const runReportSchema = z.object({ runIds: runIdsSchema(MAX_RUNS_PER_REPORT) }).strict()

/** An exported bundle, for the page to offer as a download. */
export interface RunBundleFile {
  /** e.g. `dnpu-runs-12-15-17.dnpurun`. */
  fileName: string
  contentBase64: string
  runCount: number
  bytes: number
}

/** One run of an imported bundle: its id in the bundle and in this database. */
export interface ImportedRun {
  bundleRunId: number
  runId: number
  /** False when this database already held the run (imported before): nothing was added. */
  added: boolean
}

/** What an import added and what it found already there (deduplicated by content hash). */
export interface RunBundleImport {
  runs: ImportedRun[]
  runsAdded: number
  runsAlreadyPresent: number
  modelsAdded: number
  modelsAlreadyPresent: number
  calibrationsAdded: number
  calibrationsAlreadyPresent: number
  /** Short remarks for the user, e.g. a device profile created for a calibration. */
  notes: string[]
}

/** A report, for the page to offer as a download or open in a new tab. */
export interface RunReport {
  /** e.g. `dnpu-run-12.html` or `dnpu-runs-12-15-17.html`. */
  fileName: string
  html: string
}

/** A report printed to PDF by the app window (Electron only: browser mode prints the HTML itself). */
export interface RunReportPdf {
  fileName: string
  contentBase64: string
}
