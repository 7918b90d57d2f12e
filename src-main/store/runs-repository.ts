/**
 * Training runs, their recorded steps and their latest checkpoint: one facade over the parts,
 * each with one job (run-lifecycle: create, end, resume, recover; run-steps: steps and result
 * fields; run-checkpoints; run-queries: the list and one run in full).
 *
 * Maps the snake_case tables onto the camelCase contract types, so nothing above the store
 * knows a column name; and knows no algorithm: each step's metrics are named by its descriptor.
 */
import type { DeviceValidation, RunDetail, RunResultUpdate, RunSummary } from '../../src-shared/ipc'
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

  constructor(db: Database, options: RunsRepositoryOptions = {}) {
    const now = options.now ?? (() => new Date())
    this.checkpoints = new RunCheckpoints(db, now)
    this.lifecycle = new RunLifecycle(db, now, this.checkpoints)
    this.steps = new RunSteps(db, this.lifecycle, this.checkpoints)
    this.queries = new RunQueries(db, this.steps, this.checkpoints)
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

  getRun(runId: number): RunDetail | null {
    return this.queries.getRun(runId)
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
