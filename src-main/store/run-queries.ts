/** Reading runs back: the list (summaries) and one run in full, as the contract's types. */
import type BetterSqlite3 from 'better-sqlite3'
import { findAlgorithm, stepObject } from '../../src-shared/domain'
import type {
  Algorithm,
  CapacityAtN,
  SurrogateRunResult,
  EpochMetrics,
  GaDeviceValidation,
  GenerationMetrics,
  DeviceValidation,
  RecordedStep,
  RunAccuracy,
  RunDetail,
  RunStatus,
  RunSummary,
  TrainingConfig
} from '../../src-shared/ipc'
import type { RunPage, RunQuery } from '../../src-shared/domain'
import type { Database } from './database'
import type { RunAnnotations } from './run-annotations'
import type { RunCheckpoints } from './run-checkpoints'
import { searchSql } from './run-search'
import { parseNumbers, toJson } from './run-json'
import type { RunSteps } from './run-steps'

/** A row of the runs table as SQLite returns it (run-transfer-read adds the uid). */
export interface RunRow {
  id: number
  algorithm: string
  task: string
  model_id: string
  config_json: string
  seed: number
  status: RunStatus
  started_at: string
  ended_at: string | null
  steps: number
  best_fitness: number | null
  best_correlation: number | null
  best_control_voltages_json: string | null
  error: string | null
  compute_backend: string
  app_version: string | null
  control_electrodes_json: string | null
  best_outputs_json: string | null
  targets_json: string | null
  accuracy_json: string | null
  capacity_json: string | null
  surrogate_json: string | null
  device_profile_id: number | null
  calibration_id: number | null
  validations_json: string | null
  name: string | null
  starred: number
  notes: string
  notes_updated_at: string | null
}

type RunSummaryRow = Pick<
  RunRow,
  | 'id'
  | 'algorithm'
  | 'task'
  | 'model_id'
  | 'status'
  | 'seed'
  | 'started_at'
  | 'ended_at'
  | 'steps'
  | 'best_fitness'
  | 'best_correlation'
  | 'compute_backend'
  | 'app_version'
  | 'accuracy_json'
  | 'name'
  | 'starred'
  | 'notes'
  | 'notes_updated_at'
>

const SUMMARY_COLUMNS = `id, algorithm, task, model_id, status, seed, started_at, ended_at,
  steps, best_fitness, best_correlation, compute_backend, app_version, accuracy_json,
  name, starred, notes, notes_updated_at`

/** The accuracy a run list shows: test, else validation, else training. */
function headlineAccuracy(json: string | null): number | null {
  if (json === null) return null
  const accuracy = JSON.parse(json) as RunAccuracy
  return accuracy.testPercent ?? accuracy.validationPercent ?? accuracy.trainPercent
}

/**
 * A run's stored validations. Before GD and capacity runs could be validated, every validation
 * was a GA one and had no `kind`: those read back as `'ga'` (the JSON list needs no migration).
 */
function readValidations(json: string | null): DeviceValidation[] {
  if (json === null) return []
  return (JSON.parse(json) as (DeviceValidation | Omit<GaDeviceValidation, 'kind'>)[]).map((validation) =>
    'kind' in validation ? validation : { kind: 'ga', ...validation }
  )
}

function toSummary(row: RunSummaryRow, tags: string[]): RunSummary {
  const step = findAlgorithm(row.algorithm)?.step
  return {
    id: row.id,
    // Only createRun writes it, from the contract's list.
    algorithm: row.algorithm as Algorithm,
    task: row.task,
    modelId: row.model_id,
    status: row.status,
    seed: row.seed,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    steps: row.steps,
    stepName: step?.name ?? 'step',
    stepUnit: step?.plural ?? 'steps',
    generations: row.steps,
    bestFitness: row.best_fitness,
    bestCorrelation: row.best_correlation,
    accuracyPercent: headlineAccuracy(row.accuracy_json),
    computeBackend: row.compute_backend,
    appVersion: row.app_version,
    name: row.name,
    starred: row.starred === 1,
    tags,
    notes: row.notes,
    notesUpdatedAt: row.notes_updated_at
  }
}

/** The typed step list RunDetail has for the algorithm whose descriptor names it (GA: metrics, GD: epochs). */
function legacyList<T>(algorithm: string, list: 'metrics' | 'epochs', steps: RecordedStep[]): T[] {
  const descriptor = findAlgorithm(algorithm)
  if (descriptor?.legacyStepList !== list) return []
  return steps.map((recorded) => stepObject(descriptor, recorded) as T)
}

export class RunQueries {
  private readonly selectSummaries: BetterSqlite3.Statement<[], RunSummaryRow>
  private readonly selectRun: BetterSqlite3.Statement<[number], RunRow>
  private readonly selectSummary: BetterSqlite3.Statement<[number], RunSummaryRow>

  constructor(
    private readonly db: Database,
    private readonly steps: RunSteps,
    private readonly checkpoints: RunCheckpoints,
    private readonly annotations: RunAnnotations
  ) {
    this.selectSummaries = db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM runs ORDER BY started_at DESC, id DESC`)
    this.selectRun = db.prepare('SELECT * FROM runs WHERE id = ?')
    this.selectSummary = db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM runs WHERE id = ?`)
  }

  /** All runs, newest first. */
  listRuns(): RunSummary[] {
    return this.summariesOf(this.selectSummaries.all())
  }

  /** One page of the runs the query's filter matches, in its order, and how many match in all. */
  findRuns(query: RunQuery): RunPage {
    const { where, params, orderBy, limit, offset } = searchSql(query)
    const rows = this.db
      .prepare<unknown[], RunSummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM runs ${where} ${orderBy} LIMIT ? OFFSET ?`)
      .all(...params, limit, offset)
    const total =
      this.db
        .prepare<unknown[], number>(`SELECT count(*) FROM runs ${where}`)
        .pluck()
        .get(...params) ?? 0
    return { runs: this.summariesOf(rows), total, limit, offset }
  }

  /** One run's summary (no steps read), or null. */
  getSummary(runId: number): RunSummary | null {
    const row = this.selectSummary.get(runId)
    return row === undefined ? null : toSummary(row, this.annotations.tagsOf(runId))
  }

  private summariesOf(rows: RunSummaryRow[]): RunSummary[] {
    const tagsByRun = this.annotations.tagsByRun(rows.map((row) => row.id))
    return rows.map((row) => toSummary(row, tagsByRun.get(row.id) ?? []))
  }

  getRun(runId: number): RunDetail | null {
    const row = this.selectRun.get(runId)
    if (row === undefined) return null
    const recordedSteps = this.steps.readSteps(runId, row.algorithm)
    const resumable = (row.status === 'stopped' || row.status === 'interrupted') && this.checkpoints.has(runId)
    return {
      ...toSummary(row, this.annotations.tagsOf(runId)),
      // Written by createRun from a validated config, so it is trusted on the way back.
      config: JSON.parse(row.config_json) as TrainingConfig & { seed: number },
      error: row.error,
      bestControlVoltages: parseNumbers(row.best_control_voltages_json),
      // Runs stored before schema version 2 have no electrodes or targets recorded.
      controlElectrodes: parseNumbers(row.control_electrodes_json) ?? [],
      bestOutputsNanoamps: parseNumbers(row.best_outputs_json),
      targets: parseNumbers(row.targets_json) ?? [],
      recordedSteps,
      metrics: legacyList<GenerationMetrics>(row.algorithm, 'metrics', recordedSteps),
      epochs: legacyList<EpochMetrics>(row.algorithm, 'epochs', recordedSteps),
      accuracy: row.accuracy_json === null ? null : (JSON.parse(row.accuracy_json) as RunAccuracy),
      capacity: row.capacity_json === null ? null : (JSON.parse(row.capacity_json) as CapacityAtN[]),
      surrogate: row.surrogate_json === null ? null : (JSON.parse(row.surrogate_json) as SurrogateRunResult),
      resumable,
      device:
        row.device_profile_id !== null && row.calibration_id !== null
          ? { profileId: row.device_profile_id, calibrationId: row.calibration_id }
          : null,
      validations: readValidations(row.validations_json)
    }
  }

  /** Appends a re-measurement of the run's result on the device. */
  addValidation(runId: number, validation: DeviceValidation): void {
    this.db.transaction(() => {
      const row = this.db
        .prepare<[number], { validations_json: string | null }>('SELECT validations_json FROM runs WHERE id = ?')
        .get(runId)
      if (!row) throw new Error(`runId: no run ${runId}`)
      const validations = readValidations(row.validations_json)
      validations.push(validation)
      this.db
        .prepare('UPDATE runs SET validations_json = ? WHERE id = ?')
        .run(toJson(validations, 'validations'), runId)
    })()
  }
}
