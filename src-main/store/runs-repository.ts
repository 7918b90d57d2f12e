/**
 * Training runs, their recorded steps and their latest checkpoint: one facade over the parts,
 * each with one job (run-lifecycle: create, end, resume, recover; run-steps: steps and result
 * fields; run-checkpoints; run-queries: the list and one run in full).
 *
 * Maps the snake_case tables onto the camelCase contract types, so nothing above the store
 * knows a column name; and knows no algorithm: each step's metrics are named by its descriptor.
 */
import type { DatabaseVacuum, RunAnnotation, RunDeletion, RunPage, RunQuery, TagCount } from '../../src-shared/domain'
import type { DeviceValidation, RunDetail, RunResultUpdate, RunSummary } from '../../src-shared/ipc'
import { RunAnnotations } from './run-annotations'
import { RunDeletions } from './run-deletion'
import type { Database } from './database'
import { RunCheckpoints, type RunCheckpoint } from './run-checkpoints'
import { RunLifecycle, isProcessAlive, type FinishedRunStatus, type NewRun } from './run-lifecycle'
import { RunQueries } from './run-queries'
import { RunSteps, type StepRecord } from './run-steps'

export { INTERRUPTED_RUN_ERROR, isProcessAlive, type FinishedRunStatus, type NewRun } from './run-lifecycle'
export type { RunCheckpoint } from './run-checkpoints'
export type { StepRecord } from './run-steps'

export interface RunsRepositoryOptions {
  /** Clock for `ended_at` and checkpoint `written_at`; tests pin it. */
  now?: () => Date
}

export class RunsRepository {
  private readonly lifecycle: RunLifecycle
  private readonly steps: RunSteps
  private readonly checkpoints: RunCheckpoints
  private readonly queries: RunQueries
  private readonly annotations: RunAnnotations
  private readonly deletions: RunDeletions

  constructor(db: Database, options: RunsRepositoryOptions = {}) {
    const now = options.now ?? (() => new Date())
    this.checkpoints = new RunCheckpoints(db, now)
    this.lifecycle = new RunLifecycle(db, now, this.checkpoints)
    this.steps = new RunSteps(db, this.lifecycle, this.checkpoints)
    this.annotations = new RunAnnotations(db, now)
    this.deletions = new RunDeletions(db)
    this.queries = new RunQueries(db, this.steps, this.checkpoints, this.annotations)
  }

  /** Stores a new run as 'running' and returns its id. */
  createRun(run: NewRun): number {
    return this.lifecycle.createRun(run)
  }

  /** One step's metrics, the result fields it changed and the checkpoint, in one transaction. */
  recordStep(runId: number, record: StepRecord, checkpoint: unknown): void {
    this.steps.recordStep(runId, record, checkpoint)
  }

  /** Result fields written when the run ends (a GD run's evaluation). */
  recordResult(runId: number, result: RunResultUpdate): void {
    this.steps.recordResult(runId, result)
  }

  /** Makes a stopped or interrupted run with a checkpoint 'running' again, to resume it. */
  reopenRun(runId: number, ownerPid: number = process.pid): void {
    this.lifecycle.reopenRun(runId, ownerPid)
  }

  /** Names the model a running run made (surrogate training); see RunLifecycle.setModelId. */
  setModelId(runId: number, modelId: string): void {
    this.lifecycle.setModelId(runId, modelId)
  }

  /** Ends a running run; throws if the run does not exist or has already ended. */
  finishRun(runId: number, status: FinishedRunStatus, error: string | null = null, endedAt?: Date): void {
    this.lifecycle.finishRun(runId, status, error, endedAt)
  }

  /** Start-up crash recovery: runs whose process is gone become 'interrupted'; their ids, ascending. */
  markRunningAsInterrupted(isOwnerAlive: (pid: number) => boolean = isProcessAlive): number[] {
    return this.lifecycle.markRunningAsInterrupted(isOwnerAlive)
  }

  /** All runs, newest first. */
  listRuns(): RunSummary[] {
    return this.queries.listRuns()
  }

  /** One page of the runs a query matches, and their total. */
  findRuns(query: RunQuery = {}): RunPage {
    return this.queries.findRuns(query)
  }

  getRun(runId: number): RunDetail | null {
    return this.queries.getRun(runId)
  }

  /** One run's summary (without reading its steps), or null. */
  getSummary(runId: number): RunSummary | null {
    return this.queries.getSummary(runId)
  }

  /** Renames, stars, notes or tags a run (one transaction); throws naming the run and what is wrong. */
  annotateRun(runId: number, change: RunAnnotation): void {
    this.annotations.annotate(runId, change)
  }

  /** Every tag in use with its number of runs, most used first. */
  tagCounts(): TagCount[] {
    return this.annotations.tagCounts()
  }

  /** Deletes the runs and what belongs to them, all or none; a running or unknown run is refused by id. */
  deleteRuns(runIds: readonly number[]): RunDeletion {
    return this.deletions.deleteRuns(runIds)
  }

  /** VACUUM: gives the free pages back to the file system. */
  vacuum(): DatabaseVacuum {
    return this.deletions.vacuum()
  }

  /** Appends a re-measurement of the run's result on the device. */
  addValidation(runId: number, validation: DeviceValidation): void {
    this.queries.addValidation(runId, validation)
  }

  /** The latest checkpoint of a run, or null if it has none (or the run does not exist). */
  getCheckpoint(runId: number): RunCheckpoint | null {
    return this.checkpoints.get(runId)
  }
}
